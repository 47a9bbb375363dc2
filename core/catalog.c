/* The catalog's SQLite backend: connection, migrations, transactions,
 * departments, procedures, dossiers, events, files and pages. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/catalog_int.h"
#include "dossier/clock.h"
#include "dossier/error.h"
#include "dossier/fs.h"

static const char schema_v1[] =
	"CREATE TABLE departments("
	"  code TEXT PRIMARY KEY CHECK(length(code) BETWEEN 1 AND 31),"
	"  name TEXT NOT NULL);"
	"CREATE TABLE procedures("
	"  code TEXT PRIMARY KEY CHECK(length(code) BETWEEN 1 AND 63),"
	"  name TEXT NOT NULL,"
	"  department TEXT NOT NULL REFERENCES departments(code),"
	"  days INTEGER NOT NULL CHECK(days BETWEEN 0 AND 3650));"
	"CREATE TABLE dossiers("
	"  id INTEGER PRIMARY KEY,"
	"  code TEXT NOT NULL UNIQUE,"
	"  agency TEXT NOT NULL,"
	"  day TEXT NOT NULL,"
	"  seq INTEGER NOT NULL,"
	"  procedure TEXT NOT NULL REFERENCES procedures(code),"
	"  applicant_id TEXT NOT NULL,"
	"  applicant_name TEXT NOT NULL,"
	"  received_at INTEGER NOT NULL,"
	"  due_at INTEGER NOT NULL,"
	"  state TEXT NOT NULL CHECK(state IN ('received','digitized','sealed','returned',"
	"                                      'supplement_requested','rejected')),"
	"  UNIQUE(agency, day, seq));"
	"CREATE INDEX dossiers_applicant ON dossiers(applicant_id);"
	"CREATE INDEX dossiers_state ON dossiers(state, due_at);"
	"CREATE TABLE files("
	"  id INTEGER PRIMARY KEY,"
	"  dossier INTEGER NOT NULL REFERENCES dossiers(id),"
	"  sha256 TEXT NOT NULL CHECK(length(sha256) = 64),"
	"  name TEXT NOT NULL,"
	"  size INTEGER NOT NULL,"
	"  pages INTEGER NOT NULL,"
	"  role TEXT NOT NULL CHECK(role IN ('scan','result')),"
	"  title TEXT,"
	"  added_at INTEGER NOT NULL);"
	"CREATE INDEX files_sha256 ON files(sha256);"
	"CREATE INDEX files_dossier ON files(dossier);"
	"CREATE TABLE pages("
	"  id INTEGER PRIMARY KEY,"
	"  dossier INTEGER NOT NULL REFERENCES dossiers(id),"
	"  kind TEXT NOT NULL DEFAULT 'page' CHECK(kind IN ('page','cover')),"
	"  number INTEGER NOT NULL CHECK(number >= 1),"
	"  sha256 TEXT NOT NULL CHECK(length(sha256) = 64),"
	"  file INTEGER REFERENCES files(id),"
	"  file_page INTEGER NOT NULL DEFAULT 0,"
	"  width INTEGER NOT NULL, height INTEGER NOT NULL,"
	"  dpi INTEGER NOT NULL, bits INTEGER NOT NULL,"
	"  ocr_state TEXT NOT NULL DEFAULT 'pending'"
	"    CHECK(ocr_state IN ('pending','done','failed','skipped')),"
	"  ocr_error TEXT,"
	"  clean_sha256 TEXT, text_sha256 TEXT, hocr_sha256 TEXT,"
	"  language TEXT, ocr_confidence REAL,"
	"  rotation INTEGER NOT NULL DEFAULT 0 CHECK(rotation IN (0,90,180,270)),"
	"  skew REAL NOT NULL DEFAULT 0,"
	"  binarized INTEGER NOT NULL DEFAULT 0,"
	"  blank INTEGER NOT NULL DEFAULT 0,"
	"  UNIQUE(dossier, kind, number));"
	"CREATE TABLE events("
	"  id INTEGER PRIMARY KEY,"
	"  dossier INTEGER REFERENCES dossiers(id),"
	"  at INTEGER NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  action TEXT NOT NULL,"
	"  detail TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX events_dossier ON events(dossier, id);"
	"CREATE TRIGGER events_no_update BEFORE UPDATE ON events"
	"  BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;"
	"CREATE TRIGGER events_no_delete BEFORE DELETE ON events"
	"  BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;";

/* v9: text typed before dossier normalised it (an input method's decomposed
 * marks) becomes NFC where nothing was hashed over it, and the search index
 * is rebuilt from NFC text, so that `search --exact` finds a name whichever
 * way it was typed. The dossier rows (code, applicant…) and the events keep
 * what they recorded: the event chain is computed over them, and a signed
 * checkpoint may commit to its head. ds_nfc() is registered on every
 * connection (catalog open). */
static const char schema_nfc[] =
	"UPDATE departments SET name = ds_nfc(name) WHERE name <> ds_nfc(name);"
	"UPDATE procedures SET name = ds_nfc(name) WHERE name <> ds_nfc(name);"
	"UPDATE files SET title = ds_nfc(title) WHERE title <> ds_nfc(title);"
	"UPDATE search_docs SET body = ds_nfc(body) WHERE body <> ds_nfc(body);"
	"INSERT INTO search_fold(search_fold) VALUES('rebuild');"
	"INSERT INTO search_exact(search_exact) VALUES('rebuild');";

/* The migration list: index i brings user_version from i to i+1. Areas own
 * their scripts (catalog_int.h); a slot's position never changes. */
static const char *const migrations[] = {
	schema_v1,
	ds_catalog__schema_ocr,
	ds_catalog__schema_signer,
	ds_catalog__schema_seallog,
	ds_catalog__schema_archive,
	ds_catalog__schema_daemon,
	ds_catalog__schema_daemon2,
	ds_catalog__schema_chain,
	schema_nfc,
};
/* Run after a migration's script, in its transaction (NULL: none). */
static int (*const migration_hooks[])(ds_catalog *) = {
	NULL, NULL, NULL, NULL, NULL, NULL, NULL, ds_catalog__schema_chain_hook, NULL,
};
_Static_assert(sizeof migration_hooks / sizeof migration_hooks[0] ==
		       sizeof migrations / sizeof migrations[0],
	       "one hook slot per migration");
#define NMIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

int ds_catalog_schema_latest(void) { return NMIGRATIONS; }

int ds_catalog__err(ds_catalog *c, int rc, const char *what)
{
	int code = DS_ERROR;
	int base = rc & 0xff;
	if (base == SQLITE_BUSY || base == SQLITE_LOCKED)
		code = DS_EBUSY;
	else if (base == SQLITE_CONSTRAINT)
		code = DS_EEXISTS;
	else if (base == SQLITE_NOMEM)
		code = DS_ENOMEM;
	else if (base == SQLITE_CORRUPT || base == SQLITE_NOTADB)
		code = DS_ECORRUPT;
	else if (base == SQLITE_IOERR || base == SQLITE_FULL || base == SQLITE_CANTOPEN ||
		 base == SQLITE_READONLY)
		code = DS_EIO;
	if (c && c->readonly && base == SQLITE_READONLY)
		return ds_error_set(DS_EPERM, "%s: %s: the catalog was opened read-only (the home "
				    "cannot be written here, or the disk is full)", c->path, what);
	return ds_error_set(code, "%s: %s: %s", c ? c->path : "catalog", what,
			    c && c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
}

int ds_catalog__bind_nfc(sqlite3_stmt *st, int i, const char *s)
{
	char *t = NULL;
	int err = ds_text_nfc(&t, s, strlen(s));
	if (err < 0)
		return err;
	/* SQLite frees t, also when binding fails */
	if (sqlite3_bind_text(st, i, t, -1, free) != SQLITE_OK)
		return ds_error_set(DS_ENOMEM, "cannot bind text");
	return 0;
}

int ds_catalog__prepare(ds_catalog *c, sqlite3_stmt **st, const char *sql)
{
	int rc = sqlite3_prepare_v2(c->db, sql, -1, st, NULL);
	if (rc != SQLITE_OK)
		return ds_catalog__err(c, rc, "prepare");
	return 0;
}

int ds_catalog__exec(ds_catalog *c, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(c->db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		int err = ds_catalog__err(c, rc, msg ? msg : "exec");
		sqlite3_free(msg);
		return err;
	}
	return 0;
}

void ds_catalog__copy(char *dst, size_t n, const unsigned char *src)
{
	if (!src) {
		dst[0] = '\0';
		return;
	}
	size_t len = strnlen((const char *)src, n - 1);
	memcpy(dst, src, len);
	dst[len] = '\0';
}

int ds_catalog_begin(ds_catalog *c)
{
	if (c->in_tx)
		return ds_error_set(DS_ERROR, "catalog: nested transaction");
	int err = ds_catalog__exec(c, "BEGIN IMMEDIATE");
	if (err == 0)
		c->in_tx = 1;
	return err;
}

int ds_catalog_commit(ds_catalog *c)
{
	int err = ds_catalog__exec(c, "COMMIT");
	if (err == 0) {
		c->in_tx = 0;
		return 0;
	}
	/* A COMMIT that failed may leave the transaction open, holding the
	 * write lock: undone here, so that no caller goes on (taking other
	 * locks, or asking the catalog) inside it. The error message stays. */
	ds_catalog_rollback(c);
	return err;
}

int ds_catalog_rollback(ds_catalog *c)
{
	if (!c->in_tx)
		return 0;
	c->in_tx = 0;
	/* keep the error that made us roll back */
	char *msg = NULL;
	sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, &msg);
	sqlite3_free(msg);
	return 0;
}

int ds_catalog_in_transaction(const ds_catalog *c) { return c->in_tx; }

int ds_catalog__tx_begin(ds_catalog *c, int *own)
{
	*own = 0;
	if (c->in_tx)
		return 0;
	int err = ds_catalog_begin(c);
	if (err == 0)
		*own = 1;
	return err;
}

int ds_catalog__tx_end(ds_catalog *c, int own, int err)
{
	if (!own)
		return err;
	if (err < 0) {
		ds_catalog_rollback(c);
		return err;
	}
	return ds_catalog_commit(c);
}

static int migrate(ds_catalog *c, int target)
{
	int version = 0, err;
	if ((err = ds_catalog_schema_version(c, &version)) < 0)
		return err;
	if (version > NMIGRATIONS)
		return ds_error_set(DS_EUNSUPPORTED,
				    "%s: schema version %d is newer than this dossier (%d); upgrade dossier",
				    c->path, version, NMIGRATIONS);
	if (version >= target)
		return 0;
	if ((err = ds_catalog_begin(c)) < 0)
		return err;
	/* Re-read under the write lock: another process may have migrated. */
	if ((err = ds_catalog_schema_version(c, &version)) < 0)
		goto done;
	for (int v = version; v < target; v++) {
		char pragma[64];
		if (migrations[v][0] && (err = ds_catalog__exec(c, migrations[v])) < 0) {
			ds_error_set(err, "%s: migration to schema %d failed: %s", c->path, v + 1,
				     ds_error_last());
			goto done;
		}
		if (migration_hooks[v] && (err = migration_hooks[v](c)) < 0) {
			ds_error_set(err, "%s: migration to schema %d failed: %s", c->path, v + 1,
				     ds_error_last());
			goto done;
		}
		if ((err = ds_fmt(pragma, sizeof pragma, "PRAGMA user_version = %d", v + 1)) < 0 ||
		    (err = ds_catalog__exec(c, pragma)) < 0)
			goto done;
	}
done:
	if (err < 0) {
		ds_catalog_rollback(c);
		return err;
	}
	return ds_catalog_commit(c);
}

/* ds_nfc(text): the catalog's text normalisation in SQL (migration v9). */
static void sql_nfc(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	char *t = NULL;
	(void)argc;
	if (sqlite3_value_type(argv[0]) != SQLITE_TEXT) {
		sqlite3_result_value(ctx, argv[0]);
		return;
	}
	const char *s = (const char *)sqlite3_value_text(argv[0]);
	int len = sqlite3_value_bytes(argv[0]);
	if (!s || ds_text_nfc(&t, s, (size_t)len) < 0) {
		sqlite3_result_error(ctx, ds_error_last(), -1);
		return;
	}
	sqlite3_result_text(ctx, t, -1, free);
}

int ds_catalog_open(ds_catalog **out, const char *path, int create)
{
	return ds_catalog_open_version(out, path, create, NMIGRATIONS);
}

int ds_catalog_open_version(ds_catalog **out, const char *path, int create, int target)
{
	ds_catalog *c = NULL;
	int err, rc;

	*out = NULL;
	c = calloc(1, sizeof *c);
	if (!c)
		return ds_error_set(DS_ENOMEM, "out of memory");
	if ((err = ds_fmt(c->path, sizeof c->path, "%s", path)) < 0)
		goto done;
	rc = sqlite3_open_v2(path, &c->db,
			     SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) |
				     SQLITE_OPEN_NOMUTEX,
			     NULL);
	if (rc != SQLITE_OK) {
		err = ds_catalog__err(c, rc, "cannot open");
		goto done;
	}
	sqlite3_extended_result_codes(c->db, 1);
	sqlite3_busy_timeout(c->db, 30000);
	if ((rc = sqlite3_create_function(c->db, "ds_nfc", 1,
					  SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
					  NULL, sql_nfc, NULL, NULL)) != SQLITE_OK) {
		err = ds_catalog__err(c, rc, "registering ds_nfc");
		goto done;
	}
	if ((err = ds_catalog__exec(c, "PRAGMA journal_mode = WAL")) < 0 ||
	    (err = ds_catalog__exec(c, "PRAGMA foreign_keys = ON")) < 0 ||
	    (err = ds_catalog__exec(c, "PRAGMA synchronous = FULL")) < 0 ||
	    (err = ds_catalog__exec(c, "PRAGMA trusted_schema = OFF")) < 0)
		goto done;
	if (target < 1 || target > NMIGRATIONS) {
		err = ds_error_set(DS_EINVALID, "no schema version %d", target);
		goto done;
	}
	if ((err = migrate(c, target)) < 0)
		goto done;
	c->version = target;
	*out = c;
	c = NULL; /* transferred */
done:
	ds_catalog_free(c);
	return err;
}

/* "file:" URI of a path: everything but unreserved characters and '/'
 * percent-encoded (a folder may be called "a?b#c%d"). */
static int file_uri(char *out, size_t n, const char *path, const char *query)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;
	if (n < 6)
		return ds_error_set(DS_ETOOBIG, "%s: path too long", path);
	memcpy(out, "file:", 5);
	o = 5;
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		int plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			    (*p >= '0' && *p <= '9') || *p == '/' || *p == '-' || *p == '.' ||
			    *p == '_' || *p == '~';
		if (o + 4 >= n)
			return ds_error_set(DS_ETOOBIG, "%s: path too long", path);
		if (plain) {
			out[o++] = (char)*p;
		} else {
			out[o++] = '%';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		}
	}
	out[o] = '\0';
	return ds_fmt(out + o, n - o, "%s", query);
}

static int open_ro(ds_catalog *c, const char *name, int uri)
{
	int rc = sqlite3_open_v2(name, &c->db,
				 SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX | (uri ? SQLITE_OPEN_URI : 0),
				 NULL);
	if (rc != SQLITE_OK)
		return ds_catalog__err(c, rc, "cannot open");
	sqlite3_extended_result_codes(c->db, 1);
	sqlite3_busy_timeout(c->db, 30000);
	if ((rc = sqlite3_create_function(c->db, "ds_nfc", 1,
					  SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
					  NULL, sql_nfc, NULL, NULL)) != SQLITE_OK)
		return ds_catalog__err(c, rc, "registering ds_nfc");
	return ds_catalog__exec(c, "PRAGMA trusted_schema = OFF");
}

/* Reading a WAL catalog needs its WAL index (catalog.db-shm): SQLite opens
 * or creates it, which a folder that cannot be written (a restored backup,
 * read-only media, another user's home) or a full disk refuses (SQLite's
 * "Read-Only Databases", wal.html). When it cannot, and no -wal file holds
 * changes not yet in catalog.db (the last writer checkpointed and removed
 * it when it closed), catalog.db alone is the whole catalog and is read with
 * immutable=1: no locks, no WAL index. That is safe only while no process
 * writes the home; a writer needs a folder it can write, where the first
 * open succeeds and takes the usual locks, so immutable is used only where
 * ours could create neither file. */
int ds_catalog_open_readonly(ds_catalog **out, const char *path)
{
	ds_catalog *c = NULL;
	char wal[4200], uri[3 * 4096 + 32], first[512];
	struct stat st;
	int err, version = 0;

	*out = NULL;
	c = calloc(1, sizeof *c);
	if (!c)
		return ds_error_set(DS_ENOMEM, "out of memory");
	c->readonly = 1;
	if ((err = ds_fmt(c->path, sizeof c->path, "%s", path)) < 0 ||
	    (err = ds_fmt(wal, sizeof wal, "%s-wal", path)) < 0)
		goto done;
	if ((err = open_ro(c, path, 0)) == 0)
		err = ds_catalog_schema_version(c, &version);
	if (err < 0 && err != DS_ECORRUPT && err != DS_ENOMEM) {
		if (ds_fmt(first, sizeof first, "%s", ds_error_last()) < 0)
			first[0] = '\0';
		if (stat(wal, &st) == 0 && st.st_size > 0) {
			err = ds_error_set(DS_EIO,
					   "%s: cannot be read here: its -wal file holds changes "
					   "not yet in it, and no WAL index can be opened or created "
					   "(%s)",
					   path, first);
			goto done;
		}
		sqlite3_close_v2(c->db);
		c->db = NULL;
		c->immutable = 1;
		if ((err = file_uri(uri, sizeof uri, path, "?immutable=1")) < 0 ||
		    (err = open_ro(c, uri, 1)) < 0 ||
		    (err = ds_catalog_schema_version(c, &version)) < 0)
			goto done;
	} else if (err < 0) {
		goto done;
	}
	if (version > NMIGRATIONS) {
		err = ds_error_set(DS_EUNSUPPORTED,
				   "%s: schema version %d is newer than this dossier (%d); upgrade dossier",
				   path, version, NMIGRATIONS);
		goto done;
	}
	c->version = version;
	if (version < NMIGRATIONS) {
		err = ds_error_set(DS_EUNSUPPORTED,
				   "%s: schema version %d needs upgrading to %d, which needs a home "
				   "that can be written: run a command there once",
				   path, version, NMIGRATIONS);
		goto done;
	}
	*out = c;
	c = NULL; /* transferred */
done:
	ds_catalog_free(c);
	return err;
}

int ds_catalog_readonly(const ds_catalog *c) { return c->readonly; }

void ds_catalog_free(ds_catalog *c)
{
	if (!c)
		return;
	if (c->in_tx)
		ds_catalog_rollback(c);
	sqlite3_close_v2(c->db);
	free(c);
}

int ds_catalog_schema_version(ds_catalog *c, int *out)
{
	sqlite3_stmt *st = NULL;
	int err = ds_catalog__prepare(c, &st, "PRAGMA user_version");
	if (err < 0)
		return err;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int(st, 0);
	else
		err = ds_catalog__err(c, rc, "reading the schema version");
	sqlite3_finalize(st);
	return err;
}

/* ---- departments and procedures ---- */

int ds_catalog_department_add(ds_catalog *c, const char *code, const char *name)
{
	sqlite3_stmt *st = NULL;
	int err = ds_catalog__prepare(c, &st, "INSERT INTO departments(code, name) VALUES(?, ?)");
	if (err < 0)
		return err;
	sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
	if ((err = ds_catalog__bind_nfc(st, 2, name)) < 0) {
		sqlite3_finalize(st);
		return err;
	}
	int rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		if ((rc & 0xff) == SQLITE_CONSTRAINT)
			err = ds_error_set(DS_EEXISTS, "department %s already exists", code);
		else
			err = ds_catalog__err(c, rc, "adding a department");
	}
	sqlite3_finalize(st);
	return err;
}

int ds_catalog_department_get(ds_catalog *c, const char *code, struct ds_department *out)
{
	sqlite3_stmt *st = NULL;
	int err = ds_catalog__prepare(c, &st, "SELECT code, name FROM departments WHERE code = ?");
	if (err < 0)
		return err;
	sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		ds_catalog__copy(out->code, sizeof out->code, sqlite3_column_text(st, 0));
		ds_catalog__copy(out->name, sizeof out->name, sqlite3_column_text(st, 1));
	} else if (rc == SQLITE_DONE) {
		err = ds_error_set(DS_ENOTFOUND, "no department %s", code);
	} else {
		err = ds_catalog__err(c, rc, "reading a department");
	}
	sqlite3_finalize(st);
	return err;
}

int ds_catalog__collect(ds_catalog *c, sqlite3_stmt *st, size_t elem, size_t max, void **arr,
			size_t *n, void (*fill)(sqlite3_stmt *, void *))
{
	size_t cap = 0;
	char *a = NULL;
	int rc, err = 0;
	*arr = NULL;
	*n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (max && *n == max)
			break;
		if (*n == cap) {
			size_t ncap = cap ? cap * 2 : 16, bytes;
			if (__builtin_mul_overflow(ncap, elem, &bytes)) {
				err = ds_error_set(DS_ENOMEM, "too many rows");
				goto done;
			}
			char *na = realloc(a, bytes);
			if (!na) {
				err = ds_error_set(DS_ENOMEM, "out of memory");
				goto done;
			}
			a = na;
			cap = ncap;
		}
		memset(a + *n * elem, 0, elem);
		fill(st, a + *n * elem);
		(*n)++;
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		err = ds_catalog__err(c, rc, "query");
done:
	if (err < 0) {
		free(a);
		*n = 0;
		return err;
	}
	*arr = a;
	return 0;
}

static void fill_department(sqlite3_stmt *st, void *p)
{
	struct ds_department *d = p;
	ds_catalog__copy(d->code, sizeof d->code, sqlite3_column_text(st, 0));
	ds_catalog__copy(d->name, sizeof d->name, sqlite3_column_text(st, 1));
}

int ds_catalog_department_list(ds_catalog *c, struct ds_department **out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	int err = ds_catalog__prepare(c, &st, "SELECT code, name FROM departments ORDER BY code");
	if (err < 0)
		return err;
	err = ds_catalog__collect(c, st, sizeof **out, 0, (void **)out, n, fill_department);
	sqlite3_finalize(st);
	return err;
}

int ds_catalog_procedure_add(ds_catalog *c, const struct ds_procedure *p)
{
	sqlite3_stmt *st = NULL;
	struct ds_department d;
	int err = ds_catalog_department_get(c, p->department, &d);
	if (err < 0)
		return err;
	if ((err = ds_catalog__prepare(c, &st,
				       "INSERT INTO procedures(code, name, department, days) "
				       "VALUES(?, ?, ?, ?)")) < 0)
		return err;
	sqlite3_bind_text(st, 1, p->code, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, p->department, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, p->days);
	if ((err = ds_catalog__bind_nfc(st, 2, p->name)) < 0) {
		sqlite3_finalize(st);
		return err;
	}
	int rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		if ((rc & 0xff) == SQLITE_CONSTRAINT)
			err = ds_error_set(DS_EEXISTS, "procedure %s already exists", p->code);
		else
			err = ds_catalog__err(c, rc, "adding a procedure");
	}
	sqlite3_finalize(st);
	return err;
}

static void fill_procedure(sqlite3_stmt *st, void *ptr)
{
	struct ds_procedure *p = ptr;
	ds_catalog__copy(p->code, sizeof p->code, sqlite3_column_text(st, 0));
	ds_catalog__copy(p->name, sizeof p->name, sqlite3_column_text(st, 1));
	ds_catalog__copy(p->department, sizeof p->department, sqlite3_column_text(st, 2));
	p->days = sqlite3_column_int(st, 3);
}

int ds_catalog_procedure_get(ds_catalog *c, const char *code, struct ds_procedure *out)
{
	sqlite3_stmt *st = NULL;
	int err = ds_catalog__prepare(
		c, &st, "SELECT code, name, department, days FROM procedures WHERE code = ?");
	if (err < 0)
		return err;
	sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		fill_procedure(st, out);
	else if (rc == SQLITE_DONE)
		err = ds_error_set(DS_ENOTFOUND, "no procedure %s (see `dossier procedure list`)", code);
	else
		err = ds_catalog__err(c, rc, "reading a procedure");
	sqlite3_finalize(st);
	return err;
}

int ds_catalog_procedure_list(ds_catalog *c, struct ds_procedure **out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	int err = ds_catalog__prepare(
		c, &st, "SELECT code, name, department, days FROM procedures ORDER BY code");
	if (err < 0)
		return err;
	err = ds_catalog__collect(c, st, sizeof **out, 0, (void **)out, n, fill_procedure);
	sqlite3_finalize(st);
	return err;
}

/* ---- dossiers ---- */

int ds_state_valid(const char *s)
{
	static const char *const states[] = {DS_STATE_RECEIVED, DS_STATE_DIGITIZED,
					     DS_STATE_SEALED,   DS_STATE_RETURNED,
					     DS_STATE_SUPPLEMENT, DS_STATE_REJECTED};
	for (size_t i = 0; i < sizeof states / sizeof states[0]; i++)
		if (s && strcmp(s, states[i]) == 0)
			return 1;
	return 0;
}

int ds_catalog__dossier_id(ds_catalog *c, const char *code, int64_t *id)
{
	sqlite3_stmt *st = NULL;
	int err = ds_catalog__prepare(c, &st, "SELECT id FROM dossiers WHERE code = ?");
	if (err < 0)
		return err;
	sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	else if (rc == SQLITE_DONE)
		err = ds_error_set(DS_ENOTFOUND, "no dossier %s", code);
	else
		err = ds_catalog__err(c, rc, "finding a dossier");
	sqlite3_finalize(st);
	return err;
}

int ds_catalog_set_identity(ds_catalog *c, const char *actor, const char *on_behalf_of)
{
	if ((actor && strlen(actor) >= sizeof c->actor) ||
	    (on_behalf_of && strlen(on_behalf_of) >= sizeof c->on_behalf_of))
		return ds_error_set(DS_EINVALID, "a name for events is longer than %d bytes",
				    DS_ACTOR_MAX - 1);
	for (const char *p = on_behalf_of; p && *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return ds_error_set(DS_EINVALID, "a name for events has control characters");
	memcpy(c->actor, actor ? actor : "", actor ? strlen(actor) + 1 : 1);
	memcpy(c->on_behalf_of, on_behalf_of ? on_behalf_of : "",
	       on_behalf_of ? strlen(on_behalf_of) + 1 : 1);
	return 0;
}

/* Every event goes through the chain (core/catalog_events.c), with the
 * handle's identity when one is set (ds_catalog_set_identity): the CLI's OS
 * user wins over the actor a call names. */
static int event_insert(ds_catalog *c, int64_t dossier_id, const char *actor, const char *action,
			const char *detail)
{
	if (c->actor[0])
		actor = c->actor;
	return ds_catalog__event_insert(c, dossier_id, actor,
					c->on_behalf_of[0] ? c->on_behalf_of : NULL, action, detail);
}

int ds_catalog_dossier_create(ds_catalog *c, const struct ds_dossier_new *d,
			      char code_out[DS_CODE_MAX])
{
	sqlite3_stmt *st = NULL;
	struct ds_procedure proc;
	int own = 0, err, rc;
	char day[8], code[DS_CODE_MAX];
	int64_t seq = 0;

	if ((err = ds_catalog__tx_begin(c, &own)) < 0)
		return err;
	if ((err = ds_catalog_procedure_get(c, d->procedure, &proc)) < 0)
		goto done;
	{
		int64_t local = d->received_at + d->utc_offset;
		int32_t days = (int32_t)((local - (((local % 86400) + 86400) % 86400)) / 86400);
		int y;
		unsigned m, dd;
		ds_civil_from_days(days, &y, &m, &dd);
		if ((err = ds_fmt(day, sizeof day, "%02d%02u%02u", y % 100, m, dd)) < 0)
			goto done;
	}
	/* The write lock is held (BEGIN IMMEDIATE), so no other process can take
	 * the same sequence number between this read and the insert. */
	if ((err = ds_catalog__prepare(c, &st, "SELECT COALESCE(MAX(seq), 0) + 1 FROM dossiers "
					       "WHERE agency = ? AND day = ?")) < 0)
		goto done;
	sqlite3_bind_text(st, 1, d->agency_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, day, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		err = ds_catalog__err(c, rc, "numbering a dossier");
		goto done;
	}
	seq = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	/* %04 widens past 9999 rather than wrapping */
	if ((err = ds_fmt(code, sizeof code, "%s-%s-%04lld", d->agency_id, day, (long long)seq)) < 0)
		goto done;
	if ((err = ds_catalog__prepare(
		     c, &st,
		     "INSERT INTO dossiers(code, agency, day, seq, procedure, applicant_id, "
		     "applicant_name, received_at, due_at, state) "
		     "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, 'received')")) < 0)
		goto done;
	sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, d->agency_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, day, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, seq);
	sqlite3_bind_text(st, 5, d->procedure, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, d->received_at);
	sqlite3_bind_int64(st, 9, d->due_at);
	if ((err = ds_catalog__bind_nfc(st, 6, d->applicant_id)) < 0 ||
	    (err = ds_catalog__bind_nfc(st, 7, d->applicant_name)) < 0)
		goto done;
	if ((rc = sqlite3_step(st)) != SQLITE_DONE) {
		err = ds_catalog__err(c, rc, "inserting a dossier");
		goto done;
	}
	if ((err = event_insert(c, sqlite3_last_insert_rowid(c->db), d->actor, "received",
				proc.name)) < 0)
		goto done;
	memcpy(code_out, code, strlen(code) + 1);
done:
	sqlite3_finalize(st);
	return ds_catalog__tx_end(c, own, err);
}

#define DOSSIER_COLUMNS                                                                    \
	"d.id, d.code, d.procedure, p.name, p.department, d.applicant_id, d.applicant_name, " \
	"d.received_at, d.due_at, d.state, "                                                  \
	"(SELECT COUNT(*) FROM pages g WHERE g.dossier = d.id AND g.kind = 'page') "          \
	"FROM dossiers d JOIN procedures p ON p.code = d.procedure "

static void fill_dossier(sqlite3_stmt *st, void *ptr)
{
	struct ds_dossier *d = ptr;
	d->id = sqlite3_column_int64(st, 0);
	ds_catalog__copy(d->code, sizeof d->code, sqlite3_column_text(st, 1));
	ds_catalog__copy(d->procedure, sizeof d->procedure, sqlite3_column_text(st, 2));
	ds_catalog__copy(d->procedure_name, sizeof d->procedure_name, sqlite3_column_text(st, 3));
	ds_catalog__copy(d->department, sizeof d->department, sqlite3_column_text(st, 4));
	ds_catalog__copy(d->applicant_id, sizeof d->applicant_id, sqlite3_column_text(st, 5));
	ds_catalog__copy(d->applicant_name, sizeof d->applicant_name, sqlite3_column_text(st, 6));
	d->received_at = sqlite3_column_int64(st, 7);
	d->due_at = sqlite3_column_int64(st, 8);
	ds_catalog__copy(d->state, sizeof d->state, sqlite3_column_text(st, 9));
	d->npages = sqlite3_column_int(st, 10);
}

int ds_catalog_dossier_get(ds_catalog *c, const char *code, struct ds_dossier *out)
{
	sqlite3_stmt *st = NULL;
	int err = ds_catalog__prepare(c, &st, "SELECT " DOSSIER_COLUMNS "WHERE d.code = ?");
	if (err < 0)
		return err;
	sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		memset(out, 0, sizeof *out);
		fill_dossier(st, out);
	} else if (rc == SQLITE_DONE) {
		err = ds_error_set(DS_ENOTFOUND, "no dossier %s", code);
	} else {
		err = ds_catalog__err(c, rc, "reading a dossier");
	}
	sqlite3_finalize(st);
	return err;
}

int ds_catalog_dossier_list(ds_catalog *c, const struct ds_dossier_filter *f,
			    struct ds_dossier **out, size_t *n)
{
	static const struct ds_dossier_filter none;
	sqlite3_stmt *st = NULL;
	if (!f)
		f = &none;
	int err = ds_catalog__prepare(
		c, &st,
		"SELECT " DOSSIER_COLUMNS
		"WHERE (?1 IS NULL OR d.state = ?1) AND (?2 IS NULL OR d.procedure = ?2) "
		"AND (?3 IS NULL OR d.applicant_id = ?3) AND (?4 = 0 OR d.due_at < ?4) "
		"AND (?5 = 0 OR d.state NOT IN ('returned', 'rejected')) "
		"ORDER BY d.received_at, d.id");
	if (err < 0)
		return err;
	if (f->state)
		sqlite3_bind_text(st, 1, f->state, -1, SQLITE_STATIC);
	if (f->procedure)
		sqlite3_bind_text(st, 2, f->procedure, -1, SQLITE_STATIC);
	if (f->applicant_id)
		sqlite3_bind_text(st, 3, f->applicant_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, f->due_before);
	sqlite3_bind_int(st, 5, f->not_closed);
	err = ds_catalog__collect(c, st, sizeof **out, 0, (void **)out, n, fill_dossier);
	sqlite3_finalize(st);
	return err;
}

static int transition_allowed(const char *from, const char *to)
{
	static const struct {
		const char *from, *to;
	} allowed[] = {
		{"received", "digitized"},  {"received", "supplement_requested"},
		{"received", "rejected"},   {"digitized", "sealed"},
		{"digitized", "received"},  {"digitized", "supplement_requested"},
		{"digitized", "rejected"},  {"supplement_requested", "received"},
		{"supplement_requested", "rejected"}, {"sealed", "returned"},
		{"sealed", "sealed"},
	};
	for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
		if (strcmp(allowed[i].from, from) == 0 && strcmp(allowed[i].to, to) == 0)
			return 1;
	return 0;
}

int ds_catalog_dossier_set_state(ds_catalog *c, const char *code, const char *state,
				 const char *actor, const char *action, const char *detail)
{
	struct ds_dossier d = {0};
	sqlite3_stmt *st = NULL;
	int own = 0, err;

	if (!ds_state_valid(state))
		return ds_error_set(DS_EINVALID, "'%s' is not a dossier state", state);
	if ((err = ds_catalog__tx_begin(c, &own)) < 0)
		return err;
	if ((err = ds_catalog_dossier_get(c, code, &d)) < 0)
		goto done;
	if (!transition_allowed(d.state, state)) {
		err = ds_error_set(DS_ESTATE, "dossier %s is %s and cannot become %s", code, d.state,
				   state);
		goto done;
	}
	if ((err = ds_catalog__prepare(c, &st, "UPDATE dossiers SET state = ? WHERE id = ?")) < 0)
		goto done;
	sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, d.id);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		err = ds_catalog__err(c, rc, "changing a dossier's state");
		goto done;
	}
	err = event_insert(c, d.id, actor, action ? action : state, detail);
done:
	sqlite3_finalize(st);
	return ds_catalog__tx_end(c, own, err);
}

/* ---- events ---- */

int ds_catalog_event_add(ds_catalog *c, const char *code, const char *actor, const char *action,
			 const char *detail)
{
	int64_t id = 0;
	int err;
	if (code && (err = ds_catalog__dossier_id(c, code, &id)) < 0)
		return err;
	return event_insert(c, id, actor, action, detail);
}

int ds_catalog_event_add_for(ds_catalog *c, const char *code, const char *actor,
			     const char *on_behalf_of, const char *action, const char *detail)
{
	int64_t id = 0;
	int err;
	if (code && (err = ds_catalog__dossier_id(c, code, &id)) < 0)
		return err;
	if (c->actor[0])
		actor = c->actor; /* the handle's identity wins, as in event_insert */
	if ((!on_behalf_of || !*on_behalf_of) && c->on_behalf_of[0])
		on_behalf_of = c->on_behalf_of;
	return ds_catalog__event_insert(c, id, actor, on_behalf_of, action, detail);
}

static void fill_event(sqlite3_stmt *st, void *ptr)
{
	struct ds_event *e = ptr;
	e->id = sqlite3_column_int64(st, 0);
	e->at = sqlite3_column_int64(st, 1);
	ds_catalog__copy(e->actor, sizeof e->actor, sqlite3_column_text(st, 2));
	ds_catalog__copy(e->action, sizeof e->action, sqlite3_column_text(st, 3));
	ds_catalog__copy(e->detail, sizeof e->detail, sqlite3_column_text(st, 4));
	ds_catalog__copy(e->on_behalf_of, sizeof e->on_behalf_of, sqlite3_column_text(st, 5));
}

int ds_catalog_event_list(ds_catalog *c, const char *code, struct ds_event **out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	int64_t id = 0;
	int err;
	if (code && (err = ds_catalog__dossier_id(c, code, &id)) < 0)
		return err;
	if ((err = ds_catalog__prepare(c, &st,
				       "SELECT id, at, actor, action, detail, on_behalf_of FROM events "
				       "WHERE (?1 = 0 AND dossier IS NULL) OR dossier = ?1 ORDER BY id")) < 0)
		return err;
	sqlite3_bind_int64(st, 1, id);
	err = ds_catalog__collect(c, st, sizeof **out, 0, (void **)out, n, fill_event);
	sqlite3_finalize(st);
	return err;
}

/* ---- files and pages ---- */

int ds_catalog_file_add(ds_catalog *c, const char *code, const struct ds_file_new *f,
			int64_t *id_out)
{
	sqlite3_stmt *st = NULL;
	int64_t id = 0;
	int err = ds_catalog__dossier_id(c, code, &id);
	if (err < 0)
		return err;
	if ((err = ds_catalog__prepare(c, &st,
				       "INSERT INTO files(dossier, sha256, name, size, pages, role, "
				       "title, added_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?)")) < 0)
		return err;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, f->sha256, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, f->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, f->size);
	sqlite3_bind_int(st, 5, f->pages);
	sqlite3_bind_text(st, 6, f->role ? f->role : "scan", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, ds_now());
	if (f->title && (err = ds_catalog__bind_nfc(st, 7, f->title)) < 0) {
		sqlite3_finalize(st);
		return err;
	}
	int rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		err = ds_catalog__err(c, rc, "recording a file");
	else if (id_out)
		*id_out = sqlite3_last_insert_rowid(c->db);
	sqlite3_finalize(st);
	return err;
}

int ds_catalog_blob_referenced(ds_catalog *c, const char *sha256, int *yes)
{
	sqlite3_stmt *st = NULL;
	int err = ds_catalog__prepare(
		c, &st,
		"SELECT EXISTS(SELECT 1 FROM files WHERE sha256 = ?1)"
		" OR EXISTS(SELECT 1 FROM pages WHERE sha256 = ?1 OR clean_sha256 = ?1"
		" OR text_sha256 = ?1 OR hocr_sha256 = ?1)"
		" OR EXISTS(SELECT 1 FROM dossier_pdf WHERE sha256 = ?1)");
	if (err < 0)
		return err;
	sqlite3_bind_text(st, 1, sha256, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*yes = sqlite3_column_int(st, 0) != 0;
	else
		err = ds_catalog__err(c, rc, "looking up a blob");
	sqlite3_finalize(st);
	return err;
}

int ds_catalog_file_find(ds_catalog *c, const char *sha256, char code_out[DS_CODE_MAX])
{
	sqlite3_stmt *st = NULL;
	int err = ds_catalog__prepare(c, &st,
				      "SELECT d.code FROM files f JOIN dossiers d ON d.id = f.dossier "
				      "WHERE f.sha256 = ? AND f.role = 'scan' ORDER BY f.id LIMIT 1");
	if (err < 0)
		return err;
	sqlite3_bind_text(st, 1, sha256, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		ds_catalog__copy(code_out, DS_CODE_MAX, sqlite3_column_text(st, 0));
	else if (rc == SQLITE_DONE)
		err = DS_ENOTFOUND; /* an answer, not an error: no message */
	else
		err = ds_catalog__err(c, rc, "finding a file");
	sqlite3_finalize(st);
	return err;
}

int ds_catalog_page_add(ds_catalog *c, const char *code, const struct ds_page *p, int *number_out)
{
	sqlite3_stmt *st = NULL;
	int64_t id;
	int own = 0, err, rc, number = 0;
	const char *kind = p->kind[0] ? p->kind : DS_PAGE_KIND_PAGE;

	if ((err = ds_catalog__tx_begin(c, &own)) < 0)
		return err;
	if ((err = ds_catalog__dossier_id(c, code, &id)) < 0)
		goto done;
	if ((err = ds_catalog__prepare(c, &st, "SELECT COALESCE(MAX(number), 0) + 1, COUNT(*) "
					       "FROM pages WHERE dossier = ? AND kind = ?")) < 0)
		goto done;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		err = ds_catalog__err(c, rc, "numbering a page");
		goto done;
	}
	number = sqlite3_column_int(st, 0);
	if (sqlite3_column_int(st, 1) >= DS_DOSSIER_PAGES_MAX) {
		err = ds_error_set(DS_ETOOBIG, "dossier %s already has %d pages, the most allowed", code,
				   DS_DOSSIER_PAGES_MAX);
		goto done;
	}
	sqlite3_finalize(st);
	st = NULL;
	if ((err = ds_catalog__prepare(c, &st,
				       "INSERT INTO pages(dossier, kind, number, sha256, file, "
				       "file_page, width, height, dpi, bits, ocr_state, dpi_estimated) "
				       "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) < 0)
		goto done;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, number);
	sqlite3_bind_text(st, 4, p->sha256, -1, SQLITE_STATIC);
	if (p->file_id > 0)
		sqlite3_bind_int64(st, 5, p->file_id);
	else
		sqlite3_bind_null(st, 5);
	sqlite3_bind_int(st, 6, p->file_page);
	sqlite3_bind_int(st, 7, p->width);
	sqlite3_bind_int(st, 8, p->height);
	sqlite3_bind_int(st, 9, p->dpi);
	sqlite3_bind_int(st, 10, p->bits);
	sqlite3_bind_text(st, 11, strcmp(kind, DS_PAGE_KIND_COVER) == 0 ? "skipped" : "pending", -1,
			  SQLITE_STATIC);
	sqlite3_bind_int(st, 12, p->dpi_estimated ? 1 : 0);
	if ((rc = sqlite3_step(st)) != SQLITE_DONE) {
		err = ds_catalog__err(c, rc, "adding a page");
		goto done;
	}
	if (number_out)
		*number_out = number;
done:
	sqlite3_finalize(st);
	return ds_catalog__tx_end(c, own, err);
}

static void fill_page(sqlite3_stmt *st, void *ptr)
{
	struct ds_page *p = ptr;
	p->id = sqlite3_column_int64(st, 0);
	ds_catalog__copy(p->kind, sizeof p->kind, sqlite3_column_text(st, 1));
	p->number = sqlite3_column_int(st, 2);
	ds_catalog__copy(p->sha256, sizeof p->sha256, sqlite3_column_text(st, 3));
	p->file_id = sqlite3_column_int64(st, 4);
	p->file_page = sqlite3_column_int(st, 5);
	p->width = sqlite3_column_int(st, 6);
	p->height = sqlite3_column_int(st, 7);
	p->dpi = sqlite3_column_int(st, 8);
	p->bits = sqlite3_column_int(st, 9);
	ds_catalog__copy(p->ocr_state, sizeof p->ocr_state, sqlite3_column_text(st, 10));
	ds_catalog__copy(p->ocr_error, sizeof p->ocr_error, sqlite3_column_text(st, 11));
	ds_catalog__copy(p->clean_sha256, sizeof p->clean_sha256, sqlite3_column_text(st, 12));
	ds_catalog__copy(p->text_sha256, sizeof p->text_sha256, sqlite3_column_text(st, 13));
	ds_catalog__copy(p->hocr_sha256, sizeof p->hocr_sha256, sqlite3_column_text(st, 14));
	ds_catalog__copy(p->language, sizeof p->language, sqlite3_column_text(st, 15));
	p->ocr_confidence = sqlite3_column_double(st, 16);
	p->rotation = sqlite3_column_int(st, 17);
	p->skew = sqlite3_column_double(st, 18);
	p->binarized = sqlite3_column_int(st, 19);
	p->blank = sqlite3_column_int(st, 20);
	p->dpi_estimated = sqlite3_column_int(st, 21);
}

int ds_catalog_page_list(ds_catalog *c, const char *code, const char *kind, struct ds_page **out,
			 size_t *n)
{
	sqlite3_stmt *st = NULL;
	int64_t id = 0;
	int err = ds_catalog__dossier_id(c, code, &id);
	if (err < 0)
		return err;
	if ((err = ds_catalog__prepare(
		     c, &st,
		     "SELECT id, kind, number, sha256, file, file_page, width, height, dpi, bits, "
		     "ocr_state, ocr_error, clean_sha256, text_sha256, hocr_sha256, language, "
		     "ocr_confidence, rotation, skew, binarized, blank, dpi_estimated FROM pages "
		     "WHERE dossier = ?1 AND (?2 IS NULL OR kind = ?2) ORDER BY kind DESC, number")) < 0)
		return err;
	sqlite3_bind_int64(st, 1, id);
	if (kind)
		sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	err = ds_catalog__collect(c, st, sizeof **out, 0, (void **)out, n, fill_page);
	sqlite3_finalize(st);
	return err;
}

static void fill_hex(sqlite3_stmt *st, void *ptr)
{
	ds_catalog__copy(ptr, 65, sqlite3_column_text(st, 0));
}

int ds_catalog_blob_refs(ds_catalog *c, char (**out)[65], size_t *n)
{
	sqlite3_stmt *st = NULL;
	int err = ds_catalog__prepare(
		c, &st,
		"SELECT sha256 FROM files UNION SELECT sha256 FROM pages "
		"UNION SELECT clean_sha256 FROM pages WHERE clean_sha256 IS NOT NULL "
		"UNION SELECT text_sha256 FROM pages WHERE text_sha256 IS NOT NULL "
		"UNION SELECT hocr_sha256 FROM pages WHERE hocr_sha256 IS NOT NULL "
		"UNION SELECT sha256 FROM dossier_pdf");
	if (err < 0)
		return err;
	err = ds_catalog__collect(c, st, sizeof **out, 0, (void **)out, n, fill_hex);
	sqlite3_finalize(st);
	return err;
}
