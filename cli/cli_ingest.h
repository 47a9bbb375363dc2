#ifndef DOSSIER_CLI_INGEST_H
#define DOSSIER_CLI_INGEST_H
#include "dossier/home.h"
#include "dossier/intake.h"
/* Decodes and stores every file; on the first bad file nothing is kept and
 * the error names that file. The same bytes given twice are refused
 * (DS_EINVALID naming both files); a file already in a dossier is taken
 * with a warning on stderr naming that dossier. */
struct ds_cli;
int ds_cli_ingest_files(struct ds_cli *cli, ds_home *h, char **files, int nfiles,
			ds_ingest **out);
#endif
