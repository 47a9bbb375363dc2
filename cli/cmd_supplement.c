/* dossier supplement CODE --reason TEXT [--actor NAME] */
#include "cli.h"
#include "cli_dossier.h"
#include "dossier/catalog.h"

static int run(struct ds_cli *cli, int argc, char **argv);

const struct ds_cmd ds_cmd_supplement = {
	.name = "supplement",
	.usage = "CODE --reason TEXT [--actor NAME]",
	.summary = "ask the applicant for missing papers (yêu cầu bổ sung); pages add resumes it",
	.run = run,
};

static int run(struct ds_cli *cli, int argc, char **argv)
{
	static const struct ds_cli_state_cmd sc = {
		.cmd = &ds_cmd_supplement, .state = DS_STATE_SUPPLEMENT,
		.action = "supplement_requested", .printed = "awaits supplements",
		.note = "reason", .note_required = 1,
		.note_help = "  --reason TEXT  what is missing (recorded in the event)\n"
			     "  --actor NAME   done on behalf of NAME: recorded as on_behalf_of (the actor\n"
			     "                 recorded is always the OS user running the command)\n"
			     "A received or digitized dossier; `dossier pages add CODE FILE…` with the\n"
			     "supplements brings it back to received.\n"};
	return ds_cli_state_run(cli, &sc, argc, argv);
}
