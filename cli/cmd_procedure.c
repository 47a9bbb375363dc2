/* dossier procedure add|list */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "cli_dossier.h"
#include "dossier/error.h"

static int run(struct ds_cli *cli, int argc, char **argv);

const struct ds_cmd ds_cmd_procedure = {
	.name = "procedure",
	.usage = "add CODE --name NAME --department CODE --days N | list [--json]",
	.summary = "register administrative procedures (thủ tục hành chính) and list them",
	.run = run,
};

static const char options[] =
	"  --name NAME        the procedure's name (add)\n"
	"  --department CODE  the competent department (add)\n"
	"  --days N           processing time in working days (add)\n"
	"  --json             machine-readable output (list)\n";

/* Procedure codes: d.dddddd, optionally suffixed with an agency identifier. */
static int valid_code(const char *code)
{
	size_t n = strlen(code);
	if (n < 3 || n >= DS_CODE_MAX || code[0] < '0' || code[0] > '9' || code[1] != '.')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((code[i] >= '0' && code[i] <= '9') || (code[i] >= 'A' && code[i] <= 'Z') ||
		      code[i] == '.'))
			return 0;
	return 1;
}

static int run(struct ds_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"name", required_argument, NULL, 'n'},
					     {"department", required_argument, NULL, 'd'},
					     {"days", required_argument, NULL, 'D'},
					     {"json", no_argument, NULL, 'j'},
					     {"help", no_argument, NULL, 'h'},
					     {0}};
	const char *name = NULL, *dept = NULL, *days = NULL;
	int c, json = 0, err, rc = 0;
	ds_home *h = NULL;

	while ((c = ds_cli_getopt(cli, argc, argv, "h", opts)) != -1) {
		switch (c) {
		case 'n': name = optarg; break;
		case 'd': dept = optarg; break;
		case 'D': days = optarg; break;
		case 'j': json = 1; break;
		case 'h': return ds_cli_help(&ds_cmd_procedure, options);
		default: return ds_cli_usage(cli, &ds_cmd_procedure);
		}
	}
	if (optind >= argc)
		return ds_cli_usage(cli, &ds_cmd_procedure);
	const char *sub = argv[optind];
	if (strcmp(sub, "add") == 0) {
		struct ds_procedure p;
		memset(&p, 0, sizeof p);
		if (optind + 2 != argc || !name || !dept || !days)
			return ds_cli_usage(cli, &ds_cmd_procedure);
		const char *code = argv[optind + 1];
		if (!valid_code(code))
			return ds_cli_failf(cli, DS_EXIT_DATAERR,
					    "procedure code '%s' is not of the form 1.001612", code);
		long long nd;
		if (ds_cli_opt_int(cli, "--days", days, 0, DS_PROCEDURE_DAYS_MAX, &nd) != 0)
			return DS_EXIT_USAGE;
		if ((err = ds_cli_check_field("--name", name, sizeof p.name)) < 0 ||
		    (err = ds_cli_check_field("--department", dept, sizeof p.department)) < 0)
			return ds_cli_fail(cli, err);
		memcpy(p.code, code, strlen(code) + 1);
		memcpy(p.name, name, strlen(name) + 1);
		memcpy(p.department, dept, strlen(dept) + 1);
		p.days = (int)nd;
		if ((err = ds_cli_open_home(cli, &h)) < 0)
			return ds_cli_fail(cli, err);
		if ((err = ds_catalog_procedure_add(h->catalog, &p)) < 0)
			rc = ds_cli_fail(cli, err);
		else
			printf("%s\n", code);
	} else if (strcmp(sub, "list") == 0) {
		struct ds_procedure *p = NULL;
		size_t n = 0;
		if (optind + 1 != argc)
			return ds_cli_usage(cli, &ds_cmd_procedure);
		if ((err = ds_cli_open_home(cli, &h)) < 0)
			return ds_cli_fail(cli, err);
		if ((err = ds_catalog_procedure_list(h->catalog, &p, &n)) < 0) {
			rc = ds_cli_fail(cli, err);
		} else if (json) {
			json_t *a = json_array();
			for (size_t i = 0; i < n; i++)
				json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:i}", "code",
								   p[i].code, "name", p[i].name,
								   "department", p[i].department,
								   "days", p[i].days));
			rc = ds_cli_print_json(a);
			json_decref(a);
		} else {
			for (size_t i = 0; i < n; i++)
				printf("%-24s %-10s %4d days  %s\n", p[i].code, p[i].department,
				       p[i].days, p[i].name);
		}
		free(p);
	} else {
		rc = ds_cli_usage(cli, &ds_cmd_procedure);
	}
	ds_home_free(h);
	return rc;
}
