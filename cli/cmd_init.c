/* dossier init: create (or check) the home layout. Idempotent. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "dossier/error.h"

static int run(struct ds_cli *cli, int argc, char **argv);

const struct ds_cmd ds_cmd_init = {
	.name = "init",
	.usage = "",
	.summary = "create the home folder: dossier.conf, catalog, store, inbox, archive, pki",
	.run = run,
};

static int run(struct ds_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {0}};
	int c;
	while ((c = ds_cli_getopt(cli, argc, argv, "h", opts)) != -1) {
		if (c == 'h')
			return ds_cli_help(&ds_cmd_init, "");
		return ds_cli_usage(cli, &ds_cmd_init);
	}
	if (optind != argc)
		return ds_cli_usage(cli, &ds_cmd_init);
	int err = ds_home_init(cli->home_dir);
	if (err < 0)
		return ds_cli_fail(cli, err);
	printf("%s\n", cli->home_dir);
	return 0;
}
