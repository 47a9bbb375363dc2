/* The dossier's searchable PDF through Tesseract's PDF renderer: each page
 * image with an invisible text layer, pages appended in order. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
