/* Catalog tables and queries for the archive area (migration v5): sealed
 * bundles, results (the `files` rows with role 'result'), reuse references. */
#include <stdlib.h>
#include <string.h>

#include "core/catalog_int.h"
#include "dossier/catalog_archive.h"
#include "dossier/clock.h"
#include "dossier/error.h"

const char ds_catalog__schema_archive[] =
	"CREATE TABLE bundles("
	"  id INTEGER PRIMARY KEY,"
	"  dossier INTEGER NOT NULL REFERENCES dossiers(id),"
	"  version INTEGER NOT NULL CHECK(version >= 1),"
	"  path TEXT NOT NULL UNIQUE,"
	"  sha256 TEXT NOT NULL CHECK(length(sha256) = 64),"
	"  size INTEGER NOT NULL,"
	"  seal_id TEXT NOT NULL,"
	"  approver TEXT NOT NULL,"
	"  level TEXT NOT NULL CHECK(level IN ('B-B','B-T','B-LT')),"
	"  seal_p7s_sha256 TEXT NOT NULL CHECK(length(seal_p7s_sha256) = 64),"
	"  sealed_at INTEGER NOT NULL,"
	"  superseded INTEGER NOT NULL DEFAULT 0,"
	"  UNIQUE(dossier, version));"
	"CREATE TRIGGER bundles_no_delete BEFORE DELETE ON bundles"
	"  BEGIN SELECT RAISE(ABORT, 'bundles are kept'); END;"
	"CREATE TABLE reuses("
	"  id INTEGER PRIMARY KEY,"
	"  dossier INTEGER NOT NULL REFERENCES dossiers(id),"
	"  source_code TEXT NOT NULL,"
	"  source_version INTEGER NOT NULL,"
	"  bundle_sha256 TEXT NOT NULL CHECK(length(bundle_sha256) = 64),"
	"  verified_at INTEGER NOT NULL,"
	"  indication TEXT NOT NULL,"
	"  UNIQUE(dossier, source_code));";

#define BUNDLE_COLUMNS                                                                       \
	"b.id, d.code, b.version, b.path, b.sha256, b.size, b.seal_id, b.approver, b.level, " \
	"b.seal_p7s_sha256, b.sealed_at, b.superseded FROM bundles b JOIN dossiers d ON d.id = b.dossier "

static void fill_bundle(sqlite3_stmt *st, void *ptr)
{
	struct ds_bundle_row *b = ptr;
	b->id = sqlite3_column_int64(st, 0);
	ds_catalog__copy(b->code, sizeof b->code, sqlite3_column_text(st, 1));
	b->version = sqlite3_column_int(st, 2);
	ds_catalog__copy(b->path, sizeof b->path, sqlite3_column_text(st, 3));
	ds_catalog__copy(b->sha256, sizeof b->sha256, sqlite3_column_text(st, 4));
	b->size = sqlite3_column_int64(st, 5);
	ds_catalog__copy(b->seal_id, sizeof b->seal_id, sqlite3_column_text(st, 6));
	ds_catalog__copy(b->approver, sizeof b->approver, sqlite3_column_text(st, 7));
	ds_catalog__copy(b->level, sizeof b->level, sqlite3_column_text(st, 8));
	ds_catalog__copy(b->seal_p7s_sha256, sizeof b->seal_p7s_sha256, sqlite3_column_text(st, 9));
	b->sealed_at = sqlite3_column_int64(st, 10);
	b->superseded = sqlite3_column_int(st, 11);
}

static int step_done(ds_catalog *c, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);
	return rc == SQLITE_DONE ? 0 : ds_catalog__err(c, rc, what);
}

int ds_catalog_bundle_add(ds_catalog *c, const struct ds_bundle_row *b, int *version_out)
{
	sqlite3_stmt *st = NULL;
	int64_t id;
	int own = 0, err, version = 1;

	if ((err = ds_catalog__tx_begin(c, &own)) < 0)
		return err;
	if ((err = ds_catalog__dossier_id(c, b->code, &id)) < 0)
		goto done;
	if ((err = ds_catalog__prepare(c, &st, "SELECT COALESCE(MAX(version), 0) + 1 FROM bundles "
					       "WHERE dossier = ?")) < 0)
		goto done;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if ((err = ds_catalog__prepare(c, &st, "UPDATE bundles SET superseded = 1 WHERE dossier = ?")) < 0)
		goto done;
	sqlite3_bind_int64(st, 1, id);
	if ((err = step_done(c, st, "superseding bundles")) < 0)
		goto done;
	sqlite3_finalize(st);
	st = NULL;
	if ((err = ds_catalog__prepare(c, &st,
				       "INSERT INTO bundles(dossier, version, path, sha256, size, seal_id, "
				       "approver, level, seal_p7s_sha256, sealed_at) "
				       "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) < 0)
		goto done;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, version);
	sqlite3_bind_text(st, 3, b->path, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, b->sha256, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, b->size);
	sqlite3_bind_text(st, 6, b->seal_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, b->approver, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, b->level, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, b->seal_p7s_sha256, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 10, b->sealed_at);
	if ((err = step_done(c, st, "recording a bundle")) < 0)
		goto done;
	if (version_out)
		*version_out = version;
done:
	sqlite3_finalize(st);
	return ds_catalog__tx_end(c, own, err);
}

int ds_catalog_bundle_latest(ds_catalog *c, const char *code, struct ds_bundle_row *out)
{
	sqlite3_stmt *st = NULL;
	int err = ds_catalog__prepare(c, &st, "SELECT " BUNDLE_COLUMNS
					      "WHERE d.code = ? ORDER BY b.version DESC LIMIT 1");
	if (err < 0)
		return err;
	sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		memset(out, 0, sizeof *out);
		fill_bundle(st, out);
	} else if (rc == SQLITE_DONE) {
		err = ds_error_set(DS_ENOTFOUND, "dossier %s has no sealed bundle", code);
	} else {
		err = ds_catalog__err(c, rc, "reading bundles");
	}
	sqlite3_finalize(st);
	return err;
}

int ds_catalog_bundle_list(ds_catalog *c, const char *code, struct ds_bundle_row **out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	int err = ds_catalog__prepare(c, &st, "SELECT " BUNDLE_COLUMNS
					      "WHERE ?1 IS NULL OR d.code = ?1 ORDER BY d.code, b.version");
	if (err < 0)
		return err;
	if (code)
		sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
	err = ds_catalog__collect(c, st, sizeof **out, 0, (void **)out, n, fill_bundle);
	sqlite3_finalize(st);
	return err;
}

int ds_catalog_bundle_path_known(ds_catalog *c, const char *path, int *known)
{
	sqlite3_stmt *st = NULL;
	int err = ds_catalog__prepare(c, &st, "SELECT 1 FROM bundles WHERE path = ?");
	if (err < 0)
		return err;
	sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		*known = rc == SQLITE_ROW;
	else
		err = ds_catalog__err(c, rc, "reading bundles");
	sqlite3_finalize(st);
	return err;
}

static void fill_result(sqlite3_stmt *st, void *ptr)
{
	struct ds_result_row *r = ptr;
	r->id = sqlite3_column_int64(st, 0);
	ds_catalog__copy(r->sha256, sizeof r->sha256, sqlite3_column_text(st, 1));
	ds_catalog__copy(r->name, sizeof r->name, sqlite3_column_text(st, 2));
	ds_catalog__copy(r->title, sizeof r->title, sqlite3_column_text(st, 3));
	r->size = sqlite3_column_int64(st, 4);
	r->added_at = sqlite3_column_int64(st, 5);
}

int ds_catalog_result_list(ds_catalog *c, const char *code, struct ds_result_row **out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	int64_t id;
	int err = ds_catalog__dossier_id(c, code, &id);
	if (err < 0)
		return err;
	if ((err = ds_catalog__prepare(c, &st, "SELECT id, sha256, name, COALESCE(title, ''), size, "
					       "added_at FROM files WHERE dossier = ? AND role = 'result' "
					       "ORDER BY id")) < 0)
		return err;
	sqlite3_bind_int64(st, 1, id);
	err = ds_catalog__collect(c, st, sizeof **out, 0, (void **)out, n, fill_result);
	sqlite3_finalize(st);
	return err;
}

int ds_catalog_reuse_add(ds_catalog *c, const struct ds_reuse_row *r)
{
	sqlite3_stmt *st = NULL;
	int64_t id;
	int err = ds_catalog__dossier_id(c, r->code, &id);
	if (err < 0)
		return err;
	if ((err = ds_catalog__prepare(c, &st,
				       "INSERT INTO reuses(dossier, source_code, source_version, "
				       "bundle_sha256, verified_at, indication) VALUES(?, ?, ?, ?, ?, ?)")) < 0)
		return err;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, r->source_code, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, r->source_version);
	sqlite3_bind_text(st, 4, r->bundle_sha256, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, r->verified_at);
	sqlite3_bind_text(st, 6, r->indication, -1, SQLITE_STATIC);
	err = step_done(c, st, "recording a reuse");
	if (err == DS_EEXISTS)
		err = ds_error_set(DS_EEXISTS, "dossier %s already reuses %s", r->code, r->source_code);
	sqlite3_finalize(st);
	return err;
}

static void fill_reuse(sqlite3_stmt *st, void *ptr)
{
	struct ds_reuse_row *r = ptr;
	ds_catalog__copy(r->code, sizeof r->code, sqlite3_column_text(st, 0));
	ds_catalog__copy(r->source_code, sizeof r->source_code, sqlite3_column_text(st, 1));
	r->source_version = sqlite3_column_int(st, 2);
	ds_catalog__copy(r->bundle_sha256, sizeof r->bundle_sha256, sqlite3_column_text(st, 3));
	r->verified_at = sqlite3_column_int64(st, 4);
	ds_catalog__copy(r->indication, sizeof r->indication, sqlite3_column_text(st, 5));
}

int ds_catalog_reuse_list(ds_catalog *c, const char *code, struct ds_reuse_row **out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	int64_t id;
	int err = ds_catalog__dossier_id(c, code, &id);
	if (err < 0)
		return err;
	if ((err = ds_catalog__prepare(c, &st,
				       "SELECT d.code, r.source_code, r.source_version, r.bundle_sha256, "
				       "r.verified_at, r.indication FROM reuses r JOIN dossiers d "
				       "ON d.id = r.dossier WHERE r.dossier = ? ORDER BY r.id")) < 0)
		return err;
	sqlite3_bind_int64(st, 1, id);
	err = ds_catalog__collect(c, st, sizeof **out, 0, (void **)out, n, fill_reuse);
	sqlite3_finalize(st);
	return err;
}

int ds_catalog_bundles_by_applicant(ds_catalog *c, const char *applicant_id,
				    struct ds_applicant_bundle **out, size_t *n)
{
	struct ds_dossier_filter f = {.applicant_id = applicant_id};
	struct ds_dossier *d = NULL;
	struct ds_applicant_bundle *a = NULL;
	size_t nd = 0, k = 0;
	int err;

	*out = NULL;
	*n = 0;
	if ((err = ds_catalog_dossier_list(c, &f, &d, &nd)) < 0)
		return err;
	if (nd && !(a = calloc(nd, sizeof *a))) {
		err = ds_error_set(DS_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < nd; i++) {
		struct ds_bundle_row b;
		err = ds_catalog_bundle_latest(c, d[i].code, &b);
		if (err == DS_ENOTFOUND) {
			err = 0;
			continue;
		}
		if (err < 0)
			goto done;
		a[k].dossier = d[i];
		a[k].bundle = b;
		k++;
	}
	/* newest seal first */
	for (size_t i = 1; i < k; i++)
		for (size_t j = i; j > 0 && a[j - 1].bundle.sealed_at < a[j].bundle.sealed_at; j--) {
			struct ds_applicant_bundle t = a[j];
			a[j] = a[j - 1];
			a[j - 1] = t;
		}
	*out = a;
	*n = k;
	a = NULL; /* transferred */
done:
	free(a);
	free(d);
	return err;
}
