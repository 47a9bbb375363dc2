/* CAdES signing and verification against a demo PKI and a real RFC 3161
 * responder on 127.0.0.1 (ds_tsa_server, started and stopped here). */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/cms.h>
#include <openssl/ess.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "dossier/error.h"
#include "dossier/pki.h"
#include "dossier/signer.h"
#include "signer/signer_int.h"

static char dir[256];
static char tsa_url[128];
static pid_t tsa_pid = -1;
static const char pass[] = "correct horse battery staple";
static const unsigned char manifest[] = "<asic:ASiCManifest>…bytes of a manifest…</asic:ASiCManifest>\n";

static char *P(const char *name)
{
	static char buf[8][512];
	static int i;
	i = (i + 1) % 8;
	int n = snprintf(buf[i], sizeof buf[i], "%s/%s", dir, name);
	assert_true(n > 0 && (size_t)n < sizeof buf[i]);
	return buf[i];
}

static void issue(enum ds_cert_kind kind, enum ds_key_alg alg, const char *cn, const char *name,
		  int64_t nb, int64_t na, char serial[DS_SERIAL_HEX_MAX])
{
	struct ds_cert_req r = {.kind = kind, .alg = alg, .cn = cn, .o = "UBND tỉnh Bắc Ninh",
				.ou = "Sở Tài nguyên và Môi trường", .org_id = "NTRVN-000.00.00.H00-STNMT",
				.not_before = nb, .not_after = na};
	char k[64], c[64];
	snprintf(k, sizeof k, "pki/%s.key", name);
	snprintf(c, sizeof c, "pki/%s.pem", name);
	int err = ds_pki_issue(P("pki/root.key"), P("pki/root.pem"), pass, strlen(pass), &r, P(k),
			       P(c), pass, strlen(pass), serial);
	if (err < 0)
		fail_msg("issue %s: %s", name, ds_error_last());
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/ds-cades-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	if (mkdir(P("pki"), 0700) != 0)
		return -1;
	struct ds_cert_req root = {.kind = DS_CERT_CA, .cn = "Demo Root CA", .o = "UBND tỉnh Bắc Ninh",
				   .not_before = time(NULL) - 30 * 86400};
	if (ds_pki_make_root(P("pki/root.key"), P("pki/root.pem"), &root, pass, strlen(pass)) < 0) {
		fprintf(stderr, "%s\n", ds_error_last());
		return -1;
	}
	int64_t now = time(NULL);
	issue(DS_CERT_TSA, DS_KEY_P256, "Demo TSA", "tsa", 0, 0, NULL);
	issue(DS_CERT_SEAL, DS_KEY_P256, "STNMT-1", "seal", 0, 0, NULL);
	issue(DS_CERT_SEAL, DS_KEY_RSA3072, "STNMT-2", "seal-rsa", 0, 0, NULL);
	issue(DS_CERT_SEAL, DS_KEY_P256, "STNMT-old", "seal-old", now - 20 * 86400, now - 86400, NULL);

	FILE *f = fopen(P("pass"), "w");
	fprintf(f, "%s\n", pass);
	fclose(f);
	chmod(P("pass"), 0600);
	tsa_pid = fork();
	if (tsa_pid == 0) {
		execl(TSA_SERVER, TSA_SERVER, P("pki/tsa.key"), P("pki/tsa.pem"), P("pass"),
		      P("port"), (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 600; i++) {
		FILE *pf = fopen(P("port"), "r");
		unsigned port = 0;
		if (pf) {
			char line[32];
			if (fgets(line, sizeof line, pf))
				port = (unsigned)strtoul(line, NULL, 10);
			fclose(pf);
		}
		if (port) {
			snprintf(tsa_url, sizeof tsa_url, "http://127.0.0.1:%u", port);
			return 0;
		}
		usleep(50000);
	}
	fprintf(stderr, "TSA server did not start\n");
	return -1;
}

static int teardown(void **state)
{
	(void)state;
	if (tsa_pid > 0) {
		kill(tsa_pid, SIGTERM);
		waitpid(tsa_pid, NULL, 0);
	}
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static ds_signer *load(const char *name)
{
	ds_signer *s = NULL;
	char k[64], c[64];
	snprintf(k, sizeof k, "pki/%s.key", name);
	snprintf(c, sizeof c, "pki/%s.pem", name);
	if (ds_signer_load_file(&s, P(k), P(c), pass, strlen(pass)) < 0)
		fail_msg("load %s: %s", name, ds_error_last());
	return s;
}

static void sign(ds_signer *s, struct ds_sign_opts *o, unsigned char **p7s, size_t *len)
{
	if (ds_cades_sign(s, manifest, sizeof manifest - 1, o, p7s, len) < 0)
		fail_msg("sign: %s", ds_error_last());
}

static const char *outcome(const struct ds_cades_report *r, const char *name)
{
	for (size_t i = 0; i < r->nchecks; i++)
		if (strcmp(r->checks[i].name, name) == 0)
			return r->checks[i].outcome;
	return "";
}

static void verify(const unsigned char *p7s, size_t len, const unsigned char *data, size_t dlen,
		   const char *trust, const char *crl, int64_t now, struct ds_cades_report *r)
{
	struct ds_verify_opts vo = {.trust_pem_path = trust, .crl_pem_path = crl, .now = now};
	if (ds_cades_verify(p7s, len, data, dlen, &vo, r) < 0)
		fail_msg("verify: %s", ds_error_last());
}

static void expect(const struct ds_cades_report *r, enum ds_indication ind, const char *sub)
{
	if (r->indication != ind || strcmp(r->sub_indication, sub) != 0) {
		for (size_t i = 0; i < r->nchecks; i++)
			fprintf(stderr, "  %s %s %s\n", r->checks[i].name, r->checks[i].outcome,
				r->checks[i].detail);
		fail_msg("got %s/%s, want %s/%s", ds_indication_name(r->indication),
			 r->sub_indication, ds_indication_name(ind), sub);
	}
}

static void test_bb_pass_and_tamper(void **state)
{
	(void)state;
	ds_signer *s = load("seal");
	unsigned char *p7s = NULL;
	size_t len = 0;
	struct ds_cades_report r;
	struct ds_sign_opts o = {.level = DS_CADES_B_B, .chain_pem_path = P("pki/root.pem")};
	sign(s, &o, &p7s, &len);

	verify(p7s, len, manifest, sizeof manifest - 1, P("pki/root.pem"), NULL, 0, &r);
	expect(&r, DS_TOTAL_PASSED, "");
	assert_string_equal(r.level, "B-B");
	assert_string_equal(outcome(&r, "revocation"), "NOT_CHECKED");
	assert_string_equal(r.signer_ou, "Sở Tài nguyên và Môi trường");
	assert_true(r.signing_time > 0);

	/* one byte of the manifest changed */
	unsigned char copy[sizeof manifest];
	memcpy(copy, manifest, sizeof copy);
	copy[3] ^= 1;
	verify(p7s, len, copy, sizeof copy - 1, P("pki/root.pem"), NULL, 0, &r);
	expect(&r, DS_TOTAL_FAILED, "SIG_CRYPTO_FAILURE");

	/* the signature of another manifest swapped in */
	unsigned char *other = NULL;
	size_t olen = 0;
	if (ds_cades_sign(s, copy, sizeof copy - 1, &o, &other, &olen) < 0)
		fail_msg("%s", ds_error_last());
	verify(other, olen, manifest, sizeof manifest - 1, P("pki/root.pem"), NULL, 0, &r);
	expect(&r, DS_TOTAL_FAILED, "SIG_CRYPTO_FAILURE");

	/* a flipped bit in the signature value (last bytes of the DER) */
	p7s[len - 5] ^= 0x10;
	verify(p7s, len, manifest, sizeof manifest - 1, P("pki/root.pem"), NULL, 0, &r);
	assert_int_equal(r.indication, DS_TOTAL_FAILED);

	/* garbage is not a signature */
	verify((const unsigned char *)"hello", 5, manifest, sizeof manifest - 1, P("pki/root.pem"),
	       NULL, 0, &r);
	expect(&r, DS_TOTAL_FAILED, "FORMAT_FAILURE");
	free(p7s);
	free(other);
	ds_signer_free(s);
}

static void test_untrusted_root(void **state)
{
	(void)state;
	ds_signer *s = load("seal");
	unsigned char *p7s = NULL;
	size_t len = 0;
	struct ds_cades_report r;
	struct ds_sign_opts o = {.level = DS_CADES_B_B};
	sign(s, &o, &p7s, &len);
	/* the TSA's certificate is not a root anyone should trust for seals */
	verify(p7s, len, manifest, sizeof manifest - 1, P("pki/tsa.pem"), NULL, 0, &r);
	expect(&r, DS_INDETERMINATE, "NO_CERTIFICATE_CHAIN_FOUND");
	free(p7s);
	ds_signer_free(s);
}

static void test_rsa_pss(void **state)
{
	(void)state;
	ds_signer *s = load("seal-rsa");
	unsigned char *p7s = NULL;
	size_t len = 0;
	struct ds_cades_report r;
	struct ds_sign_opts o = {.level = DS_CADES_B_B};
	sign(s, &o, &p7s, &len);
	verify(p7s, len, manifest, sizeof manifest - 1, P("pki/root.pem"), NULL, 0, &r);
	expect(&r, DS_TOTAL_PASSED, "");

	/* the SignerInfo says RSASSA-PSS with SHA-256, MGF1-SHA-256, salt 32 */
	const unsigned char *p = p7s;
	CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)len);
	assert_non_null(cms);
	CMS_SignerInfo *si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
	X509_ALGOR *dig = NULL, *sig = NULL;
	CMS_SignerInfo_get0_algs(si, NULL, NULL, &dig, &sig);
	assert_int_equal(OBJ_obj2nid(sig->algorithm), NID_rsassaPss);
	RSA_PSS_PARAMS *pss = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(RSA_PSS_PARAMS), sig->parameter);
	assert_non_null(pss);
	assert_int_equal(ASN1_INTEGER_get(pss->saltLength), 32);
	assert_int_equal(OBJ_obj2nid(pss->hashAlgorithm->algorithm), NID_sha256);
	assert_int_equal(OBJ_obj2nid(pss->maskGenAlgorithm->algorithm), NID_mgf1);
	X509_ALGOR *mgfmd = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(X509_ALGOR),
						      pss->maskGenAlgorithm->parameter);
	assert_int_equal(OBJ_obj2nid(mgfmd->algorithm), NID_sha256);
	X509_ALGOR_free(mgfmd);
	RSA_PSS_PARAMS_free(pss);
	CMS_ContentInfo_free(cms);
	free(p7s);
	ds_signer_free(s);
}

static void test_expired(void **state)
{
	(void)state;
	ds_signer *s = load("seal-old");
	unsigned char *p7s = NULL;
	size_t len = 0;
	struct ds_cades_report r;
	int64_t now = time(NULL);
	/* signed (so it claims) while the certificate was valid */
	struct ds_sign_opts o = {.level = DS_CADES_B_B, .signing_time = now - 5 * 86400};
	sign(s, &o, &p7s, &len);
	verify(p7s, len, manifest, sizeof manifest - 1, P("pki/root.pem"), NULL, 0, &r);
	expect(&r, DS_INDETERMINATE, "OUT_OF_BOUNDS_NO_POE");
	/* the same signature verified back then passes */
	verify(p7s, len, manifest, sizeof manifest - 1, P("pki/root.pem"), NULL, now - 4 * 86400, &r);
	expect(&r, DS_TOTAL_PASSED, "");
	free(p7s);
	ds_signer_free(s);
}

static void test_bt_and_poe(void **state)
{
	(void)state;
	ds_signer *s = load("seal");
	unsigned char *p7s = NULL;
	size_t len = 0;
	struct ds_cades_report r;
	char url[200];
	snprintf(url, sizeof url, "%s/ok", tsa_url);
	struct ds_sign_opts o = {.level = DS_CADES_B_T, .tsa_url = url,
				 .tsa_ca_pem_path = P("pki/root.pem")};
	sign(s, &o, &p7s, &len);
	verify(p7s, len, manifest, sizeof manifest - 1, P("pki/root.pem"), NULL, 0, &r);
	expect(&r, DS_TOTAL_PASSED, "");
	assert_string_equal(r.level, "B-T");
	assert_string_equal(outcome(&r, "timestamp"), "PASSED");
	assert_true(r.timestamp_time > 0);
	/* four years on the seal certificate has expired, but the time-stamp
	 * proves the signature existed while it was valid */
	verify(p7s, len, manifest, sizeof manifest - 1, P("pki/root.pem"), NULL,
	       time(NULL) + 4 * 365 * 86400LL, &r);
	expect(&r, DS_TOTAL_PASSED, "");
	assert_string_equal(outcome(&r, "validity"), "PASSED");
	/* the data changed: the time-stamp does not save it */
	verify(p7s, len, (const unsigned char *)"x", 1, P("pki/root.pem"), NULL, 0, &r);
	expect(&r, DS_TOTAL_FAILED, "SIG_CRYPTO_FAILURE");
	free(p7s);
	ds_signer_free(s);
}

static void test_tsa_checks(void **state)
{
	(void)state;
	static const char *bad[] = {"/reject", "/nonce", "/imprint", "/untrusted", "/garbage"};
	ds_signer *s = load("seal");
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		unsigned char *p7s = NULL;
		size_t len = 0;
		char url[200];
		snprintf(url, sizeof url, "%s%s", tsa_url, bad[i]);
		struct ds_sign_opts o = {.level = DS_CADES_B_T, .tsa_url = url,
					 .tsa_ca_pem_path = P("pki/root.pem")};
		int err = ds_cades_sign(s, manifest, sizeof manifest - 1, &o, &p7s, &len);
		if (err >= 0)
			fail_msg("TSA %s accepted", bad[i]);
		assert_null(p7s);
	}
	/* no TSA listening */
	unsigned char *p7s = NULL;
	size_t len = 0;
	struct ds_sign_opts o = {.level = DS_CADES_B_T, .tsa_url = "http://127.0.0.1:1/",
				 .tsa_ca_pem_path = P("pki/root.pem")};
	assert_int_equal(ds_cades_sign(s, manifest, sizeof manifest - 1, &o, &p7s, &len), DS_EIO);
	ds_signer_free(s);
}

static void test_revoked_and_lt(void **state)
{
	(void)state;
	char serial[DS_SERIAL_HEX_MAX];
	int64_t now = time(NULL);
	issue(DS_CERT_SEAL, DS_KEY_P256, "STNMT-rev", "seal-rev", 0, 0, serial);
	ds_signer *s = load("seal-rev");
	unsigned char *p7s = NULL, *lt = NULL;
	size_t len = 0, ltlen = 0;
	struct ds_cades_report r;
	char url[200];
	snprintf(url, sizeof url, "%s/ok", tsa_url);

	/* an empty CRL first: B-LT embeds it and revocation is checked */
	assert_int_equal(ds_pki_crl(P("pki/root.key"), P("pki/root.pem"), pass, strlen(pass), NULL, 0,
				    1, now, 0, P("pki/crl0.pem")), 0);
	struct ds_sign_opts o = {.level = DS_CADES_B_LT, .tsa_url = url,
				 .tsa_ca_pem_path = P("pki/root.pem"), .crl_pem_path = P("pki/crl0.pem"),
				 .chain_pem_path = P("pki/root.pem")};
	sign(s, &o, &lt, &ltlen);
	verify(lt, ltlen, manifest, sizeof manifest - 1, P("pki/root.pem"), NULL, 0, &r);
	expect(&r, DS_TOTAL_PASSED, "");
	assert_string_equal(r.level, "B-LT");
	assert_string_equal(outcome(&r, "revocation"), "PASSED");

	/* without a TSA: B-T is refused, B-LT carries the chain and the CRL
	 * but no time-stamp (the seal's default when the CRL is known) */
	unsigned char *nt = NULL;
	size_t ntlen = 0;
	struct ds_sign_opts t0 = {.level = DS_CADES_B_T};
	assert_int_equal(ds_cades_sign(s, manifest, sizeof manifest - 1, &t0, &nt, &ntlen),
			 DS_EINVALID);
	struct ds_sign_opts lt0 = {.level = DS_CADES_B_LT, .crl_pem_path = P("pki/crl0.pem"),
				   .chain_pem_path = P("pki/root.pem")};
	sign(s, &lt0, &nt, &ntlen);
	verify(nt, ntlen, manifest, sizeof manifest - 1, P("pki/root.pem"), NULL, 0, &r);
	expect(&r, DS_TOTAL_PASSED, "");
	assert_string_equal(r.level, "B-LT");
	assert_string_equal(outcome(&r, "revocation"), "PASSED");
	assert_int_equal(r.timestamp_time, 0);
	free(nt);

	/* revoked an hour ago; a B-B signature claiming to be from now */
	struct ds_revoked rv = {.revoked_at = now - 3600, .reason = 1};
	memcpy(rv.serial, serial, sizeof serial);
	assert_int_equal(ds_pki_crl(P("pki/root.key"), P("pki/root.pem"), pass, strlen(pass), &rv, 1,
				    2, now, 0, P("pki/crl1.pem")), 0);
	struct ds_sign_opts bb = {.level = DS_CADES_B_B};
	sign(s, &bb, &p7s, &len);
	verify(p7s, len, manifest, sizeof manifest - 1, P("pki/root.pem"), P("pki/crl1.pem"), 0, &r);
	expect(&r, DS_TOTAL_FAILED, "REVOKED");
	/* the B-LT signature above was time-stamped before a revocation dated
	 * later stays valid */
	rv.revoked_at = now + 3600;
	assert_int_equal(ds_pki_crl(P("pki/root.key"), P("pki/root.pem"), pass, strlen(pass), &rv, 1,
				    3, now, 0, P("pki/crl2.pem")), 0);
	verify(lt, ltlen, manifest, sizeof manifest - 1, P("pki/root.pem"), P("pki/crl2.pem"),
	       now + 7200, &r);
	expect(&r, DS_TOTAL_PASSED, "");
	/* …but a B-B signature has no proof of when it was made */
	verify(p7s, len, manifest, sizeof manifest - 1, P("pki/root.pem"), P("pki/crl2.pem"),
	       now + 7200, &r);
	expect(&r, DS_INDETERMINATE, "REVOKED_NO_POE");
	free(p7s);
	free(lt);
	ds_signer_free(s);
}

/* signing-certificate-v2 naming another certificate of the same key */
static void test_ess_mismatch(void **state)
{
	(void)state;
	ds_signer *s = load("seal");
	/* a second certificate for the seal's public key */
	FILE *f = fopen(P("pki/seal.pem"), "r");
	X509 *a = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	f = fopen(P("seal.pub"), "w");
	PEM_write_PUBKEY(f, X509_get0_pubkey(a));
	fclose(f);
	struct ds_cert_req r = {.kind = DS_CERT_SEAL, .cn = "STNMT-1 twin", .o = "UBND", .ou = "STNMT",
				.org_id = "NTRVN-X-STNMT", .pubkey_path = P("seal.pub")};
	if (ds_pki_issue(P("pki/root.key"), P("pki/root.pem"), pass, strlen(pass), &r, NULL,
			 P("pki/twin.pem"), NULL, 0, NULL) < 0)
		fail_msg("%s", ds_error_last());
	f = fopen(P("pki/twin.pem"), "r");
	X509 *b = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(b);

	/* signed as b, but signing-certificate-v2 names a */
	unsigned int fl = CMS_DETACHED | CMS_BINARY | CMS_NOSMIMECAP | CMS_PARTIAL;
	CMS_ContentInfo *cms = CMS_sign(NULL, NULL, NULL, NULL, fl);
	CMS_SignerInfo *si = CMS_add1_signer(cms, b, s->key, EVP_sha256(), fl);
	ESS_SIGNING_CERT_V2 *ess = OSSL_ESS_signing_cert_v2_new_init(EVP_sha256(), a, NULL, 0);
	unsigned char *der = NULL;
	int dl = i2d_ESS_SIGNING_CERT_V2(ess, &der);
	assert_true(dl > 0);
	assert_int_equal(CMS_signed_add1_attr_by_NID(si, NID_id_smime_aa_signingCertificateV2,
						     V_ASN1_SEQUENCE, der, dl), 1);
	BIO *in = BIO_new_mem_buf(manifest, sizeof manifest - 1);
	assert_int_equal(CMS_final(cms, in, NULL, fl), 1);
	unsigned char *p7s = NULL;
	int pl = i2d_CMS_ContentInfo(cms, &p7s);
	struct ds_cades_report rep;
	verify(p7s, (size_t)pl, manifest, sizeof manifest - 1, P("pki/root.pem"), NULL, 0, &rep);
	expect(&rep, DS_TOTAL_FAILED, "SIG_CRYPTO_FAILURE");
	assert_string_equal(outcome(&rep, "signing_certificate_v2"), "FAILED");

	/* the same without the attribute at all is not CAdES */
	BIO *in2 = BIO_new_mem_buf(manifest, sizeof manifest - 1);
	CMS_ContentInfo *plain = CMS_sign(b, s->key, NULL, in2, CMS_DETACHED | CMS_BINARY | CMS_NOSMIMECAP);
	unsigned char *p2 = NULL;
	int l2 = i2d_CMS_ContentInfo(plain, &p2);
	verify(p2, (size_t)l2, manifest, sizeof manifest - 1, P("pki/root.pem"), NULL, 0, &rep);
	expect(&rep, DS_TOTAL_FAILED, "FORMAT_FAILURE");

	OPENSSL_free(p2);
	CMS_ContentInfo_free(plain);
	BIO_free(in2);
	OPENSSL_free(p7s);
	BIO_free(in);
	OPENSSL_free(der);
	ESS_SIGNING_CERT_V2_free(ess);
	CMS_ContentInfo_free(cms);
	X509_free(a);
	X509_free(b);
	ds_signer_free(s);
}

/* a time-stamp token taken from another signature */
static void test_timestamp_swapped(void **state)
{
	(void)state;
	ds_signer *s = load("seal");
	unsigned char *bt = NULL, *bb = NULL;
	size_t btl = 0, bbl = 0;
	char url[200];
	snprintf(url, sizeof url, "%s/ok", tsa_url);
	struct ds_sign_opts o = {.level = DS_CADES_B_T, .tsa_url = url,
				 .tsa_ca_pem_path = P("pki/root.pem")};
	sign(s, &o, &bt, &btl);
	struct ds_sign_opts o2 = {.level = DS_CADES_B_B};
	sign(s, &o2, &bb, &bbl);

	const unsigned char *p = bt;
	CMS_ContentInfo *x = d2i_CMS_ContentInfo(NULL, &p, (long)btl);
	p = bb;
	CMS_ContentInfo *y = d2i_CMS_ContentInfo(NULL, &p, (long)bbl);
	CMS_SignerInfo *sx = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(x), 0);
	CMS_SignerInfo *sy = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(y), 0);
	ASN1_STRING *tok = CMS_unsigned_get0_data_by_OBJ(
		sx, OBJ_nid2obj(NID_id_smime_aa_timeStampToken), -3, V_ASN1_SEQUENCE);
	assert_non_null(tok);
	assert_int_equal(CMS_unsigned_add1_attr_by_NID(sy, NID_id_smime_aa_timeStampToken,
						       V_ASN1_SEQUENCE, ASN1_STRING_get0_data(tok),
						       ASN1_STRING_length(tok)), 1);
	unsigned char *out = NULL;
	int ol = i2d_CMS_ContentInfo(y, &out);
	struct ds_cades_report r;
	verify(out, (size_t)ol, manifest, sizeof manifest - 1, P("pki/root.pem"), NULL, 0, &r);
	expect(&r, DS_TOTAL_FAILED, "HASH_FAILURE");
	assert_string_equal(outcome(&r, "timestamp"), "FAILED");

	/* and the genuine one passes, trusted only with the right root */
	verify(bt, btl, manifest, sizeof manifest - 1, P("pki/root.pem"), NULL, 0, &r);
	expect(&r, DS_TOTAL_PASSED, "");
	OPENSSL_free(out);
	CMS_ContentInfo_free(x);
	CMS_ContentInfo_free(y);
	free(bt);
	free(bb);
	ds_signer_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bb_pass_and_tamper),
		cmocka_unit_test(test_untrusted_root),
		cmocka_unit_test(test_rsa_pss),
		cmocka_unit_test(test_expired),
		cmocka_unit_test(test_bt_and_poe),
		cmocka_unit_test(test_tsa_checks),
		cmocka_unit_test(test_revoked_and_lt),
		cmocka_unit_test(test_ess_mismatch),
		cmocka_unit_test(test_timestamp_swapped),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
