/* dossier reject CODE --reason TEXT [--actor NAME] */
#include "cli.h"
#include "cli_dossier.h"
#include "dossier/catalog.h"

static int run(struct ds_cli *cli, int argc, char **argv);

const struct ds_cmd ds_cmd_reject = {
	.name = "reject",
	.usage = "CODE --reason TEXT [--actor NAME]",
	.summary = "refuse a dossier that is not sealed (từ chối), with the reason",
	.run = run,
};

static int run(struct ds_cli *cli, int argc, char **argv)
{
	static const struct ds_cli_state_cmd sc = {
		.cmd = &ds_cmd_reject, .state = DS_STATE_REJECTED, .action = "rejected",
		.printed = "rejected", .note = "reason", .note_required = 1,
		.note_help = "  --reason TEXT  why (recorded in the event)\n"
			     "  --actor NAME   done on behalf of NAME: recorded as on_behalf_of (the actor\n"
			     "                 recorded is always the OS user running the command)\n"
			     "A received, digitized or supplement_requested dossier; final: no pages\n"
			     "can be added and it cannot be sealed.\n"};
	return ds_cli_state_run(cli, &sc, argc, argv);
}
