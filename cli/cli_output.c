/* Output for people: files the user names, and empty results. */
#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "dossier/error.h"
#include "dossier/fs.h"

static int output_fail(struct ds_cli *cli, int err, const char *path)
{
	if (err == DS_EEXISTS)
		return ds_cli_failf(cli, DS_EXIT_CANTCREAT, "%s already exists (--force replaces it)",
				    path);
	return ds_cli_fail(cli, err);
}

int ds_cli_output_check(struct ds_cli *cli, const char *path, int force)
{
	if (!force && access(path, F_OK) == 0)
		return output_fail(cli, DS_EEXISTS, path);
	return 0;
}

int ds_cli_output_write(struct ds_cli *cli, const char *path, const void *buf, size_t len,
			int force)
{
	int err = force ? ds_file_write_atomic(path, buf, len, 0644)
			: ds_file_write_new(path, buf, len, 0644);
	return err < 0 ? output_fail(cli, err, path) : 0;
}

int ds_cli_output_copy(struct ds_cli *cli, const char *src, const char *path, int force)
{
	int err = force ? ds_file_copy_atomic(src, path, 0644) : ds_file_copy_new(src, path, 0644);
	return err < 0 ? output_fail(cli, err, path) : 0;
}

void ds_cli_none(int json, size_t n, const char *what)
{
	if (!json && n == 0 && isatty(STDOUT_FILENO))
		printf("%s\n", what);
}
