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
	/* Every second row and column: a finder pattern is 7 modules, so even
	 * 4-pixel modules (a receipt scanned at 100 dpi) cross 14 scan lines,
	 * and every page of every scan pays for this. */
	zbar_image_scanner_set_config(sc, ZBAR_NONE, ZBAR_CFG_X_DENSITY, 2);
	zbar_image_scanner_set_config(sc, ZBAR_NONE, ZBAR_CFG_Y_DENSITY, 2);
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
