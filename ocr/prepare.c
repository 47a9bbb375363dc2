/* Getting a decoded page ready for Tesseract: blank test, orientation
 * (Leptonica's fast test, Tesseract OSD only when it is undecided) and
 * deskew. The original Pix is never modified. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <leptonica/allheaders.h>

#include "dossier/error.h"
#include "ocr/ocr_int.h"

/* A page whose ink (after removing specks) covers less than this share of
 * its area is blank. A single word at 300 dpi covers ~1e-3 of an A4 page. */
#define BLANK_INK_MAX 0.0002
#define SKEW_MIN_DEG 1.0 /* Tesseract copes with less; each rotation resamples */
#define SKEW_MIN_CONF 2.0

static PIX *to_binary(PIX *pix)
{
	PIX *g = NULL, *b = NULL;
	if (pixGetDepth(pix) == 1)
		return pixClone(pix);
	g = pixConvertTo8(pix, 0);
	if (!g)
		return NULL;
	/* Otsu over tiles: robust on uneven scans. */
	if (pixOtsuAdaptiveThreshold(g, 2000, 2000, 0, 0, 0.0f, NULL, &b) != 0)
		b = NULL;
	pixDestroy(&g);
	return b;
}

int ds_ocr__prepare(ds_ocr_engine *e, struct Pix *in, struct ds_ocr__prepared *out)
{
	PIX *bin = NULL, *clean = NULL, *turned = NULL, *deskewed = NULL, *tb = NULL;
	l_float32 upconf = 0, leftconf = 0, angle = 0, conf = 0;
	l_int32 orient = L_TEXT_ORIENT_UNKNOWN, count = 0;
	int err = 0, quads = 0;

	memset(out, 0, sizeof *out);
	if (!(bin = to_binary(in))) {
		err = ds_error_set(DS_ERROR, "cannot binarise the page");
		goto done;
	}
	/* Blank: ink left after an opening that removes dust and speckle. */
	clean = pixSelectBySize(bin, 4, 4, 8, L_SELECT_IF_BOTH, L_SELECT_IF_GTE, NULL);
	if (!clean || pixCountPixels(clean, &count, NULL) != 0) {
		err = ds_error_set(DS_ERROR, "cannot measure the page's ink");
		goto done;
	}
	if ((double)count < BLANK_INK_MAX * pixGetWidth(bin) * pixGetHeight(bin)) {
		out->blank = 1;
		goto done;
	}
	/* Orientation: Leptonica first (milliseconds), OSD when undecided. */
	if (pixOrientDetect(bin, &upconf, &leftconf, 0, 0) == 0)
		makeOrientDecision(upconf, leftconf, 0.0f, 0.0f, &orient, 0);
	switch (orient) {
	case L_TEXT_ORIENT_UP: quads = 0; break;
	case L_TEXT_ORIENT_LEFT: quads = 1; break;  /* text turned left: turn right */
	case L_TEXT_ORIENT_DOWN: quads = 2; break;
	case L_TEXT_ORIENT_RIGHT: quads = 3; break;
	default: {
		int rot = 0;
		if (ds_ocr_engine_osd(e, in, &rot, NULL) == 0)
			quads = rot / 90;
		out->osd_used = 1;
		break;
	}
	}
	out->rotation = quads * 90;
	turned = quads ? pixRotateOrth(in, quads) : pixClone(in);
	if (!turned) {
		err = ds_error_set(DS_ENOMEM, "cannot turn the page");
		goto done;
	}
	/* Deskew, measured on the binary page turned the same way. */
	tb = quads ? pixRotateOrth(bin, quads) : pixClone(bin);
	if (tb && pixFindSkew(tb, &angle, &conf) == 0 && conf >= SKEW_MIN_CONF &&
	    fabs(angle) >= SKEW_MIN_DEG) {
		/* Rotating a 1 bpp page shears it; turn it to grey first so
		 * the rotation interpolates and Tesseract thresholds once. */
		PIX *g = pixGetDepth(turned) == 1 ? pixConvertTo8(turned, 0) : pixClone(turned);
		deskewed = g ? pixRotate(g, (l_float32)(M_PI / 180.0) * angle, L_ROTATE_AREA_MAP,
					 L_BRING_IN_WHITE, 0, 0) : NULL;
		pixDestroy(&g);
		if (deskewed) {
			out->skew = angle;
			pixDestroy(&turned);
			turned = deskewed;
		}
	}
	out->pix = turned;
	turned = NULL; /* transferred */
done:
	pixDestroy(&bin);
	pixDestroy(&clean);
	pixDestroy(&turned);
	pixDestroy(&tb);
	return err;
}
