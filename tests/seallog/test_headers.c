/* The seal log's public headers compile alone in strict C17 with -pedantic
 * -Werror (tests/seallog/CMakeLists.txt) and declare what they promise.
 * (For the umbrella include/dossier.h: add dossier/seallog.h and
 * dossier/catalog_seallog.h there.) */
#include "dossier/catalog_seallog.h"
#include "dossier/seallog.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

static void test_seallog_headers(void **state)
{
	(void)state;
	int (*append)(ds_catalog *, const char *, const char *, const char *, int64_t, uint64_t *) =
		ds_seallog_append;
	int (*verify)(const char *, size_t, const char *, const char *, const char *, size_t,
		      const char *, size_t, char *, size_t) = ds_seallog_verify_inclusion;
	assert_non_null(append);
	assert_non_null(verify);
	assert_int_equal(DS_MERKLE_HASH_LEN, 32);
	assert_int_equal(sizeof(struct ds_merkle_hash), 32);
	assert_true(DS_SEALLOG_PROOF_MAX >= 64);
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_seallog_headers) };
	return cmocka_run_group_tests(tests, NULL, NULL);
}
