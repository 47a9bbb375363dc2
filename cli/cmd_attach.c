/* dossier attach CODE --result FILE --title TEXT [--actor NAME] */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "cli_dossier.h"
#include "dossier/catalog.h"
#include "dossier/error.h"
#include "dossier/fs.h"
#include "dossier/store.h"

static int run(struct ds_cli *cli, int argc, char **argv);

const struct ds_cmd ds_cmd_attach = {
	.name = "attach",
	.usage = "CODE --result FILE --title TEXT [--actor NAME]",
	.summary = "attach a result document (PDF or scan) issued for a dossier",
	.run = run,
};

/* A result is a PDF or an image: refuse anything else by its first bytes. */
static int result_kind_ok(const char *path)
{
	unsigned char b[8] = {0};
	FILE *f = fopen(path, "rb");
	if (!f)
		return 0;
	size_t n = fread(b, 1, sizeof b, f);
	fclose(f);
	return (n >= 5 && memcmp(b, "%PDF-", 5) == 0) ||
	       (n >= 4 && (memcmp(b, "II*\0", 4) == 0 || memcmp(b, "MM\0*", 4) == 0)) ||
	       (n >= 4 && memcmp(b, "\x89PNG", 4) == 0) || (n >= 3 && memcmp(b, "\xff\xd8\xff", 3) == 0);
}

static int run(struct ds_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"result", required_argument, NULL, 'r'},
					     {"title", required_argument, NULL, 't'},
					     {"actor", required_argument, NULL, 'a'},
					     {"help", no_argument, NULL, 'h'},
					     {0}};
	const char *file = NULL, *title = NULL, *actor = NULL;
	int c, err, rc = 0;
	ds_home *h = NULL;
	struct ds_dossier d;
	struct stat st;
	char hex[65], detail[DS_DETAIL_MAX];

	while ((c = ds_cli_getopt(cli, argc, argv, "h", opts)) != -1) {
		switch (c) {
		case 'r': file = optarg; break;
		case 't': title = optarg; break;
		case 'a': actor = optarg; break;
		case 'h':
			return ds_cli_help(&ds_cmd_attach,
					   "  --result FILE  the result document (PDF, TIFF, PNG, JPEG)\n"
					   "  --title TEXT   its title, e.g. \"Giấy chứng nhận …\"\n"
					   "  --actor NAME   done on behalf of NAME: recorded as on_behalf_of (the\n"
					   "                 actor recorded is always the OS user running the command)\n");
		default: return ds_cli_usage(cli, &ds_cmd_attach);
		}
	}
	if (argc - optind != 1 || !file || !title || !*title)
		return ds_cli_usage(cli, &ds_cmd_attach);
	if ((err = ds_cli_check_field("--title", title, DS_NAME_MAX)) < 0)
		return ds_cli_fail(cli, err);
	if (stat(file, &st) != 0 || !S_ISREG(st.st_mode))
		return ds_cli_failf(cli, DS_EXIT_NOINPUT, "%s: not a readable file", file);
	if (!result_kind_ok(file))
		return ds_cli_failf(cli, DS_EXIT_DATAERR, "%s: not a PDF, TIFF, PNG or JPEG file", file);
	if ((err = ds_cli_open_home(cli, &h)) < 0)
		goto fail;
	if ((err = ds_catalog_dossier_get(h->catalog, argv[optind], &d)) < 0)
		goto fail;
	if (strcmp(d.state, DS_STATE_RETURNED) == 0 || strcmp(d.state, DS_STATE_REJECTED) == 0) {
		err = ds_error_set(DS_ESTATE, "dossier %s is %s: results can no longer be attached",
				   d.code, d.state);
		goto fail;
	}
	if ((err = ds_store_put_file(h->store, file, hex)) < 0)
		goto fail;
	const char *base = strrchr(file, '/');
	base = base ? base + 1 : file;
	struct ds_file_new f = {.sha256 = hex, .name = base, .size = (int64_t)st.st_size,
				.pages = 0, .role = "result", .title = title};
	if ((err = ds_catalog_begin(h->catalog)) < 0)
		goto fail;
	if ((err = ds_catalog_file_add(h->catalog, d.code, &f, NULL)) < 0 ||
	    (err = ds_fmt(detail, sizeof detail, "%s: %s (%s)", title, base, hex)) < 0 ||
	    (err = ds_catalog_event_add(h->catalog, d.code, ds_cli_actor(actor), "result_attached",
					detail)) < 0) {
		ds_catalog_rollback(h->catalog);
		goto fail;
	}
	if ((err = ds_catalog_commit(h->catalog)) < 0)
		goto fail;
	printf("attached %s to %s%s\n", base, d.code,
	       strcmp(d.state, DS_STATE_SEALED) == 0 ? " (sealed: `dossier seal --reseal` to include it)"
						     : "");
	goto done;
fail:
	rc = ds_cli_fail(cli, err);
done:
	ds_home_free(h);
	return rc;
}
