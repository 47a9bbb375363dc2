/* Trust anchors and certificate profiles: which roots a site trusts, and
 * what makes a certificate under each a department seal or a personal
 * (approver) certificate (pki.h, docs/signer.md "Certificate profiles"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "dossier/clock.h"
#include "dossier/error.h"
#include "signer/signer_int.h"

struct anchor {
	X509 *x;
	char sha256[65];
	char subject[256];
	char seal[DS_MARKER_MAX];
	char approver[DS_MARKER_MAX];
};

struct ds_trust {
	struct anchor a[DS_TRUST_ANCHORS_MAX];
	size_t n;
	char seal_policy[DS_OID_MAX];
	char approver_policy[DS_OID_MAX];
};

static int valid_oid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n >= DS_OID_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || s[i] == '.'))
			return 0;
	ASN1_OBJECT *o = OBJ_txt2obj(s, 1);
	ERR_clear_error();
	ASN1_OBJECT_free(o);
	return o != NULL;
}

static void copy(char *dst, size_t n, const char *s)
{
	if (snprintf(dst, n, "%s", s ? s : "") < 0)
		dst[0] = '\0';
}

static void default_markers(const char *seal_policy, const char *approver_policy, char *seal,
			    char *approver)
{
	if (snprintf(seal, DS_MARKER_MAX,
		     "policy:%s qctype:eseal eku:documentSigning subject:organizationIdentifier=",
		     seal_policy) < 0)
		seal[0] = '\0';
	if (snprintf(approver, DS_MARKER_MAX, "policy:%s qctype:esign eku:documentSigning",
		     approver_policy) < 0)
		approver[0] = '\0';
}

int ds_trust_new(ds_trust **out, const char *seal_policy, const char *approver_policy)
{
	ds_trust *t;
	*out = NULL;
	if (!seal_policy || !*seal_policy)
		seal_policy = DS_PKI_SEAL_POLICY_DEFAULT;
	if (!approver_policy || !*approver_policy)
		approver_policy = DS_PKI_APPROVER_POLICY_DEFAULT;
	if (!valid_oid(seal_policy))
		return ds_error_set(DS_EINVALID, "seal policy '%s' is not an OID", seal_policy);
	if (!valid_oid(approver_policy))
		return ds_error_set(DS_EINVALID, "approver policy '%s' is not an OID",
				    approver_policy);
	if (strcmp(seal_policy, approver_policy) == 0)
		return ds_error_set(DS_EINVALID, "the seal and approver policies are both %s",
				    seal_policy);
	if (!(t = calloc(1, sizeof *t)))
		return ds_error_set(DS_ENOMEM, "out of memory");
	copy(t->seal_policy, sizeof t->seal_policy, seal_policy);
	copy(t->approver_policy, sizeof t->approver_policy, approver_policy);
	*out = t;
	return 0;
}

void ds_trust_free(ds_trust *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		X509_free(t->a[i].x);
	free(t);
}

size_t ds_trust_count(const ds_trust *t) { return t ? t->n : 0; }

/* ---- markers ---- */

static const char *qctype_oid(const char *v)
{
	if (strcmp(v, "eseal") == 0)
		return DS_OID_QCT_ESEAL;
	if (strcmp(v, "esign") == 0)
		return DS_OID_QCT_ESIGN;
	if (strcmp(v, "web") == 0)
		return "0.4.0.1862.1.6.3";
	return v;
}

static const char *eku_oid(const char *v)
{
	if (strcmp(v, "documentSigning") == 0)
		return DS_OID_EKU_DOCUMENT_SIGNING;
	if (strcmp(v, "emailProtection") == 0)
		return "1.3.6.1.5.5.7.3.4";
	return v;
}

static ASN1_OBJECT *attr_obj(const char *attr)
{
	if (strcmp(attr, "organizationIdentifier") == 0)
		return OBJ_txt2obj(DS_OID_ORGANIZATION_IDENTIFIER, 1);
	ASN1_OBJECT *o = OBJ_txt2obj(attr, 0);
	ERR_clear_error();
	return o;
}

/* Has the certificate's extension `nid` (a SEQUENCE OF OBJECT at depth
 * `policies`: certificatePolicies' PolicyInformation) the OID `want`? */
static int has_policy(X509 *x, const ASN1_OBJECT *want)
{
	CERTIFICATEPOLICIES *cp = X509_get_ext_d2i(x, NID_certificate_policies, NULL, NULL);
	int found = 0;
	for (int i = 0; cp && i < sk_POLICYINFO_num(cp); i++)
		if (OBJ_cmp(sk_POLICYINFO_value(cp, i)->policyid, want) == 0)
			found = 1;
	CERTIFICATEPOLICIES_free(cp);
	ERR_clear_error();
	return found;
}

static int has_eku(X509 *x, const ASN1_OBJECT *want)
{
	EXTENDED_KEY_USAGE *e = X509_get_ext_d2i(x, NID_ext_key_usage, NULL, NULL);
	int found = 0;
	for (int i = 0; e && i < sk_ASN1_OBJECT_num(e); i++)
		if (OBJ_cmp(sk_ASN1_OBJECT_value(e, i), want) == 0)
			found = 1;
	EXTENDED_KEY_USAGE_free(e);
	ERR_clear_error();
	return found;
}

/* qcStatements (RFC 3739): SEQUENCE OF SEQUENCE { statementId, info };
 * the QcType statement's info is a SEQUENCE OF OBJECT. */
static int has_qctype(X509 *x, const ASN1_OBJECT *want)
{
	int idx = X509_get_ext_by_NID(x, NID_qcStatements, -1);
	if (idx < 0)
		return 0;
	ASN1_OCTET_STRING *v = X509_EXTENSION_get_data(X509_get_ext(x, idx));
	const unsigned char *p = ASN1_STRING_get0_data(v);
	ASN1_SEQUENCE_ANY *stmts = d2i_ASN1_SEQUENCE_ANY(NULL, &p, ASN1_STRING_length(v));
	ASN1_OBJECT *qctype = OBJ_txt2obj(DS_OID_QCS_QCTYPE, 1);
	int found = 0;
	for (int i = 0; stmts && qctype && i < sk_ASN1_TYPE_num(stmts) && !found; i++) {
		ASN1_TYPE *st = sk_ASN1_TYPE_value(stmts, i);
		if (st->type != V_ASN1_SEQUENCE)
			continue;
		const unsigned char *q = st->value.sequence->data;
		ASN1_SEQUENCE_ANY *s = d2i_ASN1_SEQUENCE_ANY(NULL, &q, st->value.sequence->length);
		if (s && sk_ASN1_TYPE_num(s) == 2 &&
		    sk_ASN1_TYPE_value(s, 0)->type == V_ASN1_OBJECT &&
		    OBJ_cmp(sk_ASN1_TYPE_value(s, 0)->value.object, qctype) == 0 &&
		    sk_ASN1_TYPE_value(s, 1)->type == V_ASN1_SEQUENCE) {
			ASN1_STRING *info = sk_ASN1_TYPE_value(s, 1)->value.sequence;
			const unsigned char *r = info->data;
			ASN1_SEQUENCE_ANY *types = d2i_ASN1_SEQUENCE_ANY(NULL, &r, info->length);
			for (int j = 0; types && j < sk_ASN1_TYPE_num(types); j++) {
				ASN1_TYPE *ty = sk_ASN1_TYPE_value(types, j);
				if (ty->type == V_ASN1_OBJECT && OBJ_cmp(ty->value.object, want) == 0)
					found = 1;
			}
			sk_ASN1_TYPE_pop_free(types, ASN1_TYPE_free);
		}
		sk_ASN1_TYPE_pop_free(s, ASN1_TYPE_free);
	}
	sk_ASN1_TYPE_pop_free(stmts, ASN1_TYPE_free);
	ASN1_OBJECT_free(qctype);
	ERR_clear_error();
	return found;
}

static int has_subject(X509 *x, const ASN1_OBJECT *attr, const char *prefix)
{
	X509_NAME *nm = X509_get_subject_name(x);
	size_t pl = strlen(prefix);
	for (int i = 0; i < X509_NAME_entry_count(nm); i++) {
		X509_NAME_ENTRY *e = X509_NAME_get_entry(nm, i);
		if (OBJ_cmp(X509_NAME_ENTRY_get_object(e), attr) != 0)
			continue;
		unsigned char *u = NULL;
		int l = ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(e));
		int ok = l >= 0 && (size_t)l >= pl && memcmp(u, prefix, pl) == 0;
		OPENSSL_free(u);
		if (ok)
			return 1;
	}
	ERR_clear_error();
	return 0;
}

/* Evaluates (x != NULL) or only validates (x == NULL) a marker. Returns 1
 * when x matches every term, 0 when not (`missing` says which), or
 * DS_EINVALID for a malformed marker. */
static int marker_eval(const char *marker, X509 *x, char *missing, size_t mn)
{
	char term[DS_MARKER_MAX];
	const char *p = marker;
	int nterms = 0;

	if (mn)
		missing[0] = '\0';
	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		size_t len = strcspn(p, " \t");
		if (len >= sizeof term)
			return ds_error_set(DS_EINVALID, "marker term too long");
		memcpy(term, p, len);
		term[len] = '\0';
		p += len;
		nterms++;
		char *colon = strchr(term, ':');
		if (!colon)
			return ds_error_set(DS_EINVALID, "marker term '%s' has no kind: (policy, "
					    "qctype, eku or subject)", term);
		*colon = '\0';
		const char *kind = term, *val = colon + 1;
		ASN1_OBJECT *o = NULL;
		int have = 0;
		if (strcmp(kind, "policy") == 0 || strcmp(kind, "qctype") == 0 ||
		    strcmp(kind, "eku") == 0) {
			const char *oid = kind[0] == 'q' ? qctype_oid(val)
					  : kind[0] == 'e' ? eku_oid(val)
							   : val;
			if (!valid_oid(oid))
				return ds_error_set(DS_EINVALID, "marker term '%s:%s': not an OID",
						    kind, val);
			if (!x)
				continue;
			o = OBJ_txt2obj(oid, 1);
			if (!o)
				return ds_error_set(DS_ENOMEM, "out of memory");
			have = kind[0] == 'p' ? has_policy(x, o)
			       : kind[0] == 'q' ? has_qctype(x, o)
						: has_eku(x, o);
			ASN1_OBJECT_free(o);
			if (!have) {
				if (mn && snprintf(missing, mn, "%s %s",
						   kind[0] == 'p'   ? "certificate policy"
						   : kind[0] == 'q' ? "qcStatements QcType"
								    : "extended key usage",
						   val) < 0)
					missing[0] = '\0';
				return 0;
			}
		} else if (strcmp(kind, "subject") == 0) {
			char *eq = strchr(val, '=');
			if (!eq || eq == val)
				return ds_error_set(DS_EINVALID,
						    "marker term 'subject:%s': want ATTR=PREFIX", val);
			*eq = '\0';
			o = attr_obj(val);
			if (!o)
				return ds_error_set(DS_EINVALID,
						    "marker term 'subject:%s': unknown attribute", val);
			have = x ? has_subject(x, o, eq + 1) : 1;
			ASN1_OBJECT_free(o);
			if (!have) {
				if (mn && snprintf(missing, mn, "subject %s=%s…", val, eq + 1) < 0)
					missing[0] = '\0';
				return 0;
			}
		} else {
			return ds_error_set(DS_EINVALID, "marker term kind '%s' unknown (policy, "
					    "qctype, eku or subject)", kind);
		}
	}
	if (nterms == 0)
		return ds_error_set(DS_EINVALID, "empty marker");
	return 1;
}

int ds_trust_add_file(ds_trust *t, const char *pem_path, const char *seal_marker,
		      const char *approver_marker)
{
	STACK_OF(X509) *sk = NULL;
	char seal[DS_MARKER_MAX], appr[DS_MARKER_MAX];
	int err;

	default_markers(t->seal_policy, t->approver_policy, seal, appr);
	if (seal_marker && *seal_marker) {
		if (strlen(seal_marker) >= sizeof seal)
			return ds_error_set(DS_ETOOBIG, "%s: seal marker too long", pem_path);
		copy(seal, sizeof seal, seal_marker);
	}
	if (approver_marker && *approver_marker) {
		if (strlen(approver_marker) >= sizeof appr)
			return ds_error_set(DS_ETOOBIG, "%s: approver marker too long", pem_path);
		copy(appr, sizeof appr, approver_marker);
	}
	if ((err = marker_eval(seal, NULL, NULL, 0)) < 0)
		return ds_error_set(err, "%s: seal marker: %s", pem_path, ds_error_last());
	if ((err = marker_eval(appr, NULL, NULL, 0)) < 0)
		return ds_error_set(err, "%s: approver marker: %s", pem_path, ds_error_last());
	if (strcmp(seal, appr) == 0)
		return ds_error_set(DS_EINVALID, "%s: the seal and approver markers are the same",
				    pem_path);
	if ((err = ds_signer__certs_read(&sk, pem_path)) < 0)
		return err;
	for (int i = 0; i < sk_X509_num(sk); i++) {
		X509 *x = sk_X509_value(sk, i);
		char sha[65];
		if ((err = ds_signer__cert_sha256(x, sha)) < 0)
			goto done;
		int dup = 0;
		for (size_t k = 0; k < t->n; k++)
			dup |= strcmp(t->a[k].sha256, sha) == 0;
		if (dup)
			continue;
		if (t->n >= DS_TRUST_ANCHORS_MAX) {
			err = ds_error_set(DS_ETOOBIG, "%s: more than %d trust anchors", pem_path,
					   DS_TRUST_ANCHORS_MAX);
			goto done;
		}
		struct anchor *a = &t->a[t->n];
		struct ds_cert_info ci;
		if ((err = ds_signer__cert_info(x, &ci)) < 0)
			goto done;
		if (!X509_up_ref(x)) {
			err = ds_error_set(DS_ENOMEM, "out of memory");
			goto done;
		}
		a->x = x;
		memcpy(a->sha256, sha, sizeof a->sha256);
		copy(a->subject, sizeof a->subject, ci.subject);
		copy(a->seal, sizeof a->seal, seal);
		copy(a->approver, sizeof a->approver, appr);
		t->n++;
	}
done:
	sk_X509_pop_free(sk, X509_free);
	return err;
}

int ds_trust_covers_file(const ds_trust *t, const char *pem_path, char *which, size_t n)
{
	STACK_OF(X509) *sk = NULL;
	int err, covered = 1;
	if (n)
		which[0] = '\0';
	if ((err = ds_signer__certs_read(&sk, pem_path)) < 0)
		return err;
	for (int i = 0; i < sk_X509_num(sk) && covered; i++) {
		char sha[65];
		if ((err = ds_signer__cert_sha256(sk_X509_value(sk, i), sha)) < 0)
			goto done;
		int found = 0;
		for (size_t k = 0; k < t->n; k++)
			found |= strcmp(t->a[k].sha256, sha) == 0;
		if (!found) {
			struct ds_cert_info ci;
			covered = 0;
			if (ds_signer__cert_info(sk_X509_value(sk, i), &ci) == 0)
				copy(which, n, ci.subject);
		}
	}
	err = covered;
done:
	sk_X509_pop_free(sk, X509_free);
	return err;
}

/* ---- profiles ---- */

static void base_missing(X509 *x, enum ds_cert_role role, char *out, size_t n)
{
	struct ds_cert_info ci;
	out[0] = '\0';
	if (ds_signer__cert_info(x, &ci) < 0) {
		copy(out, n, "an unreadable certificate");
		return;
	}
	if (ci.is_ca)
		copy(out, n, "an end-entity certificate (this one is a CA)");
	else if (!ci.key_usage_ok)
		copy(out, n, "key usage digitalSignature or nonRepudiation");
	else if (role == DS_ROLE_SEAL && !ci.o[0])
		copy(out, n, "subject O (the agency)");
	else if (role == DS_ROLE_SEAL && !ci.ou[0])
		copy(out, n, "subject OU (the department)");
}

void ds_signer__profile(const ds_trust *t, X509 *anchor, X509 *x, int *fits_seal,
			int *fits_approver, char *seal_missing, char *approver_missing, size_t n)
{
	char seal[DS_MARKER_MAX], appr[DS_MARKER_MAX], why[256];
	const char *sm = seal, *am = appr;

	default_markers(t ? t->seal_policy : DS_PKI_SEAL_POLICY_DEFAULT,
			t ? t->approver_policy : DS_PKI_APPROVER_POLICY_DEFAULT, seal, appr);
	for (size_t k = 0; t && anchor && k < t->n; k++) {
		if (X509_cmp(t->a[k].x, anchor) == 0) {
			sm = t->a[k].seal;
			am = t->a[k].approver;
		}
	}
	int is_seal = marker_eval(sm, x, seal_missing, n) == 1;
	int is_appr = marker_eval(am, x, approver_missing, n) == 1;
	/* one certificate, one role: never both */
	if (is_seal && is_appr) {
		copy(seal_missing, n, "a seal marker without the personal one (it has both)");
		copy(approver_missing, n, "a personal marker without the seal one (it has both)");
		is_seal = is_appr = 0;
	}
	if (is_seal) {
		base_missing(x, DS_ROLE_SEAL, why, sizeof why);
		if (why[0]) {
			copy(seal_missing, n, why);
			is_seal = 0;
		}
	} else if (is_appr && !seal_missing[0]) {
		copy(seal_missing, n, "the seal profile (a personal certificate)");
	}
	if (is_appr) {
		base_missing(x, DS_ROLE_APPROVER, why, sizeof why);
		if (why[0]) {
			copy(approver_missing, n, why);
			is_appr = 0;
		}
	}
	ERR_clear_error();
	*fits_seal = is_seal;
	*fits_approver = is_appr;
}

STACK_OF(X509) *ds_signer__trust_anchors(const ds_trust *t)
{
	STACK_OF(X509) *sk = sk_X509_new_null();
	for (size_t k = 0; sk && k < t->n; k++) {
		if (!X509_up_ref(t->a[k].x))
			continue;
		if (!sk_X509_push(sk, t->a[k].x))
			X509_free(t->a[k].x);
	}
	return sk;
}

static int check_x509(const ds_trust *t, X509 *x, STACK_OF(X509) *untrusted, const char *what,
		      const char *crl_path, int64_t now, struct ds_trust_result *out, char *reason,
		      size_t n)
{
	STACK_OF(X509_CRL) *crls = NULL;
	STACK_OF(X509) *chain = NULL;
	X509_STORE *store = NULL;
	X509_STORE_CTX *ctx = NULL;
	int err = 0;

	memset(out, 0, sizeof *out);
	if (n)
		reason[0] = '\0';
	if (!t || t->n == 0) {
		if (n)
			copy(reason, n, "no trust anchors configured");
		return ds_error_set(DS_EPERM, "%s: no trust anchors configured", what);
	}
	if (crl_path && (err = ds_signer__load_crls(&crls, crl_path)) < 0)
		goto done;
	store = X509_STORE_new();
	ctx = X509_STORE_CTX_new();
	if (!store || !ctx) {
		err = ds_error_set(DS_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t k = 0; k < t->n; k++)
		X509_STORE_add_cert(store, t->a[k].x);
	if (!X509_STORE_CTX_init(ctx, store, x, untrusted)) {
		err = ds_error_set_openssl(DS_ECRYPTO, "verification context");
		goto done;
	}
	X509_STORE_CTX_set_time(ctx, 0, (time_t)(now ? now : ds_now()));
	if (crls) {
		X509_STORE_CTX_set0_crls(ctx, crls);
		X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_CRL_CHECK);
	}
	if (X509_verify_cert(ctx) != 1) {
		int e = X509_STORE_CTX_get_error(ctx);
		ERR_clear_error();
		if (n && snprintf(reason, n, "%s: %s", what, X509_verify_cert_error_string(e)) < 0)
			reason[0] = '\0';
		err = ds_error_set(DS_EPERM, "%s: %s (not under a configured trust anchor, "
				   "[pki] trust)", what, X509_verify_cert_error_string(e));
		goto done;
	}
	chain = X509_STORE_CTX_get1_chain(ctx);
	X509 *top = sk_X509_value(chain, sk_X509_num(chain) - 1);
	for (size_t k = 0; k < t->n; k++) {
		if (X509_cmp(t->a[k].x, top) == 0) {
			memcpy(out->anchor_sha256, t->a[k].sha256, sizeof out->anchor_sha256);
			copy(out->anchor_subject, sizeof out->anchor_subject, t->a[k].subject);
		}
	}
	ds_signer__profile(t, top, x, &out->fits_seal, &out->fits_approver, out->seal_missing,
			   out->approver_missing, sizeof out->seal_missing);
done:
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	sk_X509_pop_free(chain, X509_free);
	sk_X509_CRL_pop_free(crls, X509_CRL_free);
	return err;
}

int ds_trust_check_cert(const ds_trust *t, const char *cert_path, const char *crl_path,
			int64_t now, struct ds_trust_result *out, char *reason, size_t n)
{
	X509 *x = NULL;
	int err = ds_signer__cert_read(&x, cert_path);
	if (err < 0)
		return err;
	err = check_x509(t, x, NULL, cert_path, crl_path, now, out, reason, n);
	X509_free(x);
	return err;
}

int ds_trust_check_signer(const ds_trust *t, const struct ds_signer *s, const char *crl_path,
			  int64_t now, struct ds_trust_result *out, char *reason, size_t n)
{
	if (!s || !s->cert)
		return ds_error_set(DS_EINVALID, "no signer");
	return check_x509(t, s->cert, s->chain, "the signer's certificate", crl_path, now, out,
			  reason, n);
}
