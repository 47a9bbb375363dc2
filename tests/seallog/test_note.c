/* Checkpoints as C2SP signed notes: the reference vector of the Go
 * implementation byte for byte, key ids, key files, tampering, wrong keys,
 * malformed notes and proofs, leaf text, and the offline inclusion check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "dossier/error.h"
#include "dossier/seallog.h"
#include "signer/seallog_int.h"

static char tmpdir[256];

static void unhex(const char *s, unsigned char *out)
{
	for (size_t i = 0; s[2 * i] && s[2 * i + 1]; i++) {
		char b[3] = { s[2 * i], s[2 * i + 1], 0 };
		out[i] = (unsigned char)strtoul(b, NULL, 16);
	}
}

static void path_in(char *out, size_t n, const char *name)
{
	int w = snprintf(out, n, "%s/%s", tmpdir, name);
	assert_true(w > 0 && (size_t)w < n);
}

/* A fresh Ed25519 key as the signer's `pki init` will write it: PKCS#8
 * encrypted with AES-256 (tests use OpenSSL's default KDF), and the public
 * key PEM. */
static void make_key(const char *key_name, const char *pub_name, const char *pass)
{
	char kp[512], pp[512];
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	BIO *b;
	assert_non_null(k);
	path_in(kp, sizeof kp, key_name);
	path_in(pp, sizeof pp, pub_name);
	unlink(kp);
	b = BIO_new_file(kp, "w");
	assert_non_null(b);
	assert_int_equal(PEM_write_bio_PKCS8PrivateKey(b, k, EVP_aes_256_cbc(), NULL, 0, NULL,
						       (void *)pass), 1);
	BIO_free(b);
	assert_int_equal(chmod(kp, 0600), 0);
	b = BIO_new_file(pp, "w");
	assert_non_null(b);
	assert_int_equal(PEM_write_bio_PUBKEY(b, k), 1);
	BIO_free(b);
	EVP_PKEY_free(k);
}

static int setup(void **state)
{
	(void)state;
	int w = snprintf(tmpdir, sizeof tmpdir, "%s/seallog-note-XXXXXX",
			 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_true(w > 0);
	assert_non_null(mkdtemp(tmpdir));
	make_key("log.key", "log.pub", "correct horse");
	make_key("other.key", "other.pub", "other pass");
	return 0;
}

static int teardown(void **state)
{
	char cmd[600];
	(void)state;
	if (snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir) > 0)
		assert_int_equal(system(cmd), 0);
	return 0;
}

/* golang.org/x/mod/sumdb/note's documented example. */
static const char go_text[] = "If you think cryptography is the answer to your problem,\n"
			      "then you don't know what your problem is.\n";
static const char go_note[] = "If you think cryptography is the answer to your problem,\n"
			      "then you don't know what your problem is.\n"
			      "\n"
			      "\xe2\x80\x94 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

static void test_reference_note(void **state)
{
	unsigned char seed[32], pub[32];
	ds_seallog_key *sk = NULL, *pk = NULL;
	char vkey[256], *note = NULL;
	size_t len = 0, tl = 0;
	uint32_t id = 0;
	(void)state;
	unhex("810a1402d5146c8d84f2443330f54080ebf98ee17d9c74f6252fc5d5c7283173", seed);
	unhex("1a5cd907143c384c41e830c5bce12aa8817ec5649aaabf2c31388b35b2d744d6", pub);
	assert_int_equal(ds_seallog_key_id_compute(&id, "PeterNeumann", pub), 0);
	assert_int_equal(id, 0xc74f20a3u);
	assert_int_equal(ds_seallog__key_from_raw_private(&sk, seed, "PeterNeumann"), 0);
	assert_int_equal(ds_seallog_key_id(sk), 0xc74f20a3u);
	assert_int_equal(ds_seallog_key_vkey(sk, vkey, sizeof vkey), 0);
	assert_string_equal(vkey, "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW");
	/* Ed25519 is deterministic: our note is the reference byte for byte. */
	assert_int_equal(ds_seallog__note_sign(&note, &len, go_text, strlen(go_text), sk), 0);
	assert_int_equal(len, strlen(go_note));
	assert_memory_equal(note, go_note, len);
	free(note);
	assert_int_equal(ds_seallog_key_from_raw_public(&pk, pub, "PeterNeumann"), 0);
	assert_int_equal(ds_seallog__note_verify(go_note, strlen(go_note), pk, "PeterNeumann", &tl, NULL, 0), 0);
	assert_int_equal(tl, strlen(go_text));
	{
		char bad[sizeof go_note];
		memcpy(bad, go_note, sizeof go_note);
		bad[14] = 'Y'; /* "cryptographY" */
		assert_int_equal(ds_seallog__note_verify(bad, strlen(bad), pk, "PeterNeumann", &tl, NULL, 0),
				 DS_ESIG);
	}
	/* Under another name the id differs: no signature of ours. */
	assert_int_equal(ds_seallog__note_verify(go_note, strlen(go_note), pk, "PeterNeuman", &tl, NULL, 0),
			 DS_ESIG);
	ds_seallog_key_free(sk);
	ds_seallog_key_free(pk);
}

static void load_keys(ds_seallog_key **sk, ds_seallog_key **pk, const char *name)
{
	char kp[512], pp[512];
	path_in(kp, sizeof kp, "log.key");
	path_in(pp, sizeof pp, "log.pub");
	assert_int_equal(ds_seallog_key_load_private(sk, kp, name, "correct horse", 13), 0);
	assert_int_equal(ds_seallog_key_load_public(pk, pp, name), 0);
}

static void test_key_files(void **state)
{
	char kp[512], pp[512];
	ds_seallog_key *k = NULL;
	unsigned char pub[32];
	size_t pl = 32;
	uint32_t id;
	(void)state;
	path_in(kp, sizeof kp, "log.key");
	path_in(pp, sizeof pp, "log.pub");
	assert_int_equal(ds_seallog_key_load_private(&k, kp, "x", "wrong", 5), DS_EAUTH);
	assert_null(k);
	assert_int_equal(chmod(kp, 0640), 0);
	assert_int_equal(ds_seallog_key_load_private(&k, kp, "x", "correct horse", 13), DS_EPERM);
	assert_int_equal(chmod(kp, 0600), 0);
	assert_int_equal(ds_seallog_key_load_private(&k, kp, "bad name", "correct horse", 13), DS_EINVALID);
	assert_int_equal(ds_seallog_key_load_private(&k, kp, "a+b", "correct horse", 13), DS_EINVALID);
	assert_int_equal(chmod(pp, 0600), 0);
	assert_int_equal(ds_seallog_key_load_private(&k, pp, "x", "", 0), DS_EINVALID);
	assert_int_equal(chmod(pp, 0644), 0);
	assert_int_equal(ds_seallog_key_load_public(&k, kp, "x"), DS_EINVALID);
	assert_int_equal(ds_seallog_key_load_public(&k, "/nonexistent/log.pub", "x"), DS_ENOTFOUND);
	/* The key id is C2SP's: SHA-256(name ‖ LF ‖ 0x01 ‖ key)[0:4], checked
	 * here with an independent computation. */
	{
		EVP_PKEY *e;
		BIO *b = BIO_new_file(pp, "r");
		unsigned char buf[80], h[32];
		assert_non_null(b);
		e = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL);
		BIO_free(b);
		assert_non_null(e);
		assert_int_equal(EVP_PKEY_get_raw_public_key(e, pub, &pl), 1);
		EVP_PKEY_free(e);
		static const char prefix[] = "bacninh.gov.vn/dossier/seal-log\n\x01"; /* name, LF, 0x01 */
		memcpy(buf, prefix, sizeof prefix - 1);
		memcpy(buf + 33, pub, 32);
		assert_int_equal(EVP_Digest(buf, 65, h, NULL, EVP_sha256(), NULL), 1);
		assert_int_equal(ds_seallog_key_load_public(&k, pp, "bacninh.gov.vn/dossier/seal-log"), 0);
		id = ((uint32_t)h[0] << 24) | ((uint32_t)h[1] << 16) | ((uint32_t)h[2] << 8) | h[3];
		assert_int_equal(ds_seallog_key_id(k), id);
		ds_seallog_key_free(k);
	}
}

static void sample_cp(struct ds_checkpoint *cp, uint64_t size)
{
	memset(cp, 0, sizeof *cp);
	memcpy(cp->origin, "bacninh.gov.vn/dossier/seal-log", 32);
	cp->size = size;
	for (int i = 0; i < 32; i++)
		cp->root.b[i] = (unsigned char)(i * 7 + (int)size);
}

static void test_checkpoint_roundtrip_and_tamper(void **state)
{
	ds_seallog_key *sk = NULL, *pk = NULL, *anon = NULL, *other = NULL;
	struct ds_checkpoint cp, got;
	char *note = NULL, op[512], pp[512], reason[DS_SEALLOG_REASON_MAX];
	size_t len = 0, i;
	(void)state;
	load_keys(&sk, &pk, "bacninh.gov.vn/dossier/seal-log");
	sample_cp(&cp, 1234567);
	assert_int_equal(ds_checkpoint_sign(&note, &len, &cp, sk), 0);
	assert_int_equal(strlen(note), len);
	assert_true(strncmp(note, "bacninh.gov.vn/dossier/seal-log\n1234567\n", 40) == 0);
	assert_non_null(strstr(note, "\n\n\xe2\x80\x94 bacninh.gov.vn/dossier/seal-log "));
	assert_int_equal(ds_checkpoint_verify(&got, note, len, pk, reason, sizeof reason), 0);
	assert_string_equal(got.origin, cp.origin);
	assert_int_equal(got.size, cp.size);
	assert_memory_equal(got.root.b, cp.root.b, 32);
	/* A key loaded without a name uses the origin as the key name. */
	path_in(pp, sizeof pp, "log.pub");
	assert_int_equal(ds_seallog_key_load_public(&anon, pp, NULL), 0);
	assert_int_equal(ds_checkpoint_verify(&got, note, len, anon, NULL, 0), 0);
	/* Any changed byte is detected. */
	for (i = 0; i < len; i++) {
		char *bad = malloc(len + 1);
		assert_non_null(bad);
		memcpy(bad, note, len + 1);
		bad[i] = bad[i] == 'A' ? 'B' : (bad[i] == '\n' ? 'x' : 'A');
		assert_int_not_equal(ds_checkpoint_verify(&got, bad, len, pk, reason, sizeof reason), 0);
		assert_true(reason[0] != '\0');
		free(bad);
	}
	/* Truncated anywhere. */
	for (i = 0; i < len; i++)
		assert_int_not_equal(ds_checkpoint_verify(&got, note, i, pk, NULL, 0), 0);
	/* The wrong key. */
	path_in(op, sizeof op, "other.pub");
	assert_int_equal(ds_seallog_key_load_public(&other, op, "bacninh.gov.vn/dossier/seal-log"), 0);
	assert_int_equal(ds_checkpoint_verify(&got, note, len, other, reason, sizeof reason), DS_ESIG);
	assert_non_null(strstr(reason, "no signature by key"));
	/* The right key under another name. */
	ds_seallog_key_free(pk);
	assert_int_equal(ds_seallog_key_load_public(&pk, pp, "dossier/seal-log"), 0);
	assert_int_equal(ds_checkpoint_verify(&got, note, len, pk, NULL, 0), DS_ESIG);
	/* Cosigners' lines are ignored; our own line must still verify. */
	{
		char buf[2048];
		int w = snprintf(buf, sizeof buf, "%s\xe2\x80\x94 witness.example AAAAAAE=\n", note);
		assert_true(w > 0 && (size_t)w < sizeof buf);
		assert_int_equal(ds_checkpoint_verify(&got, buf, (size_t)w, anon, NULL, 0), 0);
		/* A second line by our name and id with a bad signature fails. */
		const char *line = strstr(note, "\xe2\x80\x94 ");
		w = snprintf(buf, sizeof buf, "%s%.*sAAAA\n", note, (int)(strlen(line) - 5), line);
		assert_true(w > 0 && (size_t)w < sizeof buf);
		assert_int_equal(ds_checkpoint_verify(&got, buf, (size_t)w, anon, NULL, 0), DS_ESIG);
	}
	/* Signing needs the private key. */
	free(note);
	assert_int_equal(ds_checkpoint_sign(&note, &len, &cp, anon), DS_EINVALID);
	assert_null(note);
	ds_seallog_key_free(sk);
	ds_seallog_key_free(pk);
	ds_seallog_key_free(anon);
	ds_seallog_key_free(other);
}

/* The event chain extension line: signed with the body, read back; a
 * malformed one or a second one is refused, as is any change to it. */
static void test_checkpoint_events_line(void **state)
{
	ds_seallog_key *sk = NULL, *pk = NULL;
	struct ds_checkpoint cp, got;
	char *note = NULL, *bad, reason[DS_SEALLOG_REASON_MAX];
	size_t len = 0;
	(void)state;
	load_keys(&sk, &pk, "bacninh.gov.vn/dossier/seal-log");
	sample_cp(&cp, 42);
	cp.has_events = 1;
	cp.events = 4127;
	for (int i = 0; i < 32; i++)
		cp.events_head.b[i] = (unsigned char)(255 - i);
	assert_int_equal(ds_checkpoint_sign(&note, &len, &cp, sk), 0);
	assert_non_null(strstr(note, "\ndossier-events/1 4127 //79/Pv6"));
	assert_int_equal(ds_checkpoint_verify(&got, note, len, pk, reason, sizeof reason), 0);
	assert_true(got.has_events);
	assert_int_equal(got.events, 4127);
	assert_memory_equal(got.events_head.b, cp.events_head.b, 32);
	/* another event id under the same signature */
	bad = strdup(note);
	assert_non_null(bad);
	*strstr(bad, "4127") = '5';
	assert_int_equal(ds_checkpoint_verify(&got, bad, len, pk, NULL, 0), DS_ESIG);
	free(bad);
	/* malformed or repeated lines (parsing alone) */
	static const char *const bodies[] = {
		"o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\ndossier-events/1 x AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n\xe2\x80\x94 o AAAAAAA=\n",
		"o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\ndossier-events/1 1 AAAA\n\n\xe2\x80\x94 o AAAAAAA=\n",
		"o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\ndossier-events/1 01 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n\xe2\x80\x94 o AAAAAAA=\n",
		"o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\ndossier-events/1 1 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
		"dossier-events/1 2 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n\xe2\x80\x94 o AAAAAAA=\n",
	};
	for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++)
		assert_int_equal(ds_checkpoint_parse(&got, bodies[i], strlen(bodies[i]), NULL, 0),
				 DS_EINVALID);
	/* other extension lines are still ignored */
	static const char other[] = "o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\nwitness-x/1 y\n\n\xe2\x80\x94 o AAAAAAA=\n";
	assert_int_equal(ds_checkpoint_parse(&got, other, strlen(other), NULL, 0), 0);
	assert_false(got.has_events);
	free(note);
	ds_seallog_key_free(sk);
	ds_seallog_key_free(pk);
}

static void test_checkpoint_malformed(void **state)
{
	static const char *const bad[] = {
		"",
		"\n",
		"o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",                /* no signatures */
		"o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n",              /* empty block */
		"o\n01\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n\xe2\x80\x94 o AAAAAAE=\n",
		"o\n-1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n\xe2\x80\x94 o AAAAAAE=\n",
		"o\n99999999999999999999\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n\xe2\x80\x94 o AAAAAAE=\n",
		"o\n9223372036854775808\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n\xe2\x80\x94 o AAAAAAE=\n",
		"o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=\n\n\xe2\x80\x94 o AAAAAAE=\n", /* non-canonical */
		"o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\n\n\xe2\x80\x94 o AAAAAAE=\n", /* 31 bytes */
		"o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n\xe2\x80\x94 o AAAAAAE=",     /* no final LF */
		"o\r\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n\xe2\x80\x94 o AAAAAAE=\n",
		"o\n1\n\n\xe2\x80\x94 o AAAAAAE=\n",
		"\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n\xe2\x80\x94 o AAAAAAE=\n",
		"o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n- o AAAAAAE=\n",
		"o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n\xe2\x80\x94 o AAAA\n",       /* < 5 bytes */
		"o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n\xe2\x80\x94 o A%AAAQ==\n",
		"o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n\xe2\x80\x94  AAAAAAE=\n",
		"o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n\xe2\x80\x94 o\n",
	};
	ds_seallog_key *pk = NULL;
	struct ds_checkpoint got;
	char pp[512], reason[DS_SEALLOG_REASON_MAX];
	(void)state;
	path_in(pp, sizeof pp, "log.pub");
	assert_int_equal(ds_seallog_key_load_public(&pk, pp, "o"), 0);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = ds_checkpoint_verify(&got, bad[i], strlen(bad[i]), pk, reason, sizeof reason);
		if (rc == 0)
			fail_msg("malformed note %zu accepted", i);
	}
	/* UTF-8: fine in extension lines, but only well-formed. */
	{
		static const char *const utf8_bad[] = {
			"\xff", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x80",
		};
		char buf[256];
		int w = snprintf(buf, sizeof buf, "o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"
				 "Nguy\xe1\xbb\x85n V\xc4\x83n An \xf0\x9f\x93\x9c\n\n\xe2\x80\x94 o AAAAAAE=\n");
		assert_true(w > 0 && (size_t)w < sizeof buf);
		assert_int_equal(ds_checkpoint_parse(&got, buf, (size_t)w, NULL, 0), 0);
		for (size_t i = 0; i < sizeof utf8_bad / sizeof utf8_bad[0]; i++) {
			w = snprintf(buf, sizeof buf, "o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"
				     "ext %s\n\n\xe2\x80\x94 o AAAAAAE=\n", utf8_bad[i]);
			assert_true(w > 0 && (size_t)w < sizeof buf);
			if (ds_checkpoint_parse(&got, buf, (size_t)w, reason, sizeof reason) != DS_EINVALID)
				fail_msg("ill-formed UTF-8 %zu accepted", i);
			assert_string_equal(reason, "note is not UTF-8");
		}
	}
	/* Parse-only accepts a well-formed body with any signature lines. */
	{
		const char *ok = "o\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n\xe2\x80\x94 o AAAAAAE=\n";
		assert_int_equal(ds_checkpoint_parse(&got, ok, strlen(ok), NULL, 0), 0);
	}
	assert_int_equal(got.size, 0);
	/* Too many signature lines, too many extension lines, too long. */
	{
		char *buf = malloc(DS_SEALLOG_NOTE_MAX + 64);
		size_t off = 0;
		assert_non_null(buf);
		off += (size_t)snprintf(buf, 200, "o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n");
		for (int i = 0; i < DS_SEALLOG_SIGS_MAX + 1; i++)
			off += (size_t)snprintf(buf + off, 64, "\xe2\x80\x94 w%d AAAAAAE=\n", i);
		assert_int_equal(ds_checkpoint_verify(&got, buf, off, pk, NULL, 0), DS_ETOOBIG);
		off = (size_t)snprintf(buf, 200, "o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n");
		for (int i = 0; i < DS_SEALLOG_EXT_LINES_MAX + 1; i++)
			off += (size_t)snprintf(buf + off, 64, "ext %d\n", i);
		off += (size_t)snprintf(buf + off, 64, "\n\xe2\x80\x94 o AAAAAAE=\n");
		assert_int_equal(ds_checkpoint_parse(&got, buf, off, NULL, 0), DS_ETOOBIG);
		memset(buf, 'a', DS_SEALLOG_NOTE_MAX + 10);
		buf[DS_SEALLOG_NOTE_MAX + 9] = '\n';
		assert_int_equal(ds_checkpoint_parse(&got, buf, DS_SEALLOG_NOTE_MAX + 10, NULL, 0), DS_EINVALID);
		free(buf);
	}
	ds_seallog_key_free(pk);
}

static void test_proof_parse(void **state)
{
	struct ds_seallog_proof *p = malloc(sizeof *p);
	char *txt = NULL, buf[9000];
	const char *h = "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328";
	size_t off;
	(void)state;
	assert_non_null(p);
	off = (size_t)snprintf(buf, sizeof buf, "3\n8\n%s\n%s\n", h, h);
	assert_int_equal(ds_seallog_proof_parse(p, buf, off, NULL, 0), 0);
	assert_int_equal(p->index, 3);
	assert_int_equal(p->size, 8);
	assert_int_equal(p->n, 2);
	assert_int_equal(ds_seallog_proof_format(&txt, p), 0);
	assert_string_equal(txt, buf);
	free(txt);
	/* CRLF and a missing final newline are accepted. */
	off = (size_t)snprintf(buf, sizeof buf, "3\r\n8\r\n%s", h);
	assert_int_equal(ds_seallog_proof_parse(p, buf, off, NULL, 0), 0);
	assert_int_equal(p->n, 1);
	/* Size 1 has an empty proof. */
	assert_int_equal(ds_seallog_proof_parse(p, "0\n1\n", 4, NULL, 0), 0);
	assert_int_equal(p->n, 0);
	static const char *const bad[] = {
		"", "\n", "3\n", "3", "8\n3\n", "03\n8\n", "3\n08\n", "-1\n8\n", "+1\n8\n", " 1\n8\n",
		"1\n99999999999999999999\n", "1\n9223372036854775808\n", "3\n8\n\n",
		"3\n8\n5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff460432\n",
		"3\n8\n5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff46043288\n",
		"3\n8\n5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff460432g\n",
		"3\n8\n5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328 \n",
		"8\n8\n", "1\n0\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char reason[DS_SEALLOG_REASON_MAX] = "";
		if (ds_seallog_proof_parse(p, bad[i], strlen(bad[i]), reason, sizeof reason) == 0)
			fail_msg("malformed proof %zu accepted", i);
		assert_true(reason[0] != '\0');
	}
	/* At most DS_SEALLOG_PROOF_MAX hashes. */
	off = (size_t)snprintf(buf, sizeof buf, "0\n1\n");
	for (int i = 0; i < DS_SEALLOG_PROOF_MAX + 1; i++)
		off += (size_t)snprintf(buf + off, sizeof buf - off, "%s\n", h);
	assert_int_equal(ds_seallog_proof_parse(p, buf, off, NULL, 0), DS_ETOOBIG);
	free(p);
}

static void test_leaf_text(void **state)
{
	char leaf[DS_SEALLOG_LEAF_MAX];
	const char *hex = "ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef0123456789";
	(void)state;
	assert_int_equal(ds_seallog_leaf_text(leaf, sizeof leaf, "HCM-251216-0001", "SEAL01", hex,
					      1765852267), 0);
	assert_string_equal(leaf, "dossier-seal/1 HCM-251216-0001 SEAL01 "
				  "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789 "
				  "2025-12-16T02:31:07Z");
	assert_int_equal(ds_seallog_leaf_text(leaf, sizeof leaf, "HCM 1", "S", hex, 0), DS_EINVALID);
	assert_int_equal(ds_seallog_leaf_text(leaf, sizeof leaf, "", "S", hex, 0), DS_EINVALID);
	assert_int_equal(ds_seallog_leaf_text(leaf, sizeof leaf, "C", "S\n", hex, 0), DS_EINVALID);
	assert_int_equal(ds_seallog_leaf_text(leaf, sizeof leaf, "C", "S", "abc", 0), DS_EINVALID);
	assert_int_equal(ds_seallog_leaf_text(leaf, sizeof leaf, "C", "S",
		"zbcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789", 0), DS_EINVALID);
	assert_int_equal(ds_seallog_leaf_text(leaf, sizeof leaf, "C", "S", hex, -1), DS_EINVALID);
	assert_int_equal(ds_seallog_leaf_text(leaf, sizeof leaf, "C", "S", hex, INT64_C(253402300800)),
			 DS_EINVALID);
	assert_int_equal(ds_seallog_leaf_text(leaf, 20, "C", "S", hex, 0), DS_ETOOBIG);
}

/* The offline check, without a catalog: a tree of leaves, a signed
 * checkpoint, a proof file. */
static void test_verify_inclusion(void **state)
{
	enum { N = 13 };
	char leaves[N][DS_SEALLOG_LEAF_MAX], pp[512], op[512], reason[DS_SEALLOG_REASON_MAX];
	struct ds_merkle_hash lh[N];
	struct ds_checkpoint cp;
	struct ds_seallog_proof *p = calloc(1, sizeof *p);
	ds_seallog_key *sk = NULL, *pk = NULL;
	char *note = NULL, *ptxt = NULL;
	size_t nlen = 0;
	(void)state;
	assert_non_null(p);
	for (int i = 0; i < N; i++) {
		char code[32], hex[65];
		assert_true(snprintf(code, sizeof code, "HCM-251216-%04d", i + 1) > 0);
		for (int j = 0; j < 64; j++)
			hex[j] = "0123456789abcdef"[(i + j) % 16];
		hex[64] = 0;
		assert_int_equal(ds_seallog_leaf_text(leaves[i], sizeof leaves[i], code, "SEAL01", hex,
						      1765852267 + i), 0);
		assert_int_equal(ds_merkle_leaf_hash(&lh[i], leaves[i], strlen(leaves[i])), 0);
	}
	load_keys(&sk, &pk, "dossier/seal-log");
	memset(&cp, 0, sizeof cp);
	memcpy(cp.origin, "dossier/seal-log", 17);
	cp.size = N;
	assert_int_equal(ds_merkle_root(&cp.root, lh, N), 0);
	assert_int_equal(ds_checkpoint_sign(&note, &nlen, &cp, sk), 0);
	path_in(pp, sizeof pp, "log.pub");
	path_in(op, sizeof op, "other.pub");
	for (uint64_t i = 0; i < N; i++) {
		p->index = i;
		p->size = N;
		assert_int_equal(ds_merkle_inclusion_proof(p->hash, &p->n, lh, N, i), 0);
		assert_int_equal(ds_seallog_proof_format(&ptxt, p), 0);
		assert_int_equal(ds_seallog_verify_inclusion(note, nlen, pp, NULL, ptxt, strlen(ptxt),
							     leaves[i], strlen(leaves[i]), reason, sizeof reason), 0);
		/* Another leaf, the wrong key, a tampered checkpoint. */
		assert_int_equal(ds_seallog_verify_inclusion(note, nlen, pp, NULL, ptxt, strlen(ptxt),
							     leaves[(i + 1) % N], strlen(leaves[0]), reason,
							     sizeof reason), DS_ESIG);
		assert_int_equal(ds_seallog_verify_inclusion(note, nlen, op, NULL, ptxt, strlen(ptxt),
							     leaves[i], strlen(leaves[i]), reason, sizeof reason),
				 DS_ESIG);
		free(ptxt);
		/* The same proof claiming another tree size. */
		p->size = N + 1;
		assert_int_equal(ds_seallog_proof_format(&ptxt, p), 0);
		assert_int_equal(ds_seallog_verify_inclusion(note, nlen, pp, NULL, ptxt, strlen(ptxt),
							     leaves[i], strlen(leaves[i]), reason, sizeof reason),
				 DS_ESIG);
		assert_non_null(strstr(reason, "tree size"));
		free(ptxt);
	}
	ds_seallog_key_free(sk);
	ds_seallog_key_free(pk);
	free(note);
	free(p);
}

/* Offline consistency: two checkpoints and a proof file. */
static void test_verify_consistency(void **state)
{
	enum { N = 21 };
	struct ds_merkle_hash lh[N];
	struct ds_checkpoint cp;
	struct ds_seallog_cproof *p = calloc(1, sizeof *p);
	ds_seallog_key *sk = NULL, *pk = NULL, *sk2 = NULL;
	char *notes[N + 1] = { 0 }, *ptxt = NULL, pp[512], reason[DS_SEALLOG_REASON_MAX], *other = NULL;
	size_t nl[N + 1] = { 0 };
	(void)state;
	assert_non_null(p);
	load_keys(&sk, &pk, "dossier/seal-log");
	for (int i = 0; i < N; i++) {
		char b[16];
		int w = snprintf(b, sizeof b, "leaf %d", i);
		assert_int_equal(ds_merkle_leaf_hash(&lh[i], b, (size_t)w), 0);
	}
	memset(&cp, 0, sizeof cp);
	memcpy(cp.origin, "dossier/seal-log", 17);
	for (uint64_t n = 0; n <= N; n++) {
		cp.size = n;
		assert_int_equal(ds_merkle_root(&cp.root, lh, n), 0);
		assert_int_equal(ds_checkpoint_sign(&notes[n], &nl[n], &cp, sk), 0);
	}
	path_in(pp, sizeof pp, "log.pub");
	for (uint64_t m = 0; m <= N; m++) {
		for (uint64_t n = m; n <= N; n++) {
			p->old_size = m;
			p->new_size = n;
			assert_int_equal(ds_merkle_consistency_proof(p->hash, &p->n, lh, n, m), 0);
			assert_int_equal(ds_seallog_cproof_format(&ptxt, p), 0);
			assert_int_equal(ds_seallog_verify_consistency(notes[m], nl[m], notes[n], nl[n], pp, NULL,
								       ptxt, strlen(ptxt), reason, sizeof reason), 0);
			/* Checkpoints of other sizes than the proof's. */
			if (n < N)
				assert_int_equal(ds_seallog_verify_consistency(notes[m], nl[m], notes[n + 1], nl[n + 1],
									       pp, NULL, ptxt, strlen(ptxt), reason,
									       sizeof reason), DS_ESIG);
			free(ptxt);
			if (p->n > 0) {
				p->hash[p->n / 2].b[7] ^= 4;
				assert_int_equal(ds_seallog_cproof_format(&ptxt, p), 0);
				assert_int_equal(ds_seallog_verify_consistency(notes[m], nl[m], notes[n], nl[n], pp,
									       NULL, ptxt, strlen(ptxt), reason,
									       sizeof reason), DS_ESIG);
				free(ptxt);
			}
		}
	}
	/* Another log (origin) signed by the same key. */
	memcpy(cp.origin, "other/log", 10);
	cp.size = 3;
	assert_int_equal(ds_merkle_root(&cp.root, lh, 3), 0);
	ds_seallog_key_free(sk);
	{
		char kp[512];
		path_in(kp, sizeof kp, "log.key");
		assert_int_equal(ds_seallog_key_load_private(&sk2, kp, "dossier/seal-log", "correct horse", 13), 0);
	}
	assert_int_equal(ds_checkpoint_sign(&other, NULL, &cp, sk2), 0);
	p->old_size = 3;
	p->new_size = 5;
	assert_int_equal(ds_merkle_consistency_proof(p->hash, &p->n, lh, 5, 3), 0);
	assert_int_equal(ds_seallog_cproof_format(&ptxt, p), 0);
	assert_int_equal(ds_seallog_verify_consistency(other, strlen(other), notes[5], nl[5], pp,
						       "dossier/seal-log", ptxt, strlen(ptxt), reason,
						       sizeof reason), DS_ESIG);
	free(ptxt);
	/* Parsing: old may be 0 or equal to new, never above. */
	assert_int_equal(ds_seallog_cproof_parse(p, "0\n0\n", 4, NULL, 0), 0);
	assert_int_equal(ds_seallog_cproof_parse(p, "4\n4\n", 4, NULL, 0), 0);
	assert_int_equal(ds_seallog_cproof_parse(p, "5\n4\n", 4, reason, sizeof reason), DS_EINVALID);
	assert_non_null(strstr(reason, "old size above new size"));
	for (size_t i = 0; i <= N; i++)
		free(notes[i]);
	free(other);
	free(p);
	ds_seallog_key_free(sk2);
	ds_seallog_key_free(pk);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference_note),
		cmocka_unit_test(test_key_files),
		cmocka_unit_test(test_checkpoint_roundtrip_and_tamper),
		cmocka_unit_test(test_checkpoint_malformed),
		cmocka_unit_test(test_checkpoint_events_line),
		cmocka_unit_test(test_proof_parse),
		cmocka_unit_test(test_leaf_text),
		cmocka_unit_test(test_verify_inclusion),
		cmocka_unit_test(test_verify_consistency),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
