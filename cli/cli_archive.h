/* CLI helpers of the archive commands (seal, verify, reuse, export). */
#ifndef DOSSIER_CLI_ARCHIVE_H
#define DOSSIER_CLI_ARCHIVE_H

#include "cli.h"
#include "dossier/archive.h"

/* Verification options (the auditor's policy, docs/archive.md): the trust
 * anchors of [pki] trust with their profile markers (`trust` non-NULL: that
 * file's certificates instead; none configured: HOME/pki/root.pem, held in
 * `trust_buf`), extra CRLs, CMS verification through ds_cades_verify, and
 * when run in a home, what its catalog and seal log confirm. Release with
 * ds_cli_archive_vopts_clear. */
int ds_cli_archive_vopts(struct ds_cli *cli, const char *trust, const char *crl,
			 struct ds_bundle_verify_opts *out, char *trust_buf, size_t n);
void ds_cli_archive_vopts_clear(struct ds_bundle_verify_opts *o);

/* "TOTAL_PASSED" … */
const char *ds_cli_indication(enum ds_indication i);

/* Prints a verification report for people. */
void ds_cli_print_report(const struct ds_bundle_report *r, int verbose);

#endif
