/* dossier verify FILE.pdf: the signatures of a signed PDF, reported like a
 * bundle's (same indications and exit codes). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli_archive.h"
#include "cli_pades.h"
#include "dossier/error.h"
#include "dossier/fs.h"
#include "dossier/pades.h"

/* By the name only: a bundle is judged as a bundle whatever its bytes (a
 * "bundle" that is really a PDF is a bundle with a format failure). */
int ds_cli_is_pdf_path(const char *path)
{
	size_t n = strlen(path);
	return n >= 4 && strcasecmp(path + n - 4, ".pdf") == 0;
}

static void print_checks(const struct ds_check *c, size_t n, int verbose)
{
	for (size_t i = 0; i < n; i++) {
		if (!verbose && strcmp(c[i].outcome, "PASSED") == 0)
			continue;
		printf("    %-22s %-13s %s\n", c[i].name, c[i].outcome, c[i].detail);
	}
}

int ds_cli_verify_pdf(const char *path, const struct ds_verify_opts *vo, json_t *arr, int verbose,
		      enum ds_indication *ind, int *unreadable)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	struct ds_pades_report *r = NULL;
	char *t = NULL;
	int err;

	*unreadable = 0;
	if ((err = ds_file_read(path, DS_PDF_MAX, &buf, &len)) < 0 ||
	    (err = ds_pades_verify(path, buf, len, vo, &r)) < 0) {
		if (err == DS_ENOMEM)
			goto done;
		*unreadable = 1;
		if (arr)
			json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:b, s:s, s:[]}", "path",
							     path, "type", "pdf", "indication",
							     "INDETERMINATE", "sub_indication", "",
							     "unreadable", 1, "problem",
							     ds_error_last(), "signatures"));
		else
			printf("%s: unreadable: %s\n", path, ds_error_last());
		err = 0;
		goto done;
	}
	*ind = r->indication;
	if (arr) {
		json_error_t je;
		if ((err = ds_pades_report_json(path, r, &t)) < 0)
			goto done;
		json_array_append_new(arr, json_loads(t, 0, &je));
		goto done;
	}
	printf("%s: %s%s%s\n", path, ds_cli_indication(r->indication),
	       r->sub_indication[0] ? " / " : "", r->sub_indication);
	if (r->problem[0])
		printf("  %s\n", r->problem);
	for (size_t k = 0; k < r->nsigs; k++) {
		const struct ds_pades_sig *s = &r->sigs[k];
		printf("  signature %zu \"%s\" (/%s, %s): %s%s%s\n", k + 1, s->field, s->subfilter,
		       s->whole_file ? "whole file" : "an earlier revision",
		       ds_cli_indication(s->cades.indication), s->cades.sub_indication[0] ? " / " : "",
		       s->cades.sub_indication);
		if (s->cades.signer_subject[0])
			printf("    signer %s, PAdES %s, /M %s\n", s->cades.signer_subject,
			       s->cades.level[0] ? s->cades.level : "?", s->m_time);
		print_checks(s->cades.checks, s->cades.nchecks, verbose);
	}
done:
	free(t);
	free(r);
	free(buf);
	return err;
}

int ds_cli_pades_sign_cb(void *arg, const char *name, const unsigned char *pdf, size_t len,
			 unsigned char **out, size_t *out_len)
{
	struct ds_cli_pades *a = arg;
	unsigned char *mid = NULL;
	size_t mid_len = 0;
	struct ds_pades_opts ao = {.sign = a->opts, .field_name = "Approver", .name = a->approver_name,
				   .reason = "Phê duyệt", .utc_offset = a->utc_offset};
	struct ds_pades_opts so = {.sign = a->opts, .field_name = "Seal", .name = a->seal_name,
				   .reason = "Đóng dấu", .utc_offset = a->utc_offset};
	int err = ds_pades_sign(a->approver, name, pdf, len, &ao, &mid, &mid_len);
	if (err == 0)
		err = ds_pades_sign(a->seal, name, mid, mid_len, &so, out, out_len);
	free(mid);
	return err;
}
