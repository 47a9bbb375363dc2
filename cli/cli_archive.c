/* CLI helpers of the archive commands. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli_archive.h"
#include "dossier/error.h"
#include "dossier/fs.h"
#include "dossier/signer.h"

const char *ds_cli_indication(enum ds_indication i)
{
	return i == DS_TOTAL_PASSED ? "TOTAL_PASSED" : i == DS_TOTAL_FAILED ? "TOTAL_FAILED" : "INDETERMINATE";
}

int ds_cli_archive_vopts(struct ds_cli *cli, const char *trust, const char *crl,
			 struct ds_bundle_verify_opts *out, char *trust_buf, size_t n)
{
	int err;
	memset(out, 0, sizeof *out);
	if (!trust) {
		if ((err = ds_path_join(trust_buf, n, cli->home_dir, "pki/root.pem")) < 0)
			return err;
		trust = trust_buf;
	}
	if (access(trust, R_OK) != 0)
		return ds_error_set(DS_ENOTFOUND, "%s: no trusted roots (give --trust ROOTS.pem)", trust);
	if (crl && access(crl, R_OK) != 0)
		return ds_error_set(DS_ENOTFOUND, "%s: cannot read the CRL file", crl);
	out->cades.trust_pem_path = trust;
	out->cades.crl_pem_path = crl;
	out->cms_verify = ds_cades_verify;
	return 0;
}

static void print_checks(const char *indent, const struct ds_check *c, size_t n, int verbose)
{
	for (size_t i = 0; i < n; i++) {
		if (!verbose && strcmp(c[i].outcome, "PASSED") == 0)
			continue;
		printf("%s%-22s %-13s %s\n", indent, c[i].name, c[i].outcome, c[i].detail);
	}
}

void ds_cli_print_report(const struct ds_bundle_report *r, int verbose)
{
	printf("%s: %s%s%s\n", r->path, ds_cli_indication(r->indication),
	       r->sub_indication[0] ? " / " : "", r->sub_indication);
	if (r->code[0])
		printf("  dossier %s, department %s, seal %s, sealed %s\n", r->code, r->department,
		       r->seal_id, r->sealed_at);
	print_checks("  ", r->checks, r->nchecks, verbose);
	for (size_t k = 0; k < r->nsigs; k++) {
		const struct ds_bundle_sig_report *s = &r->sigs[k];
		printf("  %s (%s%s%s): %s%s%s\n", s->file, s->role[0] ? s->role : "unknown role",
		       s->id[0] ? " " : "", s->id, ds_cli_indication(s->indication),
		       s->sub_indication[0] ? " / " : "", s->sub_indication);
		if (s->cades.signer_subject[0])
			printf("    signer %s, %s\n", s->cades.signer_subject,
			       s->cades.level[0] ? s->cades.level : "?");
		print_checks("    ", s->checks, s->nchecks, verbose);
		print_checks("    ", s->cades.checks, s->cades.nchecks, verbose);
	}
}
