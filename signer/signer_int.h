/* Private to signer/: shared between its files. */
#ifndef DOSSIER_SIGNER_INT_H
#define DOSSIER_SIGNER_INT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "dossier/pki.h"
#include "dossier/signer.h"

struct ds_signer {
	EVP_PKEY *key;
	X509 *cert;
	STACK_OF(X509) *chain; /* may be NULL */
	void *p11;             /* struct ds_p11 * for token keys */
};

/* Reads a whole file (not following a final symlink) of at most max bytes. */
int ds_signer__read_file(const char *path, size_t max, unsigned char **out, size_t *len);

/* Reads and decrypts an encrypted PKCS#8 PEM key file; refuses files
 * readable by others and unencrypted keys. DS_EAUTH: wrong passphrase. */
int ds_signer__key_read(EVP_PKEY **out, const char *path, const char *pass, size_t pass_len);

/* Writes pkey as an encrypted PKCS#8 PEM key file (ds_secret_file_create). */
int ds_signer__key_write(const char *path, EVP_PKEY *pkey, const char *pass, size_t pass_len);

/* Certificates from a PEM (several) or DER (one) file. */
int ds_signer__certs_read(STACK_OF(X509) **out, const char *path);
int ds_signer__cert_read(X509 **out, const char *path);

/* CRLs from a PEM (several) or DER file. */
int ds_signer__load_crls(STACK_OF(X509_CRL) **out, const char *path);

/* Sets up RSASSA-PSS (SHA-256, MGF1-SHA-256, salt 32) on a signing context
 * when the key is RSA; a no-op otherwise. */
int ds_signer__pss(EVP_PKEY_CTX *pctx, EVP_PKEY *key);

/* Checks signing-certificate-v2 of si names `signer`; DS_ESIG otherwise. */
#include <openssl/cms.h>
int ds_signer__check_ess(CMS_SignerInfo *si, X509 *signer);

/* ASN1_TIME to Unix seconds. */
int ds_signer__asn1_time(const ASN1_TIME *t, int64_t *out);

/* Serial number of a certificate as lowercase hex. */
int ds_signer__serial_hex(const ASN1_INTEGER *s, char out[DS_SERIAL_HEX_MAX]);

/* SHA-256 of the DER certificate in hex. */
int ds_signer__cert_sha256(X509 *x, char out[65]);

/* Fills a ds_cert_info. */
int ds_signer__cert_info(X509 *x, struct ds_cert_info *out);

/* RFC 3161: obtains a token over SHA-256(sigval) from url, checks status,
 * nonce, imprint and the TSA's signature/EKU against tsa_trust, and returns
 * the DER of the token (a ContentInfo) in *der (OPENSSL_free). */
int ds_signer__tsa_stamp(const char *url, const char *tsa_trust_path,
			 const unsigned char *sigval, size_t sigval_len,
			 unsigned char **der, size_t *der_len);

/* Which profiles x (chaining to `anchor`) fits under t's markers (t NULL or
 * anchor unknown: the default markers); the *_missing say why not. */
void ds_signer__profile(const ds_trust *t, X509 *anchor, X509 *x, int *fits_seal,
			int *fits_approver, char *seal_missing, char *approver_missing, size_t n);
/* The anchors as a new stack (each up-ref'd). */
STACK_OF(X509) *ds_signer__trust_anchors(const ds_trust *t);

#define DS_TSA_REPLY_MAX (256u * 1024u)
#define DS_P7S_MAX (4u * 1024u * 1024u)

#endif
