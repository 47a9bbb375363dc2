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

/* The seal's PDF signer (ds_archive_seal_opts.pdf_sign): the approver's
 * PAdES signature, then the department seal's. */
struct ds_cli_pades {
	ds_signer *approver, *seal;
	struct ds_sign_opts opts; /* B-B, or B-T with a TSA */
	const char *approver_name, *seal_name;
	int utc_offset;
};
int ds_cli_pades_sign_cb(void *arg, const char *name, const unsigned char *pdf, size_t len,
			 unsigned char **out, size_t *out_len);

#endif
