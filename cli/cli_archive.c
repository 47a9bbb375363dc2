/* CLI helpers of the archive commands. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <stdlib.h>

#include "cli_archive.h"
#include "cli_trust.h"
#include "dossier/catalog.h"
#include "dossier/catalog_seallog.h"
#include "dossier/catalog_signer.h"
#include "dossier/error.h"
#include "dossier/fs.h"
#include "dossier/signer.h"

const char *ds_cli_indication(enum ds_indication i)
{
	return i == DS_TOTAL_PASSED ? "TOTAL_PASSED" : i == DS_TOTAL_FAILED ? "TOTAL_FAILED" : "INDETERMINATE";
}

/* ---- what the sealing home can confirm (struct ds_bundle_home) ---- */

struct vhome {
	struct ds_bundle_home bh;
	ds_home *h;
};

static int home_knows(void *arg, const char *code)
{
	struct vhome *v = arg;
	struct ds_dossier d;
	int err = ds_catalog_dossier_get(v->h->catalog, code, &d);
	return err == 0 ? 1 : err == DS_ENOTFOUND ? 0 : err;
}

static int home_leaf_logged(void *arg, const char *code, const char *leaf)
{
	struct vhome *v = arg;
	struct ds_seallog_leaf *l = NULL;
	size_t n = 0;
	int err = ds_catalog_seallog_leaf_list(v->h->catalog, code, &l, &n), found = 0;
	if (err < 0)
		return err == DS_ENOTFOUND ? 0 : err;
	for (size_t i = 0; i < n; i++)
		found |= strcmp(l[i].leaf, leaf) == 0;
	free(l);
	return found;
}

static int home_seal_registered(void *arg, const char *seal_id, const char *cert_sha256)
{
	struct vhome *v = arg;
	struct ds_seal s;
	int err = ds_catalog_seal_get(v->h->catalog, seal_id, &s);
	if (err < 0)
		return err == DS_ENOTFOUND ? 0 : err;
	return strcmp(s.cert_sha256, cert_sha256) == 0;
}

int ds_cli_archive_vopts(struct ds_cli *cli, const char *trust, const char *crl,
			 struct ds_bundle_verify_opts *out, char *trust_buf, size_t n)
{
	ds_trust *t = NULL;
	struct vhome *vh = NULL;
	char db[DS_PATH_MAX];
	int err;

	memset(out, 0, sizeof *out);
	if (trust && access(trust, R_OK) != 0)
		return ds_error_set(DS_ENOTFOUND, "%s: cannot read the trusted roots", trust);
	if (crl && access(crl, R_OK) != 0)
		return ds_error_set(DS_ENOTFOUND, "%s: cannot read the CRL file", crl);
	/* the anchors of [pki] trust, or --trust's for this run */
	if ((err = ds_cli_trust_load(cli, NULL, trust, &t)) < 0)
		return err;
	if (ds_trust_count(t) == 0) {
		/* a home of before [pki] trust: its own root */
		ds_trust_free(t);
		t = NULL;
		if ((err = ds_path_join(trust_buf, n, cli->home_dir, "pki/root.pem")) < 0)
			return err;
		if (access(trust_buf, R_OK) != 0)
			return ds_error_set(DS_ENOTFOUND, "%s: no trusted roots (configure [pki] trust "
					    "in dossier.conf or give --trust ROOTS.pem)", trust_buf);
		if ((err = ds_cli_trust_load(cli, NULL, trust_buf, &t)) < 0)
			return err;
	}
	out->cades.trust = t;
	out->cades.trust_pem_path = NULL;
	out->cades.crl_pem_path = crl;
	out->cms_verify = ds_cades_verify;
	/* in a home: what its catalog and seal log confirm */
	if ((err = ds_path_join(db, sizeof db, cli->home_dir, "catalog.db")) < 0)
		goto fail;
	if (access(db, F_OK) == 0) {
		if (!(vh = calloc(1, sizeof *vh))) {
			err = ds_error_set(DS_ENOMEM, "out of memory");
			goto fail;
		}
		if ((err = ds_cli_open_home(cli, &vh->h)) < 0 ||
		    (err = ds_cli_profiles_since(vh->h, &vh->bh.profiles_since)) < 0)
			goto fail;
		vh->bh.arg = vh;
		vh->bh.knows = home_knows;
		vh->bh.leaf_logged = home_leaf_logged;
		vh->bh.seal_registered = home_seal_registered;
		out->home = &vh->bh;
	}
	return 0;
fail:
	if (vh)
		ds_home_free(vh->h);
	free(vh);
	ds_trust_free(t);
	memset(out, 0, sizeof *out);
	return err;
}

void ds_cli_archive_vopts_clear(struct ds_bundle_verify_opts *o)
{
	if (!o)
		return;
	ds_trust_free((ds_trust *)o->cades.trust);
	o->cades.trust = NULL;
	if (o->home) {
		struct vhome *vh = o->home->arg;
		ds_home_free(vh->h);
		free(vh);
		o->home = NULL;
	}
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
	char when[40];
	if (r->code[0])
		printf("  dossier %s, department %s, seal %s, sealed %s\n", r->code, r->department,
		       r->seal_id, ds_cli_when(r->sealed_at, when, sizeof when));
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
	if (r->warning[0])
		printf("  warning: %s\n", r->warning);
}
