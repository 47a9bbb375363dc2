/* Trust anchors and certificate profiles (signer/trust.c): the profiles
 * `pki issue` writes fit their role and only theirs; configured policies
 * and per-anchor markers (a national CA's UID=MST:) decide; malformed
 * markers are refused; chains to other roots are not anchors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "dossier/error.h"
#include "dossier/pki.h"
#include "testutil.h"

static char tmp[512];
static const char pass[] = "trust test passphrase";

static const char *P(const char *rel)
{
	static char b[8][1024];
	static int k;
	char *o = b[k++ % 8];
	snprintf(o, 1024, "%s/%s", tmp, rel);
	return o;
}

static void write_pem(const char *rel, X509 *x)
{
	FILE *f = fopen(P(rel), "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_X509(f, x), 1);
	fclose(f);
}

static void ext(X509 *x, X509 *iss, int nid, const char *v)
{
	X509V3_CTX c;
	X509V3_set_ctx_nodb(&c);
	X509V3_set_ctx(&c, iss, x, NULL, NULL, 0);
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &c, nid, v);
	assert_non_null(e);
	X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
}

/* A "national CA" and its certificates, marked the Vietnamese way: a UID
 * subject attribute, no policy, EKU or qcStatements. */
static EVP_PKEY *nca_key;
static X509 *nca;
static X509 *nca_cert(const char *uid, const char *ou, int ca)
{
	EVP_PKEY *k = ca ? (nca_key = EVP_EC_gen("P-256")) : EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();
	static long serial = 100;
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 30);
	X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8, (const unsigned char *)"Cơ quan", -1, -1, 0);
	if (ou)
		X509_NAME_add_entry_by_txt(n, "OU", MBSTRING_UTF8, (const unsigned char *)ou, -1, -1, 0);
	if (uid)
		X509_NAME_add_entry_by_txt(n, "UID", MBSTRING_UTF8, (const unsigned char *)uid, -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)(ca ? "National CA" : "x"),
				   -1, -1, 0);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, ca ? n : X509_get_subject_name(nca));
	X509_set_pubkey(x, k);
	ext(x, ca ? x : nca, NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
	ext(x, ca ? x : nca, NID_key_usage,
	    ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature,nonRepudiation");
	X509_sign(x, nca_key, EVP_sha256());
	X509_NAME_free(n);
	if (!ca)
		EVP_PKEY_free(k);
	return x;
}

static int setup(void **state)
{
	(void)state;
	char *d = ds_test_tmpdir();
	snprintf(tmp, sizeof tmp, "%s", d);
	free(d);
	struct ds_cert_req root = {.kind = DS_CERT_CA, .cn = "Root", .o = "UBND"};
	assert_int_equal(ds_pki_make_root(P("root.key"), P("root.pem"), &root, pass, strlen(pass)), 0);
	struct ds_cert_req other = {.kind = DS_CERT_CA, .cn = "Other", .o = "Elsewhere"};
	assert_int_equal(ds_pki_make_root(P("other.key"), P("other.pem"), &other, pass, strlen(pass)), 0);
	struct ds_cert_req s = {.kind = DS_CERT_SEAL, .cn = "STNMT-1", .o = "UBND", .ou = "STNMT",
				.org_id = "NTRVN-000.00.00.H00-STNMT"};
	struct ds_cert_req a = {.kind = DS_CERT_APPROVER, .cn = "Nguyễn Thị Lan", .o = "UBND",
				.ou = "STNMT"};
	struct ds_cert_req o = {.kind = DS_CERT_SEAL, .cn = "O-1", .o = "X", .ou = "STNMT",
				.org_id = "NTRVN-X-STNMT"};
	assert_int_equal(ds_pki_issue(P("root.key"), P("root.pem"), pass, strlen(pass), &s,
				      P("seal.key"), P("seal.pem"), pass, strlen(pass), NULL), 0);
	assert_int_equal(ds_pki_issue(P("root.key"), P("root.pem"), pass, strlen(pass), &a,
				      P("appr.key"), P("appr.pem"), pass, strlen(pass), NULL), 0);
	assert_int_equal(ds_pki_issue(P("other.key"), P("other.pem"), pass, strlen(pass), &o,
				      P("o.key"), P("o.pem"), pass, strlen(pass), NULL), 0);
	/* the seal profile needs an organizationIdentifier, O and OU */
	struct ds_cert_req bad = {.kind = DS_CERT_SEAL, .cn = "B", .o = "UBND", .ou = "STNMT"};
	assert_int_equal(ds_pki_issue(P("root.key"), P("root.pem"), pass, strlen(pass), &bad,
				      P("b.key"), P("b.pem"), pass, strlen(pass), NULL), DS_EINVALID);
	X509 *ca = nca_cert(NULL, NULL, 1);
	nca = ca;
	write_pem("nca.pem", ca);
	X509 *org = nca_cert("MST:0101234567", "STNMT", 0), *per = nca_cert("CCCD:001090000001", "STNMT", 0),
	     *both = nca_cert(NULL, "STNMT", 0);
	write_pem("nca-org.pem", org);
	write_pem("nca-person.pem", per);
	write_pem("nca-none.pem", both);
	X509_free(org);
	X509_free(per);
	X509_free(both);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	X509_free(nca);
	EVP_PKEY_free(nca_key);
	return 0;
}

static void check(ds_trust *t, const char *cert, int seal, int appr, struct ds_trust_result *r)
{
	char reason[256];
	assert_int_equal(ds_trust_check_cert(t, P(cert), NULL, 0, r, reason, sizeof reason), 0);
	assert_int_equal(r->fits_seal, seal);
	assert_int_equal(r->fits_approver, appr);
	assert_int_equal(strlen(r->anchor_sha256), 64);
}

static void test_default_profiles(void **state)
{
	(void)state;
	ds_trust *t = NULL;
	struct ds_trust_result r;
	char reason[256];
	assert_int_equal(ds_trust_new(&t, NULL, NULL), 0);
	assert_int_equal(ds_trust_add_file(t, P("root.pem"), NULL, NULL), 0);
	check(t, "seal.pem", 1, 0, &r);
	assert_non_null(strstr(r.approver_missing, "certificate policy 1.3.6.1.5.5.7.13.2"));
	check(t, "appr.pem", 0, 1, &r);
	assert_non_null(strstr(r.seal_missing, "certificate policy 1.3.6.1.5.5.7.13.1"));
	/* another root is no anchor */
	assert_int_equal(ds_trust_check_cert(t, P("o.pem"), NULL, 0, &r, reason, sizeof reason),
			 DS_EPERM);
	assert_int_equal(ds_trust_covers_file(t, P("root.pem"), reason, sizeof reason), 1);
	assert_int_equal(ds_trust_covers_file(t, P("other.pem"), reason, sizeof reason), 0);
	assert_non_null(strstr(reason, "Other"));
	ds_trust_free(t);
}

static void test_configured_policies(void **state)
{
	(void)state;
	ds_trust *t = NULL;
	struct ds_trust_result r;
	/* a site whose national CA uses its own OIDs: ours no longer fit */
	assert_int_equal(ds_trust_new(&t, "1.2.3.4.5.1", "1.2.3.4.5.2"), 0);
	assert_int_equal(ds_trust_add_file(t, P("root.pem"), NULL, NULL), 0);
	check(t, "seal.pem", 0, 0, &r);
	assert_non_null(strstr(r.seal_missing, "1.2.3.4.5.1"));
	ds_trust_free(t);
	assert_int_equal(ds_trust_new(&t, "1.2.3", "1.2.3"), DS_EINVALID);
	assert_int_equal(ds_trust_new(&t, "not.an.oid", NULL), DS_EINVALID);
}

static void test_markers(void **state)
{
	(void)state;
	ds_trust *t = NULL;
	struct ds_trust_result r;
	assert_int_equal(ds_trust_new(&t, NULL, NULL), 0);
	assert_int_equal(ds_trust_add_file(t, P("nca.pem"), "subject:UID=MST:", "subject:UID=CCCD:"), 0);
	assert_int_equal(ds_trust_add_file(t, P("root.pem"), NULL, NULL), 0);
	check(t, "nca-org.pem", 1, 0, &r);
	check(t, "nca-person.pem", 0, 1, &r);
	assert_non_null(strstr(r.seal_missing, "subject UID=MST:"));
	check(t, "nca-none.pem", 0, 0, &r);
	/* the root's own certificates keep the default markers */
	check(t, "seal.pem", 1, 0, &r);
	ds_trust_free(t);
	/* one marker matching a certificate for both roles: it fits neither */
	assert_int_equal(ds_trust_new(&t, NULL, NULL), 0);
	assert_int_equal(ds_trust_add_file(t, P("nca.pem"), "subject:O=", "subject:OU="), 0);
	check(t, "nca-org.pem", 0, 0, &r);
	assert_non_null(strstr(r.seal_missing, "both"));
	/* malformed markers */
	assert_int_equal(ds_trust_add_file(t, P("nca.pem"), "uid:MST", NULL), DS_EINVALID);
	assert_int_equal(ds_trust_add_file(t, P("nca.pem"), "policy:x.y", NULL), DS_EINVALID);
	assert_int_equal(ds_trust_add_file(t, P("nca.pem"), "subject:NOSUCHATTR=1", NULL), DS_EINVALID);
	assert_int_equal(ds_trust_add_file(t, P("nca.pem"), "subject:UID=A", "subject:UID=A"),
			 DS_EINVALID);
	ds_trust_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_profiles),
		cmocka_unit_test(test_configured_policies),
		cmocka_unit_test(test_markers),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
