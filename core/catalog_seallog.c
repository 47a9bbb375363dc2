/* Catalog tables and queries for the seal log (dossier/catalog_seallog.h).
 *
 * Append-only by schema: triggers refuse UPDATE and DELETE, and insert
 * triggers make leaves contiguous and checkpoints strictly growing, which
 * also defeats INSERT OR REPLACE (its implicit delete fires no trigger). */
#include <stdlib.h>
#include <string.h>

#include "core/catalog_int.h"
#include "dossier/catalog_seallog.h"
#include "dossier/error.h"

const char ds_catalog__schema_seallog[] =
	"CREATE TABLE seallog_leaves("
	"  idx INTEGER PRIMARY KEY CHECK(idx >= 0),"
	"  leaf TEXT NOT NULL CHECK(length(leaf) BETWEEN 1 AND 511),"
	"  leaf_hash BLOB NOT NULL CHECK(typeof(leaf_hash) = 'blob' AND length(leaf_hash) = 32),"
	"  dossier_code TEXT NOT NULL CHECK(length(dossier_code) BETWEEN 1 AND 63),"
	"  seal_id TEXT NOT NULL CHECK(length(seal_id) BETWEEN 1 AND 63),"
	"  sealed_at INTEGER NOT NULL,"
	"  logged_at INTEGER NOT NULL);"
	"CREATE INDEX seallog_leaves_code ON seallog_leaves(dossier_code, idx);"
	"CREATE TRIGGER seallog_leaves_next BEFORE INSERT ON seallog_leaves"
	"  WHEN NEW.idx IS NOT (SELECT COALESCE(MAX(idx) + 1, 0) FROM seallog_leaves)"
	"  BEGIN SELECT RAISE(ABORT, 'seal log leaves are appended in order'); END;"
	"CREATE TRIGGER seallog_leaves_no_update BEFORE UPDATE ON seallog_leaves"
	"  BEGIN SELECT RAISE(ABORT, 'the seal log is append-only'); END;"
	"CREATE TRIGGER seallog_leaves_no_delete BEFORE DELETE ON seallog_leaves"
	"  BEGIN SELECT RAISE(ABORT, 'the seal log is append-only'); END;"
	"CREATE TABLE seallog_checkpoints("
	"  size INTEGER PRIMARY KEY CHECK(size >= 0),"
	"  root BLOB NOT NULL CHECK(typeof(root) = 'blob' AND length(root) = 32),"
	"  note TEXT NOT NULL CHECK(length(note) BETWEEN 1 AND 8192),"
	"  signed_at INTEGER NOT NULL);"
	"CREATE TRIGGER seallog_checkpoints_grow BEFORE INSERT ON seallog_checkpoints"
	"  WHEN NEW.size <= (SELECT COALESCE(MAX(size), -1) FROM seallog_checkpoints)"
	"    OR NEW.size > (SELECT COALESCE(MAX(idx) + 1, 0) FROM seallog_leaves)"
	"  BEGIN SELECT RAISE(ABORT, 'seal log checkpoints only grow, up to the log size'); END;"
	"CREATE TRIGGER seallog_checkpoints_no_update BEFORE UPDATE ON seallog_checkpoints"
	"  BEGIN SELECT RAISE(ABORT, 'the seal log is append-only'); END;"
	"CREATE TRIGGER seallog_checkpoints_no_delete BEFORE DELETE ON seallog_checkpoints"
	"  BEGIN SELECT RAISE(ABORT, 'the seal log is append-only'); END;";

#define LEAF_COLS "idx, leaf, leaf_hash, dossier_code, seal_id, sealed_at, logged_at"
#define CP_COLS "size, root, note, signed_at, events, events_head"

static void fill_leaf(sqlite3_stmt *st, struct ds_seallog_leaf *l)
{
	const void *h = sqlite3_column_blob(st, 2);
	memset(l, 0, sizeof *l);
	l->index = (uint64_t)sqlite3_column_int64(st, 0);
	ds_catalog__copy(l->leaf, sizeof l->leaf, sqlite3_column_text(st, 1));
	if (h != NULL && sqlite3_column_bytes(st, 2) == DS_MERKLE_HASH_LEN)
		memcpy(l->hash, h, DS_MERKLE_HASH_LEN);
	ds_catalog__copy(l->dossier_code, sizeof l->dossier_code, sqlite3_column_text(st, 3));
	ds_catalog__copy(l->seal_id, sizeof l->seal_id, sqlite3_column_text(st, 4));
	l->sealed_at = sqlite3_column_int64(st, 5);
	l->logged_at = sqlite3_column_int64(st, 6);
}

static void fill_cp(sqlite3_stmt *st, struct ds_seallog_checkpoint_row *r)
{
	const void *h = sqlite3_column_blob(st, 1);
	memset(r, 0, sizeof *r);
	r->size = (uint64_t)sqlite3_column_int64(st, 0);
	if (h != NULL && sqlite3_column_bytes(st, 1) == DS_MERKLE_HASH_LEN)
		memcpy(r->root, h, DS_MERKLE_HASH_LEN);
	ds_catalog__copy(r->note, sizeof r->note, sqlite3_column_text(st, 2));
	r->signed_at = sqlite3_column_int64(st, 3);
	if (sqlite3_column_type(st, 4) != SQLITE_NULL && sqlite3_column_bytes(st, 5) == DS_MERKLE_HASH_LEN) {
		r->has_events = 1;
		r->events = (uint64_t)sqlite3_column_int64(st, 4);
		memcpy(r->events_head, sqlite3_column_blob(st, 5), DS_MERKLE_HASH_LEN);
	}
}

int ds_catalog_seallog_size(ds_catalog *c, uint64_t *out)
{
	sqlite3_stmt *st = NULL;
	int rc, err;

	*out = 0;
	if ((err = ds_catalog__prepare(c, &st, "SELECT COALESCE(MAX(idx) + 1, 0) FROM seallog_leaves")) < 0)
		return err;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*out = (uint64_t)sqlite3_column_int64(st, 0);
	else
		err = ds_catalog__err(c, rc, "seal log size");
	sqlite3_finalize(st);
	return err;
}

int ds_catalog_seallog_leaf_add(ds_catalog *c, const struct ds_seallog_leaf *l,
				uint64_t *index_out)
{
	sqlite3_stmt *st = NULL;
	uint64_t next = 0;
	int own = 0, rc, err;

	if ((err = ds_catalog__tx_begin(c, &own)) < 0)
		return err;
	if ((err = ds_catalog_seallog_size(c, &next)) < 0)
		goto done;
	if ((err = ds_catalog__prepare(c, &st, "INSERT INTO seallog_leaves(" LEAF_COLS
					       ") VALUES(?, ?, ?, ?, ?, ?, ?)")) < 0)
		goto done;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)next);
	sqlite3_bind_text(st, 2, l->leaf, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, l->hash, DS_MERKLE_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, l->dossier_code, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, l->seal_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, l->sealed_at);
	sqlite3_bind_int64(st, 7, l->logged_at);
	if ((rc = sqlite3_step(st)) != SQLITE_DONE) {
		err = ds_catalog__err(c, rc, "appending to the seal log");
		goto done;
	}
	if (index_out != NULL)
		*index_out = next;
done:
	sqlite3_finalize(st);
	return ds_catalog__tx_end(c, own, err);
}

static int leaf_one(ds_catalog *c, sqlite3_stmt *st, struct ds_seallog_leaf *out,
		    const char *what)
{
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		fill_leaf(st, out);
		return 0;
	}
	if (rc == SQLITE_DONE)
		return ds_error_set(DS_ENOTFOUND, "%s: no seal log leaf for %s", c->path, what);
	return ds_catalog__err(c, rc, "reading the seal log");
}

int ds_catalog_seallog_leaf_get(ds_catalog *c, uint64_t index, struct ds_seallog_leaf *out)
{
	sqlite3_stmt *st = NULL;
	int err;

	memset(out, 0, sizeof *out);
	if (index > (uint64_t)INT64_MAX)
		return ds_error_set(DS_ENOTFOUND, "%s: no seal log leaf %llu", c->path,
				    (unsigned long long)index);
	if ((err = ds_catalog__prepare(c, &st, "SELECT " LEAF_COLS " FROM seallog_leaves WHERE idx = ?")) < 0)
		return err;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)index);
	err = leaf_one(c, st, out, "that index");
	sqlite3_finalize(st);
	return err;
}

int ds_catalog_seallog_leaf_find(ds_catalog *c, const char *dossier_code, const char *seal_id,
				 struct ds_seallog_leaf *out)
{
	sqlite3_stmt *st = NULL;
	int err;

	memset(out, 0, sizeof *out);
	if ((err = ds_catalog__prepare(c, &st,
				       "SELECT " LEAF_COLS " FROM seallog_leaves WHERE dossier_code = ?1"
				       " AND (?2 IS NULL OR seal_id = ?2) ORDER BY idx DESC LIMIT 1")) < 0)
		return err;
	sqlite3_bind_text(st, 1, dossier_code, -1, SQLITE_STATIC);
	if (seal_id != NULL)
		sqlite3_bind_text(st, 2, seal_id, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 2);
	err = leaf_one(c, st, out, dossier_code);
	sqlite3_finalize(st);
	return err;
}

int ds_catalog_seallog_leaf_each(ds_catalog *c, uint64_t from, uint64_t count,
				 int (*fn)(void *ctx, const struct ds_seallog_leaf *l), void *ctx)
{
	sqlite3_stmt *st = NULL;
	struct ds_seallog_leaf *l = NULL;
	int rc, err;

	if (from > (uint64_t)INT64_MAX || count > (uint64_t)INT64_MAX)
		return ds_error_set(DS_EINVALID, "seal log: range out of bounds");
	if ((l = malloc(sizeof *l)) == NULL)
		return ds_error_set(DS_ENOMEM, "seal log: out of memory");
	if ((err = ds_catalog__prepare(c, &st, "SELECT " LEAF_COLS " FROM seallog_leaves"
					       " WHERE idx >= ?1 ORDER BY idx LIMIT ?2")) < 0)
		goto done;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)from);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)count);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		fill_leaf(st, l);
		if ((err = fn(ctx, l)) < 0)
			goto done;
	}
	if (rc != SQLITE_DONE)
		err = ds_catalog__err(c, rc, "reading the seal log");
done:
	sqlite3_finalize(st);
	free(l);
	return err;
}

/* Grows *arr for collecting rows. */
static int grow(void **arr, size_t *cap, size_t n, size_t elem)
{
	size_t ncap, bytes;
	void *na;
	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	if (__builtin_mul_overflow(ncap, elem, &bytes))
		return ds_error_set(DS_ENOMEM, "seal log: too many rows");
	if ((na = realloc(*arr, bytes)) == NULL)
		return ds_error_set(DS_ENOMEM, "seal log: out of memory");
	*arr = na;
	*cap = ncap;
	return 0;
}

int ds_catalog_seallog_leaf_list(ds_catalog *c, const char *dossier_code,
				 struct ds_seallog_leaf **out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	void *arr = NULL;
	size_t cap = 0, cnt = 0;
	int rc, err;

	*out = NULL;
	*n = 0;
	if ((err = ds_catalog__prepare(c, &st, "SELECT " LEAF_COLS " FROM seallog_leaves"
					       " WHERE ?1 IS NULL OR dossier_code = ?1 ORDER BY idx")) < 0)
		return err;
	if (dossier_code != NULL)
		sqlite3_bind_text(st, 1, dossier_code, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((err = grow(&arr, &cap, cnt, sizeof **out)) < 0)
			goto done;
		if (arr == NULL) {
			err = ds_error_set(DS_ENOMEM, "seal log: out of memory");
			goto done;
		}
		fill_leaf(st, (struct ds_seallog_leaf *)arr + cnt);
		cnt++;
	}
	if (rc != SQLITE_DONE) {
		err = ds_catalog__err(c, rc, "reading the seal log");
		goto done;
	}
	*out = arr;
	*n = cnt;
	arr = NULL; /* transferred */
done:
	sqlite3_finalize(st);
	free(arr);
	return err;
}

int ds_catalog_seallog_checkpoint_add(ds_catalog *c, uint64_t size,
				      const unsigned char root[DS_MERKLE_HASH_LEN], const char *note,
				      int64_t signed_at, const struct ds_checkpoint *cp)
{
	sqlite3_stmt *st = NULL;
	int rc, err;

	if (size > (uint64_t)INT64_MAX)
		return ds_error_set(DS_EINVALID, "seal log: checkpoint size out of range");
	if (cp != NULL && cp->has_events && cp->events > (uint64_t)INT64_MAX)
		return ds_error_set(DS_EINVALID, "seal log: checkpoint event id out of range");
	if ((err = ds_catalog__prepare(c, &st, "INSERT INTO seallog_checkpoints(" CP_COLS
					       ") VALUES(?, ?, ?, ?, ?, ?)")) < 0)
		return err;
	if (cp != NULL && cp->has_events) {
		sqlite3_bind_int64(st, 5, (sqlite3_int64)cp->events);
		sqlite3_bind_blob(st, 6, cp->events_head.b, DS_MERKLE_HASH_LEN, SQLITE_STATIC);
	}
	sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
	sqlite3_bind_blob(st, 2, root, DS_MERKLE_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, note, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, signed_at);
	if ((rc = sqlite3_step(st)) != SQLITE_DONE)
		err = ds_catalog__err(c, rc, "storing a seal log checkpoint");
	sqlite3_finalize(st);
	return err;
}

static int cp_one(ds_catalog *c, const char *sql, int64_t size,
		  struct ds_seallog_checkpoint_row *out)
{
	sqlite3_stmt *st = NULL;
	int rc, err;

	memset(out, 0, sizeof *out);
	if ((err = ds_catalog__prepare(c, &st, sql)) < 0)
		return err;
	if (size >= 0)
		sqlite3_bind_int64(st, 1, size);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		fill_cp(st, out);
	else if (rc == SQLITE_DONE)
		err = ds_error_set(DS_ENOTFOUND, "%s: no seal log checkpoint%s", c->path,
				   size >= 0 ? " of that size" : " yet (run `dossier log checkpoint`)");
	else
		err = ds_catalog__err(c, rc, "reading seal log checkpoints");
	sqlite3_finalize(st);
	return err;
}

int ds_catalog_seallog_checkpoint_latest(ds_catalog *c, struct ds_seallog_checkpoint_row *out)
{
	return cp_one(c, "SELECT " CP_COLS " FROM seallog_checkpoints ORDER BY seq DESC LIMIT 1", -1,
		      out);
}

int ds_catalog_seallog_checkpoint_get(ds_catalog *c, uint64_t size,
				      struct ds_seallog_checkpoint_row *out)
{
	if (size > (uint64_t)INT64_MAX)
		return ds_error_set(DS_ENOTFOUND, "%s: no seal log checkpoint of that size", c->path);
	return cp_one(c, "SELECT " CP_COLS " FROM seallog_checkpoints WHERE size = ? ORDER BY seq DESC LIMIT 1", (int64_t)size,
		      out);
}

int ds_catalog_seallog_checkpoint_list(ds_catalog *c, struct ds_seallog_checkpoint_row **out,
				       size_t *n)
{
	sqlite3_stmt *st = NULL;
	void *arr = NULL;
	size_t cap = 0, cnt = 0;
	int rc, err;

	*out = NULL;
	*n = 0;
	if ((err = ds_catalog__prepare(c, &st, "SELECT " CP_COLS " FROM seallog_checkpoints ORDER BY seq")) < 0)
		return err;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((err = grow(&arr, &cap, cnt, sizeof **out)) < 0)
			goto done;
		if (arr == NULL) {
			err = ds_error_set(DS_ENOMEM, "seal log: out of memory");
			goto done;
		}
		fill_cp(st, (struct ds_seallog_checkpoint_row *)arr + cnt);
		cnt++;
	}
	if (rc != SQLITE_DONE) {
		err = ds_catalog__err(c, rc, "reading seal log checkpoints");
		goto done;
	}
	*out = arr;
	*n = cnt;
	arr = NULL; /* transferred */
done:
	sqlite3_finalize(st);
	free(arr);
	return err;
}
