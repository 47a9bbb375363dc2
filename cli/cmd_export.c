/* dossier export CODE (DEST | --pdf DIR) [--version N] [--force] */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "dossier/archive.h"
#include "dossier/catalog_archive.h"
#include "dossier/error.h"
#include "dossier/fs.h"

static int run(struct ds_cli *cli, int argc, char **argv);

const struct ds_cmd ds_cmd_export = {
	.name = "export",
	.usage = "CODE (DEST | --pdf DIR) [--version N] [--force]",
	.summary = "copy a dossier's sealed bundle, or its signed result PDFs, out",
	.run = run,
};

static void print_path(void *arg, const char *path)
{
	(void)arg;
	printf("%s\n", path);
}

static int run(struct ds_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"version", required_argument, NULL, 'V'},
					     {"pdf", required_argument, NULL, 'P'},
					     {"force", no_argument, NULL, 'f'},
					     {"help", no_argument, NULL, 'h'},
					     {0}};
	int c, err, rc = 0, force = 0;
	long version = 0;
	const char *pdf_dir = NULL;
	ds_home *h = NULL;
	struct ds_bundle_row *rows = NULL, *b = NULL;
	size_t n = 0;
	char src[DS_PATH_MAX], dst[DS_PATH_MAX], sha[65];
	struct stat st;

	while ((c = ds_cli_getopt(cli, argc, argv, "h", opts)) != -1) {
		switch (c) {
		case 'V': {
			long long v;
			if ((rc = ds_cli_opt_int(cli, "--version", optarg, 1, 100000, &v)) != 0)
				return rc;
			version = (long)v;
			break;
		}
		case 'P': pdf_dir = optarg; break;
		case 'f': force = 1; break;
		case 'h':
			return ds_cli_help(&ds_cmd_export,
					   "  --version N  an earlier version of a resealed dossier "
					   "(default: the latest)\n"
					   "  --pdf DIR    write the signed result PDFs (PAdES) to DIR as\n"
					   "               CODE-result-N.pdf instead of the bundle\n"
					   "  --force      replace DEST's file if it exists (else refused, "
					   "exit 73)\n");
		default: return ds_cli_usage(cli, &ds_cmd_export);
		}
	}
	if (argc - optind != (pdf_dir ? 1 : 2))
		return ds_cli_usage(cli, &ds_cmd_export);
	const char *code = argv[optind], *dest = pdf_dir ? pdf_dir : argv[optind + 1];
	if ((err = ds_cli_open_home(cli, &h)) < 0 ||
	    (err = ds_catalog_bundle_list(h->catalog, code, &rows, &n)) < 0)
		goto fail;
	for (size_t i = 0; i < n; i++)
		if ((version == 0 && !rows[i].superseded) || rows[i].version == version)
			b = &rows[i];
	if (!b) {
		err = ds_error_set(DS_ENOTFOUND, "dossier %s has no sealed bundle%s", code,
				   version ? " of that version" : "");
		goto fail;
	}
	if ((err = ds_home_path(h, b->path, src, sizeof src)) < 0)
		goto fail;
	if (pdf_dir) {
		/* from the bundle, once its bytes are those the catalog recorded */
		if (!(stat(pdf_dir, &st) == 0 && S_ISDIR(st.st_mode))) {
			err = ds_error_set(DS_ENOTFOUND, "%s is not a folder", pdf_dir);
			goto fail;
		}
		if ((err = ds_sha256_file_hex(src, sha)) < 0)
			goto fail;
		if (strcmp(sha, b->sha256) != 0) {
			err = ds_error_set(DS_ECORRUPT, "%s: SHA-256 %s, the catalog recorded %s", src,
					   sha, b->sha256);
			goto fail;
		}
		if ((err = ds_archive_pdf_export(src, pdf_dir, print_path, NULL)) < 0)
			goto fail;
		goto done;
	}
	if (stat(dest, &st) == 0 && S_ISDIR(st.st_mode)) {
		const char *base = strrchr(b->path, '/');
		if ((err = ds_path_join(dst, sizeof dst, dest, base ? base + 1 : b->path)) < 0)
			goto fail;
	} else if ((err = ds_fmt(dst, sizeof dst, "%s", dest)) < 0) {
		goto fail;
	}
	if ((rc = ds_cli_output_check(cli, dst, force)) != 0)
		goto done;
	/* copy only the bytes the catalog recorded */
	if ((err = ds_sha256_file_hex(src, sha)) < 0)
		goto fail;
	if (strcmp(sha, b->sha256) != 0) {
		err = ds_error_set(DS_ECORRUPT, "%s: SHA-256 %s, the catalog recorded %s", src, sha,
				   b->sha256);
		goto fail;
	}
	if ((rc = ds_cli_output_copy(cli, src, dst, force)) != 0)
		goto done;
	if ((err = ds_sha256_file_hex(dst, sha)) < 0)
		goto fail;
	if (strcmp(sha, b->sha256) != 0) {
		err = ds_error_set(DS_EIO, "%s: the copy differs from %s", dst, src);
		goto fail;
	}
	printf("%s\n", dst);
	goto done;
fail:
	rc = ds_cli_fail(cli, err);
done:
	free(rows);
	ds_home_free(h);
	return rc;
}
