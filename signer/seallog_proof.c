/* Seal log pieces that need no catalog: leaf text, proof files, and the
 * offline inclusion check `dossier verify --checkpoint C --proof P` runs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "dossier/error.h"
#include "dossier/seallog.h"
#include "signer/seallog_int.h"

/* Codes and seal ids: printable ASCII without spaces, 1..DS_CODE_MAX-1. */
static int token_ok(const char *s)
{
	size_t i, l = strnlen(s, DS_CODE_MAX);
	if (l == 0 || l >= DS_CODE_MAX)
		return 0;
	for (i = 0; i < l; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

int ds_seallog_leaf_text(char *out, size_t n, const char *dossier_code, const char *seal_id,
			 const char *p7s_sha256_hex, int64_t sealed_at)
{
	char hex[65], when[32];
	struct tm tm;
	time_t t;
	size_t i;
	int w;

	if (n > 0)
		out[0] = '\0';
	if (!token_ok(dossier_code))
		return ds_error_set(DS_EINVALID, "seal log: bad dossier code");
	if (!token_ok(seal_id))
		return ds_error_set(DS_EINVALID, "seal log: bad seal id");
	if (strnlen(p7s_sha256_hex, 65) != 64)
		return ds_error_set(DS_EINVALID, "seal log: signature hash is not 64 hex digits");
	for (i = 0; i < 64; i++) {
		char c = p7s_sha256_hex[i];
		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return ds_error_set(DS_EINVALID, "seal log: signature hash is not hex");
		hex[i] = c;
	}
	hex[64] = '\0';
	/* Four-digit years only: 1970-01-01 .. 9999-12-31. */
	if (sealed_at < 0 || sealed_at > INT64_C(253402300799))
		return ds_error_set(DS_EINVALID, "seal log: sealing time out of range");
	t = (time_t)sealed_at;
	if (gmtime_r(&t, &tm) == NULL || strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm) != 20)
		return ds_error_set(DS_EINVALID, "seal log: cannot format the sealing time");
	w = snprintf(out, n, DS_SEALLOG_LEAF_PREFIX " %s %s %s %s", dossier_code, seal_id, hex, when);
	if (w < 0 || (size_t)w >= n)
		return ds_error_set(DS_ETOOBIG, "seal log: leaf text too long");
	return 0;
}

static int hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int proof_fail(char *reason, size_t rn, int code, const char *msg, size_t line)
{
	char r[DS_SEALLOG_REASON_MAX];
	if (snprintf(r, sizeof r, "proof line %zu: %s", line, msg) < 0)
		r[0] = '\0';
	ds_seallog__reason(reason, rn, r);
	return ds_error_set(code, "%s", r);
}

/* Both proof files: two decimal lines (a <= b, or a < b when `strict`),
 * then up to DS_SEALLOG_PROOF_MAX hex hashes. */
static int parse_lines(uint64_t *a, uint64_t *b, struct ds_merkle_hash *hash, size_t *nhash,
		       int strict, const char *text, size_t len, char *reason, size_t reason_n)
{
	const char *p = text, *end = text + len;
	size_t line = 0, n = 0;
	uint64_t first = 0, second = 0;

	*a = *b = 0;
	*nhash = 0;
	if (len == 0 || len > DS_SEALLOG_PROOF_TEXT_MAX)
		return proof_fail(reason, reason_n, DS_EINVALID, "empty or too large", 0);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		line++;
		if (l > 0 && p[l - 1] == '\r')
			l--;
		if (l == 0)
			return proof_fail(reason, reason_n, DS_EINVALID, "empty line", line);
		if (line <= 2) {
			uint64_t v = 0;
			if (ds_seallog__parse_u64(p, l, &v) < 0)
				return proof_fail(reason, reason_n, DS_EINVALID,
						  line == 1 ? (strict ? "bad leaf index" : "bad old size")
							  : (strict ? "bad tree size" : "bad new size"),
						  line);
			if (line == 1)
				first = v;
			else
				second = v;
		} else {
			struct ds_merkle_hash *h;
			size_t i;
			if (n >= DS_SEALLOG_PROOF_MAX)
				return proof_fail(reason, reason_n, DS_ETOOBIG, "too many hashes", line);
			if (l != 2 * DS_MERKLE_HASH_LEN)
				return proof_fail(reason, reason_n, DS_EINVALID, "not a 64-digit hex hash",
						  line);
			h = &hash[n];
			for (i = 0; i < DS_MERKLE_HASH_LEN; i++) {
				int hi = hex_nibble(p[2 * i]), lo = hex_nibble(p[2 * i + 1]);
				if (hi < 0 || lo < 0)
					return proof_fail(reason, reason_n, DS_EINVALID,
							  "not a 64-digit hex hash", line);
				h->b[i] = (unsigned char)(hi << 4 | lo);
			}
			n++;
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	if (line < 2)
		return proof_fail(reason, reason_n, DS_EINVALID, "missing tree size", line);
	if (strict ? first >= second : first > second)
		return proof_fail(reason, reason_n, DS_EINVALID,
				  strict ? "leaf index not below tree size" : "old size above new size", 1);
	*a = first;
	*b = second;
	*nhash = n;
	return 0;
}

int ds_seallog_proof_parse(struct ds_seallog_proof *out, const char *text, size_t len,
			   char *reason, size_t reason_n)
{
	int err;
	memset(out, 0, sizeof *out);
	err = parse_lines(&out->index, &out->size, out->hash, &out->n, 1, text, len, reason, reason_n);
	if (err < 0)
		memset(out, 0, sizeof *out);
	return err;
}

int ds_seallog_cproof_parse(struct ds_seallog_cproof *out, const char *text, size_t len,
			    char *reason, size_t reason_n)
{
	int err;
	memset(out, 0, sizeof *out);
	err = parse_lines(&out->old_size, &out->new_size, out->hash, &out->n, 0, text, len, reason,
			  reason_n);
	if (err < 0)
		memset(out, 0, sizeof *out);
	return err;
}

static int format_lines(char **out, uint64_t a, uint64_t b, const struct ds_merkle_hash *hash,
			size_t n)
{
	size_t cap = 2 * 21 + DS_SEALLOG_PROOF_MAX * 65 + 1, off;
	char *buf;
	int w;

	*out = NULL;
	if (n > DS_SEALLOG_PROOF_MAX)
		return ds_error_set(DS_EINVALID, "proof: too many hashes");
	if ((buf = malloc(cap)) == NULL)
		return ds_error_set(DS_ENOMEM, "proof: out of memory");
	w = snprintf(buf, cap, "%llu\n%llu\n", (unsigned long long)a, (unsigned long long)b);
	if (w < 0 || (size_t)w >= cap) {
		free(buf);
		return ds_error_set(DS_ETOOBIG, "proof: too large");
	}
	off = (size_t)w;
	for (size_t i = 0; i < n; i++) {
		static const char digits[] = "0123456789abcdef";
		for (size_t j = 0; j < DS_MERKLE_HASH_LEN; j++) {
			buf[off++] = digits[hash[i].b[j] >> 4];
			buf[off++] = digits[hash[i].b[j] & 15];
		}
		buf[off++] = '\n';
	}
	buf[off] = '\0';
	*out = buf;
	return 0;
}

int ds_seallog_proof_format(char **out, const struct ds_seallog_proof *p)
{
	return format_lines(out, p->index, p->size, p->hash, p->n);
}

int ds_seallog_cproof_format(char **out, const struct ds_seallog_cproof *p)
{
	return format_lines(out, p->old_size, p->new_size, p->hash, p->n);
}

int ds_seallog_verify_inclusion(const char *checkpoint_text, size_t checkpoint_len,
				const char *pubkey_pem_path, const char *key_name,
				const char *proof_text, size_t proof_len, const char *leaf,
				size_t leaf_len, char *reason, size_t reason_n)
{
	struct ds_checkpoint cp;
	struct ds_seallog_proof *proof = NULL;
	struct ds_merkle_hash lh;
	ds_seallog_key *key = NULL;
	char r[DS_SEALLOG_REASON_MAX];
	int err;

	ds_seallog__reason(reason, reason_n, "");
	if ((err = ds_seallog_key_load_public(&key, pubkey_pem_path, key_name)) < 0) {
		ds_seallog__reason(reason, reason_n, "cannot load the log's public key");
		goto done;
	}
	if ((err = ds_checkpoint_verify(&cp, checkpoint_text, checkpoint_len, key, reason,
					reason_n)) < 0)
		goto done;
	if ((proof = malloc(sizeof *proof)) == NULL) {
		err = ds_error_set(DS_ENOMEM, "proof: out of memory");
		goto done;
	}
	if ((err = ds_seallog_proof_parse(proof, proof_text, proof_len, reason, reason_n)) < 0)
		goto done;
	if (proof->size != cp.size) {
		if (snprintf(r, sizeof r, "proof is for tree size %llu, checkpoint has %llu",
			     (unsigned long long)proof->size, (unsigned long long)cp.size) < 0)
			r[0] = '\0';
		ds_seallog__reason(reason, reason_n, r);
		err = ds_error_set(DS_ESIG, "seal log: %s", r);
		goto done;
	}
	if (leaf_len == 0 || leaf_len >= DS_SEALLOG_LEAF_MAX) {
		ds_seallog__reason(reason, reason_n, "bad leaf");
		err = ds_error_set(DS_EINVALID, "seal log: leaf empty or too long");
		goto done;
	}
	if ((err = ds_merkle_leaf_hash(&lh, leaf, leaf_len)) < 0)
		goto done;
	if ((err = ds_merkle_inclusion_verify(&lh, proof->index, proof->size, proof->hash, proof->n,
					      &cp.root)) < 0) {
		ds_seallog__reason(reason, reason_n, ds_error_last());
		goto done;
	}
done:
	free(proof);
	ds_seallog_key_free(key);
	return err;
}

int ds_seallog_verify_consistency(const char *old_text, size_t old_len, const char *new_text,
				  size_t new_len, const char *pubkey_pem_path, const char *key_name,
				  const char *proof_text, size_t proof_len, char *reason,
				  size_t reason_n)
{
	struct ds_checkpoint a, b;
	struct ds_seallog_cproof *proof = NULL;
	ds_seallog_key *key = NULL;
	int err;

	ds_seallog__reason(reason, reason_n, "");
	if ((err = ds_seallog_key_load_public(&key, pubkey_pem_path, key_name)) < 0) {
		ds_seallog__reason(reason, reason_n, "cannot load the log's public key");
		goto done;
	}
	if ((err = ds_checkpoint_verify(&a, old_text, old_len, key, reason, reason_n)) < 0 ||
	    (err = ds_checkpoint_verify(&b, new_text, new_len, key, reason, reason_n)) < 0)
		goto done;
	if (strcmp(a.origin, b.origin) != 0) {
		ds_seallog__reason(reason, reason_n, "the checkpoints are of two logs");
		err = ds_error_set(DS_ESIG, "seal log: checkpoints of \"%s\" and \"%s\"", a.origin,
				   b.origin);
		goto done;
	}
	/* NEW not after OLD in either measure, or the same events with another
	 * head: the log was rolled back (or the files swapped). Events between
	 * two different heads cannot be checked without the catalog. */
	if (a.size > b.size || (a.has_events && !b.has_events) ||
	    (a.has_events && b.has_events &&
	     (a.events > b.events ||
	      (a.events == b.events &&
	       CRYPTO_memcmp(a.events_head.b, b.events_head.b, DS_MERKLE_HASH_LEN) != 0)))) {
		char r[DS_SEALLOG_REASON_MAX];
		if (snprintf(r, sizeof r, "rolled back: the new checkpoint (%llu leaves, events to "
			     "%llu) does not extend the old one (%llu leaves, events to %llu)",
			     (unsigned long long)b.size, (unsigned long long)b.events,
			     (unsigned long long)a.size, (unsigned long long)a.events) < 0)
			r[0] = '\0';
		ds_seallog__reason(reason, reason_n, r);
		err = ds_error_set(DS_ESIG, "seal log: %s", r);
		goto done;
	}
	if ((proof = malloc(sizeof *proof)) == NULL) {
		err = ds_error_set(DS_ENOMEM, "proof: out of memory");
		goto done;
	}
	if ((err = ds_seallog_cproof_parse(proof, proof_text, proof_len, reason, reason_n)) < 0)
		goto done;
	if (proof->old_size != a.size || proof->new_size != b.size) {
		ds_seallog__reason(reason, reason_n, "the proof is for other tree sizes");
		err = ds_error_set(DS_ESIG, "seal log: proof for %llu -> %llu, checkpoints %llu -> %llu",
				   (unsigned long long)proof->old_size,
				   (unsigned long long)proof->new_size, (unsigned long long)a.size,
				   (unsigned long long)b.size);
		goto done;
	}
	if ((err = ds_merkle_consistency_verify(a.size, b.size, &a.root, &b.root, proof->hash,
						proof->n)) < 0) {
		ds_seallog__reason(reason, reason_n, ds_error_last());
		goto done;
	}
done:
	free(proof);
	ds_seallog_key_free(key);
	return err;
}
