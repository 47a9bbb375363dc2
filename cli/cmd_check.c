/* dossier check: verifies the catalog against the store (and the archive and
 * seal log where present); reports loss, corruption and leftovers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "cli_check.h"
#include "dossier/check.h"
#include "dossier/error.h"

static int run(struct ds_cli *cli, int argc, char **argv);

const struct ds_cmd ds_cmd_check = {
	.name = "check",
	.usage = "[--remove-leftovers] [--verbose] [--json]",
	.summary = "verify the catalog against the store, archive and seal log; report loss",
	.run = run,
};

static const char options[] =
	"  --remove-leftovers  delete unreferenced blobs and temp files older than an hour\n"
	"  -v, --verbose       also list the leftovers one by one\n"
	"  --json              {\"ok\", \"loss\", \"corrupt\", \"unfinished\", \"leftovers\",\n"
	"                      \"findings\": […]}\n"
	"Unfinished: a seal granted and never applied nor failed (interrupted).\n"
	"Exit status 0 when nothing is lost, corrupt or unfinished (leftovers are\n"
	"harmless), 1 otherwise.\n";

static void on_finding(void *arg, enum ds_finding_kind kind, const char *what, const char *detail)
{
	struct ds_cli_check *c = arg;
	c->count[kind]++;
	if (c->json) {
		json_array_append_new(c->findings, json_pack("{s:s, s:s, s:s}", "kind",
							     ds_finding_kind_name(kind), "what", what,
							     "detail", detail));
	} else if (kind != DS_FINDING_LEFTOVER || c->verbose) {
		printf("%s: %s: %s\n", ds_finding_kind_name(kind), what, detail);
	}
}

static int run(struct ds_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"remove-leftovers", no_argument, NULL, 'r'},
					     {"json", no_argument, NULL, 'j'},
					     {"verbose", no_argument, NULL, 'v'},
					     {"help", no_argument, NULL, 'h'},
					     {0}};
	struct ds_cli_check chk = {0};
	struct ds_check_opts o = {.leftover_min_age = 3600, .on_finding = on_finding, .arg = &chk};
	ds_home *h = NULL;
	int c, err, rc = 0;
	size_t n = 0;

	while ((c = ds_cli_getopt(cli, argc, argv, "hv", opts)) != -1) {
		switch (c) {
		case 'r': o.remove_leftovers = 1; break;
		case 'j': chk.json = 1; break;
		case 'v': chk.verbose = 1; break;
		case 'h': return ds_cli_help(&ds_cmd_check, options);
		default: return ds_cli_usage(cli, &ds_cmd_check);
		}
	}
	if (optind != argc)
		return ds_cli_usage(cli, &ds_cmd_check);
	chk.findings = json_array();
	if ((err = ds_cli_open_home(cli, &h)) < 0 ||
	    (err = ds_check_catalog_store(h, &o, &n)) < 0 ||
	    (err = ds_cli_check_modules(h, &o)) < 0) {
		rc = ds_cli_fail(cli, err);
		goto done;
	}
	size_t bad = chk.count[DS_FINDING_LOSS] + chk.count[DS_FINDING_CORRUPT] +
		     chk.count[DS_FINDING_UNFINISHED];
	if (chk.json) {
		json_t *r = json_pack("{s:b, s:i, s:i, s:i, s:i, s:O}", "ok", bad == 0, "loss",
				      (json_int_t)chk.count[DS_FINDING_LOSS], "corrupt",
				      (json_int_t)chk.count[DS_FINDING_CORRUPT], "unfinished",
				      (json_int_t)chk.count[DS_FINDING_UNFINISHED], "leftovers",
				      (json_int_t)chk.count[DS_FINDING_LEFTOVER], "findings",
				      chk.findings);
		ds_cli_print_json(r);
		json_decref(r);
	} else {
		printf("check: %zu lost, %zu corrupt, %zu unfinished, %zu leftovers%s\n",
		       chk.count[DS_FINDING_LOSS], chk.count[DS_FINDING_CORRUPT],
		       chk.count[DS_FINDING_UNFINISHED], chk.count[DS_FINDING_LEFTOVER],
		       bad ? "" : ": nothing lost");
	}
	rc = bad ? DS_EXIT_FAIL : 0;
done:
	json_decref(chk.findings);
	ds_home_free(h);
	return rc;
}
