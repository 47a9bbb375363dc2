/* Reuse of a sealed result: an earlier bundle of the same applicant is
 * verified now and referenced (by hash) from the new dossier. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dossier/archive.h"
#include "dossier/catalog.h"
#include "dossier/catalog_archive.h"
#include "dossier/clock.h"
#include "dossier/error.h"
#include "dossier/fs.h"
#include "dossier/home.h"

int ds_archive_reuse_verify(struct ds_home *h, const char *applicant_id, const char *source_code,
			    const struct ds_bundle_verify_opts *vopts, struct ds_archive_reuse *out)
{
	struct ds_dossier src;
	struct ds_bundle_row b;
	struct ds_bundle_report *r = NULL;
	char path[DS_PATH_MAX], sha[65];
	int err;

	memset(out, 0, sizeof *out);
	if (!vopts || !vopts->cms_verify)
		return ds_error_set(DS_EINVALID, "reuse: a CMS verifier is required");
	if ((err = ds_catalog_dossier_get(h->catalog, source_code, &src)) < 0)
		return err;
	if (strcmp(applicant_id, src.applicant_id) != 0)
		return ds_error_set(DS_EPERM, "dossier %s belongs to another applicant than %s",
				    source_code, applicant_id);
	err = ds_catalog_bundle_latest(h->catalog, source_code, &b);
	if (err == DS_ENOTFOUND)
		return ds_error_set(DS_ESTATE, "dossier %s has no sealed bundle to reuse", source_code);
	if (err < 0)
		return err;
	if ((err = ds_home_path(h, b.path, path, sizeof path)) < 0)
		return err;
	/* the file must be the one the catalog recorded, and verify now */
	if ((err = ds_sha256_file_hex(path, sha)) < 0)
		return err;
	if (strcmp(sha, b.sha256) != 0)
		return ds_error_set(DS_ECORRUPT, "%s: SHA-256 %s, the catalog recorded %s", path, sha,
				    b.sha256);
	if ((err = ds_bundle_verify(path, vopts, &r)) < 0)
		return err;
	if (r->indication != DS_TOTAL_PASSED) {
		err = ds_error_set(DS_ESIG, "%s: %s%s%s", path,
				   r->indication == DS_TOTAL_FAILED ? "TOTAL_FAILED" : "INDETERMINATE",
				   r->sub_indication[0] ? "/" : "", r->sub_indication);
		free(r);
		return err;
	}
	free(r);
	memcpy(out->row.source_code, src.code, sizeof out->row.source_code);
	out->row.source_version = b.version;
	memcpy(out->row.bundle_sha256, b.sha256, sizeof out->row.bundle_sha256);
	out->row.verified_at = vopts->cades.now ? vopts->cades.now : ds_now();
	memcpy(out->row.indication, "TOTAL_PASSED", sizeof "TOTAL_PASSED");
	memcpy(out->bundle_path, b.path, sizeof out->bundle_path);
	return 0;
}

int ds_archive_reuse_record(struct ds_home *h, const char *code, const struct ds_archive_reuse *ru,
			    const char *actor)
{
	struct ds_reuse_row row = ru->row;
	char detail[DS_DETAIL_MAX];
	int err, own = 0;

	if ((err = ds_fmt(row.code, sizeof row.code, "%s", code)) < 0)
		return err;
	if ((err = ds_catalog_begin(h->catalog)) == 0)
		own = 1;
	else if (err != DS_ERROR) /* DS_ERROR: the caller's transaction is open; run in it */
		return err;
	if ((err = ds_catalog_reuse_add(h->catalog, &row)) == 0 &&
	    (err = ds_fmt(detail, sizeof detail, "reuses %s v%d (%s), verified TOTAL_PASSED",
			  row.source_code, row.source_version, ru->bundle_path)) == 0)
		err = ds_catalog_event_add(h->catalog, code, actor ? actor : "", "reuse_attached",
					   detail);
	if (own) {
		if (err < 0)
			ds_catalog_rollback(h->catalog);
		else
			err = ds_catalog_commit(h->catalog);
	}
	return err;
}

int ds_archive_reuse_attach(struct ds_home *h, const char *code, const char *source_code,
			    const struct ds_bundle_verify_opts *vopts, const char *actor)
{
	struct ds_dossier d;
	struct ds_archive_reuse ru;
	int err;

	if ((err = ds_catalog_dossier_get(h->catalog, code, &d)) < 0)
		return err;
	if (strcmp(code, source_code) == 0)
		return ds_error_set(DS_EINVALID, "dossier %s cannot reuse itself", code);
	if ((err = ds_archive_reuse_verify(h, d.applicant_id, source_code, vopts, &ru)) < 0)
		return err;
	return ds_archive_reuse_record(h, code, &ru, actor);
}
