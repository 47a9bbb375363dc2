/* QR codes on receipt cover sheets: decoding a page with zbar. */
#include "dossier/qr.h"

#include <allheaders.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zbar.h>

#include "dossier/error.h"

/* An 8-bit grey copy of `pix`, scaled down when it is larger than
 * DS_QR_PIXELS_MAX, as one contiguous Y800 buffer for zbar. */
static int gray_buffer(struct Pix *pix, unsigned char **out, unsigned *w_out, unsigned *h_out)
{
	PIX *g = NULL, *s = NULL;
	unsigned char *buf = NULL;
	int err = 0;
	l_int32 w, h;
	size_t npix;

	if (pixGetWidth(pix) <= 0 || pixGetHeight(pix) <= 0) {
		err = ds_error_set(DS_EINVALID, "qr: empty page");
		goto done;
	}
	if (!(g = pixConvertTo8(pix, 0))) {
		err = ds_error_set(DS_EINVALID, "qr: cannot convert a %d-bit page to grey",
				   pixGetDepth(pix));
		goto done;
	}
	w = pixGetWidth(g);
	h = pixGetHeight(g);
	if (__builtin_mul_overflow((size_t)w, (size_t)h, &npix)) {
		err = ds_error_set(DS_ETOOBIG, "qr: page of %dx%d pixels", w, h);
		goto done;
	}
	if (npix > DS_QR_PIXELS_MAX) {
		float f = (float)sqrt((double)DS_QR_PIXELS_MAX / (double)npix);
		if (!(s = pixScaleAreaMap(g, f, f))) {
			err = ds_error_set(DS_ENOMEM, "qr: cannot scale a %dx%d page", w, h);
			goto done;
		}
		pixDestroy(&g);
		g = s;
		s = NULL;
		w = pixGetWidth(g);
		h = pixGetHeight(g);
		npix = (size_t)w * (size_t)h;
	}
	if (!(buf = malloc(npix))) {
		err = ds_error_set(DS_ENOMEM, "qr: out of memory for a %dx%d page", w, h);
		goto done;
	}
	{
		l_uint32 *data = pixGetData(g);
		l_int32 wpl = pixGetWpl(g);
		for (l_int32 y = 0; y < h; y++) {
			l_uint32 *line = data + (size_t)y * (size_t)wpl;
			unsigned char *row = buf + (size_t)y * (size_t)w;
			for (l_int32 x = 0; x < w; x++)
				row[x] = (unsigned char)GET_DATA_BYTE(line, x);
		}
	}
	*out = buf;
	buf = NULL; /* transferred */
	*w_out = (unsigned)w;
	*h_out = (unsigned)h;
done:
	free(buf);
	pixDestroy(&g);
	pixDestroy(&s);
	return err;
}

/* ---- before zbar: can this 1-bit page hold a QR code that zbar finds? ----
 *
 * zbar finds a QR code by its three finder patterns. Along each scan line
 * it tests every run of bar, space, bar, space, bar for the proportions
 * 1:1:3:1:1, comparing the sums of neighbouring runs with the sum of all
 * five (decode_e in zbar's decoder.h); it keeps the lines that pass, and a
 * finder is where lines across cross lines down; it decodes only from
 * three finders (qrdec.c). On a 1-bit page the runs are exact and cheap to
 * find a word at a time, so the same test on every row and every column
 * (zbar, as we set it, scans every second) followed by the crossings tells
 * whether zbar can find anything: fewer than three places where lines
 * across cross lines down in the wide middle run of both, and there is no
 * QR code for zbar to read. Letters pass the run test now and then, but
 * seldom both ways on neighbouring lines at one place; the page is then
 * not given to zbar, which costs about 10 ms on an A4 page at 100 dpi. */
#define QR_FINDERS 3
#define QR_HITS_MAX 4096 /* more lines than this: let zbar decide */

struct finder_hit {
	l_int32 line;       /* row (across) or column (down) */
	l_int32 lo, hi;     /* the middle (3-module) run along the line */
};

/* zbar's decode_e(e, s, 7): the pair width e of total s in modules, minus
 * two; -1 when out of range. Widths are in zbar's 1/32 pixel. */
static int finder_e(uint64_t e, uint64_t s)
{
	uint64_t x = (e * 14 + 1) / s;
	if (x < 3)
		return -1;
	x = (x - 3) / 2;
	return x >= 4 ? -1 : (int)x;
}

/* The lines of rows of 1-bit `pix` (1 = dark) that cross something shaped
 * like a finder pattern, at most QR_HITS_MAX (then -1). run[] holds w + 1
 * widths. */
static int finder_rows(PIX *pix, unsigned *run, struct finder_hit *hit, size_t *nhit)
{
	const l_int32 w = pixGetWidth(pix), h = pixGetHeight(pix), wpl = pixGetWpl(pix);
	const l_uint32 *data = pixGetData(pix);
	const l_int32 words = (w + 31) / 32;

	*nhit = 0;
	for (l_int32 y = 0; y < h; y++) {
		const l_uint32 *line = data + (size_t)y * (size_t)wpl;
		size_t n = 0;
		l_int32 start = 0;
		l_uint32 prev = 0; /* the pixel before the row: light */

		for (l_int32 k = 0; k < words; k++) {
			l_uint32 v = line[k], mask = ~0u;
			l_int32 valid = w - k * 32;
			if (valid < 32)
				mask = ~(0xFFFFFFFFu >> valid);
			v &= mask;
			/* bit b (from the top) differs from the pixel before it */
			l_uint32 t = (v ^ ((v >> 1) | (prev << 31))) & mask;
			while (t) {
				int b = __builtin_clz(t);
				l_int32 x = k * 32 + b;
				run[n++] = (unsigned)(x - start);
				start = x;
				t &= ~(0x80000000u >> b);
			}
			prev = v & 1;
		}
		run[n++] = (unsigned)(w - start);
		/* run[0] is light (maybe empty): dark runs have odd indices */
		l_int32 x0 = (l_int32)run[0];
		for (size_t i = 1; i + 4 < n; i += 2) {
			uint64_t s = 32 * ((uint64_t)run[i] + run[i + 1] + run[i + 2] + run[i + 3] +
					   run[i + 4]);
			if (finder_e(32 * ((uint64_t)run[i] + run[i + 1]), s) == 0 &&
			    finder_e(32 * ((uint64_t)run[i + 1] + run[i + 2]), s) == 2 &&
			    finder_e(32 * ((uint64_t)run[i + 2] + run[i + 3]), s) == 2 &&
			    finder_e(32 * ((uint64_t)run[i + 3] + run[i + 4]), s) == 0) {
				if (*nhit == QR_HITS_MAX)
					return -1;
				l_int32 lo = x0 + (l_int32)(run[i] + run[i + 1]);
				hit[*nhit].line = y;
				hit[*nhit].lo = lo;
				hit[*nhit].hi = lo + (l_int32)run[i + 2] - 1;
				(*nhit)++;
			}
			x0 += (l_int32)(run[i] + run[i + 1]);
		}
	}
	return 0;
}

/* Places where lines across meet lines down, both in their middle runs,
 * that could be finders: each met by at least two rows and two columns
 * (zbar wants three lines in each of the two clusters that cross at a
 * finder; one fewer here is the margin for exact runs against its edge
 * detector). Counted up to QR_FINDERS; too many candidates count as
 * QR_FINDERS (zbar decides). */
#define QR_PLACES_MAX 256
static int finder_crossings(const struct finder_hit *across, size_t na,
			    const struct finder_hit *down, size_t nd)
{
	struct place {
		l_int32 x, y, r;          /* the first crossing, and the reach of the place */
		l_int32 x0, x1, y0, y1;   /* the columns and rows that met there */
	} *c = malloc(QR_PLACES_MAX * sizeof(*c));
	int nc = 0, good = 0;

	if (!c)
		return QR_FINDERS;
	for (size_t i = 0; i < na; i++) {
		/* the lines down are in column order: those within this middle run */
		size_t lo = 0, hi = nd;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (down[mid].line < across[i].lo)
				lo = mid + 1;
			else
				hi = mid;
		}
		const l_int32 r = across[i].hi - across[i].lo + 1;
		for (size_t j = lo; j < nd && down[j].line <= across[i].hi; j++) {
			l_int32 x = down[j].line, y = across[i].line;
			if (y < down[j].lo || y > down[j].hi)
				continue;
			/* the same place: within the smaller of the two reaches (a wide
			 * mark must not swallow a finder beside it: counting one place
			 * twice only sends the page to zbar) */
			int k = 0;
			while (k < nc) {
				l_int32 reach = c[k].r < r ? c[k].r : r;
				if (abs(c[k].x - x) <= reach && abs(c[k].y - y) <= reach)
					break;
				k++;
			}
			if (k == nc) {
				if (nc == QR_PLACES_MAX) {
					free(c);
					return QR_FINDERS;
				}
				/* one finder: within its middle run's width of this point */
				c[nc] = (struct place){x, y, r, x, x, y, y};
				nc++;
				continue;
			}
			int before = c[k].x1 > c[k].x0 && c[k].y1 > c[k].y0;
			c[k].x0 = x < c[k].x0 ? x : c[k].x0;
			c[k].x1 = x > c[k].x1 ? x : c[k].x1;
			c[k].y0 = y < c[k].y0 ? y : c[k].y0;
			c[k].y1 = y > c[k].y1 ? y : c[k].y1;
			if (!before && c[k].x1 > c[k].x0 && c[k].y1 > c[k].y0 && ++good == QR_FINDERS) {
				free(c);
				return QR_FINDERS;
			}
		}
	}
	free(c);
	return good;
}

/* 1: three finders, 0: fewer, -1: not a page this test applies to, or out
 * of memory (zbar decides; a scaled-down page is not what it sees). */
static int finders_seen(struct Pix *pix)
{
	PIX *turned = NULL;
	unsigned *run = NULL;
	struct finder_hit *across = NULL, *down = NULL;
	size_t npix, na = 0, nd = 0;
	int maybe = -1;

	if (!pix || pixGetDepth(pix) != 1 || pixGetColormap(pix) || pixGetWidth(pix) <= 0 ||
	    pixGetHeight(pix) <= 0 ||
	    __builtin_mul_overflow((size_t)pixGetWidth(pix), (size_t)pixGetHeight(pix), &npix) ||
	    npix > DS_QR_PIXELS_MAX)
		return -1;
	const l_int32 h = pixGetHeight(pix);
	const l_int32 longest = pixGetWidth(pix) > h ? pixGetWidth(pix) : h;
	if (!(run = malloc(((size_t)longest + 1) * sizeof(*run))) ||
	    !(across = malloc(QR_HITS_MAX * sizeof(*across))) ||
	    !(down = malloc(QR_HITS_MAX * sizeof(*down))))
		goto done;
	if (finder_rows(pix, run, across, &na) < 0)
		goto done;
	if (na == 0) {
		maybe = 0;
		goto done;
	}
	/* columns: the rows of the page turned clockwise, where column x is row
	 * x and the pixel at y is at h - 1 - y along it */
	if (!(turned = pixRotate90(pix, 1)) || finder_rows(turned, run, down, &nd) < 0)
		goto done;
	for (size_t j = 0; j < nd; j++) {
		l_int32 lo = h - 1 - down[j].hi;
		down[j].hi = h - 1 - down[j].lo;
		down[j].lo = lo;
	}
	maybe = finder_crossings(across, na, down, nd) >= QR_FINDERS;
done:
	pixDestroy(&turned);
	free(run);
	free(across);
	free(down);
	return maybe;
}

int ds_qr_maybe(struct Pix *pix)
{
	return finders_seen(pix) != 0;
}

int ds_qr_decode(struct ds_qr_result *out, struct Pix *pix)
{
	zbar_image_scanner_t *sc = NULL;
	zbar_image_t *img = NULL;
	unsigned char *buf = NULL;
	unsigned w = 0, h = 0;
	int err;

	memset(out, 0, sizeof(*out));
	if (!pix)
		return ds_error_set(DS_EINVALID, "qr: no page");
	int finders = finders_seen(pix);
	if (finders == 0)
		return 0;
	if ((err = gray_buffer(pix, &buf, &w, &h)) < 0)
		goto done;
	if (!(sc = zbar_image_scanner_create()) || !(img = zbar_image_create())) {
		err = ds_error_set(DS_ENOMEM, "qr: cannot create the zbar scanner");
		goto done;
	}
	/* QR only: linear barcodes on a citizen's documents are not ours, and
	 * fewer decoders make fewer false reads. */
	zbar_image_scanner_set_config(sc, ZBAR_NONE, ZBAR_CFG_ENABLE, 0);
	zbar_image_scanner_set_config(sc, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1);
	/* A 1-bit page that shows three finders is scanned on every row and
	 * column (a speckled, skewed receipt may need them all). Other pages
	 * (grey, colour) every second: a finder pattern is 7 modules, so even
	 * 4-pixel modules (a receipt scanned at 100 dpi) cross 14 scan lines,
	 * and every such page pays for this. */
	int density = finders == 1 ? 1 : 2;
	zbar_image_scanner_set_config(sc, ZBAR_NONE, ZBAR_CFG_X_DENSITY, density);
	zbar_image_scanner_set_config(sc, ZBAR_NONE, ZBAR_CFG_Y_DENSITY, density);
	zbar_image_set_format(img, zbar_fourcc('Y', '8', '0', '0'));
	zbar_image_set_size(img, w, h);
	zbar_image_set_data(img, buf, (unsigned long)w * h, NULL);
	if (zbar_scan_image(sc, img) < 0) {
		err = ds_error_set(DS_ERROR, "qr: zbar failed on a %ux%u page", w, h);
		goto done;
	}
	for (const zbar_symbol_t *sym = zbar_image_first_symbol(img); sym;
	     sym = zbar_symbol_next(sym)) {
		const char *data = zbar_symbol_get_data(sym);
		unsigned len = zbar_symbol_get_data_length(sym);

		if (zbar_symbol_get_type(sym) != ZBAR_QRCODE)
			continue;
		if (!data || len >= DS_QR_PAYLOAD_MAX || memchr(data, 0, len) ||
		    out->n == DS_QR_SYMBOLS_MAX) {
			out->dropped++;
			continue;
		}
		memcpy(out->sym[out->n].data, data, len);
		out->sym[out->n].data[len] = 0;
		out->sym[out->n].len = len;
		out->n++;
	}
	err = 0;
done:
	if (img)
		zbar_image_destroy(img);
	if (sc)
		zbar_image_scanner_destroy(sc);
	free(buf);
	return err;
}

static int digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

int ds_qr_code_valid(const char *s)
{
	const char *d1, *d2;
	size_t alen, slen;
	int mm, dd;

	if (!s)
		return 0;
	if (!(d2 = strrchr(s, '-')) || d2 == s)
		return 0;
	/* the date is the six characters before the last dash */
	if ((size_t)(d2 - s) < 8)
		return 0;
	d1 = d2 - 7;
	if (*d1 != '-')
		return 0;
	alen = (size_t)(d1 - s);
	if (alen < 1 || alen > 35)
		return 0;
	for (size_t i = 0; i < alen; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || c == '.'))
			return 0;
	}
	if (!digits(d1 + 1, 6))
		return 0;
	mm = (d1[3] - '0') * 10 + (d1[4] - '0');
	dd = (d1[5] - '0') * 10 + (d1[6] - '0');
	if (mm < 1 || mm > 12 || dd < 1 || dd > 31)
		return 0;
	slen = strlen(d2 + 1);
	if (slen < 4 || slen > 9 || !digits(d2 + 1, slen))
		return 0;
	return 1;
}

int ds_qr_page_code(char *code, size_t n, struct Pix *pix)
{
	struct ds_qr_result *r = NULL;
	const char *found = NULL;
	int err;

	if (n)
		code[0] = 0;
	if (!(r = malloc(sizeof(*r))))
		return ds_error_set(DS_ENOMEM, "qr: out of memory");
	if ((err = ds_qr_decode(r, pix)) < 0)
		goto done;
	for (size_t i = 0; i < r->n; i++) {
		if (!ds_qr_code_valid(r->sym[i].data))
			continue;
		if (found && strcmp(found, r->sym[i].data) != 0) {
			err = ds_error_set(DS_EINVALID,
					   "receipt page carries two dossier codes: %s and %s",
					   found, r->sym[i].data);
			goto done;
		}
		found = r->sym[i].data;
	}
	if (!found) {
		err = ds_error_set(DS_ENOTFOUND, "no dossier code QR on the page");
		goto done;
	}
	if (strlen(found) >= n) {
		err = ds_error_set(DS_ETOOBIG, "qr: dossier code %s too long", found);
		goto done;
	}
	memcpy(code, found, strlen(found) + 1);
	err = 0;
done:
	free(r);
	return err;
}
