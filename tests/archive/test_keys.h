/* Test-only signing for the archive unit tests: a throwaway CA and seal
 * certificates made with OpenSSL, CAdES-like detached CMS, and a minimal
 * verifier standing in for ds_cades_verify (which signer/ provides). */
#ifndef DS_TEST_KEYS_H
#define DS_TEST_KEYS_H

#include <string.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "dossier/archive.h"
#include "dossier/error.h"

struct tkey {
	EVP_PKEY *key;
	X509 *cert;
};

static X509 *tk_ca_cert; /* the trust anchor of the verifier below */
static X509 *tk_approver_cert; /* the one personal certificate; the others are seals */

static void tk_make(struct tkey *k, const char *ou, struct tkey *issuer)
{
	k->key = EVP_EC_gen("P-256");
	k->cert = X509_new();
	X509_set_version(k->cert, 2);
	static long serial = 1;
	ASN1_INTEGER_set(X509_get_serialNumber(k->cert), serial++);
	X509_gmtime_adj(X509_getm_notBefore(k->cert), -3600);
	X509_gmtime_adj(X509_getm_notAfter(k->cert), 86400L * 365);
	X509_NAME *n = X509_NAME_new();
	X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8, (const unsigned char *)"UBND Test", -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "OU", MBSTRING_UTF8, (const unsigned char *)ou, -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)ou, -1, -1, 0);
	X509_set_subject_name(k->cert, n);
	X509_set_issuer_name(k->cert, issuer ? X509_get_subject_name(issuer->cert) : n);
	X509_NAME_free(n);
	X509_set_pubkey(k->cert, k->key);
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer ? issuer->cert : k->cert, k->cert, NULL, NULL, 0);
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_basic_constraints,
						  issuer ? "critical,CA:FALSE" : "critical,CA:TRUE");
	X509_add_ext(k->cert, ext, -1);
	X509_EXTENSION_free(ext);
	X509_sign(k->cert, issuer ? issuer->key : k->key, EVP_sha256());
}

static void tk_free(struct tkey *k)
{
	EVP_PKEY_free(k->key);
	X509_free(k->cert);
}

static int tk_sign(void *arg, const unsigned char *data, size_t len, unsigned char **p7s,
		   size_t *p7s_len)
{
	struct tkey *k = arg;
	BIO *in = BIO_new_mem_buf(data, (int)len);
	CMS_ContentInfo *cms = CMS_sign(k->cert, k->key, NULL, in,
					CMS_DETACHED | CMS_BINARY | CMS_CADES | CMS_NOSMIMECAP);
	BIO_free(in);
	if (!cms)
		return ds_error_set_openssl(DS_ECRYPTO, "test sign");
	unsigned char *der = NULL;
	int n = i2d_CMS_ContentInfo(cms, &der);
	CMS_ContentInfo_free(cms);
	if (n <= 0)
		return ds_error_set(DS_ECRYPTO, "test sign: encoding");
	*p7s = malloc((size_t)n);
	memcpy(*p7s, der, (size_t)n);
	OPENSSL_free(der);
	*p7s_len = (size_t)n;
	return 0;
}

static int tk_verify(const unsigned char *p7s, size_t p7s_len, const unsigned char *data,
		     size_t len, const struct ds_verify_opts *opts, struct ds_cades_report *out)
{
	(void)opts;
	memset(out, 0, sizeof *out);
	const unsigned char *p = p7s;
	CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)p7s_len);
	if (!cms)
		return ds_error_set(DS_EINVALID, "test verify: not CMS");
	X509_STORE *st = X509_STORE_new();
	X509_STORE_add_cert(st, tk_ca_cert);
	X509_STORE_set_purpose(st, X509_PURPOSE_ANY);
	BIO *in = BIO_new_mem_buf(data, (int)len);
	int ok = CMS_verify(cms, NULL, st, in, NULL, CMS_BINARY | CMS_DETACHED);
	STACK_OF(X509) *signers = CMS_get0_signers(cms);
	if (signers && sk_X509_num(signers) > 0) {
		X509 *sx = sk_X509_value(signers, 0);
		X509_NAME_get_text_by_NID(X509_get_subject_name(sx), NID_organizationalUnitName,
					  out->signer_ou, sizeof out->signer_ou);
		/* the profiles (docs/signer.md) as the real verifier reports them */
		if (ok == 1) {
			memset(out->anchor_sha256, 'a', 64);
			out->fits_approver = tk_approver_cert && X509_cmp(sx, tk_approver_cert) == 0;
			out->fits_seal = !out->fits_approver;
		}
	}
	sk_X509_free(signers);
	BIO_free(in);
	X509_STORE_free(st);
	CMS_ContentInfo_free(cms);
	ERR_clear_error();
	out->indication = ok == 1 ? DS_TOTAL_PASSED : DS_TOTAL_FAILED;
	if (ok != 1)
		memcpy(out->sub_indication, "SIG_CRYPTO_FAILURE", sizeof "SIG_CRYPTO_FAILURE");
	out->nchecks = 1;
	memcpy(out->checks[0].name, "cms_signature", sizeof "cms_signature");
	memcpy(out->checks[0].outcome, ok == 1 ? "PASSED" : "FAILED", 7);
	return 0;
}

#endif
