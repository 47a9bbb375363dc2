/* dossier pages add CODE FILE…: supplements (bổ sung) to a dossier. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_dossier.h"
#include "cli_ingest.h"
#include "dossier/error.h"

static int run(struct ds_cli *cli, int argc, char **argv);

const struct ds_cmd ds_cmd_pages = {
	.name = "pages",
	.usage = "add CODE FILE… [--actor NAME] | list CODE",
	.summary = "add scanned pages to a dossier (supplements), or list its pages",
	.run = run,
};

static int run(struct ds_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"actor", required_argument, NULL, 'a'},
					     {"help", no_argument, NULL, 'h'},
					     {0}};
	const char *actor = NULL;
	ds_home *h = NULL;
	ds_ingest *in = NULL;
	int c, err = 0;

	while ((c = ds_cli_getopt(cli, argc, argv, "h", opts)) != -1) {
		switch (c) {
		case 'a': actor = optarg; break;
		case 'h':
			return ds_cli_help(&ds_cmd_pages, "  --actor NAME  who adds them\n");
		default: return ds_cli_usage(cli, &ds_cmd_pages);
		}
	}
	if (argc - optind < 2)
		return ds_cli_usage(cli, &ds_cmd_pages);
	const char *sub = argv[optind], *code = argv[optind + 1];
	if (strcmp(sub, "list") == 0) {
		struct ds_page *p = NULL;
		size_t n = 0;
		if (argc - optind != 2)
			return ds_cli_usage(cli, &ds_cmd_pages);
		if ((err = ds_cli_open_home(cli, &h)) < 0 ||
		    (err = ds_catalog_page_list(h->catalog, code, NULL, &p, &n)) < 0)
			goto done;
		for (size_t i = 0; i < n; i++)
			printf("%-5s %4d  %5dx%-5d %4d dpi %2d bpp  %-8s %s\n", p[i].kind, p[i].number,
			       p[i].width, p[i].height, p[i].dpi, p[i].bits, p[i].ocr_state,
			       p[i].sha256);
		free(p);
		goto done;
	}
	if (strcmp(sub, "add") != 0 || argc - optind < 3)
		return ds_cli_usage(cli, &ds_cmd_pages);
	actor = ds_cli_actor(actor);
	if ((err = ds_cli_open_home(cli, &h)) < 0)
		goto done;
	struct ds_dossier d;
	if ((err = ds_catalog_dossier_get(h->catalog, code, &d)) < 0)
		goto done;
	if ((err = ds_cli_ingest_files(cli, h, argv + optind + 2, argc - optind - 2, &in)) < 0)
		goto done;
	if ((err = ds_ingest_lock(in)) < 0) /* see ds_ingest_lock */
		goto done;
	err = ds_ingest_commit(in, h->catalog, code, actor);
	if (err == 0)
		ds_ingest_done(in);
	ds_ingest_unlock(in);
	if (err < 0)
		goto done;
	printf("%s: %zu pages added\n", code, ds_ingest_page_count(in));
done:
	if (h)
		ds_ingest_abort_unnamed(in, h->catalog);
	ds_ingest_free(in);
	ds_home_free(h);
	return err < 0 ? ds_cli_fail(cli, err) : 0;
}
