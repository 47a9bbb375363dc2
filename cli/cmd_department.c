/* dossier department add|list */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "cli_dossier.h"
#include "dossier/error.h"

static int run(struct ds_cli *cli, int argc, char **argv);

const struct ds_cmd ds_cmd_department = {
	.name = "department",
	.usage = "add CODE --name NAME | list [--json]",
	.summary = "register departments (sở, ngành) and list them",
	.run = run,
};

static const char options[] = "  --name NAME   the department's name (add)\n"
			      "  --json        machine-readable output (list)\n";

static int valid_code(const char *code)
{
	size_t n = strlen(code);
	if (n == 0 || n >= DS_DEPT_CODE_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char ch = code[i];
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' ||
		      ch == '.'))
			return 0;
	}
	return 1;
}

static int run(struct ds_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"name", required_argument, NULL, 'n'},
					     {"json", no_argument, NULL, 'j'},
					     {"help", no_argument, NULL, 'h'},
					     {0}};
	const char *name = NULL;
	int c, json = 0, err, rc = 0;
	ds_home *h = NULL;

	while ((c = ds_cli_getopt(cli, argc, argv, "h", opts)) != -1) {
		switch (c) {
		case 'n': name = optarg; break;
		case 'j': json = 1; break;
		case 'h': return ds_cli_help(&ds_cmd_department, options);
		default: return ds_cli_usage(cli, &ds_cmd_department);
		}
	}
	if (optind >= argc)
		return ds_cli_usage(cli, &ds_cmd_department);
	const char *sub = argv[optind];
	if (strcmp(sub, "add") == 0) {
		if (optind + 2 != argc || !name)
			return ds_cli_usage(cli, &ds_cmd_department);
		const char *code = argv[optind + 1];
		if (!valid_code(code))
			return ds_cli_failf(cli, DS_EXIT_DATAERR,
					    "department code '%s' must be 1-31 characters of A-Z 0-9 . - _",
					    code);
		if ((err = ds_cli_check_field("--name", name, DS_NAME_MAX)) < 0)
			return ds_cli_fail(cli, err);
		if ((err = ds_cli_open_home(cli, &h)) < 0)
			return ds_cli_fail(cli, err);
		if ((err = ds_catalog_department_add(h->catalog, code, name)) < 0)
			rc = ds_cli_fail(cli, err);
		else
			printf("%s\n", code);
	} else if (strcmp(sub, "list") == 0) {
		struct ds_department *d = NULL;
		size_t n = 0;
		if (optind + 1 != argc)
			return ds_cli_usage(cli, &ds_cmd_department);
		if ((err = ds_cli_open_home(cli, &h)) < 0)
			return ds_cli_fail(cli, err);
		if ((err = ds_catalog_department_list(h->catalog, &d, &n)) < 0) {
			rc = ds_cli_fail(cli, err);
		} else if (json) {
			json_t *a = json_array();
			for (size_t i = 0; i < n; i++)
				json_array_append_new(a, json_pack("{s:s, s:s}", "code", d[i].code,
								   "name", d[i].name));
			rc = ds_cli_print_json(a);
			json_decref(a);
		} else {
			for (size_t i = 0; i < n; i++)
				printf("%-12s %s\n", d[i].code, d[i].name);
		}
		free(d);
	} else {
		rc = ds_cli_usage(cli, &ds_cmd_department);
	}
	ds_home_free(h);
	return rc;
}
