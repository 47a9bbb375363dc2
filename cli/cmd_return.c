/* dossier return CODE [--actor NAME] [--note TEXT] */
#include "cli.h"
#include "cli_dossier.h"
#include "dossier/catalog.h"

static int run(struct ds_cli *cli, int argc, char **argv);

const struct ds_cmd ds_cmd_return = {
	.name = "return",
	.usage = "CODE [--actor NAME] [--note TEXT]",
	.summary = "mark a sealed dossier's result as handed back (trả kết quả)",
	.run = run,
};

static int run(struct ds_cli *cli, int argc, char **argv)
{
	static const struct ds_cli_state_cmd sc = {
		.cmd = &ds_cmd_return, .state = DS_STATE_RETURNED, .action = "returned",
		.printed = "returned", .note = "note",
		.note_help = "  --note TEXT    e.g. who collected it\n"
			     "  --actor NAME   done on behalf of NAME: recorded as on_behalf_of (the actor\n"
			     "                 recorded is always the OS user running the command)\n"};
	return ds_cli_state_run(cli, &sc, argc, argv);
}
