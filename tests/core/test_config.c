#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "dossier/config.h"
#include "dossier/error.h"
#include "dossier/fs.h"
#include "testutil.h"

static int load_text(const char *text, ds_config **out)
{
	char *dir = ds_test_tmpdir(), path[4200];
	snprintf(path, sizeof path, "%s/dossier.conf", dir);
	assert_int_equal(ds_file_write_atomic(path, text, strlen(text), 0600), 0);
	int err = ds_config_load(out, path);
	ds_test_rm_rf(dir);
	free(dir);
	return err;
}

static void test_default_config_loads(void **state)
{
	(void)state;
	ds_config *cfg = NULL;
	assert_int_equal(load_text(ds_config_default_text(), &cfg), 0);
	assert_string_equal(ds_config_agency_id(cfg), "000.00.00.H00");
	assert_int_equal(ds_config_utc_offset(cfg), 7 * 3600);
	size_t n;
	ds_config_holidays(cfg, &n);
	assert_int_equal(n, 0);
	assert_string_equal(ds_config_get(cfg, "ocr", "languages", "x"), "auto");
	ds_config_free(cfg);
}

static void test_holidays_and_values(void **state)
{
	(void)state;
	ds_config *cfg = NULL;
	assert_int_equal(load_text("[site]\nagency_id = 000.00.24.H05\nutc_offset = +07:00\n"
				   "holidays = 2026-01-01, 2025-09-02\n"
				   "  2025-04-30\n[ocr]\njobs = 3\n",
				   &cfg),
			 0);
	size_t n;
	const int32_t *h = ds_config_holidays(cfg, &n);
	assert_int_equal(n, 3);
	assert_true(h[0] < h[1] && h[1] < h[2]);
	long jobs;
	assert_int_equal(ds_config_get_int(cfg, "ocr", "jobs", 0, 0, 64, &jobs), 0);
	assert_int_equal(jobs, 3);
	assert_int_equal(ds_config_get_int(cfg, "ocr", "jobs", 0, 0, 2, &jobs), DS_EINVALID);
	ds_config_free(cfg);
}

static void test_bad_configs_refused(void **state)
{
	(void)state;
	ds_config *cfg = NULL;
	assert_int_equal(load_text("[site]\nagency_id = abc\n", &cfg), DS_EINVALID);
	assert_non_null(strstr(ds_error_last(), "dossier.conf"));
	assert_int_equal(load_text("[site]\nholidays = 2025-02-30\n", &cfg), DS_EINVALID);
	assert_int_equal(load_text("[site\nagency_id = X\n", &cfg), DS_EINVALID);
	assert_non_null(strstr(ds_error_last(), ":1:"));
	assert_int_equal(load_text("[site]\nutc_offset = 7\n", &cfg), DS_EINVALID);
	assert_int_equal(load_text("[site]\nagency_id = 000.00.00.H00.000.00.00.H00.000.00.00.H00\n",
				   &cfg),
			 DS_EINVALID);
	assert_null(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_config_loads),
		cmocka_unit_test(test_holidays_and_values),
		cmocka_unit_test(test_bad_configs_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
