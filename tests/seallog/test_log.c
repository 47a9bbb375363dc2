/* The seal log in the catalog: appends in the caller's transaction,
 * checkpoints that only grow and are never signed over a changed history,
 * proofs that verify offline, the audit, and the schema's append-only
 * triggers (which refuse UPDATE, DELETE, gaps and INSERT OR REPLACE). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sqlite3.h>

#include "dossier/catalog.h"
#include "dossier/catalog_seallog.h"
#include "dossier/clock.h"
#include "dossier/error.h"
#include "dossier/seallog.h"
#include "testutil.h"

#define ORIGIN "test.gov.vn/dossier/seal-log"

struct fx {
	char *dir;
	char db[4200], key[4200], pub[4200];
	ds_catalog *c;
	ds_seallog_key *sk;
};

static void join(char *out, const char *dir, const char *name)
{
	assert_true(snprintf(out, 4200, "%s/%s", dir, name) < 4200);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	BIO *b;
	assert_non_null(f);
	assert_non_null(k);
	f->dir = ds_test_tmpdir();
	join(f->db, f->dir, "catalog.db");
	join(f->key, f->dir, "log.key");
	join(f->pub, f->dir, "log.pub");
	b = BIO_new_file(f->key, "w");
	assert_int_equal(PEM_write_bio_PKCS8PrivateKey(b, k, EVP_aes_256_cbc(), NULL, 0, NULL, "pw"), 1);
	BIO_free(b);
	assert_int_equal(chmod(f->key, 0600), 0);
	b = BIO_new_file(f->pub, "w");
	assert_int_equal(PEM_write_bio_PUBKEY(b, k), 1);
	BIO_free(b);
	EVP_PKEY_free(k);
	assert_int_equal(ds_seallog_key_load_private(&f->sk, f->key, ORIGIN, "pw", 2), 0);
	assert_int_equal(ds_catalog_open(&f->c, f->db, 1), 0);
	ds_clock_fix(1765852267);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	ds_clock_fix(0);
	ds_catalog_free(f->c);
	ds_seallog_key_free(f->sk);
	ds_test_rm_rf(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static void code_of(char *out, int i)
{
	assert_true(snprintf(out, 64, "HCM-251216-%04d", i) > 0);
}

static void hex_of(char *out, int i)
{
	for (int j = 0; j < 64; j++)
		out[j] = "0123456789abcdef"[(i * 7 + j) % 16];
	out[64] = 0;
}

static void append_n(struct fx *f, int from, int to)
{
	for (int i = from; i < to; i++) {
		char code[64], hex[65];
		uint64_t idx = 99;
		code_of(code, i);
		hex_of(hex, i);
		assert_int_equal(ds_seallog_append(f->c, code, i % 3 ? "SEAL01" : "SEAL02", hex,
						   1765852267 + i, &idx), 0);
		assert_int_equal(idx, (uint64_t)i);
	}
}

/* Raw SQL on the catalog file, as someone with file access could do. */
static int raw_sql(struct fx *f, const char *sql)
{
	sqlite3 *db = NULL;
	int rc;
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 2000);
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}

static void test_append_prove_verify(void **state)
{
	struct fx *f = *state;
	struct ds_seallog_proof *p = calloc(1, sizeof *p);
	struct ds_checkpoint cp;
	char *note = NULL, *note2 = NULL, *ptxt = NULL, leaf[DS_SEALLOG_LEAF_MAX], reason[256];
	uint64_t n = 0;
	size_t ncp = 0;

	assert_non_null(p);
	/* No checkpoint yet: nothing to prove against. */
	append_n(f, 0, 10);
	assert_int_equal(ds_seallog_prove(f->c, "HCM-251216-0003", NULL, 0, p, leaf), DS_ENOTFOUND);
	assert_int_equal(ds_seallog_checkpoint(f->c, f->sk, ORIGIN, 1765852300, &note, &cp), 0);
	assert_int_equal(cp.size, 10);
	/* Unchanged log: the same checkpoint back, nothing new stored. */
	assert_int_equal(ds_seallog_checkpoint(f->c, f->sk, ORIGIN, 1765852400, &note2, &cp), 0);
	assert_string_equal(note, note2);
	free(note2);
	append_n(f, 10, 37);
	/* The newest seals are not in the checkpoint yet. */
	assert_int_equal(ds_seallog_prove(f->c, "HCM-251216-0020", NULL, 0, p, leaf), DS_ESTATE);
	/* A changed origin is refused (it would be another log). */
	assert_int_equal(ds_seallog_checkpoint(f->c, f->sk, "other/log", 1765852500, &note2, &cp),
			 DS_EINVALID);
	free(note);
	assert_int_equal(ds_seallog_checkpoint(f->c, f->sk, ORIGIN, 1765852500, &note, &cp), 0);
	assert_int_equal(cp.size, 37);
	for (int i = 0; i < 37; i++) {
		char code[64], hex[65], want[DS_SEALLOG_LEAF_MAX];
		code_of(code, i);
		hex_of(hex, i);
		assert_int_equal(ds_seallog_prove(f->c, code, NULL, 0, p, leaf), 0);
		assert_int_equal(p->index, (uint64_t)i);
		assert_int_equal(p->size, 37);
		/* The leaf recomputed from the bundle's facts is the logged one. */
		assert_int_equal(ds_seallog_leaf_text(want, sizeof want, code, i % 3 ? "SEAL01" : "SEAL02",
						      hex, 1765852267 + i), 0);
		assert_string_equal(leaf, want);
		assert_int_equal(ds_seallog_proof_format(&ptxt, p), 0);
		assert_int_equal(ds_seallog_verify_inclusion(note, strlen(note), f->pub, NULL, ptxt,
							     strlen(ptxt), want, strlen(want), reason,
							     sizeof reason), 0);
		/* A leaf with another signature hash is not included. */
		want[strlen(want) - 30] ^= 1;
		assert_int_equal(ds_seallog_verify_inclusion(note, strlen(note), f->pub, NULL, ptxt,
							     strlen(ptxt), want, strlen(want), reason,
							     sizeof reason), DS_ESIG);
		free(ptxt);
	}
	/* Against an older checkpoint size. */
	assert_int_equal(ds_seallog_prove(f->c, "HCM-251216-0004", NULL, 10, p, leaf), 0);
	assert_int_equal(p->size, 10);
	assert_int_equal(ds_seallog_prove(f->c, "HCM-251216-0004", NULL, 38, p, leaf), DS_EINVALID);
	assert_int_equal(ds_seallog_prove(f->c, "HCM-251216-0004", "SEAL02", 0, p, leaf), DS_ENOTFOUND);
	assert_int_equal(ds_seallog_prove(f->c, "HCM-251216-0003", "SEAL02", 0, p, leaf), 0);
	assert_int_equal(ds_seallog_prove(f->c, "NOPE", NULL, 0, p, leaf), DS_ENOTFOUND);
	{
		char owner[DS_CODE_MAX];
		assert_int_equal(ds_seallog_prove_index(f->c, 7, 0, p, leaf, owner), 0);
		assert_string_equal(owner, "HCM-251216-0007");
		assert_int_equal(p->index, 7);
		assert_int_equal(ds_seallog_prove_index(f->c, 37, 0, p, leaf, owner), DS_ENOTFOUND);
	}
	/* Consistency of the two stored checkpoints. */
	{
		struct ds_seallog_checkpoint_row *rows = NULL;
		struct ds_merkle_hash proof[DS_SEALLOG_PROOF_MAX], r1, r2;
		size_t np = 0;
		assert_int_equal(ds_catalog_seallog_checkpoint_list(f->c, &rows, &ncp), 0);
		assert_int_equal(ncp, 2);
		memcpy(r1.b, rows[0].root, 32);
		memcpy(r2.b, rows[1].root, 32);
		assert_int_equal(ds_seallog_consistency(f->c, 10, 37, proof, &np), 0);
		assert_int_equal(ds_merkle_consistency_verify(10, 37, &r1, &r2, proof, np), 0);
		assert_int_equal(ds_seallog_consistency(f->c, 10, 38, proof, &np), DS_EINVALID);
		free(rows);
	}
	assert_int_equal(ds_seallog_audit(f->c, f->sk, &n, &ncp), 0);
	assert_int_equal(n, 37);
	assert_int_equal(ncp, 2);
	free(note);
	free(p);
}

static void test_same_transaction(void **state)
{
	struct fx *f = *state;
	char hex[65];
	uint64_t n = 0;
	hex_of(hex, 1);
	append_n(f, 0, 3);
	/* A seal whose transaction rolls back leaves no leaf behind. */
	assert_int_equal(ds_catalog_begin(f->c), 0);
	assert_int_equal(ds_seallog_append(f->c, "HCM-251216-0099", "SEAL01", hex, 1765852267, NULL), 0);
	assert_int_equal(ds_catalog_seallog_size(f->c, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(ds_catalog_rollback(f->c), 0);
	assert_int_equal(ds_catalog_seallog_size(f->c, &n), 0);
	assert_int_equal(n, 3);
	/* Bad input is refused before anything is written. */
	assert_int_equal(ds_seallog_append(f->c, "HCM 1", "SEAL01", hex, 1765852267, NULL), DS_EINVALID);
	assert_int_equal(ds_seallog_append(f->c, "HCM-1", "SEAL01", "xyz", 1765852267, NULL), DS_EINVALID);
	assert_int_equal(ds_catalog_seallog_size(f->c, &n), 0);
	assert_int_equal(n, 3);
}

static void test_append_only_triggers(void **state)
{
	struct fx *f = *state;
	char *note = NULL;
	struct ds_checkpoint cp;
	append_n(f, 0, 5);
	assert_int_equal(ds_seallog_checkpoint(f->c, f->sk, ORIGIN, 1765852300, &note, &cp), 0);
	free(note);
	assert_int_not_equal(raw_sql(f, "UPDATE seallog_leaves SET seal_id = 'X' WHERE idx = 2"), SQLITE_OK);
	assert_int_not_equal(raw_sql(f, "DELETE FROM seallog_leaves WHERE idx = 4"), SQLITE_OK);
	assert_int_not_equal(raw_sql(f, "DELETE FROM seallog_leaves"), SQLITE_OK);
	assert_int_not_equal(raw_sql(f, "INSERT OR REPLACE INTO seallog_leaves SELECT idx, leaf || 'x',"
				     " leaf_hash, dossier_code, seal_id, sealed_at, logged_at"
				     " FROM seallog_leaves WHERE idx = 1"), SQLITE_OK);
	assert_int_not_equal(raw_sql(f, "INSERT INTO seallog_leaves SELECT 7, leaf, leaf_hash,"
				     " dossier_code, seal_id, sealed_at, logged_at FROM seallog_leaves"
				     " WHERE idx = 1"), SQLITE_OK);
	assert_int_not_equal(raw_sql(f, "UPDATE seallog_checkpoints SET note = 'x'"), SQLITE_OK);
	assert_int_not_equal(raw_sql(f, "DELETE FROM seallog_checkpoints"), SQLITE_OK);
	assert_int_not_equal(raw_sql(f, "INSERT OR REPLACE INTO seallog_checkpoints SELECT size, root,"
				     " 'forged', signed_at FROM seallog_checkpoints"), SQLITE_OK);
	assert_int_not_equal(raw_sql(f, "INSERT INTO seallog_checkpoints SELECT 6, root, note, signed_at"
				     " FROM seallog_checkpoints"), SQLITE_OK);
	assert_int_not_equal(raw_sql(f, "INSERT INTO seallog_checkpoints SELECT 3, root, note, signed_at"
				     " FROM seallog_checkpoints"), SQLITE_OK);
	/* The control: the same connection may append the next leaf. */
	assert_int_equal(raw_sql(f, "INSERT INTO seallog_leaves SELECT 5, leaf, leaf_hash,"
				 " dossier_code, seal_id, sealed_at, logged_at FROM seallog_leaves"
				 " WHERE idx = 1"), SQLITE_OK);
	assert_int_equal(ds_seallog_audit(f->c, NULL, NULL, NULL), 0);
}

/* Someone with the catalog file drops the triggers and rewrites history:
 * the audit, the next checkpoint and proofs all refuse. */
static void test_forked_history(void **state)
{
	struct fx *f = *state;
	struct ds_seallog_proof *p = calloc(1, sizeof *p);
	char *note = NULL, leaf[DS_SEALLOG_LEAF_MAX];
	struct ds_checkpoint cp;
	assert_non_null(p);
	append_n(f, 0, 12);
	assert_int_equal(ds_seallog_checkpoint(f->c, f->sk, ORIGIN, 1765852300, &note, &cp), 0);
	free(note);
	append_n(f, 12, 14);
	assert_int_equal(ds_seallog_audit(f->c, f->sk, NULL, NULL), 0);
	assert_int_equal(raw_sql(f, "DROP TRIGGER seallog_leaves_no_update;"
				 "DROP TRIGGER seallog_leaves_no_delete;"), SQLITE_OK);
	/* 1. A leaf's text changed without its hash. */
	assert_int_equal(raw_sql(f, "UPDATE seallog_leaves SET leaf = replace(leaf, 'SEAL01', 'SEAL09'),"
				 " seal_id = 'SEAL09' WHERE idx = 4"), SQLITE_OK);
	assert_int_equal(ds_seallog_audit(f->c, f->sk, NULL, NULL), DS_ECORRUPT);
	assert_int_equal(ds_seallog_checkpoint(f->c, f->sk, ORIGIN, 1765852400, &note, &cp), DS_ECORRUPT);
	assert_int_equal(ds_seallog_prove(f->c, "HCM-251216-0001", NULL, 0, p, leaf), DS_ECORRUPT);
	/* 2. Text and hash both rewritten consistently (a real fork): the
	 *    signed head no longer matches. */
	assert_int_equal(raw_sql(f, "UPDATE seallog_leaves SET leaf = replace(leaf, 'SEAL09', 'SEAL01'),"
				 " seal_id = 'SEAL01' WHERE idx = 4"), SQLITE_OK);
	assert_int_equal(ds_seallog_audit(f->c, f->sk, NULL, NULL), 0);
	{
		/* Replace leaf 4 with a well-formed leaf for another dossier. */
		struct ds_merkle_hash h;
		char text[DS_SEALLOG_LEAF_MAX], hex[65], sql[1200], hh[65];
		hex_of(hex, 99);
		assert_int_equal(ds_seallog_leaf_text(text, sizeof text, "HCM-251216-0004", "SEAL01", hex,
						      1765852271), 0);
		assert_int_equal(ds_merkle_leaf_hash(&h, text, strlen(text)), 0);
		for (int i = 0; i < 32; i++) {
			hh[2 * i] = "0123456789abcdef"[h.b[i] >> 4];
			hh[2 * i + 1] = "0123456789abcdef"[h.b[i] & 15];
		}
		hh[64] = 0;
		assert_true(snprintf(sql, sizeof sql, "UPDATE seallog_leaves SET leaf = '%s', leaf_hash = x'%s'"
				     " WHERE idx = 4", text, hh) < (int)sizeof sql);
		assert_int_equal(raw_sql(f, sql), SQLITE_OK);
	}
	assert_int_equal(ds_seallog_audit(f->c, f->sk, NULL, NULL), DS_ECORRUPT);
	assert_int_equal(ds_seallog_checkpoint(f->c, f->sk, ORIGIN, 1765852400, &note, &cp), DS_ECORRUPT);
	assert_null(note);
	assert_int_equal(ds_seallog_prove(f->c, "HCM-251216-0001", NULL, 0, p, leaf), DS_ECORRUPT);
	/* 3. Leaves removed below a checkpoint. */
	assert_int_equal(raw_sql(f, "DELETE FROM seallog_leaves WHERE idx >= 4"), SQLITE_OK);
	assert_int_equal(ds_seallog_audit(f->c, f->sk, NULL, NULL), DS_ECORRUPT);
	assert_int_equal(ds_seallog_checkpoint(f->c, f->sk, ORIGIN, 1765852400, &note, &cp), DS_ECORRUPT);
	free(p);
}

/* A checkpoint whose stored note was swapped for one signed by another key
 * fails the audit with the log's key. */
static void test_audit_checks_signatures(void **state)
{
	struct fx *f = *state;
	ds_seallog_key *other = NULL;
	char *note = NULL;
	struct ds_checkpoint cp;
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	char okey[4200];
	BIO *b;
	join(okey, f->dir, "other.key");
	b = BIO_new_file(okey, "w");
	assert_int_equal(PEM_write_bio_PKCS8PrivateKey(b, k, EVP_aes_256_cbc(), NULL, 0, NULL, "pw"), 1);
	BIO_free(b);
	EVP_PKEY_free(k);
	assert_int_equal(chmod(okey, 0600), 0);
	assert_int_equal(ds_seallog_key_load_private(&other, okey, ORIGIN, "pw", 2), 0);
	append_n(f, 0, 6);
	assert_int_equal(ds_seallog_checkpoint(f->c, other, ORIGIN, 1765852300, &note, &cp), 0);
	free(note);
	assert_int_equal(ds_seallog_audit(f->c, other, NULL, NULL), 0);
	assert_int_equal(ds_seallog_audit(f->c, f->sk, NULL, NULL), DS_ECORRUPT);
	assert_int_equal(ds_seallog_audit(f->c, NULL, NULL, NULL), 0);
	/* And the log's own key will not sign on top of it. */
	append_n(f, 6, 7);
	assert_int_equal(ds_seallog_checkpoint(f->c, f->sk, ORIGIN, 1765852400, &note, &cp), DS_ECORRUPT);
	ds_seallog_key_free(other);
}

/* Several processes sealing at once: every leaf gets its own index, the
 * indexes stay contiguous, and the log audits clean. */
static void test_concurrent_appends(void **state)
{
	struct fx *f = *state;
	enum { PROCS = 4, EACH = 25 };
	pid_t pids[PROCS];
	uint64_t n = 0;
	struct ds_seallog_leaf *l = NULL;
	size_t nl = 0;
	char *note = NULL;
	struct ds_checkpoint cp;

	for (int p = 0; p < PROCS; p++) {
		pids[p] = fork();
		assert_true(pids[p] >= 0);
		if (pids[p] == 0) {
			ds_catalog *c = NULL;
			int rc = 0;
			if (ds_catalog_open(&c, f->db, 0) < 0)
				_exit(2);
			for (int i = 0; i < EACH && rc == 0; i++) {
				char code[64], hex[65];
				code_of(code, 1000 * (p + 1) + i);
				hex_of(hex, i);
				for (int tries = 0; tries < 50; tries++) {
					int err = ds_seallog_append(c, code, "SEAL01", hex, 1765852267 + i, NULL);
					if (err == DS_EBUSY)
						continue;
					rc = err < 0 ? 1 : 0;
					break;
				}
			}
			ds_catalog_free(c);
			_exit(rc);
		}
	}
	for (int p = 0; p < PROCS; p++) {
		int st = 0;
		assert_int_equal(waitpid(pids[p], &st, 0), pids[p]);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 0);
	}
	assert_int_equal(ds_catalog_seallog_size(f->c, &n), 0);
	assert_int_equal(n, PROCS * EACH);
	assert_int_equal(ds_catalog_seallog_leaf_list(f->c, NULL, &l, &nl), 0);
	assert_int_equal(nl, PROCS * EACH);
	for (size_t i = 0; i < nl; i++)
		assert_int_equal(l[i].index, i);
	free(l);
	assert_int_equal(ds_seallog_checkpoint(f->c, f->sk, ORIGIN, 1765852300, &note, &cp), 0);
	assert_int_equal(cp.size, PROCS * EACH);
	free(note);
	assert_int_equal(ds_seallog_audit(f->c, f->sk, &n, NULL), 0);
}

/* Processes sealing and signing checkpoints at once: every checkpoint
 * stored is consistent with the others and the log audits clean. */
static void test_concurrent_checkpoints(void **state)
{
	struct fx *f = *state;
	enum { PROCS = 3, ROUNDS = 4, EACH = 6 };
	pid_t pids[PROCS];
	struct ds_seallog_checkpoint_row *rows = NULL;
	size_t nrows = 0;
	uint64_t n = 0;

	for (int p = 0; p < PROCS; p++) {
		pids[p] = fork();
		assert_true(pids[p] >= 0);
		if (pids[p] == 0) {
			ds_catalog *c = NULL;
			int rc = 0;
			if (ds_catalog_open(&c, f->db, 0) < 0)
				_exit(2);
			for (int r = 0; r < ROUNDS && rc == 0; r++) {
				for (int i = 0; i < EACH && rc == 0; i++) {
					char code[64], hex[65];
					code_of(code, 1000 * (p + 1) + 10 * r + i);
					hex_of(hex, i);
					rc = ds_seallog_append(c, code, "SEAL01", hex, 1765852267 + i, NULL) < 0;
				}
				char *note = NULL;
				struct ds_checkpoint cp;
				if (rc == 0 && ds_seallog_checkpoint(c, f->sk, ORIGIN, 1765852300 + r, &note, &cp) < 0) {
					fprintf(stderr, "child %d: %s\n", p, ds_error_last());
					rc = 1;
				}
				free(note);
			}
			ds_catalog_free(c);
			_exit(rc);
		}
	}
	for (int p = 0; p < PROCS; p++) {
		int st = 0;
		assert_int_equal(waitpid(pids[p], &st, 0), pids[p]);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 0);
	}
	assert_int_equal(ds_catalog_seallog_checkpoint_list(f->c, &rows, &nrows), 0);
	assert_true(nrows >= 2);
	for (size_t i = 1; i < nrows; i++)
		assert_true(rows[i].size > rows[i - 1].size);
	assert_int_equal(rows[nrows - 1].size, PROCS * ROUNDS * EACH);
	free(rows);
	assert_int_equal(ds_seallog_audit(f->c, f->sk, &n, &nrows), 0);
	assert_int_equal(n, PROCS * ROUNDS * EACH);
}

/* Checkpoints commit to the event chain head: a new one when only events
 * were written, the stored one again when only checkpoint events were; the
 * log "extends" a checkpoint until its events are truncated or rewritten,
 * then it is "rolled back"; signing refuses a broken chain. */
static void test_checkpoint_events(void **state)
{
	struct fx *f = *state;
	struct ds_checkpoint cp1, cp2, cp3;
	char *note = NULL, reason[DS_SEALLOG_REASON_MAX], sql[160];
	struct ds_event_head head;

	append_n(f, 0, 3);
	assert_int_equal(ds_catalog_event_add(f->c, NULL, "lan", "note", "one"), 0);
	assert_int_equal(ds_seallog_checkpoint(f->c, f->sk, ORIGIN, 1765852300, &note, &cp1), 0);
	assert_true(cp1.has_events);
	assert_int_equal(ds_catalog_event_head(f->c, &head), 0);
	assert_int_equal(cp1.events, (uint64_t)head.id);
	assert_memory_equal(cp1.events_head.b, head.hash, 32);
	assert_non_null(strstr(note, "\ndossier-events/1 "));
	free(note);
	/* only a checkpoint event since: the same checkpoint */
	assert_int_equal(ds_catalog_event_add(f->c, NULL, "lan", "log_checkpoint", "x"), 0);
	assert_int_equal(ds_seallog_checkpoint(f->c, f->sk, ORIGIN, 1765852301, &note, &cp2), 0);
	free(note);
	assert_int_equal(cp2.events, cp1.events);
	/* an event, no seal: a new checkpoint of the same size */
	assert_int_equal(ds_catalog_event_add(f->c, NULL, "lan", "note", "two"), 0);
	assert_int_equal(ds_seallog_checkpoint(f->c, f->sk, ORIGIN, 1765852302, &note, &cp2), 0);
	free(note);
	assert_int_equal(cp2.size, cp1.size);
	assert_true(cp2.events > cp1.events);
	assert_int_equal(ds_seallog_verify_against(f->c, &cp1, reason, sizeof reason), 0);
	assert_int_equal(ds_seallog_verify_against(f->c, &cp2, reason, sizeof reason), 0);
	assert_int_equal(ds_seallog_audit(f->c, f->sk, NULL, NULL), 0);
	ds_catalog_free(f->c);
	f->c = NULL;
	/* the tail after cp1 deleted: cp2 is rolled back, cp1 still holds */
	snprintf(sql, sizeof sql, "DROP TRIGGER events_no_delete; DELETE FROM events WHERE id > %llu",
		 (unsigned long long)cp1.events);
	assert_int_equal(raw_sql(f, sql), SQLITE_OK);
	assert_int_equal(ds_catalog_open(&f->c, f->db, 0), 0);
	assert_int_equal(ds_seallog_verify_against(f->c, &cp1, reason, sizeof reason), 0);
	assert_int_equal(ds_seallog_verify_against(f->c, &cp2, reason, sizeof reason), DS_ESIG);
	assert_non_null(strstr(reason, "rolled back"));
	assert_non_null(strstr(reason, "events deleted"));
	/* the stored cp2 row no longer matches: audit and signing refuse */
	assert_int_equal(ds_seallog_audit(f->c, f->sk, NULL, NULL), DS_ECORRUPT);
	assert_int_equal(ds_seallog_checkpoint(f->c, f->sk, ORIGIN, 1765852303, &note, &cp3),
			 DS_ECORRUPT);
	ds_catalog_free(f->c);
	f->c = NULL;
	/* an event edited under cp1 breaks the chain: nothing is signed */
	assert_int_equal(raw_sql(f, "DROP TRIGGER events_no_update; UPDATE events SET actor = 'x' "
				    "WHERE id = 1"), SQLITE_OK);
	assert_int_equal(ds_catalog_open(&f->c, f->db, 0), 0);
	assert_int_equal(ds_seallog_checkpoint(f->c, f->sk, ORIGIN, 1765852304, &note, &cp3),
			 DS_ECORRUPT);
	if (strstr(ds_error_last(), "event chain broken at event 1") == NULL)
		fail_msg("%s", ds_error_last());
	assert_int_equal(ds_seallog_verify_against(f->c, &cp1, reason, sizeof reason), DS_ECORRUPT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_append_prove_verify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_checkpoint_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_same_transaction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_append_only_triggers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forked_history, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_checks_signatures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_appends, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_checkpoints, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
