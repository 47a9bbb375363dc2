/* The demo PKI: a provincial root CA, TSA, seal and approver certificates,
 * revocation lists. For sites and tests without a national CA. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "dossier/clock.h"
#include "dossier/error.h"
#include "signer/signer_int.h"

static int key_generate(EVP_PKEY **out, enum ds_key_alg alg)
{
	EVP_PKEY *k = NULL;
	switch (alg) {
	case DS_KEY_P256:
		k = EVP_EC_gen("P-256");
		break;
	case DS_KEY_RSA3072:
		k = EVP_RSA_gen(3072);
		break;
	case DS_KEY_ED25519:
		k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
		break;
	}
	if (!k)
		return ds_error_set_openssl(DS_ECRYPTO, "generating a key");
	*out = k;
	return 0;
}

static int write_public_file(const char *path, const void *data, size_t len, int excl)
{
	char tmp[4200];
	int fd = -1, err = 0;
	int n = snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof tmp)
		return ds_error_set(DS_ETOOBIG, "%s: path too long", path);
	if (excl && access(path, F_OK) == 0)
		return ds_error_set(DS_EEXISTS, "%s: already exists", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return ds_error_set_errno(DS_EIO, errno, "%s", tmp);
	/* certificates, CRLs and public keys are public, whatever the umask */
	if (fchmod(fd, 0644) != 0) {
		err = ds_error_set_errno(DS_EIO, errno, "%s", tmp);
		goto done;
	}
	const unsigned char *p = data;
	size_t left = len;
	while (left > 0) {
		ssize_t w = write(fd, p, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			err = ds_error_set_errno(DS_EIO, errno, "%s: write", tmp);
			goto done;
		}
		p += w;
		left -= (size_t)w;
	}
	if (fsync(fd) != 0) {
		err = ds_error_set_errno(DS_EIO, errno, "%s: fsync", tmp);
		goto done;
	}
	if (close(fd) != 0) {
		fd = -1;
		err = ds_error_set_errno(DS_EIO, errno, "%s: close", tmp);
		goto done;
	}
	fd = -1;
	if (excl) {
		/* link() fails if path exists: no silent overwrite of a certificate */
		if (link(tmp, path) != 0) {
			err = ds_error_set_errno(errno == EEXIST ? DS_EEXISTS : DS_EIO, errno, "%s",
						 path);
			goto done;
		}
		unlink(tmp);
	} else if (rename(tmp, path) != 0) {
		err = ds_error_set_errno(DS_EIO, errno, "%s", path);
		goto done;
	}
done:
	if (fd >= 0)
		close(fd);
	if (err < 0)
		unlink(tmp);
	return err;
}

static int write_pem_cert(const char *path, X509 *x)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p = NULL;
	int err;
	if (!b || PEM_write_bio_X509(b, x) != 1) {
		BIO_free(b);
		return ds_error_set_openssl(DS_ECRYPTO, "%s: PEM encoding", path);
	}
	long l = BIO_get_mem_data(b, &p);
	err = write_public_file(path, p, (size_t)l, 1);
	BIO_free(b);
	return err;
}

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	X509_EXTENSION *ex = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ex)
		return ds_error_set_openssl(DS_ECRYPTO, "certificate extension %s", OBJ_nid2sn(nid));
	int ok = X509_add_ext(cert, ex, -1);
	X509_EXTENSION_free(ex);
	if (!ok)
		return ds_error_set_openssl(DS_ECRYPTO, "certificate extension %s", OBJ_nid2sn(nid));
	return 0;
}

static int add_name(X509_NAME *n, const char *field, const char *value)
{
	if (!value || !*value)
		return 0;
	if (strlen(value) > 64 * 4)
		return ds_error_set(DS_ETOOBIG, "name field %s too long", field);
	if (!X509_NAME_add_entry_by_txt(n, field, MBSTRING_UTF8, (const unsigned char *)value, -1,
					-1, 0))
		return ds_error_set_openssl(DS_EINVALID, "name field %s", field);
	return 0;
}

static int random_serial(X509 *x)
{
	unsigned char b[16];
	BIGNUM *bn = NULL;
	int err = 0;
	if (RAND_bytes(b, sizeof b) != 1)
		return ds_error_set_openssl(DS_ECRYPTO, "random serial");
	b[0] &= 0x7f;
	b[0] |= 0x01; /* positive, and always 16 bytes long */
	bn = BN_bin2bn(b, sizeof b, NULL);
	if (!bn || !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)))
		err = ds_error_set_openssl(DS_ECRYPTO, "serial");
	BN_free(bn);
	return err;
}

/* Signs a certificate or CRL with PSS when the CA key is RSA. */
static int sign_cert(X509 *x, EVP_PKEY *ca_key)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	int err = 0;
	const EVP_MD *dg = EVP_PKEY_get_base_id(ca_key) == EVP_PKEY_ED25519 ? NULL : EVP_sha256();
	if (!md || EVP_DigestSignInit(md, &pctx, dg, NULL, ca_key) != 1) {
		err = ds_error_set_openssl(DS_ECRYPTO, "signing certificate");
		goto done;
	}
	if ((err = ds_signer__pss(pctx, ca_key)) < 0)
		goto done;
	if (X509_sign_ctx(x, md) <= 0)
		err = ds_error_set_openssl(DS_ECRYPTO, "signing certificate");
done:
	EVP_MD_CTX_free(md);
	return err;
}

static int sign_crl(X509_CRL *crl, EVP_PKEY *ca_key)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	int err = 0;
	if (!md || EVP_DigestSignInit(md, &pctx, EVP_sha256(), NULL, ca_key) != 1) {
		err = ds_error_set_openssl(DS_ECRYPTO, "signing CRL");
		goto done;
	}
	if ((err = ds_signer__pss(pctx, ca_key)) < 0)
		goto done;
	if (X509_CRL_sign_ctx(crl, md) <= 0)
		err = ds_error_set_openssl(DS_ECRYPTO, "signing CRL");
done:
	EVP_MD_CTX_free(md);
	return err;
}

static int read_pubkey(EVP_PKEY **out, const char *path)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	BIO *b = NULL;
	EVP_PKEY *k = NULL;
	int err = ds_signer__read_file(path, DS_KEY_FILE_MAX, &buf, &len);
	if (err < 0)
		return err;
	if (!buf)
		return DS_EIO;
	if (strstr((char *)buf, "-----BEGIN PUBLIC KEY-----")) {
		b = BIO_new_mem_buf(buf, (int)len);
		k = b ? PEM_read_bio_PUBKEY(b, NULL, NULL, NULL) : NULL;
	} else {
		const unsigned char *p = buf;
		k = d2i_PUBKEY(NULL, &p, (long)len);
	}
	if (!k)
		err = ds_error_set_openssl(DS_EINVALID, "%s: not a public key (PEM or DER SPKI)", path);
	*out = k;
	free(buf);
	BIO_free(b);
	return err;
}

/* qcStatements (RFC 3739) with one QcType statement (ETSI EN 319 412-5):
 * SEQUENCE { SEQUENCE { id-etsi-qcs-QcType, SEQUENCE { qct } } }. */
static int add_qctype(X509 *x, const char *qct)
{
	unsigned char der[64], *p = der;
	ASN1_OBJECT *stmt = OBJ_txt2obj(DS_OID_QCS_QCTYPE, 1), *type = OBJ_txt2obj(qct, 1);
	ASN1_OCTET_STRING *os = NULL;
	X509_EXTENSION *ex = NULL;
	int err = 0;
	int ls = stmt ? i2d_ASN1_OBJECT(stmt, NULL) : -1, lt = type ? i2d_ASN1_OBJECT(type, NULL) : -1;
	if (ls <= 0 || lt <= 0 || ls + lt + 6 > 127) {
		err = ds_error_set_openssl(DS_ECRYPTO, "qcStatements");
		goto done;
	}
	/* all lengths < 128: short form */
	*p++ = 0x30;
	*p++ = (unsigned char)(2 + ls + 2 + lt);
	*p++ = 0x30;
	*p++ = (unsigned char)(ls + 2 + lt);
	i2d_ASN1_OBJECT(stmt, &p);
	*p++ = 0x30;
	*p++ = (unsigned char)lt;
	i2d_ASN1_OBJECT(type, &p);
	os = ASN1_OCTET_STRING_new();
	if (!os || !ASN1_OCTET_STRING_set(os, der, (int)(p - der)) ||
	    !(ex = X509_EXTENSION_create_by_NID(NULL, NID_qcStatements, 0, os)) ||
	    !X509_add_ext(x, ex, -1))
		err = ds_error_set_openssl(DS_ECRYPTO, "certificate extension qcStatements");
done:
	ASN1_OBJECT_free(stmt);
	ASN1_OBJECT_free(type);
	ASN1_OCTET_STRING_free(os);
	X509_EXTENSION_free(ex);
	return err;
}

/* The seal and approver profiles (pki.h, docs/signer.md). */
static int add_profile(X509 *x, X509 *iss, const struct ds_cert_req *req)
{
	int seal = req->kind == DS_CERT_SEAL, err;
	const char *pol = req->policy_oid && *req->policy_oid
				  ? req->policy_oid
				  : seal ? DS_PKI_SEAL_POLICY_DEFAULT : DS_PKI_APPROVER_POLICY_DEFAULT;
	int bad = strlen(pol) >= DS_OID_MAX;
	for (const char *q = pol; *q; q++)
		bad |= !((*q >= '0' && *q <= '9') || *q == '.');
	if (bad)
		return ds_error_set(DS_EINVALID, "certificate policy '%.40s' is not an OID", pol);
	if ((err = add_ext(x, iss, NID_basic_constraints, "critical,CA:FALSE")) < 0 ||
	    (err = add_ext(x, iss, NID_key_usage, "critical,digitalSignature,nonRepudiation")) < 0 ||
	    (err = add_ext(x, iss, NID_ext_key_usage,
			   DS_OID_EKU_DOCUMENT_SIGNING ",emailProtection")) < 0)
		return err;
	CERTIFICATEPOLICIES *cp = CERTIFICATEPOLICIES_new();
	POLICYINFO *pi = POLICYINFO_new();
	int ok = cp && pi && (pi->policyid = OBJ_txt2obj(pol, 1)) != NULL &&
		 sk_POLICYINFO_push(cp, pi);
	if (ok)
		pi = NULL; /* transferred */
	ok = ok && X509_add1_ext_i2d(x, NID_certificate_policies, cp, 0, 0) == 1;
	POLICYINFO_free(pi);
	CERTIFICATEPOLICIES_free(cp);
	if (!ok)
		return ds_error_set_openssl(DS_ECRYPTO, "certificate extension certificatePolicies");
	return add_qctype(x, seal ? DS_OID_QCT_ESEAL : DS_OID_QCT_ESIGN);
}

/* Builds and signs a certificate for `subject_key` (issuer NULL: self-signed). */
static int make_cert(X509 **out, const struct ds_cert_req *req, EVP_PKEY *subject_key,
		     X509 *issuer, EVP_PKEY *issuer_key)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();
	int err = 0;
	int64_t nb = req->not_before ? req->not_before : ds_now() - 60;
	int days = req->days > 0 ? req->days : (req->kind == DS_CERT_CA ? 3650 : 1095);
	int64_t na = req->not_after ? req->not_after : nb + (int64_t)days * 86400;

	*out = NULL;
	if (!x || !n) {
		err = ds_error_set(DS_ENOMEM, "out of memory");
		goto done;
	}
	if (!req->cn || !*req->cn) {
		err = ds_error_set(DS_EINVALID, "a certificate needs a common name");
		goto done;
	}
	if (na <= nb) {
		err = ds_error_set(DS_EINVALID, "certificate validity ends before it starts");
		goto done;
	}
	if ((err = add_name(n, "C", "VN")) < 0 || (err = add_name(n, "O", req->o)) < 0 ||
	    (err = add_name(n, "OU", req->ou)) < 0)
		goto done;
	if (req->kind == DS_CERT_SEAL) {
		if (!req->org_id || !*req->org_id || !req->o || !*req->o || !req->ou || !*req->ou) {
			err = ds_error_set(DS_EINVALID, "a seal certificate needs O, OU and an "
					   "organizationIdentifier");
			goto done;
		}
		if ((err = add_name(n, DS_OID_ORGANIZATION_IDENTIFIER, req->org_id)) < 0)
			goto done;
	}
	if ((err = add_name(n, "CN", req->cn)) < 0)
		goto done;
	if (!X509_set_version(x, 2) || (err = random_serial(x)) < 0 ||
	    !X509_set_subject_name(x, n) ||
	    !X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n) ||
	    !ASN1_TIME_set(X509_getm_notBefore(x), (time_t)nb) ||
	    !ASN1_TIME_set(X509_getm_notAfter(x), (time_t)na) || !X509_set_pubkey(x, subject_key)) {
		if (err == 0)
			err = ds_error_set_openssl(DS_ECRYPTO, "building certificate");
		goto done;
	}
	X509 *iss = issuer ? issuer : x;
	switch (req->kind) {
	case DS_CERT_CA:
		if ((err = add_ext(x, iss, NID_basic_constraints, "critical,CA:TRUE")) < 0 ||
		    (err = add_ext(x, iss, NID_key_usage, "critical,keyCertSign,cRLSign")) < 0)
			goto done;
		break;
	case DS_CERT_TSA:
		if ((err = add_ext(x, iss, NID_basic_constraints, "critical,CA:FALSE")) < 0 ||
		    (err = add_ext(x, iss, NID_key_usage, "critical,digitalSignature,nonRepudiation")) < 0 ||
		    (err = add_ext(x, iss, NID_ext_key_usage, "critical,timeStamping")) < 0)
			goto done;
		break;
	case DS_CERT_SEAL:
	case DS_CERT_APPROVER:
		if ((err = add_profile(x, iss, req)) < 0)
			goto done;
		break;
	}
	if ((err = add_ext(x, iss, NID_subject_key_identifier, "hash")) < 0)
		goto done;
	if (issuer && (err = add_ext(x, iss, NID_authority_key_identifier, "keyid:always")) < 0)
		goto done;
	if ((err = sign_cert(x, issuer_key)) < 0)
		goto done;
	*out = x;
	x = NULL; /* transferred */
done:
	X509_free(x);
	X509_NAME_free(n);
	return err;
}

int ds_pki_make_root(const char *key_path, const char *cert_path, const struct ds_cert_req *req,
		     const char *pass, size_t pass_len)
{
	EVP_PKEY *k = NULL;
	X509 *x = NULL;
	int err;
	struct ds_cert_req r = *req;
	r.kind = DS_CERT_CA;

	if (access(cert_path, F_OK) == 0)
		return ds_error_set(DS_EEXISTS, "%s: already exists", cert_path);
	if ((err = key_generate(&k, r.alg)) < 0)
		goto done;
	if ((err = make_cert(&x, &r, k, NULL, k)) < 0)
		goto done;
	if ((err = ds_signer__key_write(key_path, k, pass, pass_len)) < 0)
		goto done;
	if ((err = write_pem_cert(cert_path, x)) < 0) {
		unlink(key_path);
		goto done;
	}
done:
	EVP_PKEY_free(k);
	X509_free(x);
	return err;
}

int ds_pki_issue(const char *ca_key_path, const char *ca_cert_path, const char *ca_pass,
		 size_t ca_pass_len, const struct ds_cert_req *req, const char *key_path,
		 const char *cert_path, const char *pass, size_t pass_len,
		 char serial_out[DS_SERIAL_HEX_MAX])
{
	EVP_PKEY *ca_key = NULL, *k = NULL;
	X509 *ca = NULL, *x = NULL;
	int err, wrote_key = 0;

	if (access(cert_path, F_OK) == 0)
		return ds_error_set(DS_EEXISTS, "%s: already exists", cert_path);
	if (!req->pubkey_path && key_path && access(key_path, F_OK) == 0)
		return ds_error_set(DS_EEXISTS, "%s: already exists", key_path);
	if ((err = ds_signer__cert_read(&ca, ca_cert_path)) < 0)
		goto done;
	if ((err = ds_signer__key_read(&ca_key, ca_key_path, ca_pass, ca_pass_len)) < 0)
		goto done;
	if (X509_check_private_key(ca, ca_key) != 1) {
		ERR_clear_error();
		err = ds_error_set(DS_EINVALID, "%s does not match %s", ca_key_path, ca_cert_path);
		goto done;
	}
	if (!req->pubkey_path && !key_path) {
		err = ds_error_set(DS_EINVALID, "no key path and no public key given");
		goto done;
	}
	if (req->pubkey_path)
		err = read_pubkey(&k, req->pubkey_path);
	else
		err = key_generate(&k, req->alg);
	if (err < 0)
		goto done;
	if ((err = make_cert(&x, req, k, ca, ca_key)) < 0)
		goto done;
	if (!req->pubkey_path) {
		if ((err = ds_signer__key_write(key_path, k, pass, pass_len)) < 0)
			goto done;
		wrote_key = 1;
	}
	if ((err = write_pem_cert(cert_path, x)) < 0)
		goto done;
	if (serial_out && (err = ds_signer__serial_hex(X509_get0_serialNumber(x), serial_out)) < 0)
		goto done;
done:
	if (err < 0 && wrote_key && key_path)
		unlink(key_path);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(k);
	X509_free(ca);
	X509_free(x);
	return err;
}

int ds_pki_make_ed25519(const char *key_path, const char *pub_path, const char *pass,
			size_t pass_len)
{
	EVP_PKEY *k = NULL;
	BIO *b = NULL;
	char *p = NULL;
	int err;
	if (access(pub_path, F_OK) == 0)
		return ds_error_set(DS_EEXISTS, "%s: already exists", pub_path);
	if ((err = key_generate(&k, DS_KEY_ED25519)) < 0)
		goto done;
	b = BIO_new(BIO_s_mem());
	if (!b || PEM_write_bio_PUBKEY(b, k) != 1) {
		err = ds_error_set_openssl(DS_ECRYPTO, "%s: PEM encoding", pub_path);
		goto done;
	}
	if ((err = ds_signer__key_write(key_path, k, pass, pass_len)) < 0)
		goto done;
	long l = BIO_get_mem_data(b, &p);
	if ((err = write_public_file(pub_path, p, (size_t)l, 1)) < 0)
		unlink(key_path);
done:
	EVP_PKEY_free(k);
	BIO_free(b);
	return err;
}

int ds_pki_crl(const char *ca_key_path, const char *ca_cert_path, const char *ca_pass,
	       size_t ca_pass_len, const struct ds_revoked *revoked, size_t n, long number,
	       int64_t this_update, int64_t next_update, const char *crl_path)
{
	EVP_PKEY *ca_key = NULL;
	X509 *ca = NULL;
	X509_CRL *crl = NULL;
	ASN1_TIME *t = NULL;
	ASN1_INTEGER *num = NULL;
	BIO *b = NULL;
	char *p = NULL;
	int err;

	if (this_update == 0)
		this_update = ds_now();
	if (next_update == 0)
		next_update = this_update + 30 * 86400;
	if ((err = ds_signer__cert_read(&ca, ca_cert_path)) < 0)
		goto done;
	if ((err = ds_signer__key_read(&ca_key, ca_key_path, ca_pass, ca_pass_len)) < 0)
		goto done;
	crl = X509_CRL_new();
	t = ASN1_TIME_new();
	num = ASN1_INTEGER_new();
	if (!crl || !t || !num || !X509_CRL_set_version(crl, 1) ||
	    !X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca)) ||
	    !ASN1_TIME_set(t, (time_t)this_update) || !X509_CRL_set1_lastUpdate(crl, t) ||
	    !ASN1_TIME_set(t, (time_t)next_update) || !X509_CRL_set1_nextUpdate(crl, t) ||
	    !ASN1_INTEGER_set(num, number) ||
	    !X509_CRL_add1_ext_i2d(crl, NID_crl_number, num, 0, 0)) {
		err = ds_error_set_openssl(DS_ECRYPTO, "building CRL");
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		X509_REVOKED *r = X509_REVOKED_new();
		BIGNUM *bn = NULL;
		ASN1_INTEGER *s = NULL;
		ASN1_TIME *rt = ASN1_TIME_new();
		int ok = r && rt && BN_hex2bn(&bn, revoked[i].serial) > 0 &&
			 (s = BN_to_ASN1_INTEGER(bn, NULL)) != NULL &&
			 X509_REVOKED_set_serialNumber(r, s) &&
			 ASN1_TIME_set(rt, (time_t)revoked[i].revoked_at) &&
			 X509_REVOKED_set_revocationDate(r, rt);
		if (ok && revoked[i].reason >= 0) {
			ASN1_ENUMERATED *e = ASN1_ENUMERATED_new();
			ok = e && ASN1_ENUMERATED_set(e, revoked[i].reason) &&
			     X509_REVOKED_add1_ext_i2d(r, NID_crl_reason, e, 0, 0);
			ASN1_ENUMERATED_free(e);
		}
		if (ok)
			ok = X509_CRL_add0_revoked(crl, r);
		BN_free(bn);
		ASN1_INTEGER_free(s);
		ASN1_TIME_free(rt);
		if (!ok) {
			X509_REVOKED_free(r);
			err = ds_error_set_openssl(DS_EINVALID, "CRL entry for serial %s",
						   revoked[i].serial);
			goto done;
		}
	}
	X509_CRL_sort(crl);
	if ((err = sign_crl(crl, ca_key)) < 0)
		goto done;
	b = BIO_new(BIO_s_mem());
	if (!b || PEM_write_bio_X509_CRL(b, crl) != 1) {
		err = ds_error_set_openssl(DS_ECRYPTO, "%s: PEM encoding", crl_path);
		goto done;
	}
	long l = BIO_get_mem_data(b, &p);
	err = write_public_file(crl_path, p, (size_t)l, 0);
done:
	EVP_PKEY_free(ca_key);
	X509_free(ca);
	X509_CRL_free(crl);
	ASN1_TIME_free(t);
	ASN1_INTEGER_free(num);
	BIO_free(b);
	return err;
}

static int load_crls(STACK_OF(X509_CRL) **out, const char *path)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	BIO *b = NULL;
	STACK_OF(X509_CRL) *sk = sk_X509_CRL_new_null();
	X509_CRL *c;
	int err = ds_signer__read_file(path, DS_CERT_FILE_MAX * 16, &buf, &len);
	if (err < 0)
		goto done;
	if (!buf) {
		err = DS_EIO;
		goto done;
	}
	b = BIO_new_mem_buf(buf, (int)len);
	if (!sk || !b) {
		err = ds_error_set(DS_ENOMEM, "out of memory");
		goto done;
	}
	if (strstr((char *)buf, "-----BEGIN X509 CRL-----")) {
		while ((c = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL)) != NULL)
			if (!sk_X509_CRL_push(sk, c))
				X509_CRL_free(c);
	} else {
		const unsigned char *p = buf;
		c = d2i_X509_CRL(NULL, &p, (long)len);
		if (c && !sk_X509_CRL_push(sk, c))
			X509_CRL_free(c);
	}
	ERR_clear_error();
	if (sk_X509_CRL_num(sk) == 0) {
		err = ds_error_set(DS_EINVALID, "%s: no CRL found", path);
		goto done;
	}
	*out = sk;
	sk = NULL;
done:
	free(buf);
	BIO_free(b);
	sk_X509_CRL_pop_free(sk, X509_CRL_free);
	return err;
}

int ds_signer__load_crls(STACK_OF(X509_CRL) **out, const char *path)
{
	return load_crls(out, path);
}

static int check_x509(X509 *x, STACK_OF(X509) *untrusted, const char *what,
		      const char *trust_path, const char *crl_path, int64_t now, char *reason,
		      size_t n)
{
	STACK_OF(X509) *trust = NULL;
	STACK_OF(X509_CRL) *crls = NULL;
	X509_STORE *store = NULL;
	X509_STORE_CTX *ctx = NULL;
	int err;

	if (n)
		reason[0] = '\0';
	if ((err = ds_signer__certs_read(&trust, trust_path)) < 0)
		goto done;
	if (crl_path && (err = load_crls(&crls, crl_path)) < 0)
		goto done;
	store = X509_STORE_new();
	ctx = X509_STORE_CTX_new();
	if (!store || !ctx) {
		err = ds_error_set(DS_ENOMEM, "out of memory");
		goto done;
	}
	for (int i = 0; i < sk_X509_num(trust); i++)
		X509_STORE_add_cert(store, sk_X509_value(trust, i));
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
		if (n) {
			int r = snprintf(reason, n, "%s: %s", what, X509_verify_cert_error_string(e));
			(void)r; /* a truncated reason is still a reason */
		}
		err = ds_error_set(DS_EPERM, "%s: %s (trusted roots: %s)", what,
				   X509_verify_cert_error_string(e), trust_path);
		goto done;
	}
done:
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	sk_X509_pop_free(trust, X509_free);
	sk_X509_CRL_pop_free(crls, X509_CRL_free);
	return err;
}

int ds_cert_check(const char *cert_path, const char *trust_path, const char *crl_path,
		  int64_t now, char *reason, size_t n)
{
	X509 *x = NULL;
	int err = ds_signer__cert_read(&x, cert_path);
	if (err < 0)
		return err;
	err = check_x509(x, NULL, cert_path, trust_path, crl_path, now, reason, n);
	X509_free(x);
	return err;
}

int ds_signer_cert_check(const struct ds_signer *s, const char *trust_path, int64_t now,
			 char *reason, size_t n)
{
	if (!s || !s->cert)
		return ds_error_set(DS_EINVALID, "no signer");
	return check_x509(s->cert, s->chain, "the signer's certificate", trust_path, NULL, now,
			  reason, n);
}
