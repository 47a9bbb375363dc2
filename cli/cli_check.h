#ifndef DOSSIER_CLI_CHECK_H
#define DOSSIER_CLI_CHECK_H
#include <jansson.h>
#include "dossier/check.h"
struct ds_cli_check {
	int json, verbose;
	size_t count[DS_FINDING_KINDS];
	json_t *findings;
};
/* Checks owned by other modules (archive bundles, seal log), reporting
 * through o->on_finding. */
int ds_cli_check_modules(ds_home *h, const struct ds_check_opts *o);
#endif
