/* Private to ocr/. */
#ifndef DOSSIER_OCR_INT_H
#define DOSSIER_OCR_INT_H

#include <tesseract/capi.h>

#include "dossier/ocr.h"

/* CPU seconds used by the calling thread so far. */
double ds_ocr__thread_cpu(void);

/* Frees a result's text and hOCR and zeroes it, keeping the CPU counts. */
void ds_ocr__result_drop(struct ds_ocr_result *r);

/* `t`, or the default tessdata folder when NULL or empty. */
const char *ds_ocr__tessdata(const char *t);

/* The TessBaseAPI holding the page last recognised (NULL when none). */
TessBaseAPI *ds_ocr__engine_last(ds_ocr_engine *e);

struct Pix;
struct ds_ocr__prepared {
	struct Pix *pix;   /* upright page for Tesseract in its own depth, deskewed
			    * from 1.35 degrees (caller destroys) */
	int blank;         /* 1: no ink; pix is NULL */
	int rotation;      /* clockwise turn applied: 0, 90, 180, 270 */
	double skew;       /* degrees corrected */
	int binarized;     /* 0: the OCR no longer binarises */
	int osd_used;      /* Leptonica was undecided and OSD was asked */
	double scale;      /* 1, or the factor the page was downsampled by (a page
	                    * over DS_OCR_PIXELS_MAX): its resolution is scaled too */
};

/* Pages larger than this are downsampled before cleaning and recognition,
 * so that one OCR worker stays well under 512 MB whatever the page
 * (bench/rss.sh): A4 at 400 dpi (15.5 Mpx) and A3 at 300 dpi (17.4) are
 * read as they are or nearly; A4 at 600 dpi is read at about 400. */
#define DS_OCR_PIXELS_MAX ((double)18e6)

/* Blank test, orientation (Leptonica, then OSD through `e` when undecided)
 * and deskew of a decoded page. `in` is not modified. */
int ds_ocr__prepare(ds_ocr_engine *e, struct Pix *in, struct ds_ocr__prepared *out);

/* Removes a page PDF folder HOME/tmp/ocr-pages-CODE and its files
 * (ocr/check.c). */
void ds_ocr__remove_pdf_dir(const char *dir);

#endif
