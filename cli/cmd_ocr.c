/* dossier ocr CODE… | --pending  [--jobs N] [--actor NAME] [--json] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli.h"
#include "cli_ocr.h"
#include "dossier/catalog_ocr.h"
#include "dossier/error.h"
#include "dossier/fs.h"
#include "dossier/ocr.h"

static int run(struct ds_cli *cli, int argc, char **argv);

const struct ds_cmd ds_cmd_ocr = {
	.name = "ocr",
	.usage = "(CODE… | --pending) [--jobs N] [--actor NAME] [--json]",
	.summary = "clean and OCR the pages of dossiers; store text, hOCR and a searchable PDF",
	.run = run,
};

static const char options[] =
	"  --pending        every dossier in state received with pages not yet OCRed\n"
	"  --jobs N         worker threads (default: [ocr] jobs, 0 = number of cores)\n"
	"  --actor NAME     who runs it, for the events (default: login name)\n"
	"  --json           print the counts as a JSON object, with cpu_ms: the\n"
	"                   workers' CPU milliseconds by stage (prepare: decode,\n"
	"                   cleanup, OSD; recognize: Tesseract; text_hocr; pdf; store)\n"
	"Pages already done are not redone; failed pages are tried again. A dossier\n"
	"whose pages are all done (or blank) gets its searchable PDF and becomes\n"
	"digitized. Languages: [ocr] languages in dossier.conf (auto, vie, eng, vie+eng…).\n";

static json_int_t ms(double seconds)
{
	return (json_int_t)(seconds * 1000.0 + 0.5);
}

struct progress {
	double started;
};

static double now_mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_progress(void *arg, size_t done, size_t total)
{
	struct progress *p = arg;
	ds_cli_progress("ocr", done, total, p->started);
}

static int run(struct ds_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"pending", no_argument, NULL, 'p'},
					     {"jobs", required_argument, NULL, 'j'},
					     {"actor", required_argument, NULL, 'a'},
					     {"json", no_argument, NULL, 'J'},
					     {"help", no_argument, NULL, 'h'},
					     {0}};
	struct ds_ocr_run_options ro;
	struct ds_ocr_run_stats st = {0};
	struct progress pr = {now_mono()};
	char tmp[DS_PATH_MAX];
	char (*pending)[DS_CODE_MAX] = NULL;
	const char **codes = NULL;
	size_t ncodes = 0, npending = 0;
	int c, json = 0, want_pending = 0, jobs = 0, err, rc = 0;
	const char *actor = NULL;
	ds_home *h = NULL;

	while ((c = ds_cli_getopt(cli, argc, argv, "h", opts)) != -1) {
		switch (c) {
		case 'p': want_pending = 1; break;
		case 'j':
			if (ds_cli_opt_intv(cli, "--jobs", optarg, 1, DS_OCR_JOBS_MAX, &jobs) != 0)
				return DS_EXIT_USAGE;
			break;
		case 'a': actor = optarg; break;
		case 'J': json = 1; break;
		case 'h': return ds_cli_help(&ds_cmd_ocr, options);
		default: return ds_cli_usage(cli, &ds_cmd_ocr);
		}
	}
	if ((want_pending && optind != argc) || (!want_pending && optind == argc))
		return ds_cli_usage(cli, &ds_cmd_ocr);
	if ((err = ds_cli_open_home(cli, &h)) < 0) {
		rc = ds_cli_fail(cli, err);
		goto done;
	}
	if ((err = ds_cli_ocr_options(h, jobs, tmp, &ro)) < 0) {
		rc = ds_cli_fail(cli, err);
		goto done;
	}
	ro.actor = ds_cli_actor(actor);
	ro.progress = on_progress;
	ro.progress_arg = &pr;
	if (want_pending) {
		if ((err = ds_catalog_ocr_pending(h->catalog, &pending, &npending)) < 0) {
			rc = ds_cli_fail(cli, err);
			goto done;
		}
		ncodes = npending;
		codes = calloc(ncodes ? ncodes : 1, sizeof *codes);
		if (!codes) {
			rc = ds_cli_fail(cli, ds_error_set(DS_ENOMEM, "out of memory"));
			goto done;
		}
		for (size_t i = 0; i < ncodes; i++)
			codes[i] = pending[i];
	} else {
		ncodes = (size_t)(argc - optind);
		codes = (const char **)(argv + optind);
	}
	err = ds_ocr_run(h->catalog, h->store, codes, ncodes, &ro, &st);
	ds_cli_progress_end();
	if (err < 0) {
		rc = ds_cli_fail(cli, err);
		goto done;
	}
	if (json) {
		json_t *o = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:{s:I, s:I, s:I, s:I, s:I}}",
				      "pages", (json_int_t)st.pages_total,
				      "done", (json_int_t)st.pages_done,
				      "skipped_blank", (json_int_t)st.pages_skipped,
				      "failed", (json_int_t)st.pages_failed,
				      "already_done", (json_int_t)st.pages_already,
				      "digitized", (json_int_t)st.dossiers_digitized,
				      "incomplete", (json_int_t)st.dossiers_incomplete,
				      "recognised_again", (json_int_t)st.pages_recognised_again,
				      "cpu_ms",
				      "prepare", ms(st.cpu_prepare), "recognize", ms(st.cpu_recognize),
				      "text_hocr", ms(st.cpu_output), "pdf", ms(st.cpu_pdf),
				      "store", ms(st.cpu_store));
		rc = ds_cli_print_json(o);
		json_decref(o);
	} else {
		printf("%zu pages: %zu OCRed, %zu blank, %zu failed, %zu already done; "
		       "%zu dossiers digitized\n",
		       st.pages_total, st.pages_done, st.pages_skipped, st.pages_failed,
		       st.pages_already, st.dossiers_digitized);
	}
	if (st.pages_failed > 0 || st.dossiers_incomplete > 0) {
		fprintf(stderr, "dossier ocr: %zu pages failed, %zu dossiers not digitized (%s)\n",
			st.pages_failed, st.dossiers_incomplete,
			st.last_error[0] ? st.last_error : "see `dossier show CODE`");
		if (rc == 0)
			rc = DS_EXIT_FAIL;
	}
done:
	if (want_pending)
		free(codes);
	free(pending);
	ds_home_free(h);
	return rc;
}
