/* The searchable PDF: Tesseract's PDF renderer makes each page (its image
 * with an invisible text layer), qpdf joins a dossier's pages into one
 * document. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <qpdf/qpdf-c.h>
#include <tesseract/capi.h>

#include "dossier/error.h"
#include "dossier/fs.h"
#include "dossier/ocr.h"
#include "ocr/ocr_int.h"

struct ds_ocr_pdf {
	TessResultRenderer *r;
	int begun, finished;
	size_t pages;
};

int ds_ocr_pdf_new(ds_ocr_pdf **out, const char *tessdata, const char *path_base,
		   const char *title)
{
	ds_ocr_pdf *p = NULL;
	char font[DS_PATH_MAX];
	const char *td = ds_ocr__tessdata(tessdata);
	int err;

	*out = NULL;
	if ((err = ds_fmt(font, sizeof font, "%s/pdf.ttf", td)) < 0)
		return err;
	if (access(font, R_OK) != 0)
		return ds_error_set(DS_ENOTFOUND, "%s: missing (the PDF renderer needs it)", font);
	p = calloc(1, sizeof *p);
	if (!p)
		return ds_error_set(DS_ENOMEM, "out of memory");
	p->r = TessPDFRendererCreate(path_base, td, 0);
	if (!p->r) {
		err = ds_error_set(DS_ERROR, "%s.pdf: cannot create the PDF renderer", path_base);
		goto done;
	}
	if (!TessResultRendererBeginDocument(p->r, title ? title : "")) {
		err = ds_error_set(DS_EIO, "%s.pdf: cannot start the PDF", path_base);
		goto done;
	}
	p->begun = 1;
	*out = p;
	p = NULL; /* transferred */
done:
	ds_ocr_pdf_free(p);
	return err;
}

int ds_ocr_pdf_add(ds_ocr_pdf *p, ds_ocr_engine *e)
{
	TessBaseAPI *api = ds_ocr__engine_last(e);
	if (!api)
		return ds_error_set(DS_EINVALID, "PDF: the engine holds no recognised page");
	if (p->finished)
		return ds_error_set(DS_EINVALID, "PDF: already finished");
	if (!TessResultRendererAddImage(p->r, api))
		return ds_error_set(DS_EIO, "PDF: cannot add page %zu", p->pages + 1);
	p->pages++;
	return 0;
}

int ds_ocr_pdf_finish(ds_ocr_pdf *p)
{
	if (p->finished)
		return 0;
	if (p->pages == 0)
		return ds_error_set(DS_EINVALID, "PDF: no pages");
	p->finished = 1;
	if (!TessResultRendererEndDocument(p->r))
		return ds_error_set(DS_EIO, "PDF: cannot write the end of the document");
	return 0;
}

void ds_ocr_pdf_free(ds_ocr_pdf *p)
{
	if (!p)
		return;
	/* The renderer's destructor closes its file. */
	if (p->r)
		TessDeleteResultRenderer(p->r);
	free(p);
}

/* The message of qpdf's last error on `q`. */
static int qpdf_fail(qpdf_data q, const char *what)
{
	const char *t = qpdf_has_error(q) ? qpdf_get_error_full_text(q, qpdf_get_error(q)) : NULL;
	return ds_error_set(DS_EIO, "%s: %s", what, t ? t : "qpdf failed");
}

int ds_ocr_pdf_merge(const char *const *inputs, size_t n, const char *title, const char *out_path,
		     size_t max_input, size_t *pages_out)
{
	qpdf_data out = qpdf_init(), *in = NULL;
	unsigned char **bufs = NULL;
	size_t pages = 0;
	int err = 0;

	*pages_out = 0;
	if (n == 0)
		return ds_error_set(DS_EINVALID, "PDF: no pages to join");
	in = calloc(n, sizeof(qpdf_data));
	bufs = calloc(n, sizeof *bufs);
	if (!out || !in || !bufs) {
		err = ds_error_set(DS_ENOMEM, "out of memory");
		goto done;
	}
	qpdf_silence_errors(out);
	if (qpdf_empty_pdf(out) & QPDF_ERRORS) {
		err = qpdf_fail(out, out_path);
		goto done;
	}
	/* The inputs stay open until the write: qpdf copies their streams then. */
	for (size_t i = 0; i < n; i++) {
		size_t len = 0;
		if ((err = ds_file_read(inputs[i], max_input, &bufs[i], &len)) < 0)
			goto done;
		if (!(in[i] = qpdf_init())) {
			err = ds_error_set(DS_ENOMEM, "out of memory");
			goto done;
		}
		qpdf_silence_errors(in[i]);
		if (qpdf_read_memory(in[i], inputs[i], (const char *)bufs[i], (unsigned long long)len,
				     NULL) & QPDF_ERRORS) {
			err = qpdf_fail(in[i], inputs[i]);
			goto done;
		}
		int np = qpdf_get_num_pages(in[i]);
		if (np <= 0) {
			err = np < 0 ? qpdf_fail(in[i], inputs[i])
				     : ds_error_set(DS_ECORRUPT, "%s: no page", inputs[i]);
			goto done;
		}
		for (int k = 0; k < np; k++) {
			if (qpdf_add_page(out, in[i], qpdf_get_page_n(in[i], (size_t)k), QPDF_FALSE) &
			    QPDF_ERRORS) {
				err = qpdf_fail(out, inputs[i]);
				goto done;
			}
			pages++;
		}
	}
	qpdf_oh info = qpdf_oh_new_dictionary(out);
	qpdf_oh_replace_key(out, info, "/Title", qpdf_oh_new_unicode_string(out, title ? title : ""));
	qpdf_oh_replace_key(out, info, "/Producer", qpdf_oh_new_unicode_string(out, "dossier (Tesseract, qpdf)"));
	qpdf_oh_replace_key(out, qpdf_get_trailer(out), "/Info", qpdf_make_indirect_object(out, info));
	if ((qpdf_init_write(out, out_path) & QPDF_ERRORS)) {
		err = qpdf_fail(out, out_path);
		goto done;
	}
	qpdf_set_object_stream_mode(out, qpdf_o_generate);
	qpdf_set_deterministic_ID(out, QPDF_TRUE);
	if (qpdf_write(out) & QPDF_ERRORS) {
		err = qpdf_fail(out, out_path);
		goto done;
	}
	*pages_out = pages;
done:
	if (err < 0)
		(void)unlink(out_path);
	for (size_t i = 0; in && i < n; i++)
		if (in[i])
			qpdf_cleanup(&in[i]);
	for (size_t i = 0; bufs && i < n; i++)
		free(bufs[i]);
	free(in);
	free(bufs);
	if (out)
		qpdf_cleanup(&out);
	return err;
}
