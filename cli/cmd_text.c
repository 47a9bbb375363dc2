/* dossier text CODE [--page N] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dossier/error.h"
#include "dossier/ocr.h"

static int run(struct ds_cli *cli, int argc, char **argv);

const struct ds_cmd ds_cmd_text = {
	.name = "text",
	.usage = "CODE [--page N]",
	.summary = "print the recognised text of a dossier (pages separated by a form feed)",
	.run = run,
};

static const char options[] =
	"  --page N     only page N (from 1)\n"
	"The text is UTF-8 (NFC). Pages are separated by a form feed (\\f); a blank\n"
	"page prints as nothing. Fails when a page has not been OCRed yet.\n";

static int run(struct ds_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"page", required_argument, NULL, 'p'},
					     {"help", no_argument, NULL, 'h'},
					     {0}};
	struct ds_page *pages = NULL;
	size_t np = 0, shown = 0;
	long want = 0;
	int c, err, rc = 0;
	ds_home *h = NULL;

	while ((c = ds_cli_getopt(cli, argc, argv, "h", opts)) != -1) {
		switch (c) {
		case 'p': {
			long long v;
			if (ds_cli_opt_int(cli, "--page", optarg, 1, DS_DOSSIER_PAGES_MAX, &v) != 0)
				return DS_EXIT_USAGE;
			want = (long)v;
			break;
		}
		case 'h': return ds_cli_help(&ds_cmd_text, options);
		default: return ds_cli_usage(cli, &ds_cmd_text);
		}
	}
	if (optind + 1 != argc)
		return ds_cli_usage(cli, &ds_cmd_text);
	const char *code = argv[optind];
	if ((err = ds_cli_open_home(cli, &h)) < 0 ||
	    (err = ds_catalog_page_list(h->catalog, code, DS_PAGE_KIND_PAGE, &pages, &np)) < 0) {
		rc = ds_cli_fail(cli, err);
		goto done;
	}
	/* Check first, print after: no partial output on failure. */
	for (size_t i = 0; i < np; i++) {
		if (want && pages[i].number != want)
			continue;
		if (strcmp(pages[i].ocr_state, "done") != 0 && strcmp(pages[i].ocr_state, "skipped") != 0) {
			rc = ds_cli_failf(cli, DS_EXIT_FAIL, "%s: page %d is not OCRed (%s%s%s)", code,
					  pages[i].number, pages[i].ocr_state,
					  pages[i].ocr_error[0] ? ": " : "", pages[i].ocr_error);
			goto done;
		}
		shown++;
	}
	if (shown == 0) {
		rc = want ? ds_cli_failf(cli, DS_EXIT_NOINPUT, "%s: no page %ld", code, want)
			  : ds_cli_failf(cli, DS_EXIT_FAIL, "%s: no pages", code);
		goto done;
	}
	shown = 0;
	for (size_t i = 0; i < np; i++) {
		unsigned char *buf = NULL;
		size_t len = 0;
		if (want && pages[i].number != want)
			continue;
		if (shown++ > 0)
			putchar('\f');
		if (!pages[i].text_sha256[0])
			continue; /* blank */
		if ((err = ds_store_get(h->store, pages[i].text_sha256, DS_OCR_TEXT_MAX, &buf, &len)) < 0) {
			rc = ds_cli_fail(cli, err);
			goto done;
		}
		fwrite(buf, 1, len, stdout);
		free(buf);
	}
done:
	free(pages);
	ds_home_free(h);
	return rc;
}
