/* Getting a decoded page ready for Tesseract: the scanner's cleanup
 * (deskew, Leptonica's fast orientation test, blank detection; measured on
 * a Sauvola binarisation, but the page handed on keeps its own depth),
 * then Tesseract OSD only when Leptonica is undecided. The original Pix is
 * never modified. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <leptonica/allheaders.h>

#include "dossier/error.h"
#include "dossier/scanner.h"
#include "ocr/ocr_int.h"

/* Skews below this many degrees are left to Tesseract, which reads such a
 * page as well as the straightened one or better (see below). */
#define SKEW_MIN_DEG 1.35

/* A page over DS_OCR_PIXELS_MAX, scaled down to it (1-bit pages through
 * grey, so that the strokes survive; Tesseract reads the grey page).
 * *out is NULL when the page is small enough. */
static int downsample(PIX *in, PIX **out, double *scale)
{
	double px = (double)pixGetWidth(in) * (double)pixGetHeight(in);
	l_int32 xres = 0, yres = 0;
	PIX *g = NULL;

	*out = NULL;
	*scale = 1.0;
	if (px <= DS_OCR_PIXELS_MAX)
		return 0;
	float f = (float)sqrt(DS_OCR_PIXELS_MAX / px);
	pixGetResolution(in, &xres, &yres);
	if (pixGetDepth(in) == 1)
		g = pixScaleToGray(in, f);
	else if (pixGetColormap(in) == NULL && (pixGetDepth(in) == 8 || pixGetDepth(in) == 32))
		g = pixScale(in, f, f);
	else {
		PIX *t = pixConvertTo8(in, 0);
		g = t ? pixScale(t, f, f) : NULL;
		pixDestroy(&t);
	}
	if (!g)
		return ds_error_set(DS_ENOMEM, "out of memory scaling a page of %.0f pixels", px);
	pixSetResolution(g, (l_int32)lround(xres * f), (l_int32)lround(yres * f));
	*out = g;
	*scale = f;
	return 0;
}

int ds_ocr__prepare(ds_ocr_engine *e, struct Pix *in, struct ds_ocr__prepared *out)
{
	struct ds_clean_opts o;
	struct ds_clean_result r;
	PIX *clean = NULL, *turned = NULL, *small = NULL;
	int err, rot = 0;

	memset(out, 0, sizeof *out);
	if ((err = downsample(in, &small, &out->scale)) < 0)
		goto done;
	if (small)
		in = small;
	ds_clean_opts_default(&o);
	/* Tesseract binarises for its layout analysis (Otsu) and its LSTM
	 * reads the grey lines: our Sauvola page cost it up to 3 characters a
	 * page against the tesseract CLI on generated grey pages. So Tesseract
	 * gets the page in its own depth (a deskewed 1 bpp page comes grey:
	 * interpolated, see scanner/clean.c). */
	o.binarize = 0;
	/* Tesseract copes with a small skew itself, and straightening costs
	 * more than it gains: on generated A4 pages (ds-mkscan, 1 bpp and grey,
	 * three fonts) the CLI reads a page skewed up to 1.3° as well as the
	 * straightened page or better (straight lines lose the marks above
	 * bold capitals: TRẢ KẾT QUẢ → TRA KET QUA, on an unskewed page too),
	 * and from 1.4° on it drops whole lines on some pages (CER 0.16 at
	 * 1.4°, 0.32 at 2°, 0.80 at 3°; deskewed: 0.012-0.013). Corpus:
	 * eurotext.tif, 0.8°: CER 0.017 as it is, 0.029 resampled. */
	o.deskew_min = SKEW_MIN_DEG;
	if ((err = ds_page_clean(in, &o, &clean, &r)) < 0)
		goto done;
	if (r.blank) {
		out->blank = 1;
		goto done;
	}
	out->binarized = r.binarized;
	out->skew = r.deskewed ? r.skew_deg : 0.0;
	if (r.orientation_decided) {
		out->rotation = r.rotated ? r.rotation : 0;
		if (!r.rotated && r.rotation != 0) {
			/* decided but not turned (rotate off): turn it here */
			if ((err = ds_page_rotate(clean, r.rotation, &turned)) < 0)
				goto done;
			pixDestroy(&clean);
			clean = turned;
			turned = NULL;
			out->rotation = r.rotation;
		}
	} else {
		/* Undecided: ask OSD (about 0.5 s a page); still undecided
		 * means upright. */
		out->osd_used = 1;
		if (ds_ocr_engine_osd(e, clean, &rot, NULL) == 0 && rot != 0) {
			if ((err = ds_page_rotate(clean, rot, &turned)) < 0)
				goto done;
			pixDestroy(&clean);
			clean = turned;
			turned = NULL;
			out->rotation = rot;
		}
	}
	/* Tesseract's PDF renderer re-encodes a page that says it came from a
	 * PNG through PNG (Flate); told nothing, it picks by depth: CCITT G4
	 * for a 1-bit page (a fraction of the time and of the bytes, and as
	 * lossless), JPEG otherwise. */
	pixSetInputFormat(clean, IFF_UNKNOWN);
	out->pix = clean;
	clean = NULL; /* transferred */
done:
	pixDestroy(&clean);
	pixDestroy(&turned);
	pixDestroy(&small);
	return err;
}
