/* Verifying a detached CAdES signature: the indications of ETSI EN 319 102-1
 * for the findings FORMATS.md lists. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/ess.h>
#include <openssl/ts.h>
#include <openssl/x509v3.h>

#include "dossier/clock.h"
#include "dossier/error.h"
#include "signer/signer_int.h"

int ds_signer__check_ess(CMS_SignerInfo *si, X509 *signer)
{
	ASN1_STRING *v = CMS_signed_get0_data_by_OBJ(
		si, OBJ_nid2obj(NID_id_smime_aa_signingCertificateV2), -3, V_ASN1_SEQUENCE);
	ESS_SIGNING_CERT_V2 *ss = NULL;
	STACK_OF(X509) *chain = sk_X509_new_null();
	int err = 0;
	if (!v) {
		err = ds_error_set(DS_ESIG, "signing-certificate-v2 missing");
		goto done;
	}
	const unsigned char *p = ASN1_STRING_get0_data(v);
	ss = d2i_ESS_SIGNING_CERT_V2(NULL, &p, ASN1_STRING_length(v));
	if (!ss || !chain || !sk_X509_push(chain, signer) ||
	    OSSL_ESS_check_signing_certs(NULL, ss, chain, 1) <= 0) {
		err = ds_error_set_openssl(DS_ESIG, "signing-certificate-v2 does not match the signer");
		goto done;
	}
done:
	ESS_SIGNING_CERT_V2_free(ss);
	sk_X509_free(chain);
	ERR_clear_error();
	return err;
}

static void check(struct ds_cades_report *r, const char *name, const char *outcome,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void check(struct ds_cades_report *r, const char *name, const char *outcome,
		  const char *fmt, ...)
{
	if (r->nchecks >= DS_CHECKS_MAX)
		return;
	struct ds_check *c = &r->checks[r->nchecks++];
	/* names and outcomes fit; a detail may be truncated */
	if (snprintf(c->name, sizeof c->name, "%s", name) < 0)
		c->name[0] = '\0';
	if (snprintf(c->outcome, sizeof c->outcome, "%s", outcome) < 0)
		c->outcome[0] = '\0';
	va_list ap;
	va_start(ap, fmt);
	if (vsnprintf(c->detail, sizeof c->detail, fmt, ap) < 0)
		c->detail[0] = '\0';
	va_end(ap);
}

/* The worse verdict wins: TOTAL_FAILED over INDETERMINATE over PASSED; the
 * first finding of a level gives the sub-indication. */
static void verdict(struct ds_cades_report *r, enum ds_indication ind, const char *sub)
{
	int rank_new = ind == DS_TOTAL_FAILED ? 2 : ind == DS_INDETERMINATE ? 1 : 0;
	int rank_old = r->indication == DS_TOTAL_FAILED ? 2 : r->indication == DS_INDETERMINATE ? 1 : 0;
	if (rank_new > rank_old) {
		r->indication = ind;
		int n = snprintf(r->sub_indication, sizeof r->sub_indication, "%s", sub);
		(void)n;
	}
}

static const char *ossl_reason(void)
{
	static _Thread_local char buf[200];
	unsigned long e = ERR_peek_last_error();
	buf[0] = '\0';
	if (e)
		ERR_error_string_n(e, buf, sizeof buf);
	ERR_clear_error();
	return buf;
}

static void fmt_time(int64_t t, char out[32])
{
	struct tm tm;
	time_t tt = (time_t)t;
	if (!gmtime_r(&tt, &tm) || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		out[0] = '\0';
}

/* The time-stamp token in the unsigned attributes: checked over SHA-256 of
 * the signature value, signed by a TSA chaining to the trust roots. */
static int check_timestamp(struct ds_cades_report *r, CMS_SignerInfo *si,
			   STACK_OF(X509) *trust, STACK_OF(X509) *untrusted, int *ts_ok)
{
	int idx = CMS_unsigned_get_attr_by_NID(si, NID_id_smime_aa_timeStampToken, -1);
	PKCS7 *tok = NULL;
	TS_TST_INFO *info = NULL;
	TS_VERIFY_CTX *v = NULL;
	X509_STORE *store = NULL;
	STACK_OF(X509) *certs = NULL;
	unsigned char *imprint = NULL;
	int err = 0;

	*ts_ok = 0;
	if (idx < 0) {
		check(r, "timestamp", "NOT_CHECKED", "no signature time-stamp");
		return 0;
	}
	X509_ATTRIBUTE *a = CMS_unsigned_get_attr(si, idx);
	ASN1_TYPE *t = X509_ATTRIBUTE_get0_type(a, 0);
	if (X509_ATTRIBUTE_count(a) != 1 || !t || t->type != V_ASN1_SEQUENCE) {
		check(r, "timestamp", "FAILED", "malformed time-stamp attribute");
		verdict(r, DS_TOTAL_FAILED, "FORMAT_FAILURE");
		return 0;
	}
	const unsigned char *p = t->value.sequence->data;
	tok = d2i_PKCS7(NULL, &p, t->value.sequence->length);
	info = tok ? PKCS7_to_TS_TST_INFO(tok) : NULL;
	if (!tok || !info) {
		ERR_clear_error();
		check(r, "timestamp", "FAILED", "the time-stamp token cannot be parsed");
		verdict(r, DS_TOTAL_FAILED, "FORMAT_FAILURE");
		goto done;
	}
	ASN1_OCTET_STRING *sig = CMS_SignerInfo_get0_signature(si);
	imprint = OPENSSL_malloc(32);
	if (!imprint) {
		err = ds_error_set(DS_ENOMEM, "out of memory");
		goto done;
	}
	if (!EVP_Digest(ASN1_STRING_get0_data(sig), (size_t)ASN1_STRING_length(sig), imprint, NULL,
			EVP_sha256(), NULL)) {
		err = ds_error_set_openssl(DS_ECRYPTO, "hash of the signature value");
		goto done;
	}
	/* imprint over the signature value: a mismatch is a broken signature */
	const TS_MSG_IMPRINT *mi = TS_TST_INFO_get_msg_imprint(info);
	const ASN1_OCTET_STRING *msg = TS_MSG_IMPRINT_get_msg((TS_MSG_IMPRINT *)mi);
	const X509_ALGOR *alg = TS_MSG_IMPRINT_get_algo((TS_MSG_IMPRINT *)mi);
	if (OBJ_obj2nid(alg->algorithm) != NID_sha256 || ASN1_STRING_length(msg) != 32 ||
	    memcmp(ASN1_STRING_get0_data(msg), imprint, 32) != 0) {
		check(r, "timestamp", "FAILED", "the time-stamp does not cover this signature value");
		verdict(r, DS_TOTAL_FAILED, "HASH_FAILURE");
		goto done;
	}
	v = TS_VERIFY_CTX_new();
	store = X509_STORE_new();
	certs = sk_X509_new_null();
	if (!v || !store || !certs) {
		err = ds_error_set(DS_ENOMEM, "out of memory");
		goto done;
	}
	for (int i = 0; i < sk_X509_num(trust); i++)
		X509_STORE_add_cert(store, sk_X509_value(trust, i));
	for (int i = 0; untrusted && i < sk_X509_num(untrusted); i++)
		if (X509_up_ref(sk_X509_value(untrusted, i)))
			sk_X509_push(certs, sk_X509_value(untrusted, i));
	TS_VERIFY_CTX_set_flags(v, TS_VFY_VERSION | TS_VFY_SIGNATURE | TS_VFY_IMPRINT);
	TS_VERIFY_CTX_set_store(v, store);
	store = NULL;
	TS_VERIFY_CTS_set_certs(v, certs);
	certs = NULL;
	TS_VERIFY_CTX_set_imprint(v, imprint, 32);
	imprint = NULL;
	if (TS_RESP_verify_token(v, tok) != 1) {
		const char *why = ossl_reason();
		/* the token's own signature or its TSA chain: without a trusted
		 * time-stamp there is no proof of existence */
		check(r, "timestamp", "FAILED", "time-stamp token does not verify: %s", why);
		if (strstr(why, "certificate verify error") || strstr(why, "unable to get"))
			verdict(r, DS_INDETERMINATE, "NO_CERTIFICATE_CHAIN_FOUND");
		else
			verdict(r, DS_TOTAL_FAILED, "SIG_CRYPTO_FAILURE");
		goto done;
	}
	if ((err = ds_signer__asn1_time(TS_TST_INFO_get_time(info), &r->timestamp_time)) < 0)
		goto done;
	char ts[32];
	fmt_time(r->timestamp_time, ts);
	check(r, "timestamp", "PASSED", "RFC 3161 token of %s over the signature value", ts);
	*ts_ok = 1;
done:
	PKCS7_free(tok);
	TS_TST_INFO_free(info);
	TS_VERIFY_CTX_free(v);
	X509_STORE_free(store);
	sk_X509_pop_free(certs, X509_free);
	OPENSSL_free(imprint);
	return err;
}

/* Revocation of every certificate of the chain below the root, from the CRLs
 * embedded (B-LT) and given. `when` is the best known signing time. */
static void check_revocation(struct ds_cades_report *r, STACK_OF(X509) *chain,
			     STACK_OF(X509_CRL) *crls, int64_t when, int have_poe)
{
	int checked = 0, n = sk_X509_num(chain);
	for (int i = 0; i + 1 < n; i++) {
		X509 *x = sk_X509_value(chain, i), *iss = sk_X509_value(chain, i + 1);
		EVP_PKEY *ik = X509_get0_pubkey(iss);
		int found_crl = 0;
		for (int j = 0; j < sk_X509_CRL_num(crls); j++) {
			X509_CRL *c = sk_X509_CRL_value(crls, j);
			if (X509_NAME_cmp(X509_CRL_get_issuer(c), X509_get_subject_name(iss)) != 0)
				continue;
			if (!ik || X509_CRL_verify(c, ik) != 1) {
				ERR_clear_error();
				check(r, "revocation", "FAILED", "a CRL of %s has a bad signature (ignored)",
				      i == 0 ? "the signer's issuer" : "an issuer");
				continue;
			}
			found_crl = 1;
			X509_REVOKED *rev = NULL;
			if (X509_CRL_get0_by_cert(c, &rev, x) == 1 && rev) {
				int64_t rt = 0;
				char serial[DS_SERIAL_HEX_MAX] = "", t1[32], t2[32];
				ds_signer__serial_hex(X509_get0_serialNumber(x), serial);
				ds_signer__asn1_time(X509_REVOKED_get0_revocationDate(rev), &rt);
				fmt_time(rt, t1);
				fmt_time(when, t2);
				if (rt <= when) {
					check(r, "revocation", "FAILED",
					      "certificate %s revoked at %s, before the signing time %s",
					      serial, t1, t2);
					verdict(r, DS_TOTAL_FAILED, "REVOKED");
				} else if (have_poe) {
					check(r, "revocation", "PASSED",
					      "certificate %s revoked at %s, after the time-stamp %s", serial,
					      t1, t2);
				} else {
					check(r, "revocation", "INDETERMINATE",
					      "certificate %s revoked at %s; no time-stamp proves signing at %s",
					      serial, t1, t2);
					verdict(r, DS_INDETERMINATE, "REVOKED_NO_POE");
				}
				return;
			}
		}
		if (found_crl)
			checked++;
		else if (i == 0)
			break; /* nothing for the signer itself */
	}
	if (checked == 0)
		check(r, "revocation", "NOT_CHECKED", "no revocation data for the signer's certificate");
	else
		check(r, "revocation", "PASSED", "not revoked (%d CRL check%s)", checked,
		      checked == 1 ? "" : "s");
}

int ds_cades_verify(const unsigned char *p7s, size_t p7s_len, const unsigned char *data,
		    size_t len, const struct ds_verify_opts *opts, struct ds_cades_report *out)
{
	CMS_ContentInfo *cms = NULL;
	BIO *in = NULL;
	STACK_OF(X509) *trust = NULL, *certs = NULL, *signers = NULL, *chain = NULL;
	STACK_OF(X509_CRL) *crls = NULL, *extra = NULL;
	X509_STORE *store = NULL;
	X509_STORE_CTX *ctx = NULL;
	X509 *signer = NULL;
	int err = 0, ts_ok = 0;
	struct ds_cades_report *r = out;
	static const struct ds_verify_opts defaults = {0};

	memset(r, 0, sizeof *r);
	r->indication = DS_TOTAL_PASSED;
	if (!opts)
		opts = &defaults;
	int64_t now = opts->now ? opts->now : ds_now();
	if (p7s_len > DS_P7S_MAX)
		return ds_error_set(DS_ETOOBIG, "signature larger than %u bytes", DS_P7S_MAX);
	if (len > (size_t)INT32_MAX)
		return ds_error_set(DS_ETOOBIG, "signed data too large");
	if (opts->trust) {
		if (!(trust = ds_signer__trust_anchors(opts->trust)))
			return ds_error_set(DS_ENOMEM, "out of memory");
	} else if (!opts->trust_pem_path) {
		return ds_error_set(DS_EINVALID, "no trust anchors given");
	} else if ((err = ds_signer__certs_read(&trust, opts->trust_pem_path)) < 0) {
		goto done;
	}
	if (opts->crl_pem_path && (err = ds_signer__load_crls(&extra, opts->crl_pem_path)) < 0)
		goto done;

	const unsigned char *p = p7s;
	cms = d2i_CMS_ContentInfo(NULL, &p, (long)p7s_len);
	if (!cms || p != p7s + p7s_len ||
	    OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed) {
		ERR_clear_error();
		check(r, "format", "FAILED", "not a DER CMS SignedData");
		verdict(r, DS_TOTAL_FAILED, "FORMAT_FAILURE");
		goto done;
	}
	STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);
	if (sk_CMS_SignerInfo_num(sis) != 1 || CMS_get0_content(cms) == NULL ||
	    *CMS_get0_content(cms) != NULL) {
		check(r, "format", "FAILED", "want exactly one signer and detached content");
		verdict(r, DS_TOTAL_FAILED, "FORMAT_FAILURE");
		goto done;
	}
	CMS_SignerInfo *si = sk_CMS_SignerInfo_value(sis, 0);
	check(r, "format", "PASSED", "CMS SignedData, one signer, detached");

	/* cryptographic check, with the certificate embedded */
	in = BIO_new_mem_buf(data, (int)len);
	if (!in) {
		err = ds_error_set(DS_ENOMEM, "out of memory");
		goto done;
	}
	if (CMS_verify(cms, NULL, NULL, in, NULL, CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY) != 1) {
		check(r, "cms_signature", "FAILED", "%s", ossl_reason());
		verdict(r, DS_TOTAL_FAILED, "SIG_CRYPTO_FAILURE");
		goto done;
	}
	check(r, "cms_signature", "PASSED", "message digest and signature value");
	signers = CMS_get0_signers(cms);
	if (!signers || sk_X509_num(signers) != 1) {
		check(r, "signer", "FAILED", "signer certificate not found");
		verdict(r, DS_TOTAL_FAILED, "SIG_CRYPTO_FAILURE");
		goto done;
	}
	signer = sk_X509_value(signers, 0);
	struct ds_cert_info ci;
	if ((err = ds_signer__cert_info(signer, &ci)) < 0)
		goto done;
	memcpy(r->signer_subject, ci.subject, sizeof r->signer_subject);
	memcpy(r->signer_o, ci.o, sizeof r->signer_o);
	memcpy(r->signer_ou, ci.ou, sizeof r->signer_ou);
	memcpy(r->signer_cert_sha256, ci.sha256, sizeof r->signer_cert_sha256);
	memcpy(r->signer_org_id, ci.org_id, sizeof r->signer_org_id);
	memcpy(r->signer_cn, ci.cn, sizeof r->signer_cn);

	/* signing-certificate-v2 present and matching */
	if (CMS_signed_get_attr_by_NID(si, NID_id_smime_aa_signingCertificateV2, -1) < 0) {
		check(r, "signing_certificate_v2", "FAILED", "attribute missing (not CAdES)");
		verdict(r, DS_TOTAL_FAILED, "FORMAT_FAILURE");
		goto done;
	}
	if (ds_signer__check_ess(si, signer) < 0) {
		check(r, "signing_certificate_v2", "FAILED", "%s", ds_error_last());
		verdict(r, DS_TOTAL_FAILED, "SIG_CRYPTO_FAILURE");
		goto done;
	}
	check(r, "signing_certificate_v2", "PASSED", "matches the signer's certificate");

	int st_idx = CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1);
	if (st_idx >= 0) {
		ASN1_TYPE *t = X509_ATTRIBUTE_get0_type(CMS_signed_get_attr(si, st_idx), 0);
		if (t && (t->type == V_ASN1_UTCTIME || t->type == V_ASN1_GENERALIZEDTIME))
			ds_signer__asn1_time((ASN1_TIME *)t->value.utctime, &r->signing_time);
	}
	if (opts->claimed_time && st_idx >= 0) {
		check(r, "signing_time", "FAILED", "a PAdES signature with a signing-time attribute");
		verdict(r, DS_TOTAL_FAILED, "FORMAT_FAILURE");
		goto done;
	}
	if (opts->claimed_time)
		r->signing_time = opts->claimed_time;
	if (r->signing_time == 0) {
		check(r, "signing_time", "FAILED", "signing-time attribute missing or malformed");
		verdict(r, DS_TOTAL_FAILED, "FORMAT_FAILURE");
		goto done;
	}

	certs = CMS_get1_certs(cms);
	if ((err = check_timestamp(r, si, trust, certs, &ts_ok)) < 0)
		goto done;
	if (r->indication == DS_TOTAL_FAILED)
		goto done;
	int is_lt = 0;
	crls = CMS_get1_crls(cms);
	if (crls && sk_X509_CRL_num(crls) > 0)
		is_lt = 1;
	if (!crls)
		crls = sk_X509_CRL_new_null();
	for (int i = 0; extra && i < sk_X509_CRL_num(extra); i++)
		if (X509_CRL_up_ref(sk_X509_CRL_value(extra, i)))
			sk_X509_CRL_push(crls, sk_X509_CRL_value(extra, i));
	/* B-LT: revocation data inside (with or without a time-stamp; without
	 * one it proves nothing about the signing time) */
	int has_ts = ts_ok || r->timestamp_time != 0 ||
		     CMS_unsigned_get_attr_by_NID(si, NID_id_smime_aa_timeStampToken, -1) >= 0;
	int n = snprintf(r->level, sizeof r->level, "%s", is_lt ? "B-LT" : has_ts ? "B-T" : "B-B");
	(void)n;

	/* chain to a trusted root; times are judged below */
	store = X509_STORE_new();
	ctx = X509_STORE_CTX_new();
	if (!store || !ctx) {
		err = ds_error_set(DS_ENOMEM, "out of memory");
		goto done;
	}
	for (int i = 0; i < sk_X509_num(trust); i++)
		X509_STORE_add_cert(store, sk_X509_value(trust, i));
	if (!X509_STORE_CTX_init(ctx, store, signer, certs)) {
		err = ds_error_set_openssl(DS_ECRYPTO, "verification context");
		goto done;
	}
	X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_NO_CHECK_TIME);
	if (X509_verify_cert(ctx) != 1) {
		int e = X509_STORE_CTX_get_error(ctx);
		ERR_clear_error();
		check(r, "chain", "FAILED", "%s", X509_verify_cert_error_string(e));
		verdict(r, DS_INDETERMINATE, "NO_CERTIFICATE_CHAIN_FOUND");
		goto done;
	}
	chain = X509_STORE_CTX_get1_chain(ctx);
	check(r, "chain", "PASSED", "%d certificate%s to a trusted root", sk_X509_num(chain),
	      sk_X509_num(chain) == 1 ? "" : "s");
	{
		X509 *top = sk_X509_value(chain, sk_X509_num(chain) - 1);
		if ((err = ds_signer__cert_sha256(top, r->anchor_sha256)) < 0)
			goto done;
		/* which role the certificate may play is judged by the bundle
		 * verifier, which knows the role it claims */
		ds_signer__profile(opts->trust, top, signer, &r->fits_seal, &r->fits_approver,
				   r->seal_missing, r->approver_missing, sizeof r->seal_missing);
	}

	if (!ci.key_usage_ok) {
		check(r, "key_usage", "FAILED", "neither digitalSignature nor nonRepudiation");
		verdict(r, DS_INDETERMINATE, "CHAIN_CONSTRAINTS_FAILURE");
	} else {
		check(r, "key_usage", "PASSED", "digitalSignature/nonRepudiation");
	}

	/* validity: at verification time, or at the time-stamp when one proves
	 * the signature existed earlier */
	int64_t best = ts_ok ? r->timestamp_time : r->signing_time;
	int validity_ok = 1;
	for (int i = 0; i < sk_X509_num(chain); i++) {
		X509 *x = sk_X509_value(chain, i);
		int64_t nb = 0, na = 0;
		char t1[32], t2[32];
		ds_signer__asn1_time(X509_get0_notBefore(x), &nb);
		ds_signer__asn1_time(X509_get0_notAfter(x), &na);
		fmt_time(nb, t1);
		fmt_time(na, t2);
		if (best < nb) {
			check(r, "validity", "FAILED", "%s certificate not valid before %s",
			      i == 0 ? "signer" : "chain", t1);
			verdict(r, DS_INDETERMINATE, "NOT_YET_VALID");
			validity_ok = 0;
			break;
		}
		if (now > na) {
			if (ts_ok && r->timestamp_time <= na) {
				check(r, "validity", "PASSED",
				      "%s certificate expired %s, but the time-stamp proves signing before",
				      i == 0 ? "signer" : "chain", t2);
				continue;
			}
			check(r, "validity", "FAILED",
			      "%s certificate expired %s and no time-stamp proves earlier signing",
			      i == 0 ? "signer" : "chain", t2);
			verdict(r, DS_INDETERMINATE, "OUT_OF_BOUNDS_NO_POE");
			validity_ok = 0;
			break;
		}
		if (now < nb) {
			check(r, "validity", "FAILED", "%s certificate not valid before %s",
			      i == 0 ? "signer" : "chain", t1);
			verdict(r, DS_INDETERMINATE, "NOT_YET_VALID");
			validity_ok = 0;
			break;
		}
	}
	if (validity_ok)
		check(r, "validity", "PASSED", "certificates valid at the signing and verification times");

	check_revocation(r, chain, crls, best, ts_ok);
done:
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	sk_X509_pop_free(trust, X509_free);
	sk_X509_pop_free(certs, X509_free);
	sk_X509_free(signers);
	sk_X509_pop_free(chain, X509_free);
	sk_X509_CRL_pop_free(crls, X509_CRL_free);
	sk_X509_CRL_pop_free(extra, X509_CRL_free);
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	ERR_clear_error();
	return err;
}
