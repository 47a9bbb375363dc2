/* The seal log's Ed25519 key and its checkpoints as C2SP signed notes
 * (https://c2sp.org/signed-note, https://c2sp.org/tlog-checkpoint).
 *
 * A note is its text (lines ending in LF), a blank line, and signature lines
 * "— <key name> <base64(4-byte key id ‖ signature)>". The text is split from
 * the signatures at the last blank line, as the reference implementation
 * does. Notes come from outside (auditors, bundles' companions), so every
 * length, count and encoding is checked. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include "dossier/error.h"
#include "dossier/seallog.h"
#include "dossier/fs.h"
#include "signer/seallog_int.h"
#include "signer/signer_int.h"

#define ED25519_LEN 32
#define ED25519_SIG_LEN 64
#define EM_DASH_SP "\xe2\x80\x94 "
#define EM_DASH_SP_LEN 4

struct ds_seallog_key {
	EVP_PKEY *pkey;
	int priv;
	int has_name;
	char name[DS_SEALLOG_ORIGIN_MAX];
	unsigned char pub[ED25519_LEN];
};

/* ---- small shared helpers ---- */

void ds_seallog__reason(char *reason, size_t n, const char *msg)
{
	size_t l;
	if (reason == NULL || n == 0)
		return;
	l = strnlen(msg, n - 1);
	memcpy(reason, msg, l);
	reason[l] = '\0';
}

int ds_seallog__read_file(const char *path, size_t max, int private_key, char **out,
			  size_t *len)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	int fd = -1, err = 0;

	*out = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		err = ds_error_set_errno(errno == ENOENT ? DS_ENOTFOUND : DS_EIO, errno,
					 "%s: cannot open", path);
		goto done;
	}
	if (fstat(fd, &st) != 0) {
		err = ds_error_set_errno(DS_EIO, errno, "%s: cannot stat", path);
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		err = ds_error_set(DS_EINVALID, "%s: not a regular file", path);
		goto done;
	}
	if (private_key && (st.st_mode & 077) != 0) {
		err = ds_error_set(DS_EPERM, "%s: key file readable by group or others (mode %04o)",
				   path, (unsigned)(st.st_mode & 07777));
		goto done;
	}
	if ((uint64_t)st.st_size > max) {
		err = ds_error_set(DS_ETOOBIG, "%s: larger than %zu bytes", path, max);
		goto done;
	}
	buf = malloc(max + 1);
	if (buf == NULL) {
		err = ds_error_set(DS_ENOMEM, "%s: out of memory", path);
		goto done;
	}
	for (;;) {
		ssize_t r = read(fd, buf + got, max + 1 - got);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			err = ds_error_set_errno(DS_EIO, errno, "%s: read failed", path);
			goto done;
		}
		if (r == 0)
			break;
		got += (size_t)r;
		if (got > max) {
			err = ds_error_set(DS_ETOOBIG, "%s: larger than %zu bytes", path, max);
			goto done;
		}
	}
	buf[got] = '\0';
	*out = buf;
	*len = got;
	buf = NULL; /* transferred */
done:
	if (buf != NULL) {
		OPENSSL_cleanse(buf, max + 1);
		free(buf);
	}
	if (fd >= 0)
		close(fd);
	return err;
}

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int ds_seallog__b64_decode(unsigned char *out, size_t cap, size_t *out_len, const char *in,
			   size_t in_len)
{
	size_t i, o = 0, pad = 0, need;

	*out_len = 0;
	if (in_len == 0 || in_len % 4 != 0)
		return ds_error_set(DS_EINVALID, "base64: bad length %zu", in_len);
	if (in[in_len - 1] == '=')
		pad++;
	if (in[in_len - 2] == '=')
		pad++;
	need = in_len / 4 * 3 - pad;
	if (need > cap)
		return ds_error_set(DS_ETOOBIG, "base64: %zu bytes where at most %zu fit", need, cap);
	for (i = 0; i < in_len; i += 4) {
		int v[4];
		size_t j, npad = 0;
		for (j = 0; j < 4; j++) {
			unsigned char c = (unsigned char)in[i + j];
			if (c == '=' && i + 4 == in_len && j >= 4 - pad) {
				v[j] = 0;
				npad++;
				continue;
			}
			v[j] = b64_value(c);
			if (v[j] < 0)
				return ds_error_set(DS_EINVALID, "base64: bad character at %zu", i + j);
		}
		uint32_t w = ((uint32_t)v[0] << 18) | ((uint32_t)v[1] << 12) |
			     ((uint32_t)v[2] << 6) | (uint32_t)v[3];
		/* Canonical form: the bits under the padding are zero. */
		if ((npad == 1 && (w & 0xff) != 0) || (npad == 2 && (w & 0xffff) != 0))
			return ds_error_set(DS_EINVALID, "base64: non-canonical padding");
		out[o++] = (unsigned char)(w >> 16);
		if (npad < 2)
			out[o++] = (unsigned char)(w >> 8);
		if (npad < 1)
			out[o++] = (unsigned char)w;
	}
	*out_len = o;
	return 0;
}

int ds_seallog__b64_encode(char *out, size_t n, const unsigned char *in, size_t len)
{
	size_t need;
	if (len > (SIZE_MAX - 3) / 4 * 3 - 3)
		return ds_error_set(DS_ETOOBIG, "base64: input too large");
	need = (len + 2) / 3 * 4 + 1;
	if (need > n || len > INT32_MAX)
		return ds_error_set(DS_ETOOBIG, "base64: output buffer too small");
	EVP_EncodeBlock((unsigned char *)out, in, (int)len);
	return 0;
}

int ds_seallog__parse_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	*out = 0;
	if (len == 0 || len > 19 || (len > 1 && s[0] == '0'))
		return ds_error_set(DS_EINVALID, "not a decimal number without leading zeros");
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return ds_error_set(DS_EINVALID, "not a decimal number");
		/* 19 digits fit in uint64_t; the bound below is the real limit. */
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > DS_SEALLOG_SIZE_MAX)
		return ds_error_set(DS_ETOOBIG, "number above 2^63-1");
	*out = v;
	return 0;
}

/* ---- keys ---- */

/* C2SP key names: non-empty, no spaces, no '+'; we also refuse control
 * characters and bytes outside printable ASCII to keep names unambiguous. */
static int name_ok(const char *name, size_t len)
{
	size_t i;
	if (len == 0 || len >= DS_SEALLOG_ORIGIN_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c <= 0x20 || c >= 0x7f || c == '+')
			return 0;
	}
	return 1;
}

int ds_seallog_key_id_compute(uint32_t *out, const char *name, const unsigned char pub[32])
{
	unsigned char h[SHA256_DIGEST_LENGTH];
	EVP_MD_CTX *ctx = NULL;
	static const unsigned char sep[2] = { 0x0a, 0x01 };
	unsigned int hl = 0;
	int err = 0;

	*out = 0;
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return ds_error_set(DS_ENOMEM, "seal log key: out of memory");
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, name, strlen(name)) != 1 ||
	    EVP_DigestUpdate(ctx, sep, sizeof sep) != 1 ||
	    EVP_DigestUpdate(ctx, pub, ED25519_LEN) != 1 || EVP_DigestFinal_ex(ctx, h, &hl) != 1) {
		err = ds_error_set_openssl(DS_ECRYPTO, "seal log key: hash failed");
		goto done;
	}
	*out = ((uint32_t)h[0] << 24) | ((uint32_t)h[1] << 16) | ((uint32_t)h[2] << 8) | h[3];
done:
	EVP_MD_CTX_free(ctx);
	return err;
}

static int key_new(ds_seallog_key **out, EVP_PKEY *pkey, int priv, const char *name,
		   const char *path)
{
	ds_seallog_key *k = NULL;
	size_t publen = ED25519_LEN;

	*out = NULL;
	if (EVP_PKEY_get_id(pkey) != EVP_PKEY_ED25519)
		return ds_error_set(DS_EINVALID, "%s: not an Ed25519 key", path);
	if (name != NULL && !name_ok(name, strlen(name)))
		return ds_error_set(DS_EINVALID, "%s: bad key name \"%s\"", path, name);
	if ((k = calloc(1, sizeof *k)) == NULL)
		return ds_error_set(DS_ENOMEM, "%s: out of memory", path);
	if (EVP_PKEY_get_raw_public_key(pkey, k->pub, &publen) != 1 || publen != ED25519_LEN) {
		free(k);
		return ds_error_set_openssl(DS_ECRYPTO, "%s: cannot read the public key", path);
	}
	if (name != NULL) {
		memcpy(k->name, name, strlen(name) + 1);
		k->has_name = 1;
	}
	k->pkey = pkey;
	k->priv = priv;
	*out = k;
	return 0;
}

struct pass {
	const char *p;
	size_t n;
};

static int pass_cb(char *buf, int size, int rwflag, void *u)
{
	const struct pass *ps = u;
	(void)rwflag;
	if (ps == NULL || ps->p == NULL || size <= 0 || ps->n > (size_t)size)
		return -1;
	memcpy(buf, ps->p, ps->n);
	return (int)ps->n;
}

int ds_seallog_key_load_private(ds_seallog_key **out, const char *pem_path, const char *name,
				const char *passphrase, size_t passphrase_len)
{
	struct pass ps = { passphrase, passphrase_len };
	char *text = NULL;
	size_t len = 0;
	BIO *bio = NULL;
	EVP_PKEY *pkey = NULL;
	int err;

	*out = NULL;
	if ((err = ds_seallog__read_file(pem_path, DS_SEALLOG_KEYFILE_MAX, 1, &text, &len)) < 0)
		goto done;
	if ((bio = BIO_new_mem_buf(text, (int)len)) == NULL) {
		err = ds_error_set(DS_ENOMEM, "%s: out of memory", pem_path);
		goto done;
	}
	pkey = PEM_read_bio_PrivateKey(bio, NULL, pass_cb, &ps);
	if (pkey == NULL) {
		if (strstr(text, "-----BEGIN ENCRYPTED PRIVATE KEY-----") != NULL)
			err = ds_error_set_openssl(DS_EAUTH, "%s: wrong passphrase or damaged key",
						   pem_path);
		else
			err = ds_error_set_openssl(DS_EINVALID, "%s: not a PEM private key", pem_path);
		goto done;
	}
	if ((err = key_new(out, pkey, 1, name, pem_path)) < 0)
		goto done;
	pkey = NULL; /* transferred */
done:
	EVP_PKEY_free(pkey);
	BIO_free(bio);
	if (text != NULL) {
		OPENSSL_cleanse(text, len);
		free(text);
	}
	return err;
}

int ds_seallog_key_load_public(ds_seallog_key **out, const char *pem_path, const char *name)
{
	char *text = NULL;
	size_t len = 0;
	BIO *bio = NULL;
	EVP_PKEY *pkey = NULL;
	int err;

	*out = NULL;
	if ((err = ds_seallog__read_file(pem_path, DS_SEALLOG_KEYFILE_MAX, 0, &text, &len)) < 0)
		goto done;
	if ((bio = BIO_new_mem_buf(text, (int)len)) == NULL) {
		err = ds_error_set(DS_ENOMEM, "%s: out of memory", pem_path);
		goto done;
	}
	if ((pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL)) == NULL) {
		err = ds_error_set_openssl(DS_EINVALID, "%s: not a PEM public key", pem_path);
		goto done;
	}
	if ((err = key_new(out, pkey, 0, name, pem_path)) < 0)
		goto done;
	pkey = NULL; /* transferred */
done:
	EVP_PKEY_free(pkey);
	BIO_free(bio);
	free(text);
	return err;
}

int ds_seallog_key_from_raw_public(ds_seallog_key **out, const unsigned char pub[32],
				   const char *name)
{
	EVP_PKEY *pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, ED25519_LEN);
	int err;

	*out = NULL;
	if (pkey == NULL)
		return ds_error_set_openssl(DS_EINVALID, "seal log key: bad Ed25519 public key");
	if ((err = key_new(out, pkey, 0, name, "seal log key")) < 0)
		EVP_PKEY_free(pkey);
	return err;
}

int ds_seallog__key_from_raw_private(ds_seallog_key **out, const unsigned char seed[32],
				     const char *name)
{
	EVP_PKEY *pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, ED25519_LEN);
	int err;

	*out = NULL;
	if (pkey == NULL)
		return ds_error_set_openssl(DS_EINVALID, "seal log key: bad Ed25519 private key");
	if ((err = key_new(out, pkey, 1, name, "seal log key")) < 0)
		EVP_PKEY_free(pkey);
	return err;
}

int ds_seallog_key_rewrap(const char *pem_path, const char *old_pass, size_t old_len,
			  const char *new_pass, size_t new_len)
{
	ds_seallog_key *k = NULL, *back = NULL;
	char tmp[4096], dir[4096];
	int err;

	if ((err = ds_fmt(tmp, sizeof tmp, "%s.new", pem_path)) < 0 ||
	    (err = ds_fmt(dir, sizeof dir, "%s", pem_path)) < 0)
		return err;
	if ((err = ds_seallog_key_load_private(&k, pem_path, NULL, old_pass, old_len)) < 0)
		goto done;
	/* a .new left by an interrupted run is ours to replace */
	if (unlink(tmp) != 0 && errno != ENOENT) {
		err = ds_error_set_errno(DS_EIO, errno, "%s: cannot remove", tmp);
		goto done;
	}
	if ((err = ds_signer__key_write(tmp, k->pkey, new_pass, new_len)) < 0)
		goto done;
	/* Read back what was written before it replaces the key. */
	if ((err = ds_seallog_key_load_private(&back, tmp, NULL, new_pass, new_len)) < 0 ||
	    memcmp(back->pub, k->pub, ED25519_LEN) != 0) {
		if (err == 0)
			err = ds_error_set(DS_ECRYPTO, "%s: re-encrypted key does not read back", tmp);
		unlink(tmp);
		goto done;
	}
	if (rename(tmp, pem_path) != 0) {
		err = ds_error_set_errno(DS_EIO, errno, "%s: cannot replace", pem_path);
		unlink(tmp);
		goto done;
	}
	char *slash = strrchr(dir, '/');
	if (slash != NULL) {
		*slash = '\0';
		err = ds_fsync_dir(dir[0] ? dir : "/");
	}
done:
	ds_seallog_key_free(back);
	ds_seallog_key_free(k);
	return err;
}

void ds_seallog_key_free(ds_seallog_key *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->pkey);
	OPENSSL_cleanse(k, sizeof *k);
	free(k);
}

const char *ds_seallog_key_name(const ds_seallog_key *k)
{
	return k->has_name ? k->name : "";
}

uint32_t ds_seallog_key_id(const ds_seallog_key *k)
{
	uint32_t id = 0;
	if (!k->has_name || ds_seallog_key_id_compute(&id, k->name, k->pub) < 0)
		return 0;
	return id;
}

int ds_seallog_key_vkey(const ds_seallog_key *k, char *out, size_t n)
{
	unsigned char raw[1 + ED25519_LEN];
	char b64[64];
	uint32_t id = 0;
	int err, w;

	if (!k->has_name)
		return ds_error_set(DS_EINVALID, "seal log key: no key name");
	if ((err = ds_seallog_key_id_compute(&id, k->name, k->pub)) < 0)
		return err;
	raw[0] = 0x01;
	memcpy(raw + 1, k->pub, ED25519_LEN);
	if ((err = ds_seallog__b64_encode(b64, sizeof b64, raw, sizeof raw)) < 0)
		return err;
	w = snprintf(out, n, "%s+%08x+%s", k->name, (unsigned)id, b64);
	if (w < 0 || (size_t)w >= n)
		return ds_error_set(DS_ETOOBIG, "seal log key: vkey buffer too small");
	return 0;
}

/* ---- notes ---- */

/* Well-formed UTF-8 (no overlong forms, surrogates or code points above
 * U+10FFFF), as C2SP requires of a note. */
static int utf8_ok(const unsigned char *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		unsigned char c = s[i];
		size_t n;
		uint32_t cp;
		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if (len - i <= n)
			return 0;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (n == 3 && (cp < 0x10000 || cp > 0x10ffff)))
			return 0;
		i += n + 1;
	}
	return 1;
}

/* Splits a note into text (up to and including the LF before the last blank
 * line) and the signature block; checks the characters of the whole note. */
static int note_split(const char *note, size_t len, size_t *text_len, char *reason, size_t rn)
{
	size_t i, split = SIZE_MAX;

	if (len == 0 || len > DS_SEALLOG_NOTE_MAX) {
		ds_seallog__reason(reason, rn, "note empty or too large");
		return ds_error_set(DS_EINVALID, "checkpoint: note empty or larger than %d bytes",
				    DS_SEALLOG_NOTE_MAX);
	}
	if (note[len - 1] != '\n') {
		ds_seallog__reason(reason, rn, "note does not end with a newline");
		return ds_error_set(DS_EINVALID, "checkpoint: note does not end with a newline");
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)note[i];
		if ((c < 0x20 && c != '\n') || c == 0x7f) {
			ds_seallog__reason(reason, rn, "control character in note");
			return ds_error_set(DS_EINVALID, "checkpoint: control character at byte %zu", i);
		}
		if (i + 1 < len && c == '\n' && note[i + 1] == '\n')
			split = i;
	}
	if (!utf8_ok((const unsigned char *)note, len)) {
		ds_seallog__reason(reason, rn, "note is not UTF-8");
		return ds_error_set(DS_EINVALID, "checkpoint: note is not well-formed UTF-8");
	}
	if (split == SIZE_MAX || split == 0) {
		ds_seallog__reason(reason, rn, "note has no signature block");
		return ds_error_set(DS_EINVALID, "checkpoint: no blank line before signatures");
	}
	*text_len = split + 1;
	return 0;
}

#define EVENTS_EXT_LEN (sizeof DS_SEALLOG_EVENTS_EXT - 1)

/* "<id> <base64 hash>" of the event chain extension line; one per note. */
static int events_parse(struct ds_checkpoint *out, const char *p, size_t l)
{
	const char *sp = memchr(p, ' ', l);
	size_t hl = 0;
	if (out->has_events)
		return ds_error_set(DS_EINVALID, "checkpoint: two event chain lines");
	if (sp == NULL || ds_seallog__parse_u64(p, (size_t)(sp - p), &out->events) < 0 ||
	    l - (size_t)(sp - p) - 1 != 44 ||
	    ds_seallog__b64_decode(out->events_head.b, sizeof out->events_head.b, &hl, sp + 1, 44) < 0 ||
	    hl != DS_MERKLE_HASH_LEN)
		return ds_error_set(DS_EINVALID, "checkpoint: malformed event chain line");
	out->has_events = 1;
	return 0;
}

/* The checkpoint body in text[0..len): origin, size, root, extension lines. */
static int body_parse(struct ds_checkpoint *out, const char *text, size_t len, char *reason,
		      size_t rn)
{
	const char *p = text, *end = text + len;
	size_t line = 0, rl = 0;
	int err;

	memset(out, 0, sizeof *out);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l;
		if (nl == NULL)
			goto bad; /* note_split guarantees a final LF */
		l = (size_t)(nl - p);
		if (l == 0)
			goto bad;
		if (line == 0) {
			/* Origins are printable ASCII here; refuse others. */
			if (l >= sizeof out->origin)
				goto bad;
			for (size_t i = 0; i < l; i++)
				if ((unsigned char)p[i] < 0x20 || (unsigned char)p[i] >= 0x7f)
					goto bad;
			memcpy(out->origin, p, l);
			out->origin[l] = '\0';
		} else if (line == 1) {
			if ((err = ds_seallog__parse_u64(p, l, &out->size)) < 0) {
				ds_seallog__reason(reason, rn, "bad tree size");
				return ds_error_set(err, "checkpoint: bad tree size");
			}
		} else if (line == 2) {
			if (l != 44 ||
			    ds_seallog__b64_decode(out->root.b, sizeof out->root.b, &rl, p, l) < 0 ||
			    rl != DS_MERKLE_HASH_LEN) {
				ds_seallog__reason(reason, rn, "bad root hash");
				return ds_error_set(DS_EINVALID, "checkpoint: bad root hash");
			}
		} else if (line - 3 >= DS_SEALLOG_EXT_LINES_MAX) {
			ds_seallog__reason(reason, rn, "too many extension lines");
			return ds_error_set(DS_ETOOBIG, "checkpoint: too many extension lines");
		} else if (l > EVENTS_EXT_LEN && memcmp(p, DS_SEALLOG_EVENTS_EXT " ", EVENTS_EXT_LEN + 1) == 0) {
			if ((err = events_parse(out, p + EVENTS_EXT_LEN + 1, l - EVENTS_EXT_LEN - 1)) < 0) {
				ds_seallog__reason(reason, rn, "bad event chain line");
				return err;
			}
		}
		line++;
		p = nl + 1;
	}
	if (line < 3)
		goto bad;
	return 0;
bad:
	ds_seallog__reason(reason, rn, "malformed checkpoint body");
	return ds_error_set(DS_EINVALID, "checkpoint: malformed body (line %zu)", line + 1);
}

int ds_checkpoint_parse(struct ds_checkpoint *out, const char *text, size_t len, char *reason,
			size_t reason_n)
{
	size_t tl = 0;
	int err;
	memset(out, 0, sizeof *out);
	if ((err = note_split(text, len, &tl, reason, reason_n)) < 0)
		return err;
	return body_parse(out, text, tl, reason, reason_n);
}

static int ed25519_verify(EVP_PKEY *pkey, const unsigned char *sig, const char *msg, size_t len)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok;
	if (ctx == NULL)
		return ds_error_set(DS_ENOMEM, "checkpoint: out of memory");
	ok = EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pkey) == 1 &&
	     EVP_DigestVerify(ctx, sig, ED25519_SIG_LEN, (const unsigned char *)msg, len) == 1;
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return ok ? 0 : DS_ESIG;
}

int ds_seallog__note_verify(const char *text, size_t len, const ds_seallog_key *key,
			    const char *name, size_t *text_len, char *reason, size_t reason_n)
{
	const char *p, *end = text + len;
	size_t tl = 0, nsig = 0, namelen = strlen(name);
	uint32_t id = 0;
	int err, verified = 0;
	char msg[DS_SEALLOG_REASON_MAX];

	*text_len = 0;
	if ((err = note_split(text, len, &tl, reason, reason_n)) < 0)
		return err;
	if (!name_ok(name, namelen)) {
		ds_seallog__reason(reason, reason_n, "not a usable key name");
		return ds_error_set(DS_EINVALID, "note: key name \"%s\" not usable", name);
	}
	if ((err = ds_seallog_key_id_compute(&id, name, key->pub)) < 0)
		return err;

	/* Signature lines: the text ends at tl, then one blank line, then lines. */
	for (p = text + tl + 1; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *sp, *b64;
		unsigned char raw[3 * 256];
		size_t l, rawlen = 0, name_l;
		uint32_t line_id;

		if (nl == NULL)
			goto bad_sig_line;
		l = (size_t)(nl - p);
		if (++nsig > DS_SEALLOG_SIGS_MAX) {
			ds_seallog__reason(reason, reason_n, "too many signature lines");
			return ds_error_set(DS_ETOOBIG, "note: more than %d signature lines",
					    DS_SEALLOG_SIGS_MAX);
		}
		if (l < EM_DASH_SP_LEN + 1 || memcmp(p, EM_DASH_SP, EM_DASH_SP_LEN) != 0)
			goto bad_sig_line;
		sp = memchr(p + EM_DASH_SP_LEN, ' ', l - EM_DASH_SP_LEN);
		if (sp == NULL || sp == p + EM_DASH_SP_LEN)
			goto bad_sig_line;
		name_l = (size_t)(sp - (p + EM_DASH_SP_LEN));
		b64 = sp + 1;
		/* Lines of other keys are skipped but must still be well formed. */
		if (b64 >= nl || (size_t)(nl - b64) > 4 * 256 ||
		    ds_seallog__b64_decode(raw, sizeof raw, &rawlen, b64, (size_t)(nl - b64)) < 0 ||
		    rawlen < 5)
			goto bad_sig_line;
		line_id = ((uint32_t)raw[0] << 24) | ((uint32_t)raw[1] << 16) |
			  ((uint32_t)raw[2] << 8) | raw[3];
		p = nl + 1;
		if (name_l != namelen || memcmp(sp - name_l, name, namelen) != 0 || line_id != id)
			continue; /* another key's signature: ignored, as C2SP says */
		if (rawlen != 4 + ED25519_SIG_LEN || ed25519_verify(key->pkey, raw + 4, text, tl) != 0) {
			ds_seallog__reason(reason, reason_n, "signature does not verify");
			return ds_error_set(DS_ESIG, "note: signature by %s does not verify", name);
		}
		verified = 1;
	}
	if (nsig == 0) {
		ds_seallog__reason(reason, reason_n, "no signature");
		return ds_error_set(DS_EINVALID, "note: no signature lines");
	}
	if (!verified) {
		if (snprintf(msg, sizeof msg, "no signature by key %s (id %08x)", name,
			     (unsigned)id) < 0)
			msg[0] = '\0';
		ds_seallog__reason(reason, reason_n, msg);
		return ds_error_set(DS_ESIG, "note: %s", msg);
	}
	*text_len = tl;
	return 0;
bad_sig_line:
	ds_seallog__reason(reason, reason_n, "malformed signature line");
	return ds_error_set(DS_EINVALID, "note: malformed signature line %zu", nsig);
}

int ds_checkpoint_verify(struct ds_checkpoint *out, const char *text, size_t len,
			 const ds_seallog_key *key, char *reason, size_t reason_n)
{
	struct ds_checkpoint cp;
	size_t tl = 0;
	int err;

	memset(out, 0, sizeof *out);
	if ((err = ds_checkpoint_parse(&cp, text, len, reason, reason_n)) < 0)
		return err;
	if ((err = ds_seallog__note_verify(text, len, key, key->has_name ? key->name : cp.origin,
					   &tl, reason, reason_n)) < 0)
		return err;
	*out = cp;
	return 0;
}

int ds_seallog__note_sign(char **out, size_t *out_len, const char *text, size_t len,
			  const ds_seallog_key *key)
{
	unsigned char raw[4 + ED25519_SIG_LEN];
	char sig64[100], *note = NULL;
	size_t siglen = ED25519_SIG_LEN, cap, tl = 0;
	EVP_MD_CTX *ctx = NULL;
	uint32_t id = 0;
	int err = 0, w;

	*out = NULL;
	*out_len = 0;
	if (!key->priv || !key->has_name) {
		err = ds_error_set(DS_EINVALID, "note: signing needs the private key and a name");
		goto done;
	}
	if (len == 0 || len > DS_SEALLOG_NOTE_MAX / 2 || text[len - 1] != '\n' ||
	    memchr(text, '\0', len) != NULL) {
		err = ds_error_set(DS_EINVALID, "note: text empty, too long or without final newline");
		goto done;
	}
	cap = len + strlen(key->name) + 128;
	if ((note = malloc(cap)) == NULL) {
		err = ds_error_set(DS_ENOMEM, "note: out of memory");
		goto done;
	}
	memcpy(note, text, len);
	if ((err = ds_seallog_key_id_compute(&id, key->name, key->pub)) < 0)
		goto done;
	raw[0] = (unsigned char)(id >> 24);
	raw[1] = (unsigned char)(id >> 16);
	raw[2] = (unsigned char)(id >> 8);
	raw[3] = (unsigned char)id;
	if ((ctx = EVP_MD_CTX_new()) == NULL) {
		err = ds_error_set(DS_ENOMEM, "note: out of memory");
		goto done;
	}
	if (EVP_DigestSignInit(ctx, NULL, NULL, NULL, key->pkey) != 1 ||
	    EVP_DigestSign(ctx, raw + 4, &siglen, (const unsigned char *)text, len) != 1 ||
	    siglen != ED25519_SIG_LEN) {
		err = ds_error_set_openssl(DS_ECRYPTO, "note: Ed25519 signing failed");
		goto done;
	}
	if ((err = ds_seallog__b64_encode(sig64, sizeof sig64, raw, sizeof raw)) < 0)
		goto done;
	w = snprintf(note + len, cap - len, "\n" EM_DASH_SP "%s %s\n", key->name, sig64);
	if (w < 0 || (size_t)w >= cap - len) {
		err = ds_error_set(DS_ETOOBIG, "note: too large");
		goto done;
	}
	/* Verify what was signed before handing it out. */
	if ((err = ds_seallog__note_verify(note, len + (size_t)w, key, key->name, &tl, NULL, 0)) < 0)
		goto done;
	if (tl != len) {
		err = ds_error_set(DS_ECRYPTO, "note: signed note does not read back");
		goto done;
	}
	*out = note;
	*out_len = len + (size_t)w;
	note = NULL; /* transferred */
done:
	EVP_MD_CTX_free(ctx);
	free(note);
	return err;
}

int ds_checkpoint_sign(char **out, size_t *out_len, const struct ds_checkpoint *cp,
		       const ds_seallog_key *key)
{
	struct ds_checkpoint check;
	char root64[48], ev64[48], body[DS_SEALLOG_ORIGIN_MAX + 192], *note = NULL;
	size_t len = 0;
	int err, w;

	*out = NULL;
	if (out_len != NULL)
		*out_len = 0;
	if (strnlen(cp->origin, sizeof cp->origin) == 0 ||
	    strnlen(cp->origin, sizeof cp->origin) >= sizeof cp->origin ||
	    cp->size > DS_SEALLOG_SIZE_MAX)
		return ds_error_set(DS_EINVALID, "checkpoint: bad origin or size");
	if ((err = ds_seallog__b64_encode(root64, sizeof root64, cp->root.b, DS_MERKLE_HASH_LEN)) < 0)
		return err;
	w = snprintf(body, sizeof body, "%s\n%llu\n%s\n", cp->origin, (unsigned long long)cp->size,
		     root64);
	if (w < 0 || (size_t)w >= sizeof body)
		return ds_error_set(DS_ETOOBIG, "checkpoint: too large");
	if (cp->has_events) {
		int e;
		if (cp->events > DS_SEALLOG_SIZE_MAX)
			return ds_error_set(DS_EINVALID, "checkpoint: bad event id");
		if ((err = ds_seallog__b64_encode(ev64, sizeof ev64, cp->events_head.b,
						  DS_MERKLE_HASH_LEN)) < 0)
			return err;
		e = snprintf(body + w, sizeof body - (size_t)w, DS_SEALLOG_EVENTS_EXT " %llu %s\n",
			     (unsigned long long)cp->events, ev64);
		if (e < 0 || (size_t)e >= sizeof body - (size_t)w)
			return ds_error_set(DS_ETOOBIG, "checkpoint: too large");
		w += e;
	}
	if ((err = ds_seallog__note_sign(&note, &len, body, (size_t)w, key)) < 0)
		return err;
	/* Read back what was signed: the body must parse to the same values. */
	if ((err = ds_checkpoint_verify(&check, note, len, key, NULL, 0)) < 0)
		goto done;
	if (check.size != cp->size || memcmp(check.root.b, cp->root.b, DS_MERKLE_HASH_LEN) != 0 ||
	    strcmp(check.origin, cp->origin) != 0 || check.has_events != cp->has_events ||
	    (cp->has_events && (check.events != cp->events ||
				memcmp(check.events_head.b, cp->events_head.b, DS_MERKLE_HASH_LEN) != 0))) {
		err = ds_error_set(DS_ECRYPTO, "checkpoint: signed note does not read back");
		goto done;
	}
	*out = note;
	if (out_len != NULL)
		*out_len = len;
	note = NULL; /* transferred */
done:
	free(note);
	return err;
}
