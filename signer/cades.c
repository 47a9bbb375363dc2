/* CAdES baseline signatures (ETSI EN 319 122-1): B-B, B-T, B-LT, detached,
 * over the exact bytes given. Sign, then verify what was signed. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "dossier/clock.h"
#include "dossier/error.h"
#include "signer/signer_int.h"

#define DS_CMS_FLAGS (CMS_DETACHED | CMS_BINARY | CMS_NOSMIMECAP | CMS_CADES)

static int add_certs(CMS_ContentInfo *cms, const char *path)
{
	STACK_OF(X509) *sk = NULL;
	int err;
	if (!path)
		return 0;
	if ((err = ds_signer__certs_read(&sk, path)) < 0)
		return err;
	for (int i = 0; i < sk_X509_num(sk); i++)
		if (!CMS_add1_cert(cms, sk_X509_value(sk, i))) {
			/* a duplicate is fine; anything else is not */
			unsigned long e = ERR_peek_last_error();
			if (ERR_GET_REASON(e) != CMS_R_CERTIFICATE_ALREADY_PRESENT) {
				err = ds_error_set_openssl(DS_ECRYPTO, "%s: embedding", path);
				break;
			}
			ERR_clear_error();
		}
	sk_X509_pop_free(sk, X509_free);
	return err;
}

static int add_crls(CMS_ContentInfo *cms, const char *path)
{
	STACK_OF(X509_CRL) *sk = NULL;
	int err;
	if (!path)
		return 0;
	if ((err = ds_signer__load_crls(&sk, path)) < 0)
		return err;
	for (int i = 0; i < sk_X509_CRL_num(sk); i++)
		if (!CMS_add1_crl(cms, sk_X509_CRL_value(sk, i))) {
			err = ds_error_set_openssl(DS_ECRYPTO, "%s: embedding the CRL", path);
			break;
		}
	sk_X509_CRL_pop_free(sk, X509_CRL_free);
	return err;
}

/* The check after signing (minisign's rule): the signature value just made
 * verifies with the certificate's public key over the signed attributes,
 * whose message digest matches `data`, and signing-certificate-v2 names the
 * certificate. This runs on the structure that was just encoded, not on a
 * re-parse of its DER: re-decoding the embedded certificates would cost more
 * than the signature itself, and catches nothing the checks below miss. */
static int verify_signed(CMS_SignerInfo *si, const unsigned char *data, size_t len, X509 *signer)
{
	unsigned char md[32];
	int err = 0;
	ASN1_OCTET_STRING *m = CMS_signed_get0_data_by_OBJ(
		si, OBJ_nid2obj(NID_pkcs9_messageDigest), -3, V_ASN1_OCTET_STRING);
	if (!EVP_Digest(data, len, md, NULL, EVP_sha256(), NULL)) {
		err = ds_error_set_openssl(DS_ECRYPTO, "SHA-256");
		goto done;
	}
	if (!m || ASN1_STRING_length(m) != 32 || memcmp(ASN1_STRING_get0_data(m), md, 32) != 0) {
		err = ds_error_set(DS_ESIG, "the signature just made has a wrong message digest");
		goto done;
	}
	if (CMS_SignerInfo_verify(si) != 1) {
		err = ds_error_set_openssl(DS_ESIG, "the signature just made does not verify");
		goto done;
	}
	err = ds_signer__check_ess(si, signer);
done:
	return err;
}

int ds_cades_sign(ds_signer *s, const unsigned char *data, size_t len,
		  const struct ds_sign_opts *opts, unsigned char **p7s, size_t *p7s_len)
{
	static const struct ds_sign_opts defaults = {0};
	CMS_ContentInfo *cms = NULL;
	CMS_SignerInfo *si;
	ASN1_TIME *st = NULL;
	BIO *in = NULL;
	unsigned char *der = NULL, *tok = NULL;
	size_t tok_len = 0;
	int der_len = 0, err = 0;
	unsigned int flags = DS_CMS_FLAGS | CMS_PARTIAL;

	*p7s = NULL;
	*p7s_len = 0;
	if (!opts)
		opts = &defaults;
	if (!s || !s->key || !s->cert)
		return ds_error_set(DS_EINVALID, "no signer");
	if (len > (size_t)INT32_MAX)
		return ds_error_set(DS_ETOOBIG, "data to sign too large");
	if (opts->level != DS_CADES_B_B && opts->level != DS_CADES_B_T && opts->level != DS_CADES_B_LT)
		return ds_error_set(DS_EINVALID, "unknown CAdES level");
	/* B-LT without a TSA (the seal's default when the issuer's CRL is known)
	 * carries the chain and the CRL but no time-stamp. */
	int stamp = opts->tsa_url && *opts->tsa_url;
	if (opts->level == DS_CADES_B_T && !stamp)
		return ds_error_set(DS_EINVALID, "CAdES B-T needs a TSA URL (--tsa)");

	cms = CMS_sign(NULL, NULL, NULL, NULL, flags);
	if (!cms) {
		err = ds_error_set_openssl(DS_ECRYPTO, "CMS_sign");
		goto done;
	}
	si = CMS_add1_signer(cms, s->cert, s->key, EVP_sha256(), flags | CMS_KEY_PARAM);
	if (!si) {
		err = ds_error_set_openssl(DS_ECRYPTO, "CMS_add1_signer");
		goto done;
	}
	if ((err = ds_signer__pss(CMS_SignerInfo_get0_pkey_ctx(si), s->key)) < 0)
		goto done;
	st = ASN1_TIME_set(NULL, (time_t)(opts->signing_time ? opts->signing_time : ds_now()));
	if (!st || !CMS_signed_add1_attr_by_NID(si, NID_pkcs9_signingTime, st->type, st, -1)) {
		err = ds_error_set_openssl(DS_ECRYPTO, "signing-time");
		goto done;
	}
	for (int i = 0; s->chain && i < sk_X509_num(s->chain); i++)
		if (!CMS_add1_cert(cms, sk_X509_value(s->chain, i)))
			ERR_clear_error(); /* duplicate */
	if ((err = add_certs(cms, opts->chain_pem_path)) < 0)
		goto done;
	in = BIO_new_mem_buf(data, (int)len);
	if (!in || CMS_final(cms, in, NULL, flags) != 1) {
		err = ds_error_set_openssl(DS_ECRYPTO, "signing");
		goto done;
	}
	if (opts->level >= DS_CADES_B_T && stamp) {
		ASN1_OCTET_STRING *sig = CMS_SignerInfo_get0_signature(si);
		const char *trust = opts->tsa_ca_pem_path ? opts->tsa_ca_pem_path : opts->chain_pem_path;
		if ((err = ds_signer__tsa_stamp(opts->tsa_url, trust, ASN1_STRING_get0_data(sig),
						(size_t)ASN1_STRING_length(sig), &tok, &tok_len)) < 0)
			goto done;
		if (!CMS_unsigned_add1_attr_by_NID(si, NID_id_smime_aa_timeStampToken,
						   V_ASN1_SEQUENCE, tok, (int)tok_len)) {
			err = ds_error_set_openssl(DS_ECRYPTO, "adding the time-stamp token");
			goto done;
		}
	}
	if (opts->level == DS_CADES_B_LT) {
		if ((err = add_certs(cms, opts->tsa_ca_pem_path)) < 0)
			goto done;
		if (!opts->crl_pem_path) {
			err = ds_error_set(DS_EINVALID, "CAdES B-LT needs the current CRL");
			goto done;
		}
		if ((err = add_crls(cms, opts->crl_pem_path)) < 0)
			goto done;
	}
	der_len = i2d_CMS_ContentInfo(cms, &der);
	if (der_len <= 0) {
		err = ds_error_set_openssl(DS_ECRYPTO, "encoding the signature");
		goto done;
	}
	if ((err = verify_signed(si, data, len, s->cert)) < 0)
		goto done;
	*p7s = malloc((size_t)der_len);
	if (!*p7s) {
		err = ds_error_set(DS_ENOMEM, "out of memory");
		goto done;
	}
	memcpy(*p7s, der, (size_t)der_len);
	*p7s_len = (size_t)der_len;
done:
	CMS_ContentInfo_free(cms);
	ASN1_TIME_free(st);
	BIO_free(in);
	OPENSSL_free(der);
	OPENSSL_free(tok);
	return err;
}
