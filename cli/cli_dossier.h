/* JSON and text views of dossiers shared by show, list and others. */
#ifndef DOSSIER_CLI_DOSSIER_H
#define DOSSIER_CLI_DOSSIER_H

#include <jansson.h>

#include "dossier/home.h"

/* Whether a dossier is overdue now: past its due time and not yet returned
 * or rejected. */
int ds_cli_overdue(const struct ds_dossier *d, int64_t now);

/* ISO 8601 in the site's offset into a static-size buffer. */
const char *ds_cli_time(const ds_home *h, int64_t t, char *buf, size_t n);

/* The summary object used by `list --json`. New reference. */
json_t *ds_cli_dossier_summary(const ds_home *h, const struct ds_dossier *d, int64_t now);

/* The full object of `show --json` (pages, cover sheets, files, events). */
int ds_cli_dossier_full(ds_home *h, const char *code, json_t **out);

/* Validates an operator-typed field: non-empty, UTF-8, below `max` bytes. */
int ds_cli_check_field(const char *what, const char *value, size_t max);

struct ds_cmd;
struct ds_cli;
/* A command that moves one dossier to `state`: `CODE [--actor NAME]
 * [--NOTE TEXT]`, the text going into the event `action`; `note_required`
 * makes --NOTE mandatory. Prints "CODE <printed>". */
struct ds_cli_state_cmd {
	const struct ds_cmd *cmd;
	const char *state, *action, *printed;
	const char *note;      /* the option's name: "note", "reason" */
	const char *note_help; /* its --help line(s) */
	int note_required;
};
int ds_cli_state_run(struct ds_cli *cli, const struct ds_cli_state_cmd *sc, int argc, char **argv);

#endif
