/* dossier return CODE [--actor NAME] [--note TEXT] */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "dossier/catalog.h"
#include "dossier/error.h"

static int run(struct ds_cli *cli, int argc, char **argv);

const struct ds_cmd ds_cmd_return = {
	.name = "return",
	.usage = "CODE [--actor NAME] [--note TEXT]",
	.summary = "mark a sealed dossier's result as handed back (trả kết quả)",
	.run = run,
};

static int run(struct ds_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"actor", required_argument, NULL, 'a'},
					     {"note", required_argument, NULL, 'n'},
					     {"help", no_argument, NULL, 'h'},
					     {0}};
	const char *actor = NULL, *note = NULL;
	int c, err, rc = 0;
	ds_home *h = NULL;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'a': actor = optarg; break;
		case 'n': note = optarg; break;
		case 'h':
			return ds_cli_help(&ds_cmd_return, "  --note TEXT  e.g. who collected it\n");
		default: return ds_cli_usage(cli, &ds_cmd_return);
		}
	}
	if (argc - optind != 1)
		return ds_cli_usage(cli, &ds_cmd_return);
	if (note && strlen(note) >= DS_DETAIL_MAX)
		return ds_cli_failf(cli, DS_EXIT_USAGE, "--note is too long");
	if ((err = ds_cli_open_home(cli, &h)) < 0 ||
	    (err = ds_catalog_dossier_set_state(h->catalog, argv[optind], DS_STATE_RETURNED,
						ds_cli_actor(actor), "returned", note ? note : "")) < 0) {
		rc = ds_cli_fail(cli, err);
		goto done;
	}
	printf("%s returned\n", argv[optind]);
done:
	ds_home_free(h);
	return rc;
}
