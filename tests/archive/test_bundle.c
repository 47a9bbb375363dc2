/* Bundle writer and verifier: round trip, determinism, names, tampering,
 * seals of another department, manifest parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "archive/archive_int.h"
#include "dossier/archive.h"
#include "dossier/error.h"
#include "test_keys.h"
#include "testutil.h"

static struct tkey ca, seal, other, approver;
static char *tmp;

#define T0 1764124267 /* 2025-11-26T02:31:07Z */

static const char json_stnmt[] =
	"{\"format\":\"dossier-bundle/1\",\"code\":\"000.00.24.H05-251126-0042\","
	"\"department\":{\"code\":\"STNMT\",\"name\":\"S\xe1\xbb\x9f T\xc3\xa0i nguy\xc3\xaan\"},"
	"\"seal_id\":\"STNMT-1\",\"sealed_at\":\"2025-11-26T02:31:07Z\","
	"\"signatures\":[{\"file\":\"META-INF/signature001.p7s\",\"role\":\"seal\",\"id\":\"STNMT-1\"},"
	"{\"file\":\"META-INF/signature002.p7s\",\"role\":\"approver\",\"id\":\"an\"}]}";

static void write_file(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static unsigned char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long sz = ftell(f);
	fseek(f, 0, SEEK_SET);
	unsigned char *b = malloc((size_t)sz + 1);
	assert_int_equal(fread(b, 1, (size_t)sz, f), (size_t)sz);
	fclose(f);
	*n = (size_t)sz;
	return b;
}

/* A page-like binary blob and some text. */
static void make_bundle(const char *out, struct tkey *sealkey, const char *json)
{
	ds_bundle_writer *w = NULL;
	char page[4096];
	unsigned char img[20000];
	for (size_t i = 0; i < sizeof img; i++)
		img[i] = (unsigned char)(i * 7 + (i >> 5));
	assert_true(snprintf(page, sizeof page, "%s/page.tif", tmp) > 0);
	write_file(page, img, sizeof img);
	assert_int_equal(ds_bundle_writer_new(&w, T0), 0);
	assert_int_equal(ds_bundle_add_data(w, "dossier.json", json, strlen(json), NULL), 0);
	assert_int_equal(ds_bundle_add_file(w, "pages/p0001.tif", page, NULL), 0);
	const char *text = "Đơn đăng ký biến động đất đai\n";
	assert_int_equal(ds_bundle_add_data(w, "text/p0001.txt", text, strlen(text), NULL), 0);
	assert_int_equal(ds_bundle_add_signature(w, tk_sign, sealkey), 0);
	assert_int_equal(ds_bundle_add_signature(w, tk_sign, &approver), 0);
	char sha[2][65];
	assert_int_equal(ds_bundle_write(w, out, sha, 2), 0);
	assert_int_equal(strlen(sha[0]), 64);
	ds_bundle_writer_free(w);
}

static struct ds_bundle_report *verify(const char *path)
{
	struct ds_bundle_verify_opts o = {.cms_verify = tk_verify};
	struct ds_bundle_report *r = NULL;
	assert_int_equal(ds_bundle_verify(path, &o, &r), 0);
	return r;
}

static void dump(const struct ds_bundle_report *r)
{
	char *j = NULL;
	if (ds_bundle_report_json(r, &j) == 0)
		fprintf(stderr, "%s\n", j);
	free(j);
}

static void test_roundtrip(void **state)
{
	(void)state;
	char p[4096];
	assert_true(snprintf(p, sizeof p, "%s/a.asice", tmp) > 0);
	make_bundle(p, &seal, json_stnmt);
	struct ds_bundle_report *r = verify(p);
	if (r->indication != DS_TOTAL_PASSED)
		dump(r);
	assert_int_equal(r->indication, DS_TOTAL_PASSED);
	assert_int_equal(r->nsigs, 2);
	assert_string_equal(r->sigs[0].role, "seal");
	assert_string_equal(r->sigs[1].role, "approver");
	assert_string_equal(r->code, "000.00.24.H05-251126-0042");
	char *j = NULL;
	assert_int_equal(ds_bundle_report_json(r, &j), 0);
	assert_non_null(strstr(j, "\"TOTAL_PASSED\""));
	free(j);
	free(r);

	/* an existing bundle is never replaced */
	ds_bundle_writer *w = NULL;
	assert_int_equal(ds_bundle_writer_new(&w, T0), 0);
	assert_int_equal(ds_bundle_add_data(w, "dossier.json", "{}", 2, NULL), 0);
	assert_int_equal(ds_bundle_add_signature(w, tk_sign, &seal), 0);
	assert_int_equal(ds_bundle_write(w, p, NULL, 0), DS_EEXISTS);
	ds_bundle_writer_free(w);

	unsigned char *e = NULL;
	size_t n = 0;
	assert_int_equal(ds_bundle_read_entry(p, "dossier.json", 1 << 20, &e, &n), 0);
	assert_int_equal(n, strlen(json_stnmt));
	free(e);
	assert_int_equal(ds_bundle_read_entry(p, "nope", 1 << 20, &e, &n), DS_ENOTFOUND);
}

static void test_deterministic(void **state)
{
	(void)state;
	char a[4096], b[4096];
	size_t na, nb;
	assert_true(snprintf(a, sizeof a, "%s/d1.asice", tmp) > 0);
	assert_true(snprintf(b, sizeof b, "%s/d2.asice", tmp) > 0);
	/* ECDSA signatures are randomised: compare everything before META-INF */
	make_bundle(a, &seal, json_stnmt);
	make_bundle(b, &seal, json_stnmt);
	unsigned char *x = slurp(a, &na), *y = slurp(b, &nb);
	const unsigned char *mx = memmem(x, na, "META-INF/", 9);
	assert_non_null(mx);
	size_t off = (size_t)(mx - x);
	assert_true(off > 100);
	assert_memory_equal(x, y, off);
	/* mimetype at offset 30, stored, no extra field */
	assert_memory_equal(x + 30, "mimetype" DS_ASIC_MIMETYPE, 8 + strlen(DS_ASIC_MIMETYPE));
	assert_int_equal(x[28] | x[29], 0);
	assert_int_equal(x[8] | x[9], 0);
	free(x);
	free(y);
}

static void test_names(void **state)
{
	(void)state;
	assert_true(ds_bundle_name_valid("pages/p0001.tif"));
	assert_false(ds_bundle_name_valid("../x"));
	assert_false(ds_bundle_name_valid("a/../x"));
	assert_false(ds_bundle_name_valid("/etc/passwd"));
	assert_false(ds_bundle_name_valid("a//b"));
	assert_false(ds_bundle_name_valid("a/./b"));
	assert_false(ds_bundle_name_valid("a\\b"));
	assert_false(ds_bundle_name_valid("đơn.pdf"));
	assert_false(ds_bundle_name_valid(""));
	char longname[300];
	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	assert_false(ds_bundle_name_valid(longname));

	ds_bundle_writer *w = NULL;
	assert_int_equal(ds_bundle_writer_new(&w, T0), 0);
	assert_int_equal(ds_bundle_add_data(w, "result/A.pdf", "x", 1, NULL), 0);
	assert_int_equal(ds_bundle_add_data(w, "result/a.PDF", "x", 1, NULL), DS_EEXISTS);
	assert_int_equal(ds_bundle_add_data(w, "META-INF/x.xml", "x", 1, NULL), DS_EINVALID);
	assert_int_equal(ds_bundle_add_data(w, "mimetype", "x", 1, NULL), DS_EINVALID);
	assert_int_equal(ds_bundle_add_data(w, "../x", "x", 1, NULL), DS_EINVALID);
	/* no signature: refused */
	char p[4096];
	assert_true(snprintf(p, sizeof p, "%s/nosig.asice", tmp) > 0);
	assert_int_equal(ds_bundle_write(w, p, NULL, 0), DS_EINVALID);
	ds_bundle_writer_free(w);
}

static void test_tampered_page(void **state)
{
	(void)state;
	char p[4096];
	size_t n;
	assert_true(snprintf(p, sizeof p, "%s/t.asice", tmp) > 0);
	make_bundle(p, &seal, json_stnmt);
	unsigned char *b = slurp(p, &n);
	/* the stored page's first bytes are 0, 7, 14, …: flip one in the middle */
	unsigned char pat[4] = {0, 7, 14, 21};
	unsigned char *at = memmem(b, n, pat, 4);
	assert_non_null(at);
	at[5000] ^= 1;
	write_file(p, b, n);
	free(b);
	struct ds_bundle_report *r = verify(p);
	if (strcmp(r->sub_indication, "HASH_FAILURE") != 0)
		dump(r);
	assert_int_equal(r->indication, DS_TOTAL_FAILED);
	assert_string_equal(r->sub_indication, "HASH_FAILURE");
	assert_int_equal(r->sigs[0].indication, DS_TOTAL_FAILED);
	free(r);
}

static void test_other_department(void **state)
{
	(void)state;
	char p[4096];
	assert_true(snprintf(p, sizeof p, "%s/o.asice", tmp) > 0);
	make_bundle(p, &other, json_stnmt);
	struct ds_bundle_report *r = verify(p);
	assert_int_equal(r->indication, DS_INDETERMINATE);
	assert_string_equal(r->sub_indication, "SIG_CONSTRAINTS_FAILURE");
	free(r);

	/* no seal named in dossier.json */
	assert_true(snprintf(p, sizeof p, "%s/noseal.asice", tmp) > 0);
	make_bundle(p, &seal, "{\"format\":\"dossier-bundle/1\",\"code\":\"X\"}");
	r = verify(p);
	assert_int_equal(r->indication, DS_INDETERMINATE);
	assert_string_equal(r->sub_indication, "SIG_CONSTRAINTS_FAILURE");
	free(r);
}

static void test_unreadable(void **state)
{
	(void)state;
	struct ds_bundle_report *r = verify("/nonexistent/x.asice");
	assert_true(r->unreadable);
	free(r);
}

static void test_manifest_parse(void **state)
{
	(void)state;
	const char *names[] = {"dossier.json", "pages/p0001.tif"};
	unsigned char sha[2][32];
	memset(sha, 0xab, sizeof sha);
	char *m = NULL;
	size_t n = 0;
	assert_int_equal(ds_asic_manifest_build(&m, &n, 1, names, (const unsigned char(*)[32])sha,
						NULL, 2), 0);
	struct ds_asic_manifest pm;
	assert_int_equal(ds_archive__manifest_parse(&pm, (unsigned char *)m, n, "m"), 0);
	assert_string_equal(pm.sigref, "META-INF/signature001.p7s");
	assert_int_equal(pm.nrefs, 2);
	assert_string_equal(pm.refs[1].uri, "pages/p0001.tif");
	assert_memory_equal(pm.refs[1].digest, sha[1], 32);
	ds_archive__manifest_clear(&pm);
	free(m);

	static const char *bad[] = {
		"<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"aaaa\">]><x>&a;</x>",
		"<asic:ASiCManifest xmlns:asic=\"" DS_ASIC_NS "\"/>",
		"<asic:ASiCManifest xmlns:asic=\"urn:other\"><asic:SigReference URI=\"x\"/></asic:ASiCManifest>",
		"<asic:ASiCManifest xmlns:asic=\"" DS_ASIC_NS "\"><asic:SigReference URI=\"x\"/>"
		"<asic:DataObjectReference URI=\"a\"/></asic:ASiCManifest>",
		"<asic:ASiCManifest xmlns:asic=\"" DS_ASIC_NS "\" xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">"
		"<asic:SigReference URI=\"x\"/><asic:DataObjectReference URI=\"a\">"
		"<ds:DigestMethod Algorithm=\"http://www.w3.org/2000/09/xmldsig#sha1\"/>"
		"<ds:DigestValue>AAAAAAAAAAAAAAAAAAAAAAAAAAA=</ds:DigestValue></asic:DataObjectReference></asic:ASiCManifest>",
		"<asic:ASiCManifest xmlns:asic=\"" DS_ASIC_NS "\" xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">"
		"<asic:SigReference URI=\"x\"/><asic:DataObjectReference URI=\"a\">"
		"<ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/>"
		"<ds:DigestValue>AAAA</ds:DigestValue></asic:DataObjectReference></asic:ASiCManifest>",
		"<asic:ASiCManifest",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = ds_archive__manifest_parse(&pm, (const unsigned char *)bad[i], strlen(bad[i]),
						    "bad");
		if (rc == 0)
			fprintf(stderr, "accepted bad manifest %zu\n", i);
		assert_true(rc < 0);
	}
}

int main(void)
{
	tmp = ds_test_tmpdir();
	tk_make(&ca, "CA", NULL);
	tk_ca_cert = ca.cert;
	tk_make(&seal, "STNMT", &ca);
	tk_make(&other, "STP", &ca);
	tk_make(&approver, "STNMT", &ca); /* the approver of the seal's department */
	tk_approver_cert = approver.cert;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),      cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_names),          cmocka_unit_test(test_tampered_page),
		cmocka_unit_test(test_other_department), cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_manifest_parse),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	tk_free(&seal);
	tk_free(&other);
	tk_free(&approver);
	tk_free(&ca);
	ds_test_rm_rf(tmp);
	free(tmp);
	return rc;
}
