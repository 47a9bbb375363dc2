/* dossier list [--state S] [--overdue] [--procedure CODE] [--applicant-id ID] [--json] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "cli_dossier.h"
#include "dossier/clock.h"
#include "dossier/error.h"

static int run(struct ds_cli *cli, int argc, char **argv);

const struct ds_cmd ds_cmd_list = {
	.name = "list",
	.usage = "[--state S] [--overdue] [--procedure CODE] [--applicant-id ID] [--json]",
	.summary = "list dossiers, oldest first, with their state and whether overdue",
	.run = run,
};

static const char options[] =
	"  --state S            received, digitized, sealed, returned,\n"
	"                       supplement_requested or rejected\n"
	"  --overdue            only dossiers past their due date and not yet returned\n"
	"  --procedure CODE     only this procedure\n"
	"  --applicant-id ID    only this applicant\n"
	"  --json               an array of objects\n";

static int run(struct ds_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"state", required_argument, NULL, 's'},
					     {"overdue", no_argument, NULL, 'o'},
					     {"procedure", required_argument, NULL, 'p'},
					     {"applicant-id", required_argument, NULL, 'i'},
					     {"json", no_argument, NULL, 'j'},
					     {"help", no_argument, NULL, 'h'},
					     {0}};
	struct ds_dossier_filter f = {0};
	struct ds_dossier *d = NULL;
	size_t n = 0;
	int c, json = 0, overdue = 0, err, rc = 0;
	ds_home *h = NULL;

	while ((c = ds_cli_getopt(cli, argc, argv, "h", opts)) != -1) {
		switch (c) {
		case 's': f.state = optarg; break;
		case 'o': overdue = 1; break;
		case 'p': f.procedure = optarg; break;
		case 'i': f.applicant_id = optarg; break;
		case 'j': json = 1; break;
		case 'h': return ds_cli_help(&ds_cmd_list, options);
		default: return ds_cli_usage(cli, &ds_cmd_list);
		}
	}
	if (optind != argc)
		return ds_cli_usage(cli, &ds_cmd_list);
	if (f.state && !ds_state_valid(f.state))
		return ds_cli_failf(cli, DS_EXIT_USAGE, "--state '%s' is not a dossier state", f.state);
	int64_t now = ds_now();
	if (overdue) {
		f.due_before = now;
		f.not_closed = 1;
	}
	if ((err = ds_cli_open_home(cli, &h)) < 0 ||
	    (err = ds_catalog_dossier_list(h->catalog, &f, &d, &n)) < 0) {
		rc = ds_cli_fail(cli, err);
		goto done;
	}
	if (json) {
		json_t *a = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(a, ds_cli_dossier_summary(h, &d[i], now));
		rc = ds_cli_print_json(a);
		json_decref(a);
	} else {
		char due[40];
		ds_cli_none(json, n, "no dossier matches");
		for (size_t i = 0; i < n; i++)
			printf("%-28s %-20s %-9s %3d p  due %s%s  %s\n", d[i].code, d[i].state,
			       d[i].procedure, d[i].npages, ds_cli_time(h, d[i].due_at, due, sizeof due),
			       ds_cli_overdue(&d[i], now) ? " OVERDUE" : "", d[i].applicant_name);
	}
done:
	free(d);
	ds_home_free(h);
	return rc;
}
