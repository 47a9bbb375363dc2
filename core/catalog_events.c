/* The events table as a hash chain (docs/seallog.md, "The event chain").
 *
 * Each event row carries hash = SHA-256(previous event's hash ‖ canonical
 * bytes of the event); the first event's previous hash is 32 zero bytes.
 * Inserting takes the write lock, reads the head and writes the next id with
 * its hash, so two writers never link to the same head. Verifying walks the
 * table in id order and recomputes every link from the rows themselves.
 *
 * The chain does not stop someone who can write the database file: they can
 * recompute it after an edit. What it gives is that any edit which did not
 * recompute it is found, and that a recomputed or truncated chain no longer
 * ends in the head a signed seal-log checkpoint committed to. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "core/catalog_int.h"
#include "dossier/clock.h"
#include "dossier/error.h"
#include "dossier/fs.h"

/* v8: hash and on_behalf_of columns on events, the chain computed over the
 * events already there (events_chain_hook), and seal-log checkpoints that may
 * repeat a tree size when they commit to more events. The update trigger is
 * dropped for the hook's UPDATEs and recreated by ds_catalog__schema_chain_post. */
const char ds_catalog__schema_chain[] =
	"DROP TRIGGER events_no_update;"
	"ALTER TABLE events ADD COLUMN on_behalf_of TEXT;"
	"ALTER TABLE events ADD COLUMN hash BLOB;"
	"CREATE TABLE seallog_checkpoints_v8("
	"  seq INTEGER PRIMARY KEY,"
	"  size INTEGER NOT NULL CHECK(size >= 0),"
	"  root BLOB NOT NULL CHECK(typeof(root) = 'blob' AND length(root) = 32),"
	"  note TEXT NOT NULL CHECK(length(note) BETWEEN 1 AND 8192),"
	"  signed_at INTEGER NOT NULL,"
	"  events INTEGER CHECK(events IS NULL OR events >= 0),"
	"  events_head BLOB CHECK(events_head IS NULL OR"
	"    (typeof(events_head) = 'blob' AND length(events_head) = 32)),"
	"  CHECK((events IS NULL) = (events_head IS NULL)));"
	"INSERT INTO seallog_checkpoints_v8(size, root, note, signed_at)"
	"  SELECT size, root, note, signed_at FROM seallog_checkpoints ORDER BY size;"
	"DROP TABLE seallog_checkpoints;"
	"ALTER TABLE seallog_checkpoints_v8 RENAME TO seallog_checkpoints;"
	"CREATE INDEX seallog_checkpoints_size ON seallog_checkpoints(size, seq);"
	/* Never smaller than a stored one in either measure, never the same in
	 * both, never past the log or the events. */
	"CREATE TRIGGER seallog_checkpoints_grow BEFORE INSERT ON seallog_checkpoints"
	"  WHEN NEW.size > (SELECT COALESCE(MAX(idx) + 1, 0) FROM seallog_leaves)"
	"    OR NEW.events > (SELECT COALESCE(MAX(id), 0) FROM events)"
	"    OR EXISTS(SELECT 1 FROM seallog_checkpoints WHERE size > NEW.size"
	"              OR events > COALESCE(NEW.events, -1)"
	"              OR (size = NEW.size AND events IS NEW.events))"
	"  BEGIN SELECT RAISE(ABORT, 'seal log checkpoints only grow, up to the log size'); END;"
	"CREATE TRIGGER seallog_checkpoints_no_update BEFORE UPDATE ON seallog_checkpoints"
	"  BEGIN SELECT RAISE(ABORT, 'the seal log is append-only'); END;"
	"CREATE TRIGGER seallog_checkpoints_no_delete BEFORE DELETE ON seallog_checkpoints"
	"  BEGIN SELECT RAISE(ABORT, 'the seal log is append-only'); END;";

static const char schema_chain_post[] =
	"CREATE TRIGGER events_no_update BEFORE UPDATE ON events"
	"  BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;"
	"CREATE TRIGGER events_chain BEFORE INSERT ON events"
	"  WHEN NEW.id IS NOT (SELECT COALESCE(MAX(id), 0) + 1 FROM events)"
	"    OR typeof(NEW.hash) IS NOT 'blob' OR length(NEW.hash) IS NOT 32"
	"  BEGIN SELECT RAISE(ABORT, 'events are chained: the next id, with its hash'); END;";

/* What one event's canonical bytes are made of. Text fields carry their
 * byte length (a stored value may hold a NUL; it is hashed as stored). */
struct fields {
	int64_t id, at;
	int has_dossier;
	const unsigned char *code, *procedure, *applicant_id, *applicant_name;
	size_t code_len, procedure_len, applicant_id_len, applicant_name_len;
	int64_t received_at, due_at;
	const unsigned char *kind, *actor, *on_behalf_of, *channel, *detail;
	size_t kind_len, actor_len, on_behalf_of_len, channel_len, detail_len;
};

static int put(EVP_MD_CTX *md, const char *name, const void *v, size_t len)
{
	char head[64];
	int w = snprintf(head, sizeof head, "%s %zu ", name, len);
	if (w < 0 || (size_t)w >= sizeof head)
		return -1;
	if (EVP_DigestUpdate(md, head, (size_t)w) != 1 || (len && EVP_DigestUpdate(md, v, len) != 1) ||
	    EVP_DigestUpdate(md, "\n", 1) != 1)
		return -1;
	return 0;
}

static int put_int(EVP_MD_CTX *md, const char *name, int64_t v)
{
	char num[32];
	int w = snprintf(num, sizeof num, "%lld", (long long)v);
	if (w < 0 || (size_t)w >= sizeof num)
		return -1;
	return put(md, name, num, (size_t)w);
}

/* out = SHA-256(prev ‖ "dossier-event/1\n" ‖ fields), each field
 * "name SP decimal-length SP bytes LF", optional ones only when present. */
static int link_hash(const unsigned char prev[DS_EVENT_HASH_LEN], const struct fields *f,
		     unsigned char out[DS_EVENT_HASH_LEN])
{
	static const char magic[] = "dossier-event/1\n";
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned int outlen = 0;
	int ok;

	if (md == NULL)
		return ds_error_set(DS_ENOMEM, "event chain: out of memory");
	ok = EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
	     EVP_DigestUpdate(md, prev, DS_EVENT_HASH_LEN) == 1 &&
	     EVP_DigestUpdate(md, magic, sizeof magic - 1) == 1 && put_int(md, "id", f->id) == 0 &&
	     put_int(md, "at", f->at) == 0;
	if (ok && f->has_dossier)
		ok = put(md, "dossier", f->code, f->code_len) == 0 &&
		     put(md, "dossier.procedure", f->procedure, f->procedure_len) == 0 &&
		     put(md, "dossier.applicant_id", f->applicant_id, f->applicant_id_len) == 0 &&
		     put(md, "dossier.applicant_name", f->applicant_name, f->applicant_name_len) == 0 &&
		     put_int(md, "dossier.received_at", f->received_at) == 0 &&
		     put_int(md, "dossier.due_at", f->due_at) == 0;
	ok = ok && put(md, "kind", f->kind, f->kind_len) == 0 &&
	     put(md, "actor", f->actor, f->actor_len) == 0;
	if (ok && f->on_behalf_of)
		ok = put(md, "on_behalf_of", f->on_behalf_of, f->on_behalf_of_len) == 0;
	if (ok && f->channel)
		ok = put(md, "channel", f->channel, f->channel_len) == 0;
	ok = ok && put(md, "detail", f->detail, f->detail_len) == 0 &&
	     EVP_DigestFinal_ex(md, out, &outlen) == 1 && outlen == DS_EVENT_HASH_LEN;
	EVP_MD_CTX_free(md);
	if (!ok)
		return ds_error_set_openssl(DS_ECRYPTO, "event chain: SHA-256 failed");
	return 0;
}

static const unsigned char *col_text(sqlite3_stmt *st, int i, size_t *len)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	*len = t ? (size_t)sqlite3_column_bytes(st, i) : 0;
	return t;
}

/* The dossier columns an event's canonical bytes include. */
#define DOSSIER_COLS "d.code, d.procedure, d.applicant_id, d.applicant_name, d.received_at, d.due_at"

static void dossier_fields(sqlite3_stmt *st, int first, struct fields *f)
{
	f->code = col_text(st, first, &f->code_len);
	f->procedure = col_text(st, first + 1, &f->procedure_len);
	f->applicant_id = col_text(st, first + 2, &f->applicant_id_len);
	f->applicant_name = col_text(st, first + 3, &f->applicant_name_len);
	f->received_at = sqlite3_column_int64(st, first + 4);
	f->due_at = sqlite3_column_int64(st, first + 5);
}

/* The schema that brought the chain. */
#define CHAIN_SCHEMA 8

static int legacy_insert(ds_catalog *c, int64_t dossier_id, const char *actor, const char *action,
			 const char *detail)
{
	sqlite3_stmt *st = NULL;
	int err = ds_catalog__prepare(
		c, &st, "INSERT INTO events(dossier, at, actor, action, detail) VALUES(?, ?, ?, ?, ?)");
	if (err < 0)
		return err;
	if (dossier_id > 0)
		sqlite3_bind_int64(st, 1, dossier_id);
	else
		sqlite3_bind_null(st, 1);
	sqlite3_bind_int64(st, 2, ds_now());
	sqlite3_bind_text(st, 3, actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, detail, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		err = ds_catalog__err(c, rc, "writing an event");
	sqlite3_finalize(st);
	return err;
}

static int event_insert_nfc(ds_catalog *c, int64_t dossier_id, const char *actor,
			    const char *on_behalf_of, const char *action, const char *detail);

static int nfc_or_null(char **out, const char *s)
{
	*out = NULL;
	return s ? ds_text_nfc(out, s, strlen(s)) : 0;
}

/* The text of an event (its actor, on whose behalf, the reason) enters as
 * NFC (core/text.c) before it is hashed into the chain. */
int ds_catalog__event_insert(ds_catalog *c, int64_t dossier_id, const char *actor,
			     const char *on_behalf_of, const char *action, const char *detail)
{
	char *a = NULL, *b = NULL, *d = NULL;
	int err;
	if ((err = nfc_or_null(&a, actor)) == 0 && (err = nfc_or_null(&b, on_behalf_of)) == 0 &&
	    (err = nfc_or_null(&d, detail)) == 0)
		err = event_insert_nfc(c, dossier_id, a, b, action, d);
	free(a);
	free(b);
	free(d);
	return err;
}

static int event_insert_nfc(ds_catalog *c, int64_t dossier_id, const char *actor,
			    const char *on_behalf_of, const char *action, const char *detail)
{
	sqlite3_stmt *st = NULL, *dst = NULL;
	unsigned char prev[DS_EVENT_HASH_LEN] = {0}, hash[DS_EVENT_HASH_LEN];
	struct fields f;
	int own = 0, rc, err;
	int64_t last = 0;

	memset(&f, 0, sizeof f);
	if (!actor || !*actor)
		actor = "unknown";
	if (!detail)
		detail = "";
	if (c->version > 0 && c->version < CHAIN_SCHEMA)
		return legacy_insert(c, dossier_id, actor, action, detail);
	if ((err = ds_catalog__tx_begin(c, &own)) < 0)
		return err;
	/* Under the write lock: nobody else can link to this head meanwhile. */
	if ((err = ds_catalog__prepare(c, &st, "SELECT id, hash FROM events ORDER BY id DESC LIMIT 1")) < 0)
		goto done;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		last = sqlite3_column_int64(st, 0);
		if (sqlite3_column_type(st, 1) != SQLITE_BLOB ||
		    sqlite3_column_bytes(st, 1) != DS_EVENT_HASH_LEN) {
			err = ds_error_set(DS_ECORRUPT, "%s: event %lld has no chain hash; "
					   "run `dossier check`", c->path, (long long)last);
			goto done;
		}
		memcpy(prev, sqlite3_column_blob(st, 1), DS_EVENT_HASH_LEN);
	} else if (rc != SQLITE_DONE) {
		err = ds_catalog__err(c, rc, "reading the event chain head");
		goto done;
	}
	f.id = last + 1;
	f.at = ds_now();
	if (dossier_id > 0) {
		if ((err = ds_catalog__prepare(c, &dst, "SELECT " DOSSIER_COLS
						" FROM dossiers d WHERE d.id = ?")) < 0)
			goto done;
		sqlite3_bind_int64(dst, 1, dossier_id);
		if ((rc = sqlite3_step(dst)) != SQLITE_ROW) {
			err = rc == SQLITE_DONE
				      ? ds_error_set(DS_ENOTFOUND, "%s: no dossier row %lld", c->path,
						     (long long)dossier_id)
				      : ds_catalog__err(c, rc, "reading a dossier");
			goto done;
		}
		f.has_dossier = 1;
		dossier_fields(dst, 0, &f);
	}
	f.kind = (const unsigned char *)action;
	f.kind_len = strlen(action);
	f.actor = (const unsigned char *)actor;
	f.actor_len = strlen(actor);
	if (on_behalf_of && *on_behalf_of) {
		f.on_behalf_of = (const unsigned char *)on_behalf_of;
		f.on_behalf_of_len = strlen(on_behalf_of);
	}
	f.detail = (const unsigned char *)detail;
	f.detail_len = strlen(detail);
	if ((err = link_hash(prev, &f, hash)) < 0)
		goto done;
	sqlite3_finalize(st);
	st = NULL;
	if ((err = ds_catalog__prepare(c, &st, "INSERT INTO events(id, dossier, at, actor, action, "
					       "detail, on_behalf_of, hash) VALUES(?, ?, ?, ?, ?, ?, ?, ?)")) < 0)
		goto done;
	sqlite3_bind_int64(st, 1, f.id);
	if (dossier_id > 0)
		sqlite3_bind_int64(st, 2, dossier_id);
	else
		sqlite3_bind_null(st, 2);
	sqlite3_bind_int64(st, 3, f.at);
	sqlite3_bind_text(st, 4, actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, detail, -1, SQLITE_STATIC);
	if (f.on_behalf_of)
		sqlite3_bind_text(st, 7, on_behalf_of, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 7);
	sqlite3_bind_blob(st, 8, hash, DS_EVENT_HASH_LEN, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) != SQLITE_DONE)
		err = ds_catalog__err(c, rc, "writing an event");
done:
	sqlite3_finalize(dst);
	sqlite3_finalize(st);
	return ds_catalog__tx_end(c, own, err);
}

#define CHAIN_SELECT                                                                      \
	"SELECT e.id, e.at, e.dossier, " DOSSIER_COLS ", e.action, e.actor, e.on_behalf_of, " \
	"e.detail, e.hash, d.id FROM events e LEFT JOIN dossiers d ON d.id = e.dossier "

/* Fills f from a CHAIN_SELECT row; DS_ECORRUPT when the row cannot be
 * canonicalised (its dossier row is gone). */
static int row_fields(ds_catalog *c, sqlite3_stmt *st, struct fields *f)
{
	memset(f, 0, sizeof *f);
	f->id = sqlite3_column_int64(st, 0);
	f->at = sqlite3_column_int64(st, 1);
	if (sqlite3_column_type(st, 2) != SQLITE_NULL) {
		if (sqlite3_column_type(st, 14) == SQLITE_NULL)
			return ds_error_set(DS_ECORRUPT, "%s: event %lld names dossier row %lld, "
					    "which is missing", c->path, (long long)f->id,
					    (long long)sqlite3_column_int64(st, 2));
		f->has_dossier = 1;
		dossier_fields(st, 3, f);
	}
	f->kind = col_text(st, 9, &f->kind_len);
	f->actor = col_text(st, 10, &f->actor_len);
	f->on_behalf_of = col_text(st, 11, &f->on_behalf_of_len);
	f->detail = col_text(st, 12, &f->detail_len);
	if (f->kind == NULL)
		f->kind = (const unsigned char *)"";
	if (f->actor == NULL)
		f->actor = (const unsigned char *)"";
	if (f->detail == NULL)
		f->detail = (const unsigned char *)"";
	return 0;
}

/* The chain over the events already there when v8 is applied, in id order,
 * then one `events_chained` event that records it (itself chained). */
static int events_chain_hook(ds_catalog *c)
{
	sqlite3_stmt *st = NULL, *up = NULL;
	unsigned char prev[DS_EVENT_HASH_LEN] = {0}, hash[DS_EVENT_HASH_LEN];
	struct fields f;
	long long n = 0, first = 0, last = 0;
	char detail[160];
	int rc, err;

	if ((err = ds_catalog__prepare(c, &st, CHAIN_SELECT "ORDER BY e.id")) < 0 ||
	    (err = ds_catalog__prepare(c, &up, "UPDATE events SET hash = ? WHERE id = ?")) < 0)
		goto done;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((err = row_fields(c, st, &f)) < 0 || (err = link_hash(prev, &f, hash)) < 0)
			goto done;
		sqlite3_bind_blob(up, 1, hash, DS_EVENT_HASH_LEN, SQLITE_TRANSIENT);
		sqlite3_bind_int64(up, 2, f.id);
		if ((rc = sqlite3_step(up)) != SQLITE_DONE) {
			err = ds_catalog__err(c, rc, "chaining the events");
			goto done;
		}
		sqlite3_reset(up);
		memcpy(prev, hash, sizeof prev);
		if (n++ == 0)
			first = (long long)f.id;
		last = (long long)f.id;
	}
	if (rc != SQLITE_DONE) {
		err = ds_catalog__err(c, rc, "chaining the events");
		goto done;
	}
	sqlite3_finalize(st);
	st = NULL;
	if ((err = ds_catalog__exec(c, schema_chain_post)) < 0)
		goto done;
	if (n > 0)
		err = ds_fmt(detail, sizeof detail, "%lld events (ids %lld to %lld) chained at the "
			     "upgrade to schema 8", n, first, last);
	else
		err = ds_fmt(detail, sizeof detail, "no earlier events; chain starts here");
	if (err == 0)
		err = ds_catalog__event_insert(c, 0, "dossier", NULL, "events_chained", detail);
done:
	sqlite3_finalize(up);
	sqlite3_finalize(st);
	return err;
}

int ds_catalog__schema_chain_hook(ds_catalog *c) { return events_chain_hook(c); }

int ds_catalog_event_chain_verify(ds_catalog *c, struct ds_event_head *head, uint64_t *nevents)
{
	sqlite3_stmt *st = NULL;
	unsigned char prev[DS_EVENT_HASH_LEN] = {0}, hash[DS_EVENT_HASH_LEN];
	struct fields f;
	int64_t prev_id = 0;
	uint64_t n = 0;
	int rc, err;

	if (head != NULL)
		memset(head, 0, sizeof *head);
	if (nevents != NULL)
		*nevents = 0;
	if ((err = ds_catalog__prepare(c, &st, CHAIN_SELECT "ORDER BY e.id")) < 0)
		return err;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const void *stored = sqlite3_column_blob(st, 13);
		if ((err = row_fields(c, st, &f)) < 0)
			goto done;
		if (sqlite3_column_type(st, 13) != SQLITE_BLOB ||
		    sqlite3_column_bytes(st, 13) != DS_EVENT_HASH_LEN) {
			err = ds_error_set(DS_ECORRUPT, "event chain broken at event %lld: it has no "
					   "chain hash", (long long)f.id);
			goto done;
		}
		if ((err = link_hash(prev, &f, hash)) < 0)
			goto done;
		if (CRYPTO_memcmp(hash, stored, DS_EVENT_HASH_LEN) != 0) {
			if (n > 0 && f.id == prev_id + 2)
				err = ds_error_set(DS_ECORRUPT, "event chain broken at event %lld: "
						   "event %lld is missing (deleted)", (long long)f.id,
						   (long long)prev_id + 1);
			else if (n > 0 && f.id != prev_id + 1)
				err = ds_error_set(DS_ECORRUPT, "event chain broken at event %lld: "
						   "events %lld to %lld are missing (deleted)",
						   (long long)f.id, (long long)prev_id + 1,
						   (long long)f.id - 1);
			else if (n == 0 && f.id != 1)
				err = ds_error_set(DS_ECORRUPT, "event chain broken at event %lld: the "
						   "events before it are missing (deleted)", (long long)f.id);
			else if (n == 0)
				err = ds_error_set(DS_ECORRUPT, "event chain broken at event %lld: it was "
						   "changed after it was written", (long long)f.id);
			else
				err = ds_error_set(DS_ECORRUPT, "event chain broken at event %lld: it was "
						   "changed after it was written (or event %lld before it)",
						   (long long)f.id, (long long)prev_id);
			goto done;
		}
		memcpy(prev, hash, sizeof prev);
		prev_id = f.id;
		n++;
	}
	if (rc != SQLITE_DONE) {
		err = ds_catalog__err(c, rc, "reading the events");
		goto done;
	}
	if (head != NULL) {
		head->id = prev_id;
		memcpy(head->hash, prev, sizeof head->hash);
	}
	if (nevents != NULL)
		*nevents = n;
done:
	sqlite3_finalize(st);
	return err;
}

int ds_catalog_event_head(ds_catalog *c, struct ds_event_head *out)
{
	sqlite3_stmt *st = NULL;
	int rc, err;

	memset(out, 0, sizeof *out);
	if ((err = ds_catalog__prepare(c, &st, "SELECT id, hash FROM events ORDER BY id DESC LIMIT 1")) < 0)
		return err;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		out->id = sqlite3_column_int64(st, 0);
		if (sqlite3_column_type(st, 1) == SQLITE_BLOB &&
		    sqlite3_column_bytes(st, 1) == DS_EVENT_HASH_LEN)
			memcpy(out->hash, sqlite3_column_blob(st, 1), DS_EVENT_HASH_LEN);
		else
			err = ds_error_set(DS_ECORRUPT, "%s: event %lld has no chain hash", c->path,
					   (long long)out->id);
	} else if (rc != SQLITE_DONE) {
		err = ds_catalog__err(c, rc, "reading the event chain head");
	}
	sqlite3_finalize(st);
	return err;
}

int ds_catalog_event_hash(ds_catalog *c, int64_t id, unsigned char out[DS_EVENT_HASH_LEN])
{
	sqlite3_stmt *st = NULL;
	int rc, err;

	memset(out, 0, DS_EVENT_HASH_LEN);
	if (id == 0)
		return 0; /* before the first event */
	if ((err = ds_catalog__prepare(c, &st, "SELECT hash FROM events WHERE id = ?")) < 0)
		return err;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_BLOB &&
	    sqlite3_column_bytes(st, 0) == DS_EVENT_HASH_LEN)
		memcpy(out, sqlite3_column_blob(st, 0), DS_EVENT_HASH_LEN);
	else if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		err = ds_error_set(DS_ENOTFOUND, "%s: no event %lld with a chain hash", c->path,
				   (long long)id);
	else
		err = ds_catalog__err(c, rc, "reading the event chain");
	sqlite3_finalize(st);
	return err;
}

int ds_catalog_event_count_after(ds_catalog *c, int64_t after_id, const char *except_kind,
				 uint64_t *out)
{
	sqlite3_stmt *st = NULL;
	int rc, err;

	*out = 0;
	if ((err = ds_catalog__prepare(c, &st, "SELECT COUNT(*) FROM events WHERE id > ?1"
					       " AND (?2 IS NULL OR action IS NOT ?2)")) < 0)
		return err;
	sqlite3_bind_int64(st, 1, after_id);
	if (except_kind != NULL)
		sqlite3_bind_text(st, 2, except_kind, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 2);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*out = (uint64_t)sqlite3_column_int64(st, 0);
	else
		err = ds_catalog__err(c, rc, "counting events");
	sqlite3_finalize(st);
	return err;
}

int ds_catalog_event_triggers_check(ds_catalog *c, char *missing, size_t n)
{
	static const char *const names[] = {
		"events_no_update", "events_no_delete", "events_chain",
		"seallog_leaves_next", "seallog_leaves_no_update", "seallog_leaves_no_delete",
		"seallog_checkpoints_grow", "seallog_checkpoints_no_update",
		"seallog_checkpoints_no_delete",
	};
	sqlite3_stmt *st = NULL;
	size_t used = 0;
	int err, found = 0;

	if (n > 0)
		missing[0] = '\0';
	if ((err = ds_catalog__prepare(c, &st, "SELECT COUNT(*) FROM sqlite_master "
					       "WHERE type = 'trigger' AND name = ?")) < 0)
		return err;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, names[i], -1, SQLITE_STATIC);
		int rc = sqlite3_step(st);
		if (rc != SQLITE_ROW) {
			err = ds_catalog__err(c, rc, "reading the schema");
			goto done;
		}
		if (sqlite3_column_int(st, 0) > 0)
			continue;
		found++;
		int w = snprintf(missing + used, n - used, "%s%s", used ? ", " : "", names[i]);
		if (w > 0 && (size_t)w < n - used)
			used += (size_t)w;
	}
	err = found;
done:
	sqlite3_finalize(st);
	return err;
}
