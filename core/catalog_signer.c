/* Catalog tables and queries for the signer area: seals and their key
 * stores, approvers listed per seal, revoked certificates. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/catalog_int.h"
#include "dossier/catalog_signer.h"
#include "dossier/clock.h"
#include "dossier/error.h"

const char ds_catalog__schema_signer[] =
	"CREATE TABLE seals (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  seal_id TEXT NOT NULL UNIQUE,\n"
	"  department TEXT NOT NULL,\n"
	"  store TEXT NOT NULL CHECK (store IN ('file','pkcs12','pkcs11')),\n"
	"  key_path TEXT NOT NULL DEFAULT '',\n"
	"  cert_path TEXT NOT NULL DEFAULT '',\n"
	"  secret_path TEXT NOT NULL DEFAULT '',\n"
	"  pkcs11_module TEXT NOT NULL DEFAULT '',\n"
	"  pkcs11_uri TEXT NOT NULL DEFAULT '',\n"
	"  cert_sha256 TEXT NOT NULL,\n"
	"  cert_serial TEXT NOT NULL,\n"
	"  not_after INTEGER NOT NULL,\n"
	"  created_at INTEGER NOT NULL,\n"
	"  active INTEGER NOT NULL DEFAULT 1\n"
	");\n"
	"CREATE INDEX seals_department ON seals(department);\n"
	"CREATE TABLE seal_approvers (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  username TEXT NOT NULL,\n"
	"  seal_id TEXT NOT NULL REFERENCES seals(seal_id),\n"
	"  cert_path TEXT NOT NULL,\n"
	"  cert_sha256 TEXT NOT NULL,\n"
	"  cert_serial TEXT NOT NULL,\n"
	"  subject TEXT NOT NULL,\n"
	"  not_after INTEGER NOT NULL,\n"
	"  added_at INTEGER NOT NULL,\n"
	"  UNIQUE (username, seal_id)\n"
	");\n"
	"CREATE TABLE revocations (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  serial TEXT NOT NULL UNIQUE,\n"
	"  cert_sha256 TEXT NOT NULL DEFAULT '',\n"
	"  subject TEXT NOT NULL DEFAULT '',\n"
	"  revoked_at INTEGER NOT NULL,\n"
	"  reason INTEGER NOT NULL DEFAULT -1,\n"
	"  actor TEXT NOT NULL DEFAULT ''\n"
	");\n"
	/* a revocation is permanent */
	"CREATE TRIGGER revocations_no_update BEFORE UPDATE ON revocations\n"
	"  BEGIN SELECT RAISE(ABORT, 'revocations are permanent'); END;\n"
	"CREATE TRIGGER revocations_no_delete BEFORE DELETE ON revocations\n"
	"  BEGIN SELECT RAISE(ABORT, 'revocations are permanent'); END;\n";

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	sqlite3_bind_text(st, i, s ? s : "", -1, SQLITE_TRANSIENT);
}

static int step_done(ds_catalog *c, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		return ds_catalog__err(c, rc, what);
	return 0;
}

int ds_catalog_seal_add(ds_catalog *c, const struct ds_seal *s)
{
	sqlite3_stmt *st = NULL;
	struct ds_department d;
	int err;

	if (!s->seal_id[0] || strlen(s->seal_id) >= DS_CODE_MAX)
		return ds_error_set(DS_EINVALID, "bad seal id");
	if ((err = ds_catalog_department_get(c, s->department, &d)) < 0)
		return err;
	if (strcmp(s->store, DS_SEAL_STORE_FILE) != 0 && strcmp(s->store, DS_SEAL_STORE_PKCS12) != 0 &&
	    strcmp(s->store, DS_SEAL_STORE_PKCS11) != 0)
		return ds_error_set(DS_EINVALID, "seal %s: unknown key store '%s'", s->seal_id,
				    s->store);
	if ((err = ds_catalog__prepare(c, &st,
				       "INSERT INTO seals (seal_id, department, store, key_path, cert_path,"
				       " secret_path, pkcs11_module, pkcs11_uri, cert_sha256, cert_serial,"
				       " not_after, created_at, active)"
				       " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,1)")) < 0)
		return err;
	bind_text(st, 1, s->seal_id);
	bind_text(st, 2, s->department);
	bind_text(st, 3, s->store);
	bind_text(st, 4, s->key_path);
	bind_text(st, 5, s->cert_path);
	bind_text(st, 6, s->secret_path);
	bind_text(st, 7, s->pkcs11_module);
	bind_text(st, 8, s->pkcs11_uri);
	bind_text(st, 9, s->cert_sha256);
	bind_text(st, 10, s->cert_serial);
	sqlite3_bind_int64(st, 11, s->not_after);
	sqlite3_bind_int64(st, 12, s->created_at ? s->created_at : ds_now());
	err = step_done(c, st, "adding a seal");
	if (err == DS_EEXISTS)
		err = ds_error_set(DS_EEXISTS, "seal %s already exists", s->seal_id);
	sqlite3_finalize(st);
	return err;
}

static void seal_row(sqlite3_stmt *st, struct ds_seal *s)
{
	memset(s, 0, sizeof *s);
	ds_catalog__copy(s->seal_id, sizeof s->seal_id, sqlite3_column_text(st, 0));
	ds_catalog__copy(s->department, sizeof s->department, sqlite3_column_text(st, 1));
	ds_catalog__copy(s->store, sizeof s->store, sqlite3_column_text(st, 2));
	ds_catalog__copy(s->key_path, sizeof s->key_path, sqlite3_column_text(st, 3));
	ds_catalog__copy(s->cert_path, sizeof s->cert_path, sqlite3_column_text(st, 4));
	ds_catalog__copy(s->secret_path, sizeof s->secret_path, sqlite3_column_text(st, 5));
	ds_catalog__copy(s->pkcs11_module, sizeof s->pkcs11_module, sqlite3_column_text(st, 6));
	ds_catalog__copy(s->pkcs11_uri, sizeof s->pkcs11_uri, sqlite3_column_text(st, 7));
	ds_catalog__copy(s->cert_sha256, sizeof s->cert_sha256, sqlite3_column_text(st, 8));
	ds_catalog__copy(s->cert_serial, sizeof s->cert_serial, sqlite3_column_text(st, 9));
	s->not_after = sqlite3_column_int64(st, 10);
	s->created_at = sqlite3_column_int64(st, 11);
	s->active = sqlite3_column_int(st, 12);
}

#define SEAL_COLS                                                                             \
	"seal_id, department, store, key_path, cert_path, secret_path, pkcs11_module,"        \
	" pkcs11_uri, cert_sha256, cert_serial, not_after, created_at, active"

int ds_catalog_seal_get(ds_catalog *c, const char *seal_id, struct ds_seal *out)
{
	sqlite3_stmt *st = NULL;
	int err = ds_catalog__prepare(c, &st, "SELECT " SEAL_COLS " FROM seals WHERE seal_id = ?");
	if (err < 0)
		return err;
	bind_text(st, 1, seal_id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		seal_row(st, out);
	else if (rc == SQLITE_DONE)
		err = ds_error_set(DS_ENOTFOUND, "no seal %s", seal_id);
	else
		err = ds_catalog__err(c, rc, "reading a seal");
	sqlite3_finalize(st);
	return err;
}

/* Grows a malloc'd array by one element. */
static int grow(void **arr, size_t *cap, size_t n, size_t elem)
{
	if (n < *cap)
		return 0;
	size_t nc = *cap ? *cap * 2 : 8, bytes;
	if (__builtin_mul_overflow(nc, elem, &bytes)) {
		ds_error_set(DS_ETOOBIG, "too many rows");
		return DS_ETOOBIG;
	}
	void *p = realloc(*arr, bytes);
	if (!p) {
		ds_error_set(DS_ENOMEM, "out of memory");
		return DS_ENOMEM;
	}
	*arr = p;
	*cap = nc;
	return 0;
}

int ds_catalog_seal_list(ds_catalog *c, const char *department, struct ds_seal **out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	struct ds_seal *arr = NULL;
	size_t cap = 0, cnt = 0;
	int rc, err;

	*out = NULL;
	*n = 0;
	if ((err = ds_catalog__prepare(c, &st,
				       "SELECT " SEAL_COLS " FROM seals WHERE ?1 IS NULL OR department = ?1"
				       " ORDER BY seal_id")) < 0)
		return err;
	if (department)
		bind_text(st, 1, department);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((err = grow((void **)&arr, &cap, cnt, sizeof *arr)) < 0)
			goto done;
		seal_row(st, &arr[cnt++]);
	}
	if (rc != SQLITE_DONE) {
		err = ds_catalog__err(c, rc, "listing seals");
		goto done;
	}
	*out = arr;
	*n = cnt;
	arr = NULL;
done:
	free(arr);
	sqlite3_finalize(st);
	return err;
}

int ds_catalog_approver_add(ds_catalog *c, const struct ds_approver *a)
{
	sqlite3_stmt *st = NULL;
	struct ds_seal s;
	int err;

	if (!a->user[0])
		return ds_error_set(DS_EINVALID, "empty approver name");
	if ((err = ds_catalog_seal_get(c, a->seal_id, &s)) < 0)
		return err;
	if ((err = ds_catalog__prepare(c, &st,
				       "INSERT INTO seal_approvers (username, seal_id, cert_path, cert_sha256,"
				       " cert_serial, subject, not_after, added_at) VALUES (?,?,?,?,?,?,?,?)"
				       " ON CONFLICT (username, seal_id) DO UPDATE SET cert_path = excluded.cert_path,"
				       " cert_sha256 = excluded.cert_sha256, cert_serial = excluded.cert_serial,"
				       " subject = excluded.subject, not_after = excluded.not_after,"
				       " added_at = excluded.added_at")) < 0)
		return err;
	bind_text(st, 1, a->user);
	bind_text(st, 2, a->seal_id);
	bind_text(st, 3, a->cert_path);
	bind_text(st, 4, a->cert_sha256);
	bind_text(st, 5, a->cert_serial);
	bind_text(st, 6, a->subject);
	sqlite3_bind_int64(st, 7, a->not_after);
	sqlite3_bind_int64(st, 8, a->added_at ? a->added_at : ds_now());
	err = step_done(c, st, "listing an approver");
	sqlite3_finalize(st);
	return err;
}

int ds_catalog_approver_remove(ds_catalog *c, const char *user, const char *seal_id)
{
	sqlite3_stmt *st = NULL;
	int err = ds_catalog__prepare(c, &st,
				      "DELETE FROM seal_approvers WHERE username = ?1 AND (?2 IS NULL OR seal_id = ?2)");
	if (err < 0)
		return err;
	bind_text(st, 1, user);
	if (seal_id)
		bind_text(st, 2, seal_id);
	if ((err = step_done(c, st, "removing an approver")) == 0 && sqlite3_changes(c->db) == 0)
		err = ds_error_set(DS_ENOTFOUND, "%s is not listed%s%s", user,
				   seal_id ? " for seal " : "", seal_id ? seal_id : "");
	sqlite3_finalize(st);
	return err;
}

static void approver_row(sqlite3_stmt *st, struct ds_approver *a)
{
	memset(a, 0, sizeof *a);
	ds_catalog__copy(a->user, sizeof a->user, sqlite3_column_text(st, 0));
	ds_catalog__copy(a->seal_id, sizeof a->seal_id, sqlite3_column_text(st, 1));
	ds_catalog__copy(a->cert_path, sizeof a->cert_path, sqlite3_column_text(st, 2));
	ds_catalog__copy(a->cert_sha256, sizeof a->cert_sha256, sqlite3_column_text(st, 3));
	ds_catalog__copy(a->cert_serial, sizeof a->cert_serial, sqlite3_column_text(st, 4));
	ds_catalog__copy(a->subject, sizeof a->subject, sqlite3_column_text(st, 5));
	a->not_after = sqlite3_column_int64(st, 6);
	a->added_at = sqlite3_column_int64(st, 7);
}

#define APPROVER_COLS "username, seal_id, cert_path, cert_sha256, cert_serial, subject, not_after, added_at"

int ds_catalog_approver_list(ds_catalog *c, const char *user, const char *seal_id,
			     struct ds_approver **out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	struct ds_approver *arr = NULL;
	size_t cap = 0, cnt = 0;
	int rc, err;

	*out = NULL;
	*n = 0;
	if ((err = ds_catalog__prepare(c, &st,
				       "SELECT " APPROVER_COLS " FROM seal_approvers"
				       " WHERE (?1 IS NULL OR username = ?1) AND (?2 IS NULL OR seal_id = ?2)"
				       " ORDER BY seal_id, username")) < 0)
		return err;
	if (user)
		bind_text(st, 1, user);
	if (seal_id)
		bind_text(st, 2, seal_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((err = grow((void **)&arr, &cap, cnt, sizeof *arr)) < 0)
			goto done;
		approver_row(st, &arr[cnt++]);
	}
	if (rc != SQLITE_DONE) {
		err = ds_catalog__err(c, rc, "listing approvers");
		goto done;
	}
	*out = arr;
	*n = cnt;
	arr = NULL;
done:
	free(arr);
	sqlite3_finalize(st);
	return err;
}

int ds_catalog_approver_get(ds_catalog *c, const char *user, const char *seal_id,
			    struct ds_approver *out)
{
	sqlite3_stmt *st = NULL;
	int err = ds_catalog__prepare(c, &st, "SELECT " APPROVER_COLS
				      " FROM seal_approvers WHERE username = ? AND seal_id = ?");
	if (err < 0)
		return err;
	bind_text(st, 1, user);
	bind_text(st, 2, seal_id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		approver_row(st, out);
	else if (rc == SQLITE_DONE)
		err = ds_error_set(DS_ENOTFOUND, "%s is not listed for seal %s", user, seal_id);
	else
		err = ds_catalog__err(c, rc, "reading an approver");
	sqlite3_finalize(st);
	return err;
}

int ds_catalog_revocation_add(ds_catalog *c, const struct ds_revocation *r)
{
	sqlite3_stmt *st = NULL;
	int err = ds_catalog__prepare(c, &st,
				      "INSERT INTO revocations (serial, cert_sha256, subject, revoked_at,"
				      " reason, actor) VALUES (?,?,?,?,?,?)");
	if (err < 0)
		return err;
	bind_text(st, 1, r->serial);
	bind_text(st, 2, r->cert_sha256);
	bind_text(st, 3, r->subject);
	sqlite3_bind_int64(st, 4, r->revoked_at);
	sqlite3_bind_int(st, 5, r->reason);
	bind_text(st, 6, r->actor);
	err = step_done(c, st, "recording a revocation");
	if (err == DS_EEXISTS)
		err = ds_error_set(DS_EEXISTS, "certificate %s is already revoked", r->serial);
	sqlite3_finalize(st);
	return err;
}

static void revocation_row(sqlite3_stmt *st, struct ds_revocation *r)
{
	memset(r, 0, sizeof *r);
	ds_catalog__copy(r->serial, sizeof r->serial, sqlite3_column_text(st, 0));
	ds_catalog__copy(r->cert_sha256, sizeof r->cert_sha256, sqlite3_column_text(st, 1));
	ds_catalog__copy(r->subject, sizeof r->subject, sqlite3_column_text(st, 2));
	r->revoked_at = sqlite3_column_int64(st, 3);
	r->reason = sqlite3_column_int(st, 4);
	ds_catalog__copy(r->actor, sizeof r->actor, sqlite3_column_text(st, 5));
}

int ds_catalog_revocation_list(ds_catalog *c, struct ds_revocation **out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	struct ds_revocation *arr = NULL;
	size_t cap = 0, cnt = 0;
	int rc, err;

	*out = NULL;
	*n = 0;
	if ((err = ds_catalog__prepare(c, &st,
				       "SELECT serial, cert_sha256, subject, revoked_at, reason, actor"
				       " FROM revocations ORDER BY id")) < 0)
		return err;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((err = grow((void **)&arr, &cap, cnt, sizeof *arr)) < 0)
			goto done;
		revocation_row(st, &arr[cnt++]);
	}
	if (rc != SQLITE_DONE) {
		err = ds_catalog__err(c, rc, "listing revocations");
		goto done;
	}
	*out = arr;
	*n = cnt;
	arr = NULL;
done:
	free(arr);
	sqlite3_finalize(st);
	return err;
}

int ds_catalog_revocation_get(ds_catalog *c, const char *serial, struct ds_revocation *out)
{
	sqlite3_stmt *st = NULL;
	int err = ds_catalog__prepare(c, &st,
				      "SELECT serial, cert_sha256, subject, revoked_at, reason, actor"
				      " FROM revocations WHERE serial = ?");
	if (err < 0)
		return err;
	bind_text(st, 1, serial);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		revocation_row(st, out);
	else if (rc == SQLITE_DONE)
		err = ds_error_set(DS_ENOTFOUND, "certificate %s is not revoked", serial);
	else
		err = ds_catalog__err(c, rc, "reading a revocation");
	sqlite3_finalize(st);
	return err;
}
