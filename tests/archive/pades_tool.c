/* Test driver for tests/e2e/pades.sh and bench/pades.sh: the library's
 * PAdES signer behind positional commands.
 *   ds_pades_tool sign KEY CERT PASSFILE IN OUT FIELD [B-B|B-T [TSA_URL TSA_CA]]
 *   ds_pades_tool mkpdf OUT PAGES    (a plain PDF of PAGES pages drawn with cairo)
 * Exit 0 done, 65 input refused (the message on stderr), 1 other failures. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo-pdf.h>
#include <cairo.h>

#include "dossier/error.h"
#include "dossier/fs.h"
#include "dossier/pades.h"
#include "dossier/signer.h"

static char secret[1024];

static int fail(const char *what)
{
	int code = ds_error_last_code();
	fprintf(stderr, "%s: %s\n", what, ds_error_last());
	return code == DS_EINVALID || code == DS_EUNSUPPORTED || code == DS_ETOOBIG || code == DS_EPERM
		       ? 65
		       : 1;
}

static int mkpdf(const char *out, int pages)
{
	cairo_surface_t *s = cairo_pdf_surface_create(out, 595, 842);
	cairo_t *c = cairo_create(s);
	for (int i = 0; i < pages; i++) {
		char line[64];
		cairo_select_font_face(c, "Liberation Serif", CAIRO_FONT_SLANT_NORMAL,
				       CAIRO_FONT_WEIGHT_NORMAL);
		cairo_set_font_size(c, 14);
		cairo_move_to(c, 72, 100);
		cairo_show_text(c, "GIAY CHUNG NHAN - Giấy chứng nhận quyền sử dụng đất");
		snprintf(line, sizeof line, "Trang %d / %d", i + 1, pages);
		cairo_move_to(c, 72, 130);
		cairo_show_text(c, line);
		cairo_show_page(c);
	}
	cairo_destroy(c);
	cairo_surface_finish(s);
	int st = cairo_surface_status(s);
	cairo_surface_destroy(s);
	return st == CAIRO_STATUS_SUCCESS ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "mkpdf") == 0)
		return mkpdf(argv[2], strtol(argv[3], NULL, 10) > 0 ? (int)strtol(argv[3], NULL, 10) : 1);
	if (argc < 8 || strcmp(argv[1], "sign") != 0) {
		fprintf(stderr, "usage: ds_pades_tool sign KEY CERT PASSFILE IN OUT FIELD [B-B|B-T [TSA_URL TSA_CA]]\n");
		return 64;
	}
	FILE *f = fopen(argv[4], "r");
	if (!f || !fgets(secret, sizeof secret, f))
		return fail(argv[4]);
	fclose(f);
	secret[strcspn(secret, "\r\n")] = '\0';
	ds_signer *s = NULL;
	unsigned char *in = NULL, *out = NULL;
	size_t len = 0, out_len = 0;
	int rc = 0;
	if (ds_signer_load_file(&s, argv[2], argv[3], secret, strlen(secret)) < 0) {
		rc = fail("key");
		goto done;
	}
	if (ds_file_read(argv[5], DS_PDF_MAX, &in, &len) < 0) {
		rc = fail(argv[5]);
		goto done;
	}
	struct ds_pades_opts o = {.field_name = argv[7], .name = "Nguyễn Văn An",
				  .reason = "Phê duyệt", .location = "Bắc Ninh", .utc_offset = 7 * 3600};
	if (argc > 8 && strcmp(argv[8], "B-T") == 0) {
		o.sign.level = DS_CADES_B_T;
		o.sign.tsa_url = argc > 9 ? argv[9] : NULL;
		o.sign.tsa_ca_pem_path = argc > 10 ? argv[10] : NULL;
	}
	if (ds_pades_sign(s, argv[5], in, len, &o, &out, &out_len) < 0) {
		rc = fail("sign");
		goto done;
	}
	f = fopen(argv[6], "wb");
	if (!f || fwrite(out, 1, out_len, f) != out_len || fclose(f) != 0)
		rc = fail(argv[6]);
done:
	free(in);
	free(out);
	ds_signer_free(s);
	return rc;
}
