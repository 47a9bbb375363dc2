#ifndef DOSSIER_CLI_INGEST_H
#define DOSSIER_CLI_INGEST_H
#include "dossier/home.h"
#include "dossier/intake.h"
/* Decodes and stores every file; on the first bad file nothing is kept and
 * the error names that file. */
int ds_cli_ingest_files(ds_home *h, char **files, int nfiles, ds_ingest **out);
#endif
