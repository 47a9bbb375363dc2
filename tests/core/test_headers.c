/* The umbrella header compiles alone, in strict C17 with -pedantic -Werror
 * (see tests/core/CMakeLists.txt), and declares what it promises. */
#include <dossier.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

static void test_umbrella(void **state)
{
	(void)state;
	int (*open_fn)(ds_catalog **, const char *, int) = ds_catalog_open;
	assert_non_null(open_fn);
	assert_int_equal(DS_OK, 0);
	assert_true(DS_EINVALID < 0);
	assert_string_equal(ds_error_name(DS_ETOOBIG), "DS_ETOOBIG");
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_umbrella)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
