/* dossier check: the catalog against the store. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/catalog_int.h"
#include "dossier/check.h"
#include "dossier/clock.h"
#include "dossier/error.h"
#include "dossier/fs.h"
#include "dossier/store.h"

const char *ds_finding_kind_name(enum ds_finding_kind k)
{
	switch (k) {
	case DS_FINDING_LOSS: return "loss";
	case DS_FINDING_CORRUPT: return "corrupt";
	case DS_FINDING_UNFINISHED: return "unfinished";
	default: return "leftover";
	}
}

struct ctx {
	ds_home *h;
	const struct ds_check_opts *o;
	size_t n;
	char (*refs)[65];
	size_t nrefs;
};

static void finding(struct ctx *x, enum ds_finding_kind k, const char *what, const char *detail)
{
	x->n++;
	if (x->o->on_finding)
		x->o->on_finding(x->o->arg, k, what, detail);
}

static int cmp_hex(const void *a, const void *b) { return strcmp(a, b); }

/* The event chain whole, the append-only triggers in place. A tail not yet
 * covered by a checkpoint is not a finding: only a signed checkpoint kept
 * elsewhere can tell a truncated tail (`dossier log verify`). */
static int events_checks(struct ctx *x)
{
	char missing[512];
	int err = ds_catalog_event_chain_verify(x->h->catalog, NULL, NULL);
	if (err == DS_ECORRUPT)
		finding(x, DS_FINDING_CORRUPT, "events", ds_error_last());
	else if (err < 0)
		return err;
	if ((err = ds_catalog_event_triggers_check(x->h->catalog, missing, sizeof missing)) < 0)
		return err;
	if (err > 0) {
		char detail[640];
		ds_fmt(detail, sizeof detail, "append-only triggers dropped: %s", missing);
		finding(x, DS_FINDING_CORRUPT, "catalog.db", detail);
	}
	return 0;
}

static int sqlite_checks(struct ctx *x)
{
	sqlite3_stmt *st = NULL;
	int err;
	if ((err = ds_catalog__prepare(x->h->catalog, &st, "PRAGMA integrity_check")) < 0)
		return err;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *r = (const char *)sqlite3_column_text(st, 0);
		if (r && strcmp(r, "ok") != 0)
			finding(x, DS_FINDING_CORRUPT, "catalog.db", r);
	}
	sqlite3_finalize(st);
	if ((err = ds_catalog__prepare(x->h->catalog, &st, "PRAGMA foreign_key_check")) < 0)
		return err;
	while (sqlite3_step(st) == SQLITE_ROW) {
		char detail[256];
		ds_fmt(detail, sizeof detail, "row %lld of %s names a missing %s row",
		       (long long)sqlite3_column_int64(st, 1), sqlite3_column_text(st, 0),
		       sqlite3_column_text(st, 2));
		finding(x, DS_FINDING_CORRUPT, "catalog.db", detail);
	}
	sqlite3_finalize(st);
	return events_checks(x);
}

static int older_than(const char *path, int64_t age)
{
	struct stat st;
	return stat(path, &st) == 0 && ds_now() - (int64_t)st.st_mtime >= age;
}

static int on_blob(const char *hex, void *arg)
{
	struct ctx *x = arg;
	if (x->nrefs > 0 && bsearch(hex, x->refs, x->nrefs, sizeof x->refs[0], cmp_hex))
		return 0;
	char path[DS_PATH_MAX];
	if (ds_store_path(x->h->store, hex, path, sizeof path) < 0)
		return 0;
	finding(x, DS_FINDING_LEFTOVER, path, "blob that no catalog row names");
	if (x->o->remove_leftovers && older_than(path, x->o->leftover_min_age) &&
	    ds_store_lock(x->h->store) == 0) {
		/* asked again under the store's lock: an ingest may have found
		 * this blob and committed rows naming it since the list was read
		 * (see ds_ingest_lock) */
		int named = 1;
		if (ds_catalog_blob_referenced(x->h->catalog, hex, &named) == 0 && !named)
			unlink(path);
		ds_store_unlock(x->h->store);
	}
	return 0;
}

/* Temp files (*.tmp-*, *.in) left in the store by an interrupted write. */
static void temp_files(struct ctx *x, const char *dir, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		char path[DS_PATH_MAX];
		if (de->d_name[0] == '.' || ds_path_join(path, sizeof path, dir, de->d_name) < 0)
			continue;
		if (depth < 2) {
			temp_files(x, path, depth + 1);
		} else if (strstr(de->d_name, ".tmp-") || strstr(de->d_name, ".in")) {
			finding(x, DS_FINDING_LEFTOVER, path, "temp file of an interrupted write");
			if (x->o->remove_leftovers && older_than(path, x->o->leftover_min_age))
				unlink(path);
		}
	}
	closedir(d);
}

/* Every seal_granted event is followed by its outcome (sealed, resealed or
 * seal_failed) on the same dossier: a grant left without one is a seal
 * interrupted (a crash, a kill) after the policy allowed it. Outcomes are
 * matched to the oldest grant still open, so two attempts that overlap
 * still pair up. */
#define PENDING_MAX 16
static void grants_report(struct ctx *x, const char *code, const int64_t *ids, size_t n,
			  size_t more)
{
	char detail[256];
	for (size_t i = 0; i < n; i++) {
		ds_fmt(detail, sizeof detail, "seal_granted (event %lld) has no outcome (sealed or "
					      "seal_failed): the seal was interrupted",
		       (long long)ids[i]);
		finding(x, DS_FINDING_UNFINISHED, code, detail);
	}
	if (more) {
		ds_fmt(detail, sizeof detail, "%zu more seal_granted events without an outcome", more);
		finding(x, DS_FINDING_UNFINISHED, code, detail);
	}
}

static int seal_outcomes_check(struct ctx *x)
{
	sqlite3_stmt *st = NULL;
	int64_t pending[PENDING_MAX], cur = -1;
	size_t np = 0, more = 0;
	char code[DS_CODE_MAX] = "";
	int err, rc;
	if ((err = ds_catalog__prepare(
		     x->h->catalog, &st,
		     "SELECT e.id, COALESCE(e.dossier, 0), COALESCE(d.code, ''), e.action FROM events e "
		     "LEFT JOIN dossiers d ON d.id = e.dossier "
		     "WHERE e.action IN ('seal_granted', 'sealed', 'resealed', 'seal_failed') "
		     "ORDER BY e.dossier, e.id")) < 0)
		return err;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0), dossier = sqlite3_column_int64(st, 1);
		const char *action = (const char *)sqlite3_column_text(st, 3);
		if (dossier != cur) {
			grants_report(x, code[0] ? code : "(site)", pending, np, more);
			np = more = 0;
			cur = dossier;
			ds_fmt(code, sizeof code, "%s", (const char *)sqlite3_column_text(st, 2));
		}
		if (action && strcmp(action, "seal_granted") == 0) {
			if (np < PENDING_MAX)
				pending[np++] = id;
			else
				more++;
		} else if (more) {
			more--;
		} else if (np) {
			memmove(pending, pending + 1, (np - 1) * sizeof pending[0]);
			np--;
		}
	}
	if (rc != SQLITE_DONE)
		err = ds_catalog__err(x->h->catalog, rc, "reading the seal events");
	else
		grants_report(x, code[0] ? code : "(site)", pending, np, more);
	sqlite3_finalize(st);
	return err;
}

int ds_check_catalog_store(ds_home *h, const struct ds_check_opts *o, size_t *nfindings)
{
	struct ctx x = {.h = h, .o = o};
	int err;
	char dir[DS_PATH_MAX];

	if ((err = sqlite_checks(&x)) < 0 || (err = seal_outcomes_check(&x)) < 0)
		goto done;
	if ((err = ds_catalog_blob_refs(h->catalog, &x.refs, &x.nrefs)) < 0)
		goto done;
	if (x.nrefs > 0)
		qsort(x.refs, x.nrefs, sizeof x.refs[0], cmp_hex);
	for (size_t i = 0; i < x.nrefs; i++) {
		int e = ds_store_check(h->store, x.refs[i]);
		if (e == DS_ENOTFOUND)
			finding(&x, DS_FINDING_LOSS, x.refs[i], "named by the catalog, missing from the store");
		else if (e == DS_ECORRUPT)
			finding(&x, DS_FINDING_CORRUPT, x.refs[i], ds_error_last());
		else if (e < 0) {
			err = e;
			goto done;
		}
	}
	if ((err = ds_store_each(h->store, on_blob, &x)) < 0)
		goto done;
	if ((err = ds_home_path(h, "store/sha256", dir, sizeof dir)) < 0)
		goto done;
	temp_files(&x, dir, 0);
done:
	free(x.refs);
	*nfindings = x.n;
	return err;
}
