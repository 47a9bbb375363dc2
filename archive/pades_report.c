/* The verification report of a signed PDF as JSON: the bundle report's
 * shape (indication, sub_indication, checks per signature) with the PDF's
 * fields (docs/archive.md, "dossier verify FILE.pdf"). */
#include <stdlib.h>

#include <jansson.h>

#include "dossier/error.h"
#include "dossier/pades.h"

static const char *ind_name(enum ds_indication i)
{
	return i == DS_TOTAL_PASSED ? "TOTAL_PASSED" : i == DS_TOTAL_FAILED ? "TOTAL_FAILED" : "INDETERMINATE";
}

int ds_pades_report_json(const char *path, const struct ds_pades_report *r, char **out)
{
	json_t *sigs = json_array(), *o = NULL;
	int err = 0;
	for (size_t k = 0; sigs && k < r->nsigs; k++) {
		const struct ds_pades_sig *s = &r->sigs[k];
		const struct ds_cades_report *c = &s->cades;
		json_t *checks = json_array();
		for (size_t i = 0; checks && i < c->nchecks; i++)
			json_array_append_new(checks, json_pack("{s:s, s:s, s:s}", "name",
								c->checks[i].name, "outcome",
								c->checks[i].outcome, "detail",
								c->checks[i].detail));
		json_t *so = json_pack(
			"{s:s, s:s, s:s, s:s, s:s, s:[I,I,I,I], s:b, s:s, s:s, s:s, s:s, s:I, s:I, s:o}",
			"field", s->field, "subfilter", s->subfilter, "indication",
			ind_name(c->indication), "sub_indication", c->sub_indication, "m", s->m_time,
			"byte_range", (json_int_t)s->range[0], (json_int_t)s->range[1],
			(json_int_t)s->range[2], (json_int_t)s->range[3], "whole_file", s->whole_file,
			"signer", c->signer_subject, "signer_ou", c->signer_ou, "signer_cert_sha256",
			c->signer_cert_sha256, "level", c->level, "signing_time",
			(json_int_t)c->signing_time, "timestamp_time", (json_int_t)c->timestamp_time,
			"checks", checks ? checks : json_array());
		if (!so || json_array_append_new(sigs, so) != 0) {
			err = ds_error_set(DS_ENOMEM, "report: out of memory");
			goto done;
		}
	}
	o = json_pack("{s:s, s:s, s:s, s:s, s:b, s:s, s:O}", "path", path, "type", "pdf",
		      "indication", ind_name(r->indication), "sub_indication", r->sub_indication,
		      "unreadable", 0, "problem", r->problem, "signatures", sigs);
	if (!o || !(*out = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER)))
		err = ds_error_set(DS_ENOMEM, "report: out of memory");
done:
	json_decref(o);
	json_decref(sigs);
	return err;
}
