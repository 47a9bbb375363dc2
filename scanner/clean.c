/* Page cleanup before OCR, with Leptonica: Sauvola binarisation, skew
 * correction, a fast orientation test and blank page detection. The input
 * is never modified. */
#include <math.h>
#include <stdlib.h>

#include <leptonica/allheaders.h>

#include "dossier/error.h"
#include "scanner/scan_int.h"

#define SKEW_CONF_MIN 3.0   /* Leptonica's own threshold for deskewing */
#define SKEW_DEG_MIN 0.1    /* default: smaller corrections are not worth a resample */
#define SAUVOLA_FACTOR 0.34f
#define SAUVOLA_TILE 1024   /* pixels per tile side, bounds the work memory */

void ds_clean_opts_default(struct ds_clean_opts *out)
{
	out->binarize = 1;
	out->deskew = 1;
	out->deskew_min = SKEW_DEG_MIN;
	out->orient = 1;
	out->rotate = 1;
	out->blank = 1;
	out->blank_ink_max = DS_CLEAN_BLANK_INK;
	out->margin = 0.05;
}

static int dpi_of(PIX *p)
{
	l_int32 x = pixGetXRes(p);
	return x >= 50 && x <= 2400 ? x : 300;
}

int ds_page_rotate(struct Pix *in, int degrees_cw, struct Pix **out)
{
	*out = NULL;
	if (in == NULL)
		return ds_error_set(DS_EINVALID, "page image: no image");
	if (degrees_cw % 90 != 0)
		return ds_error_set(DS_EINVALID, "page image: cannot turn by %d degrees", degrees_cw);
	int quads = ((degrees_cw / 90) % 4 + 4) % 4;
	ds_scanner__init();
	PIX *p = pixRotateOrth(in, quads);
	if (p == NULL)
		return ds_error_set(DS_ENOMEM, "page image: out of memory");
	l_int32 xr = pixGetXRes(in), yr = pixGetYRes(in);
	if (quads % 2)
		pixSetResolution(p, yr, xr);
	else
		pixSetResolution(p, xr, yr);
	*out = p;
	return 0;
}

/* 8 bpp grey of any page: always a new Pix, never a clone of `in`, so
 * that threads may clean the same input (Leptonica's reference counts
 * are not atomic). */
static PIX *to_grey(PIX *in)
{
	if (pixGetColormap(in) != NULL)
		return pixRemoveColormap(in, REMOVE_CMAP_TO_GRAYSCALE);
	if (pixGetDepth(in) == 32)
		return pixConvertRGBToLuminance(in);
	if (pixGetDepth(in) == 8)
		return pixCopy(NULL, in);
	return pixConvertTo8(in, 0);
}

static PIX *sauvola(PIX *grey)
{
	PIX *bin = NULL;
	l_int32 w = pixGetWidth(grey), h = pixGetHeight(grey);
	/* window half-size: about a twelfth of an inch, a few characters */
	l_int32 whsize = dpi_of(grey) / 12;
	if (whsize < 7)
		whsize = 7;
	if (2 * whsize + 2 > w || 2 * whsize + 2 > h)
		whsize = (w < h ? w : h) / 2 - 2;
	if (whsize < 2)
		return pixConvertTo1(grey, 128); /* tiny page: a fixed threshold */
	l_int32 nx = (w + SAUVOLA_TILE - 1) / SAUVOLA_TILE, ny = (h + SAUVOLA_TILE - 1) / SAUVOLA_TILE;
	if (pixSauvolaBinarizeTiled(grey, whsize, SAUVOLA_FACTOR, nx, ny, NULL, &bin) != 0)
		return NULL;
	return bin;
}

/* The ink fraction of a 1 bpp page inside the margin, specks removed. */
static int ink_fraction(PIX *bin, double margin, double *ink)
{
	l_int32 w = pixGetWidth(bin), h = pixGetHeight(bin);
	if (!(margin >= 0 && margin < 0.5))
		margin = 0.05;
	l_int32 mx = (l_int32)(w * margin), my = (l_int32)(h * margin);
	BOX *box = boxCreate(mx, my, w - 2 * mx, h - 2 * my);
	PIX *inner = box ? pixClipRectangle(bin, box, NULL) : NULL;
	boxDestroy(&box);
	if (inner == NULL)
		return DS_ENOMEM;
	/* Specks: components smaller than 1/60 inch both ways (dust, paper
	 * grain, binarisation noise); a full stop at 10 pt is about 1/60. */
	l_int32 speck = dpi_of(bin) / 60;
	if (speck < 2)
		speck = 2;
	PIX *clean = pixSelectBySize(inner, speck, speck, 8, L_SELECT_IF_EITHER, L_SELECT_IF_GTE, NULL);
	pixDestroy(&inner);
	if (clean == NULL)
		return DS_ENOMEM;
	l_int32 count = 0;
	pixCountPixels(clean, &count, NULL);
	double area = (double)pixGetWidth(clean) * pixGetHeight(clean);
	*ink = area > 0 ? count / area : 0;
	pixDestroy(&clean);
	return 0;
}

static int orient_of(PIX *bin, int *decided, int *rotation)
{
	l_float32 upconf = 0, leftconf = 0;
	l_int32 orient = L_TEXT_ORIENT_UNKNOWN;
	*decided = 0;
	*rotation = 0;
	/* pixOrientDetect wants 150-300 ppi text; reduce a finer scan. */
	PIX *r = dpi_of(bin) > 400 ? pixReduceRankBinaryCascade(bin, 1, 0, 0, 0) : pixClone(bin);
	PIX *p = NULL;
	if (r == NULL)
		return DS_ENOMEM;
	/* Only the box around the ink: white margins hold nothing to count,
	 * and the test (a closing, hit-miss transforms, a quarter turn for
	 * left and right) costs by the pixel. The same decision on every page of
	 * the corpus but vietsample1.tif, which only the box decides (upright,
	 * rightly); up to 8x faster on a page with wide margins, the same on
	 * one filled to its edges. */
	if (pixClipToForeground(r, &p, NULL) != 0 || p == NULL)
		p = pixClone(r);
	pixDestroy(&r);
	if (p == NULL)
		return DS_ENOMEM;
	if (pixOrientDetect(p, &upconf, &leftconf, 0, 0) == 0 &&
	    makeOrientDecision(upconf, leftconf, 0, 0, &orient, 0) == 0) {
		switch (orient) {
		case L_TEXT_ORIENT_UP: *decided = 1; *rotation = 0; break;
		case L_TEXT_ORIENT_LEFT: *decided = 1; *rotation = 90; break;
		case L_TEXT_ORIENT_DOWN: *decided = 1; *rotation = 180; break;
		case L_TEXT_ORIENT_RIGHT: *decided = 1; *rotation = 270; break;
		default: break;
		}
	}
	pixDestroy(&p);
	return 0;
}

/* Skew of a 1 bpp page: angle and confidence; 0 when not found. */
static void skew_of(PIX *bin, double *deg, double *conf)
{
	l_float32 a = 0, c = 0;
	*deg = 0;
	*conf = 0;
	if (pixFindSkew(bin, &a, &c) == 0 && isfinite(a) && isfinite(c)) {
		*deg = a;
		*conf = c;
	}
}

/* Replaces *p by its rotation about the centre by `deg` (white comes in).
 * `measure` is only for measuring (the 1 bpp copy the orientation and
 * blank tests read): sampled, cheap. Otherwise the page is interpolated
 * (area mapping), and a 1 bpp page is first spread to 8 bpp for that:
 * sampling a 1 bpp page moves every edge pixel by up to half a pixel,
 * which breaks thin strokes and the small marks above capitals (NHẬN read
 * as NHẠN); the grey result keeps the shape of the glyphs. */
static int rotate_small(PIX **p, double deg, int measure)
{
	PIX *src = *p, *grey = NULL, *r;
	int d = pixGetDepth(src);
	if (d == 1 && !measure) {
		if ((grey = pixConvertTo8(src, 0)) == NULL)
			return DS_ENOMEM;
		src = grey;
		d = 8;
	}
	r = pixRotate(src, (l_float32)(deg * M_PI / 180.0),
		      d == 1 ? L_ROTATE_SAMPLING : L_ROTATE_AREA_MAP, L_BRING_IN_WHITE, 0, 0);
	pixDestroy(&grey);
	if (r == NULL)
		return DS_ENOMEM;
	pixCopyResolution(r, *p);
	pixDestroy(p);
	*p = r;
	return 0;
}

/* Measures the skew on *bin and, when trusted and large enough, rotates
 * *bin (sampled) and *page (interpolated). */
static int deskew(PIX **bin, PIX **page, double min_deg, struct ds_clean_result *res)
{
	skew_of(*bin, &res->skew_deg, &res->skew_conf);
	if (res->skew_conf < SKEW_CONF_MIN || fabs(res->skew_deg) < min_deg)
		return 0;
	if (rotate_small(bin, res->skew_deg, 1) < 0 || rotate_small(page, res->skew_deg, 0) < 0)
		return ds_error_set(DS_ENOMEM, "page image: out of memory");
	res->deskewed = 1;
	return 0;
}

static int turn(PIX **p, int deg)
{
	PIX *r = NULL;
	int err = ds_page_rotate(*p, deg, &r);
	if (err < 0)
		return err;
	pixDestroy(p);
	*p = r;
	return 0;
}

int ds_page_clean(struct Pix *in, const struct ds_clean_opts *o, struct Pix **out,
                  struct ds_clean_result *r)
{
	struct ds_clean_opts def;
	struct ds_clean_result res = {0};
	PIX *grey = NULL, *bin = NULL, *page = NULL, *keep = NULL;
	int err = 0;

	*out = NULL;
	if (r)
		*r = res;
	ds_scanner__init();
	if (o == NULL) {
		ds_clean_opts_default(&def);
		o = &def;
	}
	if (in == NULL || pixGetWidth(in) < 1 || pixGetHeight(in) < 1)
		return ds_error_set(DS_EINVALID, "page image: no image");
	int d = pixGetDepth(in);
	if (d != 1 && d != 8 && d != 32 && pixGetColormap(in) == NULL)
		return ds_error_set(DS_EINVALID, "page image: cannot clean %d bits per pixel", d);

	/* bin: the 1 bpp page everything is measured on */
	if (d == 1 && pixGetColormap(in) == NULL) {
		bin = pixCopy(NULL, in);
	} else {
		if ((grey = to_grey(in)) == NULL) {
			err = ds_error_set(DS_ENOMEM, "page image: out of memory");
			goto done;
		}
		pixCopyResolution(grey, in);
		bin = sauvola(grey);
	}
	if (bin == NULL) {
		err = ds_error_set(DS_ENOMEM, "page image: out of memory");
		goto done;
	}
	pixCopyResolution(bin, in);
	/* page: the input in its own depth, deskewed and turned like bin;
	 * binarised (or not) at the end */
	double min_deg = o->deskew_min > SKEW_DEG_MIN ? o->deskew_min : SKEW_DEG_MIN;
	page = pixGetColormap(in) != NULL ? pixRemoveColormap(in, REMOVE_CMAP_BASED_ON_SRC)
					  : pixCopy(NULL, in);
	if (page == NULL) {
		err = ds_error_set(DS_ENOMEM, "page image: out of memory");
		goto done;
	}
	pixCopyResolution(page, in);

	if (o->deskew && (err = deskew(&bin, &page, min_deg, &res)) < 0)
		goto done;
	if (o->orient) {
		if (orient_of(bin, &res.orientation_decided, &res.rotation) < 0) {
			err = ds_error_set(DS_ENOMEM, "page image: out of memory");
			goto done;
		}
		if (o->rotate && res.orientation_decided && res.rotation != 0) {
			if ((err = turn(&bin, res.rotation)) < 0 || (err = turn(&page, res.rotation)) < 0)
				goto done;
			res.rotated = 1;
			/* A page on its side has no horizontal text lines to
			 * measure skew on: measure again, upright. */
			if (o->deskew && !res.deskewed && (res.rotation == 90 || res.rotation == 270) &&
			    (err = deskew(&bin, &page, min_deg, &res)) < 0)
				goto done;
		}
	}
	/* The output. Binarised, a grey or colour page is bin itself unless it
	 * was deskewed: then its interpolated rotation is binarised again (bin
	 * was rotated by sampling, for measuring only). A deskewed 1 bpp page
	 * (grey after the rotation) goes back to 1 bpp at the middle grey. */
	if (!o->binarize || pixGetDepth(page) == 1) {
		keep = pixClone(page);
	} else if (d == 1 && pixGetDepth(page) == 8) {
		keep = pixThresholdToBinary(page, 128);
	} else if (!res.deskewed) {
		keep = pixClone(bin);
		res.binarized = 1;
	} else {
		PIX *g = to_grey(page);
		if (g != NULL) {
			pixCopyResolution(g, page);
			keep = sauvola(g);
		}
		pixDestroy(&g);
		res.binarized = 1;
	}
	if (keep == NULL) {
		err = ds_error_set(DS_ENOMEM, "page image: out of memory");
		goto done;
	}
	pixCopyResolution(keep, page);
	if (o->blank) {
		if (ink_fraction(bin, o->margin, &res.ink) < 0) {
			err = ds_error_set(DS_ENOMEM, "page image: out of memory");
			goto done;
		}
		/* Sauvola sees only local contrast: a uniformly dark page comes
		 * out white. A fixed threshold on the grey page catches it. */
		if (grey != NULL && res.ink <= o->blank_ink_max) {
			PIX *global = pixThresholdToBinary(grey, 128);
			double ink2 = 0;
			if (global != NULL)
				pixCopyResolution(global, grey);
			if (global == NULL || ink_fraction(global, o->margin, &ink2) < 0) {
				pixDestroy(&global);
				err = ds_error_set(DS_ENOMEM, "page image: out of memory");
				goto done;
			}
			pixDestroy(&global);
			if (ink2 > res.ink)
				res.ink = ink2;
		}
		res.blank = res.ink <= o->blank_ink_max;
	}
	*out = keep;
	keep = NULL; /* transferred */
	if (r)
		*r = res;
done:
	pixDestroy(&grey);
	pixDestroy(&bin);
	pixDestroy(&page);
	pixDestroy(&keep);
	return err;
}
