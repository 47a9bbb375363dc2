/* dossier show CODE [--json] */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "cli_dossier.h"
#include "dossier/catalog.h"
#include "dossier/error.h"
#include "dossier/fs.h"

static int run(struct ds_cli *cli, int argc, char **argv);

const struct ds_cmd ds_cmd_show = {
	.name = "show",
	.usage = "CODE [--json]",
	.summary = "show a dossier: state, due date, pages, events",
	.run = run,
};

static void print_text(json_t *o)
{
	json_t *pages = json_object_get(o, "pages"), *covers = json_object_get(o, "cover_sheets");
	json_t *events = json_object_get(o, "events"), *v;
	size_t i;
	printf("code:        %s\n", json_string_value(json_object_get(o, "code")));
	printf("state:       %s%s\n", json_string_value(json_object_get(o, "state")),
	       json_is_true(json_object_get(o, "overdue")) ? "  (OVERDUE)" : "");
	printf("procedure:   %s  %s\n",
	       json_string_value(json_object_get(json_object_get(o, "procedure"), "code")),
	       json_string_value(json_object_get(json_object_get(o, "procedure"), "name")));
	printf("department:  %s\n", json_string_value(json_object_get(o, "department")));
	printf("applicant:   %s  %s\n",
	       json_string_value(json_object_get(json_object_get(o, "applicant"), "id")),
	       json_string_value(json_object_get(json_object_get(o, "applicant"), "name")));
	printf("received:    %s\n", json_string_value(json_object_get(o, "received_at")));
	printf("due:         %s\n", json_string_value(json_object_get(o, "due_at")));
	printf("pages:       %zu (+%zu cover sheets)\n", json_array_size(pages),
	       json_array_size(covers));
	json_array_foreach(pages, i, v) {
		json_t *conf = json_object_get(v, "ocr_confidence");
		printf("  %4lld  %5lldx%-5lld %4lld dpi%s  %-7s",
		       json_integer_value(json_object_get(v, "number")),
		       json_integer_value(json_object_get(v, "width")),
		       json_integer_value(json_object_get(v, "height")),
		       json_integer_value(json_object_get(v, "dpi")),
		       json_is_true(json_object_get(v, "dpi_estimated")) ? "?" : "",
		       json_string_value(json_object_get(v, "ocr_state")));
		if (json_is_real(conf))
			printf("  %s %.1f%%", json_string_value(json_object_get(v, "language")),
			       json_real_value(conf));
		if (json_is_true(json_object_get(v, "blank")))
			printf("  blank");
		putchar('\n');
	}
	printf("events:\n");
	json_array_foreach(events, i, v) {
		/* the actor, and on whose behalf it acted (--actor, a sidecar) */
		const char *obo = json_string_value(json_object_get(v, "on_behalf_of"));
		const char *actor = json_string_value(json_object_get(v, "actor"));
		char who[2 * DS_ACTOR_MAX + 16];
		int r = obo && *obo ? ds_fmt(who, sizeof who, "%s (for %s)", actor, obo)
				    : ds_fmt(who, sizeof who, "%s", actor);
		if (r < 0)
			who[0] = '\0';
		printf("  %s  %-10s %-14s %s\n", json_string_value(json_object_get(v, "at")), who,
		       json_string_value(json_object_get(v, "action")),
		       json_string_value(json_object_get(v, "detail")));
	}
}

static int run(struct ds_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
					     {"help", no_argument, NULL, 'h'},
					     {0}};
	int c, json = 0, err, rc = 0;
	ds_home *h = NULL;
	json_t *o = NULL;

	while ((c = ds_cli_getopt(cli, argc, argv, "h", opts)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'h': return ds_cli_help(&ds_cmd_show, "  --json  one JSON object\n");
		default: return ds_cli_usage(cli, &ds_cmd_show);
		}
	}
	if (argc - optind != 1)
		return ds_cli_usage(cli, &ds_cmd_show);
	if ((err = ds_cli_open_home(cli, &h)) < 0 ||
	    (err = ds_cli_dossier_full(h, argv[optind], &o)) < 0) {
		rc = ds_cli_fail(cli, err);
		goto done;
	}
	if (json)
		rc = ds_cli_print_json(o);
	else
		print_text(o);
done:
	json_decref(o);
	ds_home_free(h);
	return rc;
}
