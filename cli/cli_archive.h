/* CLI helpers of the archive commands (seal, verify, reuse, export). */
#ifndef DOSSIER_CLI_ARCHIVE_H
#define DOSSIER_CLI_ARCHIVE_H

#include "cli.h"
#include "dossier/archive.h"

/* Verification options: trust roots (default HOME/pki/root.pem), extra
 * CRLs, CMS verification through ds_cades_verify. `trust_buf` holds the
 * default path. */
int ds_cli_archive_vopts(struct ds_cli *cli, const char *trust, const char *crl,
			 struct ds_bundle_verify_opts *out, char *trust_buf, size_t n);

/* "TOTAL_PASSED" … */
const char *ds_cli_indication(enum ds_indication i);

/* Prints a verification report for people. */
void ds_cli_print_report(const struct ds_bundle_report *r, int verbose);

#endif
