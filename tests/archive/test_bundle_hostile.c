/* The verifier against hostile bundles crafted by hostile.py from a good
 * one: each must give the indication of FORMATS.md's table (or pass, for a
 * re-zip with the same contents), never crash, and stay bounded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dossier/archive.h"
#include "dossier/error.h"
#include "test_keys.h"
#include "testutil.h"

static struct tkey ca, seal, approver;

static const char json[] =
	"{\"format\":\"dossier-bundle/1\",\"code\":\"000.00.24.H05-251126-0042\","
	"\"department\":{\"code\":\"STNMT\",\"name\":\"STNMT\"},"
	"\"seal_id\":\"STNMT-1\",\"sealed_at\":\"2025-11-26T02:31:07Z\","
	"\"signatures\":[{\"file\":\"META-INF/signature001.p7s\",\"role\":\"seal\",\"id\":\"STNMT-1\"},"
	"{\"file\":\"META-INF/signature002.p7s\",\"role\":\"approver\",\"id\":\"an\"}]}";

static const char *ind_name(enum ds_indication i)
{
	return i == DS_TOTAL_PASSED ? "TOTAL_PASSED" : i == DS_TOTAL_FAILED ? "TOTAL_FAILED" : "INDETERMINATE";
}

static void test_hostile(void **state)
{
	(void)state;
	char *tmp = ds_test_tmpdir();
	char good[4096], cmd[8192], exp[4096];
	unsigned char img[30000];
	for (size_t i = 0; i < sizeof img; i++)
		img[i] = (unsigned char)(i * 13 + (i >> 7));
	ds_bundle_writer *w = NULL;
	assert_true(snprintf(good, sizeof good, "%s/good.asice", tmp) > 0);
	assert_int_equal(ds_bundle_writer_new(&w, 1764124267), 0);
	assert_int_equal(ds_bundle_add_data(w, "dossier.json", json, strlen(json), NULL), 0);
	assert_int_equal(ds_bundle_add_data(w, "pages/p0001.tif", img, sizeof img, NULL), 0);
	assert_int_equal(ds_bundle_add_data(w, "text/p0001.txt", "hello\n", 6, NULL), 0);
	assert_int_equal(ds_bundle_add_signature(w, tk_sign, &seal), 0);
	assert_int_equal(ds_bundle_add_signature(w, tk_sign, &approver), 0);
	assert_int_equal(ds_bundle_write(w, good, NULL, 0), 0);
	ds_bundle_writer_free(w);

	const char *src = getenv("DS_SOURCE_DIR");
	assert_non_null(src);
	assert_true(snprintf(cmd, sizeof cmd, "python3 '%s/tests/archive/hostile.py' '%s' '%s'", src,
			     good, tmp) > 0);
	assert_int_equal(system(cmd), 0);
	assert_true(snprintf(exp, sizeof exp, "%s/expect.txt", tmp) > 0);
	FILE *f = fopen(exp, "r");
	assert_non_null(f);
	char line[512];
	int bad = 0, n = 0;
	while (fgets(line, sizeof line, f)) {
		char cs[128], ind[64], sub[64], path[4200];
		char *save = NULL;
		char *a = strtok_r(line, " \n", &save), *b = strtok_r(NULL, " \n", &save),
		     *c = strtok_r(NULL, " \n", &save), *chk = strtok_r(NULL, " \n", &save);
		if (!a || !b || !c)
			continue;
		assert_true(snprintf(cs, sizeof cs, "%s", a) > 0);
		assert_true(snprintf(ind, sizeof ind, "%s", b) > 0);
		assert_true(snprintf(sub, sizeof sub, "%s", strcmp(c, "-") == 0 ? "" : c) >= 0);
		assert_true(snprintf(path, sizeof path, "%s/%s.asice", tmp, cs) > 0);
		struct ds_bundle_verify_opts o = {.cms_verify = tk_verify};
		struct ds_bundle_report *r = NULL;
		assert_int_equal(ds_bundle_verify(path, &o, &r), 0);
		const char *why = "", *failed = "";
		for (size_t i = 0; i < r->nchecks; i++)
			if (strcmp(r->checks[i].outcome, "FAILED") == 0) {
				why = r->checks[i].detail;
				failed = r->checks[i].name;
				break;
			}
		/* the optional fourth column: the check that must fail first */
		int ok = strcmp(ind_name(r->indication), ind) == 0 && strcmp(r->sub_indication, sub) == 0 &&
			 (!chk || strcmp(failed, chk) == 0);
		fprintf(stderr, "%-24s %-14s %-20s %s %s\n", cs, ind_name(r->indication),
			r->sub_indication, ok ? "ok" : "WRONG", why);
		bad += !ok;
		n++;
		free(r);
	}
	fclose(f);
	assert_true(n >= 25);
	assert_int_equal(bad, 0);
	ds_test_rm_rf(tmp);
	free(tmp);
}

int main(void)
{
	tk_make(&ca, "CA", NULL);
	tk_ca_cert = ca.cert;
	tk_make(&seal, "STNMT", &ca);
	tk_make(&approver, "STNMT", &ca); /* the approver of the seal's department */
	tk_approver_cert = approver.cert;
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_hostile)};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	tk_free(&seal);
	tk_free(&approver);
	tk_free(&ca);
	return rc;
}
