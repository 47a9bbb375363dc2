#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dossier/error.h"
#include "dossier/fs.h"
#include "dossier/store.h"
#include "testutil.h"

static int count_blobs(const char *hex, void *arg)
{
	(void)hex;
	(*(int *)arg)++;
	return 0;
}

static void test_put_get_roundtrip(void **state)
{
	(void)state;
	char *dir = ds_test_tmpdir();
	ds_store *s = NULL;
	char hex[65], hex2[65];
	unsigned char *data = NULL;
	size_t len;
	assert_int_equal(ds_store_open(&s, dir, 1), 0);
	assert_int_equal(ds_store_put(s, "hello", 5, hex), 0);
	/* SHA-256("hello") */
	assert_string_equal(hex, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
	assert_int_equal(ds_store_put(s, "hello", 5, hex2), 0); /* idempotent */
	assert_int_equal(ds_store_get(s, hex, 100, &data, &len), 0);
	assert_int_equal(len, 5);
	assert_memory_equal(data, "hello", 5);
	free(data);
	char path[4200];
	assert_int_equal(ds_store_path(s, hex, path, sizeof path), 0);
	assert_non_null(strstr(path, "/sha256/2c/f2/2cf24dba"));
	int n = 0;
	assert_int_equal(ds_store_each(s, count_blobs, &n), 0);
	assert_int_equal(n, 1);
	/* no temp files left beside the blob */
	char d[4200];
	snprintf(d, sizeof d, "%s/sha256/2c/f2", dir);
	DIR *dd = opendir(d);
	struct dirent *de;
	int entries = 0;
	while ((de = readdir(dd)) != NULL)
		if (de->d_name[0] != '.')
			entries++;
	closedir(dd);
	assert_int_equal(entries, 1);
	ds_store_free(s);
	ds_test_rm_rf(dir);
	free(dir);
}

static void test_corruption_detected(void **state)
{
	(void)state;
	char *dir = ds_test_tmpdir();
	ds_store *s = NULL;
	char hex[65], path[4200];
	unsigned char *data = NULL;
	size_t len;
	assert_int_equal(ds_store_open(&s, dir, 1), 0);
	assert_int_equal(ds_store_put(s, "page bytes", 10, hex), 0);
	assert_int_equal(ds_store_path(s, hex, path, sizeof path), 0);
	chmod(path, 0600);
	int fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "X", 1, 3), 1);
	close(fd);
	assert_int_equal(ds_store_get(s, hex, 100, &data, &len), DS_ECORRUPT);
	assert_null(data);
	assert_non_null(strstr(ds_error_last(), "corrupt"));
	assert_int_equal(ds_store_check(s, hex), DS_ECORRUPT);
	unlink(path);
	assert_int_equal(ds_store_check(s, hex), DS_ENOTFOUND);
	assert_int_equal(ds_store_get(s, "zz", 100, &data, &len), DS_EINVALID);
	ds_store_free(s);
	ds_test_rm_rf(dir);
	free(dir);
}

/* An injected write failure (a full disk) leaves no blob and no temp file. */
static void test_failed_write_leaves_nothing(void **state)
{
	(void)state;
	char *dir = ds_test_tmpdir();
	ds_store *s = NULL;
	char hex[65];
	assert_int_equal(ds_store_open(&s, dir, 1), 0);
	ds_fault_configure("write:1");
	assert_int_equal(ds_store_put(s, "abc", 3, hex), DS_EIO);
	ds_fault_configure("fsync:1");
	assert_int_equal(ds_store_put(s, "abc", 3, hex), DS_EIO);
	ds_fault_configure("");
	int n = 0;
	assert_int_equal(ds_store_each(s, count_blobs, &n), 0);
	assert_int_equal(n, 0);
	char cmd[4300];
	snprintf(cmd, sizeof cmd, "test -z \"$(find '%s' -type f)\"", dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(ds_store_put(s, "abc", 3, hex), 0);
	ds_store_free(s);
	ds_test_rm_rf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_get_roundtrip),
		cmocka_unit_test(test_corruption_detected),
		cmocka_unit_test(test_failed_write_leaves_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
