/* CLI helpers for signed PDFs (dossier verify FILE.pdf). */
#ifndef DOSSIER_CLI_PADES_H
#define DOSSIER_CLI_PADES_H

#include <jansson.h>

#include "dossier/signer.h"

/* 1 when `path` names a PDF (FILE.pdf, any case). */
int ds_cli_is_pdf_path(const char *path);

/* Verifies one PDF: prints the report for people, or appends its JSON
 * object to `arr` when non-NULL. *ind is the verdict; *unreadable set when
 * the file could not be read as a PDF (reported, not an error). */
int ds_cli_verify_pdf(const char *path, const struct ds_verify_opts *vo, json_t *arr, int verbose,
		      enum ds_indication *ind, int *unreadable);

#endif
