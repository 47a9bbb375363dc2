/* The verification report as JSON (FORMATS.md "Verification report"). */
#include <stdlib.h>

#include <jansson.h>

#include "dossier/archive.h"
#include "dossier/error.h"

static const char *ind_name(enum ds_indication i)
{
	return i == DS_TOTAL_PASSED ? "TOTAL_PASSED" : i == DS_TOTAL_FAILED ? "TOTAL_FAILED" : "INDETERMINATE";
}

static json_t *checks_json(const struct ds_check *c, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "name", c[i].name, "outcome",
						   c[i].outcome, "detail", c[i].detail));
	return a;
}

int ds_bundle_report_json(const struct ds_bundle_report *r, char **out)
{
	json_t *sigs = json_array(), *o = NULL;
	int err = 0;

	for (size_t k = 0; sigs && k < r->nsigs; k++) {
		const struct ds_bundle_sig_report *s = &r->sigs[k];
		json_t *checks = checks_json(s->checks, s->nchecks);
		json_t *cms = checks_json(s->cades.checks, s->cades.nchecks);
		for (size_t i = 0; checks && cms && i < json_array_size(cms); i++)
			json_array_append(checks, json_array_get(cms, i));
		json_decref(cms);
		json_t *so = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:o}",
				       "file", s->file, "manifest", s->manifest, "role", s->role,
				       "id", s->id, "indication", ind_name(s->indication),
				       "sub_indication", s->sub_indication, "signer",
				       s->cades.signer_subject, "level", s->cades.level,
				       "p7s_sha256", s->p7s_sha256, "signing_time",
				       (json_int_t)s->cades.signing_time, "timestamp_time",
				       (json_int_t)s->cades.timestamp_time, "checks",
				       checks ? checks : json_array());
		if (so) {
			json_object_set_new(so, "signer_cert_sha256",
					    json_string(s->cades.signer_cert_sha256));
			json_object_set_new(so, "anchor_sha256", json_string(s->cades.anchor_sha256));
			json_object_set_new(so, "profile",
					    json_string(s->cades.fits_seal       ? "seal"
							: s->cades.fits_approver ? "approver"
										 : ""));
		}
		if (!so || json_array_append_new(sigs, so) != 0) {
			err = ds_error_set(DS_ENOMEM, "report: out of memory");
			goto done;
		}
	}
	o = json_pack("{s:s, s:s, s:s, s:b, s:s, s:s, s:s, s:s, s:I, s:I, s:o, s:O}", "path", r->path,
		      "indication", ind_name(r->indication), "sub_indication",
		      r->sub_indication, "unreadable", r->unreadable, "code", r->code, "department",
		      r->department, "seal_id", r->seal_id, "sealed_at", r->sealed_at, "entries",
		      (json_int_t)r->nentries, "bytes_hashed", (json_int_t)r->bytes_hashed, "checks",
		      checks_json(r->checks, r->nchecks), "signatures", sigs);
	if (o) {
		json_object_set_new(o, "legacy_profile", json_boolean(r->legacy_profile));
		if (r->warning[0])
			json_object_set_new(o, "warning", json_string(r->warning));
	}
	if (!o || !(*out = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER))) {
		err = ds_error_set(DS_ENOMEM, "report: out of memory");
		goto done;
	}
done:
	json_decref(o);
	json_decref(sigs);
	return err;
}
