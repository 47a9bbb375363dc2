/* The CMS of a PAdES baseline signature (ETSI EN 319 142-1, 5.1): CAdES
 * without the signing-time attribute, which PAdES forbids (the PDF's /M
 * carries the claimed time). OpenSSL 3.0 adds signing-time in
 * CMS_SignerInfo_sign, which CMS_final calls, and has no flag against it; so
 * the signer is added with CMS_PARTIAL, content-type and message-digest are
 * added here, the DER of the sorted signed attributes is signed with
 * EVP_DigestSign and set as the signature value, and CMS_final is never
 * called. */
#include <stdlib.h>
#include <string.h>

#include <openssl/cms.h>
#include <openssl/core_names.h>
#include <openssl/err.h>

#include "dossier/error.h"
#include "dossier/pades.h"
#include "signer/signer_int.h"

#define FLAGS (CMS_DETACHED | CMS_BINARY | CMS_NOSMIMECAP | CMS_CADES | CMS_PARTIAL)
#define ATTRS_MAX 16

struct der {
	unsigned char *p;
	int len;
};

static int cmp_der(const void *a, const void *b)
{
	const struct der *x = a, *y = b;
	int n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->p, y->p, (size_t)n);
	return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* DER of SET OF Attribute (X.690 11.6: elements in ascending order of their
 * encodings), which is what the signature covers (RFC 5652, 5.4) and what
 * i2d_CMS_ContentInfo writes in the [0] IMPLICIT field. */
static int signed_attrs_der(CMS_SignerInfo *si, unsigned char **out, size_t *out_len)
{
	struct der d[ATTRS_MAX];
	int n = CMS_signed_get_attr_count(si), err = 0;
	size_t body = 0;
	unsigned char *buf = NULL;
	memset(d, 0, sizeof d);
	if (n <= 0 || n > ATTRS_MAX)
		return ds_error_set(DS_ECRYPTO, "unexpected signed attribute count %d", n);
	for (int i = 0; i < n; i++) {
		d[i].len = i2d_X509_ATTRIBUTE(CMS_signed_get_attr(si, i), &d[i].p);
		if (d[i].len <= 0) {
			err = ds_error_set_openssl(DS_ECRYPTO, "encoding a signed attribute");
			goto done;
		}
		body += (size_t)d[i].len;
	}
	qsort(d, (size_t)n, sizeof d[0], cmp_der);
	/* the SignerInfo keeps them in that order too, so that its own checks
	 * (CMS_SignerInfo_verify encodes them as they are) see what was signed */
	for (int i = 0; i < n; i++)
		X509_ATTRIBUTE_free(CMS_signed_delete_attr(si, 0));
	for (int i = 0; i < n; i++) {
		const unsigned char *q = d[i].p;
		X509_ATTRIBUTE *a = d2i_X509_ATTRIBUTE(NULL, &q, d[i].len);
		int ok = a && CMS_signed_add1_attr(si, a);
		X509_ATTRIBUTE_free(a);
		if (!ok) {
			err = ds_error_set_openssl(DS_ECRYPTO, "re-adding a signed attribute");
			goto done;
		}
	}
	/* tag 0x31, definite length (short or long form), then the elements */
	unsigned char hdr[6];
	size_t h = 0;
	hdr[h++] = 0x31;
	if (body < 0x80) {
		hdr[h++] = (unsigned char)body;
	} else if (body <= 0xffff) {
		hdr[h++] = body <= 0xff ? 0x81 : 0x82;
		if (body > 0xff)
			hdr[h++] = (unsigned char)(body >> 8);
		hdr[h++] = (unsigned char)body;
	} else {
		err = ds_error_set(DS_ETOOBIG, "signed attributes too large");
		goto done;
	}
	buf = malloc(h + body);
	if (!buf) {
		err = ds_error_set(DS_ENOMEM, "out of memory");
		goto done;
	}
	memcpy(buf, hdr, h);
	size_t off = h;
	for (int i = 0; i < n; i++) {
		memcpy(buf + off, d[i].p, (size_t)d[i].len);
		off += (size_t)d[i].len;
	}
	*out = buf;
	buf = NULL; /* transferred */
	*out_len = off;
done:
	for (int i = 0; i < n && i < ATTRS_MAX; i++)
		OPENSSL_free(d[i].p);
	free(buf);
	return err;
}

/* The signature algorithm identifier the provider signed with (ECDSA with
 * SHA-256, or RSASSA-PSS with its parameters), as CMS_SignerInfo_sign would
 * have set it. */
static int set_sig_alg(CMS_SignerInfo *si, EVP_PKEY_CTX *pctx)
{
	unsigned char aid[256];
	OSSL_PARAM p[2] = {
		OSSL_PARAM_octet_string(OSSL_SIGNATURE_PARAM_ALGORITHM_ID, aid, sizeof aid),
		OSSL_PARAM_END};
	X509_ALGOR *alg = NULL, *got = NULL;
	if (EVP_PKEY_CTX_get_params(pctx, p) <= 0 || !OSSL_PARAM_modified(&p[0]))
		return ds_error_set_openssl(DS_ECRYPTO, "the signature algorithm identifier");
	const unsigned char *q = aid;
	got = d2i_X509_ALGOR(NULL, &q, (long)p[0].return_size);
	CMS_SignerInfo_get0_algs(si, NULL, NULL, NULL, &alg);
	const ASN1_OBJECT *obj = NULL;
	const void *pval = NULL;
	int ptype = V_ASN1_UNDEF, err = 0;
	ASN1_OBJECT *o2 = NULL;
	ASN1_STRING *v2 = NULL;
	if (got)
		X509_ALGOR_get0(&obj, &ptype, &pval, got);
	if (!got || !alg || !obj || !(o2 = OBJ_dup(obj)) ||
	    (ptype == V_ASN1_SEQUENCE && !(v2 = ASN1_STRING_dup(pval))) ||
	    (ptype != V_ASN1_SEQUENCE && ptype != V_ASN1_UNDEF && ptype != V_ASN1_NULL) ||
	    !X509_ALGOR_set0(alg, o2, ptype, ptype == V_ASN1_SEQUENCE ? (void *)v2 : NULL)) {
		ASN1_OBJECT_free(o2);
		ASN1_STRING_free(v2);
		err = ds_error_set_openssl(DS_ECRYPTO, "setting the signature algorithm");
	}
	X509_ALGOR_free(got);
	return err;
}

int ds_pades_cms_sign(ds_signer *s, const unsigned char digest[32],
		      const struct ds_sign_opts *opts, unsigned char **p7s, size_t *p7s_len)
{
	static const struct ds_sign_opts defaults = {0};
	CMS_ContentInfo *cms = NULL;
	CMS_SignerInfo *si;
	STACK_OF(X509) *extra = NULL;
	unsigned char *attrs = NULL, *sig = NULL, *der = NULL, *tok = NULL;
	size_t attrs_len = 0, sig_len = 0, tok_len = 0;
	EVP_MD_CTX *mctx = NULL;
	int der_len = 0, err = 0;

	*p7s = NULL;
	*p7s_len = 0;
	if (!opts)
		opts = &defaults;
	if (!s || !s->key || !s->cert)
		return ds_error_set(DS_EINVALID, "no signer");
	int stamp = opts->tsa_url && *opts->tsa_url;
	/* B-LT and B-LTA keep their validation data in the PDF (DSS), not here */
	if (opts->level != DS_CADES_B_B && opts->level != DS_CADES_B_T)
		return ds_error_set(DS_EUNSUPPORTED, "PAdES level other than B-B or B-T");
	if (opts->level == DS_CADES_B_T && !stamp)
		return ds_error_set(DS_EINVALID, "PAdES B-T needs a TSA URL");

	cms = CMS_sign(NULL, NULL, NULL, NULL, FLAGS);
	if (!cms) {
		err = ds_error_set_openssl(DS_ECRYPTO, "CMS_sign");
		goto done;
	}
	/* CMS_CADES: signing-certificate-v2. The signing context is ours, not
	 * the SignerInfo's (CMS_KEY_PARAM): OpenSSL frees that one in
	 * CMS_SignerInfo_sign, which is not called here. */
	si = CMS_add1_signer(cms, s->cert, s->key, EVP_sha256(), FLAGS);
	if (!si) {
		err = ds_error_set_openssl(DS_ECRYPTO, "CMS_add1_signer");
		goto done;
	}
	EVP_PKEY_CTX *pctx = NULL;
	mctx = EVP_MD_CTX_new();
	if (!mctx || EVP_DigestSignInit(mctx, &pctx, EVP_sha256(), NULL, s->key) <= 0) {
		err = ds_error_set_openssl(DS_ECRYPTO, "signing context");
		goto done;
	}
	if ((err = ds_signer__pss(pctx, s->key)) < 0)
		goto done;
	if (!CMS_signed_add1_attr_by_NID(si, NID_pkcs9_contentType, V_ASN1_OBJECT,
					 OBJ_nid2obj(NID_pkcs7_data), -1) ||
	    !CMS_signed_add1_attr_by_NID(si, NID_pkcs9_messageDigest, V_ASN1_OCTET_STRING, digest,
					 32)) {
		err = ds_error_set_openssl(DS_ECRYPTO, "content-type and message-digest");
		goto done;
	}
	if (CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1) >= 0 ||
	    CMS_signed_get_attr_by_NID(si, NID_id_smime_aa_signingCertificateV2, -1) < 0) {
		err = ds_error_set(DS_ECRYPTO, "unexpected signed attributes");
		goto done;
	}
	for (int i = 0; s->chain && i < sk_X509_num(s->chain); i++)
		if (!CMS_add1_cert(cms, sk_X509_value(s->chain, i)))
			ERR_clear_error(); /* duplicate */
	if (opts->chain_pem_path) {
		if ((err = ds_signer__certs_read(&extra, opts->chain_pem_path)) < 0)
			goto done;
		for (int i = 0; i < sk_X509_num(extra); i++)
			if (!CMS_add1_cert(cms, sk_X509_value(extra, i)))
				ERR_clear_error(); /* duplicate */
	}
	if ((err = signed_attrs_der(si, &attrs, &attrs_len)) < 0)
		goto done;
	if (EVP_DigestSign(mctx, NULL, &sig_len, attrs, attrs_len) <= 0 ||
	    !(sig = OPENSSL_malloc(sig_len)) ||
	    EVP_DigestSign(mctx, sig, &sig_len, attrs, attrs_len) <= 0) {
		err = ds_error_set_openssl(DS_ECRYPTO, "signing the signed attributes");
		goto done;
	}
	if ((err = set_sig_alg(si, pctx)) < 0)
		goto done;
	if (!ASN1_STRING_set(CMS_SignerInfo_get0_signature(si), sig, (int)sig_len)) {
		err = ds_error_set_openssl(DS_ECRYPTO, "setting the signature value");
		goto done;
	}
	/* sign, then verify: the value over the re-encoded attributes, the
	 * message digest, signing-certificate-v2 */
	if (CMS_SignerInfo_verify(si) != 1) {
		err = ds_error_set_openssl(DS_ESIG, "the signature just made does not verify");
		goto done;
	}
	ASN1_OCTET_STRING *m = CMS_signed_get0_data_by_OBJ(
		si, OBJ_nid2obj(NID_pkcs9_messageDigest), -3, V_ASN1_OCTET_STRING);
	if (!m || ASN1_STRING_length(m) != 32 || memcmp(ASN1_STRING_get0_data(m), digest, 32)) {
		err = ds_error_set(DS_ESIG, "the signature just made has a wrong message digest");
		goto done;
	}
	if ((err = ds_signer__check_ess(si, s->cert)) < 0)
		goto done;
	if (opts->level >= DS_CADES_B_T && stamp) {
		const char *trust = opts->tsa_ca_pem_path ? opts->tsa_ca_pem_path : opts->chain_pem_path;
		if ((err = ds_signer__tsa_stamp(opts->tsa_url, trust, sig, sig_len, &tok, &tok_len)) < 0)
			goto done;
		if (!CMS_unsigned_add1_attr_by_NID(si, NID_id_smime_aa_timeStampToken,
						   V_ASN1_SEQUENCE, tok, (int)tok_len)) {
			err = ds_error_set_openssl(DS_ECRYPTO, "adding the time-stamp token");
			goto done;
		}
	}
	der_len = i2d_CMS_ContentInfo(cms, &der);
	if (der_len <= 0) {
		err = ds_error_set_openssl(DS_ECRYPTO, "encoding the signature");
		goto done;
	}
	*p7s = malloc((size_t)der_len);
	if (!*p7s) {
		err = ds_error_set(DS_ENOMEM, "out of memory");
		goto done;
	}
	memcpy(*p7s, der, (size_t)der_len);
	*p7s_len = (size_t)der_len;
done:
	EVP_MD_CTX_free(mctx);
	CMS_ContentInfo_free(cms);
	sk_X509_pop_free(extra, X509_free);
	free(attrs);
	OPENSSL_free(sig);
	OPENSSL_free(der);
	OPENSSL_free(tok);
	ERR_clear_error();
	return err;
}
