/* PKCS#11 modules are loaded only from the site's allow-list (issue 13):
 * ds_pkcs11_module_resolve maps a reference (a path, a file name, or none)
 * to an entry of dossier.conf [pkcs11] modules, or refuses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "dossier/error.h"
#include "dossier/pki.h"

static char dir[] = "/tmp/ds-p11allow-XXXXXX";
static char a[256], b[256], link_a[256], loose[256];

static void touch(const char *p, mode_t mode)
{
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(chmod(p, mode), 0);
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(a, sizeof a, "%s/liba.so", dir);
	snprintf(b, sizeof b, "%s/libb.so", dir);
	snprintf(link_a, sizeof link_a, "%s/other-name.so", dir);
	snprintf(loose, sizeof loose, "%s/loose.so", dir);
	touch(a, 0755);
	touch(b, 0644);
	touch(loose, 0666);
	return symlink(a, link_a);
}

static int teardown(void **state)
{
	(void)state;
	unlink(a);
	unlink(b);
	unlink(link_a);
	unlink(loose);
	return rmdir(dir);
}

static void test_resolve(void **state)
{
	char list[1024], out[512];
	(void)state;
	snprintf(list, sizeof list, "%s %s", a, b);
	/* by path, by file name, through a symlink: the entry is what loads */
	assert_int_equal(ds_pkcs11_module_resolve(list, a, out, sizeof out), 0);
	assert_string_equal(out, a);
	assert_int_equal(ds_pkcs11_module_resolve(list, "libb.so", out, sizeof out), 0);
	assert_string_equal(out, b);
	assert_int_equal(ds_pkcs11_module_resolve(list, link_a, out, sizeof out), 0);
	assert_string_equal(out, a);
	/* not on the list */
	assert_int_equal(ds_pkcs11_module_resolve(list, "/lib/x86_64-linux-gnu/libz.so.1", out,
						  sizeof out), DS_EPERM);
	assert_string_equal(out, "");
	assert_non_null(strstr(ds_error_last(), "not on the allow-list"));
	assert_int_equal(ds_pkcs11_module_resolve(list, loose, out, sizeof out), DS_EPERM);
	/* none named: the only entry, or refused when there are several */
	assert_int_equal(ds_pkcs11_module_resolve(a, NULL, out, sizeof out), 0);
	assert_string_equal(out, a);
	assert_int_equal(ds_pkcs11_module_resolve(list, "", out, sizeof out), DS_EINVALID);
	/* an empty list allows nothing */
	assert_int_equal(ds_pkcs11_module_resolve("", a, out, sizeof out), DS_EPERM);
	assert_int_equal(ds_pkcs11_module_resolve(NULL, NULL, out, sizeof out), DS_EPERM);
	/* relative entries, writable modules, missing ones */
	assert_int_equal(ds_pkcs11_module_resolve("liba.so", "liba.so", out, sizeof out), DS_EINVALID);
	snprintf(list, sizeof list, "%s", loose);
	assert_int_equal(ds_pkcs11_module_resolve(list, loose, out, sizeof out), DS_EPERM);
	assert_non_null(strstr(ds_error_last(), "writable by group or others"));
	snprintf(list, sizeof list, "%s/missing.so", dir);
	assert_int_equal(ds_pkcs11_module_resolve(list, NULL, out, sizeof out), DS_ENOTFOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_resolve)};
	return cmocka_run_group_tests(tests, setup, teardown);
}
