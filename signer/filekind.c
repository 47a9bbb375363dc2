/* What a file given to a command holds: certificates, CRLs, keys, seal log
 * checkpoints and proofs, or something else entirely. Lets the CLI refuse a
 * wrong file given as an option (a CRL given as trusted roots) instead of
 * reporting it as a verdict on what is verified. Every file is read bounded
 * (DS_CERT_FILE_MAX) and parsed with the same parsers that use it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "dossier/error.h"
#include "dossier/fs.h"
#include "dossier/pki.h"
#include "dossier/seallog.h"

/* Labels of PEM blocks counted in one file (at most 64 looked at). */
struct pem_census {
	unsigned certs, crls, pubkeys, privkeys, other;
	int crls_ok; /* CRLs beside certificates, all readable */
	char first_other[40];
};

static int label_is(const char *l, size_t n, const char *want)
{
	return strlen(want) == n && memcmp(l, want, n) == 0;
}

static void pem_count(const unsigned char *buf, size_t len, struct pem_census *c)
{
	static const char begin[] = "-----BEGIN ";
	const unsigned char *p = buf, *end = buf + len;
	unsigned seen = 0;

	memset(c, 0, sizeof *c);
	while (seen < 64 && (p = memmem(p, (size_t)(end - p), begin, sizeof begin - 1)) != NULL) {
		const char *l = (const char *)p + sizeof begin - 1;
		const char *e = memmem(l, (size_t)((const char *)end - l), "-----", 5);
		if (!e)
			break;
		size_t n = (size_t)(e - l);
		if (label_is(l, n, "CERTIFICATE") || label_is(l, n, "TRUSTED CERTIFICATE") ||
		    label_is(l, n, "X509 CERTIFICATE"))
			c->certs++;
		else if (label_is(l, n, "X509 CRL"))
			c->crls++;
		else if (label_is(l, n, "PUBLIC KEY") || label_is(l, n, "RSA PUBLIC KEY"))
			c->pubkeys++;
		else if (n >= 11 && memcmp(l + n - 11, "PRIVATE KEY", 11) == 0)
			c->privkeys++;
		else {
			if (c->other++ == 0) {
				size_t k = n < sizeof c->first_other - 1 ? n : sizeof c->first_other - 1;
				for (size_t i = 0; i < k; i++)
					c->first_other[i] = (l[i] >= 0x20 && l[i] < 0x7f) ? l[i] : '?';
				c->first_other[k] = '\0';
			}
		}
		seen++;
		p = (const unsigned char *)e + 5;
	}
}

/* Certificates in PEM that parse, or one DER certificate. -1: a PEM
 * certificate block that does not parse. */
static int count_certs(const unsigned char *buf, size_t len, unsigned want)
{
	BIO *b = BIO_new_mem_buf(buf, (int)len);
	X509 *x;
	int n = 0;
	if (!b)
		return 0;
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
		X509_free(x);
		n++;
	}
	ERR_clear_error();
	BIO_free(b);
	return want > 0 && (unsigned)n < want ? -1 : n;
}

static int count_crls(const unsigned char *buf, size_t len, unsigned want)
{
	BIO *b = BIO_new_mem_buf(buf, (int)len);
	X509_CRL *x;
	int n = 0;
	if (!b)
		return 0;
	while ((x = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL)) != NULL) {
		X509_CRL_free(x);
		n++;
	}
	ERR_clear_error();
	BIO_free(b);
	return want > 0 && (unsigned)n < want ? -1 : n;
}

/* The kind of a public key in PEM or DER SubjectPublicKeyInfo: 1 Ed25519,
 * 2 another algorithm, 0 none. */
static int pubkey_kind(const unsigned char *buf, size_t len, int pem)
{
	EVP_PKEY *k = NULL;
	int r = 0;
	if (pem) {
		BIO *b = BIO_new_mem_buf(buf, (int)len);
		if (b)
			k = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL);
		BIO_free(b);
	} else {
		const unsigned char *p = buf;
		k = d2i_PUBKEY(NULL, &p, (long)len);
		if (k && p != buf + len) {
			EVP_PKEY_free(k);
			k = NULL;
		}
	}
	if (k)
		r = EVP_PKEY_get_id(k) == EVP_PKEY_ED25519 ? 1 : 2;
	EVP_PKEY_free(k);
	ERR_clear_error();
	return r;
}

static int der_whole(const unsigned char *buf, size_t len)
{
	const unsigned char *p = buf;
	X509 *x = d2i_X509(NULL, &p, (long)len);
	if (x) {
		X509_free(x);
		ERR_clear_error();
		if (p == buf + len)
			return DS_FILE_CERTS;
	}
	p = buf;
	X509_CRL *c = d2i_X509_CRL(NULL, &p, (long)len);
	if (c) {
		X509_CRL_free(c);
		ERR_clear_error();
		if (p == buf + len)
			return DS_FILE_CRLS;
	}
	int pk = pubkey_kind(buf, len, 0);
	if (pk)
		return pk == 1 ? DS_FILE_LOG_KEY : DS_FILE_PUBKEY;
	p = buf;
	CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)len);
	if (cms) {
		CMS_ContentInfo_free(cms);
		ERR_clear_error();
		if (p == buf + len)
			return DS_FILE_CMS;
	}
	ERR_clear_error();
	return DS_FILE_UNKNOWN;
}

static int is_text(const unsigned char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = buf[i];
		if (c < 0x20 && c != '\n' && c != '\r' && c != '\t')
			return 0;
		if (c == 0x7f)
			return 0;
	}
	return 1;
}

static enum ds_file_kind by_magic(const unsigned char *b, size_t len)
{
	if (len >= 4 && b[0] == 'P' && b[1] == 'K' &&
	    ((b[2] == 3 && b[3] == 4) || (b[2] == 5 && b[3] == 6)))
		return DS_FILE_ZIP;
	if (len >= 5 && memcmp(b, "%PDF-", 5) == 0)
		return DS_FILE_PDF;
	if (len >= 4 && (memcmp(b, "II*\0", 4) == 0 || memcmp(b, "MM\0*", 4) == 0))
		return DS_FILE_TIFF;
	if (len >= 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0)
		return DS_FILE_PNG;
	if (len >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF)
		return DS_FILE_JPEG;
	return DS_FILE_UNKNOWN;
}

static enum ds_file_kind classify(const unsigned char *buf, size_t len, int whole,
				  struct pem_census *pc)
{
	enum ds_file_kind k;
	memset(pc, 0, sizeof *pc);
	if (len == 0)
		return DS_FILE_EMPTY;
	if ((k = by_magic(buf, len)) != DS_FILE_UNKNOWN)
		return k;
	if (!whole)
		return DS_FILE_UNKNOWN;
	if (memmem(buf, len, "-----BEGIN ", 11)) {
		pem_count(buf, len, pc);
		if (pc->certs) {
			if (count_certs(buf, len, pc->certs) < 0)
				return DS_FILE_DAMAGED_PEM;
			pc->crls_ok = pc->crls && count_crls(buf, len, pc->crls) > 0;
			return DS_FILE_CERTS;
		}
		if (pc->crls)
			return count_crls(buf, len, pc->crls) < 0 ? DS_FILE_DAMAGED_PEM : DS_FILE_CRLS;
		if (pc->pubkeys) {
			int pk = pubkey_kind(buf, len, 1);
			return pk == 1 ? DS_FILE_LOG_KEY : pk == 2 ? DS_FILE_PUBKEY : DS_FILE_DAMAGED_PEM;
		}
		if (pc->privkeys)
			return DS_FILE_PRIVKEY;
		if (pc->other)
			return DS_FILE_PEM_OTHER;
	}
	if (is_text(buf, len)) {
		struct ds_checkpoint cp;
		struct ds_seallog_proof *p = NULL;
		struct ds_seallog_cproof *cpp = NULL;
		if (ds_checkpoint_parse(&cp, (const char *)buf, len, NULL, 0) == 0)
			return DS_FILE_CHECKPOINT;
		if ((p = malloc(sizeof *p)) != NULL &&
		    ds_seallog_proof_parse(p, (const char *)buf, len, NULL, 0) == 0)
			k = DS_FILE_PROOF;
		else if ((cpp = malloc(sizeof *cpp)) != NULL &&
			 ds_seallog_cproof_parse(cpp, (const char *)buf, len, NULL, 0) == 0)
			k = DS_FILE_PROOF;
		else
			k = DS_FILE_TEXT;
		free(p);
		free(cpp);
		return k;
	}
	return der_whole(buf, len);
}

const char *ds_file_kind_name(enum ds_file_kind k)
{
	switch (k) {
	case DS_FILE_EMPTY: return "nothing (an empty file)";
	case DS_FILE_CERTS: return "certificates";
	case DS_FILE_CRLS: return "a CRL";
	case DS_FILE_LOG_KEY: return "an Ed25519 public key";
	case DS_FILE_PUBKEY: return "a public key";
	case DS_FILE_PRIVKEY: return "a private key";
	case DS_FILE_PEM_OTHER: return "PEM data of another kind";
	case DS_FILE_DAMAGED_PEM: return "a damaged PEM block";
	case DS_FILE_CHECKPOINT: return "a seal log checkpoint";
	case DS_FILE_PROOF: return "a seal log proof";
	case DS_FILE_CMS: return "a CMS signature";
	case DS_FILE_ZIP: return "a ZIP archive";
	case DS_FILE_PDF: return "a PDF document";
	case DS_FILE_TIFF: return "a TIFF image";
	case DS_FILE_PNG: return "a PNG image";
	case DS_FILE_JPEG: return "a JPEG image";
	case DS_FILE_TEXT: return "text of no known kind";
	case DS_FILE_UNKNOWN: break;
	}
	return "binary data of no known kind";
}

/* Reads the first bytes of a file too large to read whole. */
static int read_head(const char *path, unsigned char *out, size_t n, size_t *got)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r;
	if (fd < 0)
		return ds_error_set_errno(DS_EIO, errno, "%s", path);
	do
		r = read(fd, out, n);
	while (r < 0 && errno == EINTR);
	close(fd);
	if (r < 0)
		return ds_error_set_errno(DS_EIO, errno, "reading %s", path);
	*got = (size_t)r;
	return 0;
}

static int kind_of(const char *path, enum ds_file_kind *out, char *detail, size_t detail_n,
		   struct pem_census *pc)
{
	unsigned char *buf = NULL, head[16];
	size_t len = 0;
	int err, whole = 1;

	if (detail_n)
		detail[0] = '\0';
	err = ds_file_read(path, DS_CERT_FILE_MAX, &buf, &len);
	if (err == DS_ETOOBIG) {
		whole = 0;
		if ((err = read_head(path, head, sizeof head, &len)) < 0)
			return err;
	} else if (err < 0) {
		return err;
	}
	*out = classify(whole ? buf : head, len, whole, pc);
	if (detail_n) {
		int w = 0;
		if (!whole)
			w = snprintf(detail, detail_n, "larger than %u bytes", DS_CERT_FILE_MAX);
		else if (*out == DS_FILE_PEM_OTHER)
			w = snprintf(detail, detail_n, "\"%s\"", pc->first_other);
		if (w < 0 || (size_t)w >= detail_n)
			detail[0] = '\0';
	}
	free(buf);
	return 0;
}

int ds_file_kind_of(const char *path, enum ds_file_kind *out, char *detail, size_t detail_n)
{
	struct pem_census pc;
	return kind_of(path, out, detail, detail_n, &pc);
}

int ds_file_kind_expect(const char *path, enum ds_file_kind want)
{
	enum ds_file_kind got;
	struct pem_census pc;
	char detail[80];
	int err;

	if ((err = kind_of(path, &got, detail, sizeof detail, &pc)) < 0)
		return err;
	/* one PEM file of certificates and CRLs serves as either */
	if (got == want || (want == DS_FILE_CRLS && got == DS_FILE_CERTS && pc.crls_ok))
		return 0;
	return ds_error_set(DS_EINVALID, "%s holds %s%s%s%s, not %s", path, ds_file_kind_name(got),
			    detail[0] ? " (" : "", detail, detail[0] ? ")" : "",
			    ds_file_kind_name(want));
}
