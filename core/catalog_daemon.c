/* Catalog tables and queries for dossierd: the job queue, the inbox files
 * taken, the workers (migration v6). */
#include <stdlib.h>
#include <string.h>

#include "core/catalog_int.h"
#include "dossier/catalog_daemon.h"
#include "dossier/clock.h"
#include "dossier/error.h"

const char ds_catalog__schema_daemon[] =
	"CREATE TABLE daemon_jobs (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  kind TEXT NOT NULL CHECK (kind IN ('ingest', 'ocr')),\n"
	"  subject TEXT NOT NULL,\n"
	"  state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),\n"
	"  attempts INTEGER NOT NULL DEFAULT 0,\n"
	"  error TEXT,\n"
	"  created_at INTEGER NOT NULL,\n"
	"  updated_at INTEGER NOT NULL\n"
	");\n"
	/* one live job per subject: an event seen twice queues one job */
	"CREATE UNIQUE INDEX daemon_jobs_live ON daemon_jobs(kind, subject)\n"
	"  WHERE state IN ('queued', 'running');\n"
	"CREATE INDEX daemon_jobs_state ON daemon_jobs(kind, state, id);\n"
	"CREATE TABLE inbox_files (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  name TEXT NOT NULL,\n"
	"  sha256 TEXT NOT NULL,\n"
	"  size INTEGER NOT NULL,\n"
	"  state TEXT NOT NULL CHECK (state IN ('ingested', 'rejected')),\n"
	"  dossiers TEXT NOT NULL DEFAULT '',\n"
	"  pages INTEGER NOT NULL DEFAULT 0,\n"
	"  reason TEXT NOT NULL DEFAULT '',\n"
	"  dest TEXT NOT NULL DEFAULT '',\n"
	"  sidecar TEXT NOT NULL DEFAULT '',\n"
	"  moved INTEGER NOT NULL DEFAULT 0,\n"
	"  at INTEGER NOT NULL\n"
	");\n"
	/* the same bytes are ingested once: a second drop is a duplicate */
	"CREATE UNIQUE INDEX inbox_files_once ON inbox_files(sha256) WHERE state = 'ingested';\n"
	"CREATE INDEX inbox_files_pending ON inbox_files(moved) WHERE moved = 0;\n"
	"CREATE TABLE daemon_workers (\n"
	"  name TEXT PRIMARY KEY,\n"
	"  pid INTEGER NOT NULL,\n"
	"  state TEXT NOT NULL,\n"
	"  job TEXT NOT NULL DEFAULT '',\n"
	"  since INTEGER NOT NULL,\n"
	"  heartbeat INTEGER NOT NULL\n"
	");\n";

/* Migration v7: how often a job was found running at a start (its process
 * died holding it: a crash, a kill, a time-out), so that a file that kills
 * the daemon is given up after a few starts instead of killing it forever;
 * and whether a page's resolution was estimated from its paper size. */
const char ds_catalog__schema_daemon2[] =
	"ALTER TABLE daemon_jobs ADD COLUMN interrupted INTEGER NOT NULL DEFAULT 0;\n"
	"ALTER TABLE pages ADD COLUMN dpi_estimated INTEGER NOT NULL DEFAULT 0;\n";

/* ---- jobs ---- */

#define JOB_COLUMNS "id, kind, subject, state, attempts, error, created_at, updated_at, interrupted"

static void fill_job(sqlite3_stmt *st, struct ds_job *j)
{
	memset(j, 0, sizeof(*j));
	j->id = sqlite3_column_int64(st, 0);
	ds_catalog__copy(j->kind, sizeof(j->kind), sqlite3_column_text(st, 1));
	ds_catalog__copy(j->subject, sizeof(j->subject), sqlite3_column_text(st, 2));
	ds_catalog__copy(j->state, sizeof(j->state), sqlite3_column_text(st, 3));
	j->attempts = sqlite3_column_int(st, 4);
	ds_catalog__copy(j->error, sizeof(j->error), sqlite3_column_text(st, 5));
	j->created_at = sqlite3_column_int64(st, 6);
	j->updated_at = sqlite3_column_int64(st, 7);
	j->interrupted = sqlite3_column_int(st, 8);
}

static int check_subject(const char *kind, const char *subject)
{
	if (!kind || (strcmp(kind, DS_JOB_INGEST) != 0 && strcmp(kind, DS_JOB_OCR) != 0))
		return ds_error_set(DS_EINVALID, "job kind '%s' unknown", kind ? kind : "(null)");
	if (!subject || !*subject || strlen(subject) >= DS_INBOX_NAME_MAX)
		return ds_error_set(DS_EINVALID, "job subject empty or longer than %d bytes",
				    DS_INBOX_NAME_MAX - 1);
	return 0;
}

int ds_catalog_job_enqueue(ds_catalog *c, const char *kind, const char *subject,
			   int64_t *id_out, int *added)
{
	sqlite3_stmt *st = NULL;
	int own = 0, err, rc;
	int64_t now = ds_now();

	if (added)
		*added = 0;
	if ((err = check_subject(kind, subject)) < 0)
		return err;
	if ((err = ds_catalog__tx_begin(c, &own)) < 0)
		return err;
	if ((err = ds_catalog__prepare(c, &st,
				       "SELECT id FROM daemon_jobs WHERE kind = ? AND subject = ? "
				       "AND state IN ('queued', 'running')")) < 0)
		goto done;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, subject, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (id_out)
			*id_out = sqlite3_column_int64(st, 0);
		goto done;
	}
	if (rc != SQLITE_DONE) {
		err = ds_catalog__err(c, rc, "looking up a job");
		goto done;
	}
	sqlite3_finalize(st);
	st = NULL;
	if ((err = ds_catalog__prepare(c, &st,
				       "INSERT INTO daemon_jobs (kind, subject, state, created_at, "
				       "updated_at) VALUES (?, ?, 'queued', ?, ?)")) < 0)
		goto done;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, subject, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_int64(st, 4, now);
	if ((rc = sqlite3_step(st)) != SQLITE_DONE) {
		err = ds_catalog__err(c, rc, "queueing a job");
		goto done;
	}
	if (id_out)
		*id_out = sqlite3_last_insert_rowid(c->db);
	if (added)
		*added = 1;
done:
	sqlite3_finalize(st);
	return ds_catalog__tx_end(c, own, err);
}

static int claim(ds_catalog *c, const char *kind, struct ds_job *out);

int ds_catalog_job_claim(ds_catalog *c, const char *kind, struct ds_job *out)
{
	int err;

	if (c->in_tx)
		return claim(c, kind, out);
	/* A claim need not reach the disk by itself: after a power loss the job
	 * is merely queued again with one attempt fewer. The next synchronous
	 * commit (the ingest's) carries it along in the WAL. A killed process
	 * loses nothing either way: the OS has the bytes. */
	if ((err = ds_catalog__exec(c, "PRAGMA synchronous = NORMAL")) < 0)
		return err;
	err = claim(c, kind, out);
	int e2 = ds_catalog__exec(c, "PRAGMA synchronous = FULL");
	return err < 0 ? err : e2;
}

static int claim(ds_catalog *c, const char *kind, struct ds_job *out)
{
	sqlite3_stmt *st = NULL;
	int own = 0, err, rc;

	if ((err = ds_catalog__tx_begin(c, &own)) < 0)
		return err;
	if ((err = ds_catalog__prepare(c, &st,
				       "SELECT " JOB_COLUMNS " FROM daemon_jobs WHERE kind = ? AND "
				       "state = 'queued' ORDER BY id LIMIT 1")) < 0)
		goto done;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		err = ds_error_set(DS_ENOTFOUND, "no %s job queued", kind);
		goto done;
	}
	if (rc != SQLITE_ROW) {
		err = ds_catalog__err(c, rc, "claiming a job");
		goto done;
	}
	fill_job(st, out);
	sqlite3_finalize(st);
	st = NULL;
	if ((err = ds_catalog__prepare(c, &st,
				       "UPDATE daemon_jobs SET state = 'running', attempts = "
				       "attempts + 1, updated_at = ? WHERE id = ?")) < 0)
		goto done;
	sqlite3_bind_int64(st, 1, ds_now());
	sqlite3_bind_int64(st, 2, out->id);
	if ((rc = sqlite3_step(st)) != SQLITE_DONE) {
		err = ds_catalog__err(c, rc, "claiming a job");
		goto done;
	}
	memcpy(out->state, DS_JOB_RUNNING, sizeof(DS_JOB_RUNNING));
	out->attempts++;
done:
	sqlite3_finalize(st);
	return ds_catalog__tx_end(c, own, err);
}

static int job_update(ds_catalog *c, const char *sql, int64_t id, const char *state,
		      const char *error)
{
	sqlite3_stmt *st = NULL;
	int own = 0, err, rc;

	if ((err = ds_catalog__tx_begin(c, &own)) < 0)
		return err;
	if ((err = ds_catalog__prepare(c, &st, sql)) < 0)
		goto done;
	sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
	if (error)
		sqlite3_bind_text(st, 2, error, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 2);
	sqlite3_bind_int64(st, 3, ds_now());
	sqlite3_bind_int64(st, 4, id);
	if ((rc = sqlite3_step(st)) != SQLITE_DONE) {
		err = ds_catalog__err(c, rc, "updating a job");
		goto done;
	}
	if (sqlite3_changes(c->db) != 1)
		err = ds_error_set(DS_ENOTFOUND, "job %lld not found", (long long)id);
done:
	sqlite3_finalize(st);
	return ds_catalog__tx_end(c, own, err);
}

int ds_catalog_job_finish(ds_catalog *c, int64_t id, const char *state, const char *error)
{
	if (!state || (strcmp(state, DS_JOB_DONE) != 0 && strcmp(state, DS_JOB_FAILED) != 0))
		return ds_error_set(DS_EINVALID, "a job finishes done or failed, not '%s'",
				    state ? state : "(null)");
	return job_update(c,
			  "UPDATE daemon_jobs SET state = ?1, error = ?2, updated_at = ?3 "
			  "WHERE id = ?4",
			  id, state, error);
}

int ds_catalog_job_requeue(ds_catalog *c, int64_t id, int refund, const char *error)
{
	return job_update(c,
			  refund ? "UPDATE daemon_jobs SET state = ?1, error = ?2, updated_at = ?3, "
				   "attempts = MAX(attempts - 1, 0) WHERE id = ?4"
				 : "UPDATE daemon_jobs SET state = ?1, error = ?2, updated_at = ?3 "
				   "WHERE id = ?4",
			  id, DS_JOB_QUEUED, error);
}

int ds_catalog_jobs_recover(ds_catalog *c, const char *kind, size_t *n)
{
	sqlite3_stmt *st = NULL;
	int err, rc;

	if ((err = ds_catalog__prepare(c, &st,
				       "UPDATE daemon_jobs SET state = 'queued', updated_at = ?1, "
				       "interrupted = interrupted + 1 "
				       "WHERE state = 'running' AND (?2 IS NULL OR kind = ?2)")) < 0)
		return err;
	sqlite3_bind_int64(st, 1, ds_now());
	if (kind)
		sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 2);
	if ((rc = sqlite3_step(st)) != SQLITE_DONE)
		err = ds_catalog__err(c, rc, "recovering jobs");
	else if (n)
		*n = (size_t)sqlite3_changes(c->db);
	sqlite3_finalize(st);
	return err;
}

static void fill_job_v(sqlite3_stmt *st, void *p)
{
	fill_job(st, p);
}

int ds_catalog_job_list(ds_catalog *c, const char *kind, const char *state, size_t max,
			struct ds_job **out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	int err;

	*out = NULL;
	*n = 0;
	if ((err = ds_catalog__prepare(c, &st,
				       "SELECT " JOB_COLUMNS " FROM daemon_jobs WHERE "
				       "(?1 IS NULL OR kind = ?1) AND (?2 IS NULL OR state = ?2) "
				       "ORDER BY updated_at DESC, id DESC")) < 0)
		return err;
	if (kind)
		sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	if (state)
		sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC);
	err = ds_catalog__collect(c, st, sizeof(**out), max, (void **)out, n, fill_job_v);
	sqlite3_finalize(st);
	return err;
}

static int count(ds_catalog *c, const char *sql, const char *a, const char *b, int64_t *out)
{
	sqlite3_stmt *st = NULL;
	int err, rc;

	if ((err = ds_catalog__prepare(c, &st, sql)) < 0)
		return err;
	if (a)
		sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	if (b)
		sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	else
		err = ds_catalog__err(c, rc, "counting rows");
	sqlite3_finalize(st);
	return err;
}

int ds_catalog_job_count(ds_catalog *c, const char *kind, const char *state, int64_t *out)
{
	return count(c,
		     "SELECT COUNT(*) FROM daemon_jobs WHERE (?1 IS NULL OR kind = ?1) AND "
		     "(?2 IS NULL OR state = ?2)",
		     kind, state, out);
}

/* ---- inbox files ---- */

#define INBOX_COLUMNS "id, name, sha256, size, state, dossiers, pages, reason, dest, sidecar, moved, at"

static void fill_inbox(sqlite3_stmt *st, void *p)
{
	struct ds_inbox_file *f = p;
	memset(f, 0, sizeof(*f));
	f->id = sqlite3_column_int64(st, 0);
	ds_catalog__copy(f->name, sizeof(f->name), sqlite3_column_text(st, 1));
	ds_catalog__copy(f->sha256, sizeof(f->sha256), sqlite3_column_text(st, 2));
	f->size = sqlite3_column_int64(st, 3);
	ds_catalog__copy(f->state, sizeof(f->state), sqlite3_column_text(st, 4));
	ds_catalog__copy(f->dossiers, sizeof(f->dossiers), sqlite3_column_text(st, 5));
	f->pages = sqlite3_column_int(st, 6);
	ds_catalog__copy(f->reason, sizeof(f->reason), sqlite3_column_text(st, 7));
	ds_catalog__copy(f->dest, sizeof(f->dest), sqlite3_column_text(st, 8));
	ds_catalog__copy(f->sidecar, sizeof(f->sidecar), sqlite3_column_text(st, 9));
	f->moved = sqlite3_column_int(st, 10);
	f->at = sqlite3_column_int64(st, 11);
}

int ds_catalog_inbox_add(ds_catalog *c, const struct ds_inbox_file *f, int64_t *id_out)
{
	sqlite3_stmt *st = NULL;
	int err, rc;

	if (strcmp(f->state, DS_INBOX_STATE_INGESTED) != 0 && strcmp(f->state, DS_INBOX_STATE_REJECTED) != 0)
		return ds_error_set(DS_EINVALID, "inbox file state '%s' unknown", f->state);
	if ((err = ds_catalog__prepare(c, &st,
				       "INSERT INTO inbox_files (name, sha256, size, state, dossiers, "
				       "pages, reason, dest, sidecar, moved, at) "
				       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) < 0)
		return err;
	sqlite3_bind_text(st, 1, f->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, f->sha256, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, f->size);
	sqlite3_bind_text(st, 4, f->state, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, f->dossiers, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, f->pages);
	sqlite3_bind_text(st, 7, f->reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, f->dest, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, f->sidecar, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 10, f->moved);
	sqlite3_bind_int64(st, 11, f->at ? f->at : ds_now());
	if ((rc = sqlite3_step(st)) != SQLITE_DONE)
		err = ds_catalog__err(c, rc, "recording an inbox file");
	else if (id_out)
		*id_out = sqlite3_last_insert_rowid(c->db);
	sqlite3_finalize(st);
	return err;
}

int ds_catalog_inbox_moved(ds_catalog *c, int64_t id)
{
	sqlite3_stmt *st = NULL;
	int err, rc;

	if ((err = ds_catalog__prepare(c, &st, "UPDATE inbox_files SET moved = 1 WHERE id = ?")) < 0)
		return err;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) != SQLITE_DONE)
		err = ds_catalog__err(c, rc, "marking an inbox file moved");
	sqlite3_finalize(st);
	return err;
}

int ds_catalog_inbox_pending(ds_catalog *c, struct ds_inbox_file **out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	int err;

	*out = NULL;
	*n = 0;
	if ((err = ds_catalog__prepare(c, &st,
				       "SELECT " INBOX_COLUMNS " FROM inbox_files WHERE moved = 0 "
				       "ORDER BY id")) < 0)
		return err;
	err = ds_catalog__collect(c, st, sizeof(**out), 0, (void **)out, n, fill_inbox);
	sqlite3_finalize(st);
	return err;
}

int ds_catalog_inbox_find(ds_catalog *c, const char *sha256, struct ds_inbox_file *out)
{
	sqlite3_stmt *st = NULL;
	int err, rc;

	if ((err = ds_catalog__prepare(c, &st,
				       "SELECT " INBOX_COLUMNS " FROM inbox_files WHERE sha256 = ? "
				       "AND state = 'ingested'")) < 0)
		return err;
	sqlite3_bind_text(st, 1, sha256, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		fill_inbox(st, out);
	else if (rc == SQLITE_DONE)
		err = DS_ENOTFOUND; /* an answer, not an error */
	else
		err = ds_catalog__err(c, rc, "finding an inbox file");
	sqlite3_finalize(st);
	return err;
}

int ds_catalog_inbox_list(ds_catalog *c, const char *state, size_t max,
			  struct ds_inbox_file **out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	int err;

	*out = NULL;
	*n = 0;
	if ((err = ds_catalog__prepare(c, &st,
				       "SELECT " INBOX_COLUMNS " FROM inbox_files WHERE "
				       "(?1 IS NULL OR state = ?1) ORDER BY id DESC")) < 0)
		return err;
	if (state)
		sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
	err = ds_catalog__collect(c, st, sizeof(**out), max, (void **)out, n, fill_inbox);
	sqlite3_finalize(st);
	return err;
}

int ds_catalog_inbox_count(ds_catalog *c, const char *state, int64_t *out)
{
	return count(c, "SELECT COUNT(*) FROM inbox_files WHERE (?1 IS NULL OR state = ?1)", state,
		     NULL, out);
}

/* ---- workers ---- */

int ds_catalog_worker_set(ds_catalog *c, const struct ds_worker *w)
{
	sqlite3_stmt *st = NULL;
	int err, rc;
	int64_t now = ds_now();

	if ((err = ds_catalog__prepare(c, &st,
				       "INSERT INTO daemon_workers (name, pid, state, job, since, "
				       "heartbeat) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
				       "ON CONFLICT(name) DO UPDATE SET pid = ?2, state = ?3, job = ?4, "
				       "since = ?5, heartbeat = ?6")) < 0)
		return err;
	sqlite3_bind_text(st, 1, w->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, w->pid);
	sqlite3_bind_text(st, 3, w->state, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, w->job, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, w->since ? w->since : now);
	sqlite3_bind_int64(st, 6, now);
	if ((rc = sqlite3_step(st)) != SQLITE_DONE)
		err = ds_catalog__err(c, rc, "recording a worker");
	sqlite3_finalize(st);
	return err;
}

int ds_catalog_worker_clear(ds_catalog *c, int64_t pid)
{
	sqlite3_stmt *st = NULL;
	int err, rc;

	if ((err = ds_catalog__prepare(c, &st,
				       "DELETE FROM daemon_workers WHERE ?1 = 0 OR pid = ?1")) < 0)
		return err;
	sqlite3_bind_int64(st, 1, pid);
	if ((rc = sqlite3_step(st)) != SQLITE_DONE)
		err = ds_catalog__err(c, rc, "clearing workers");
	sqlite3_finalize(st);
	return err;
}

static void fill_worker(sqlite3_stmt *st, void *p)
{
	struct ds_worker *w = p;
	memset(w, 0, sizeof(*w));
	ds_catalog__copy(w->name, sizeof(w->name), sqlite3_column_text(st, 0));
	w->pid = sqlite3_column_int64(st, 1);
	ds_catalog__copy(w->state, sizeof(w->state), sqlite3_column_text(st, 2));
	ds_catalog__copy(w->job, sizeof(w->job), sqlite3_column_text(st, 3));
	w->since = sqlite3_column_int64(st, 4);
	w->heartbeat = sqlite3_column_int64(st, 5);
}

int ds_catalog_worker_list(ds_catalog *c, struct ds_worker **out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	int err;

	*out = NULL;
	*n = 0;
	if ((err = ds_catalog__prepare(c, &st,
				       "SELECT name, pid, state, job, since, heartbeat FROM "
				       "daemon_workers ORDER BY name")) < 0)
		return err;
	err = ds_catalog__collect(c, st, sizeof(**out), 0, (void **)out, n, fill_worker);
	sqlite3_finalize(st);
	return err;
}
