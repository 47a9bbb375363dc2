/* Scans sent as PDF (what most network scanners send): each page must be
 * one image and nothing else, read losslessly; anything else is refused
 * with the reason.
 *
 * qpdf (C API) reads the file's structure without recovery: no repaired
 * cross-reference table, no decryption (an encrypted PDF is refused).
 * Before anything is decoded: the file's objects (the trailer's /Size),
 * pages, each page's content streams (their raw and inflated bytes, their
 * operators: q Q cm Do and nothing else, graphics state nested at most
 * DS_SCAN_PDF_NESTING_MAX deep) and its one image (dimensions against the page
 * limits, colour space, filter, raw stream bytes) are checked. Streams are
 * taken raw from qpdf and decoded here, each bounded by what the image's
 * size says it holds: FlateDecode by zlib (PNG predictors undone),
 * DCTDecode by the JPEG decoder scans use (the JPEG kept as it is, not
 * decoded by qpdf), CCITTFaxDecode by libtiff (the G4 or G3 stream wrapped
 * in a TIFF directory, kept as it is). The resolution is the image's pixels
 * over the size the page's content stream draws it at (its CTM); a page
 * turned by /Rotate or an image drawn turned or mirrored by its CTM is
 * turned as shown (right angles only). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <leptonica/allheaders.h>
#include <qpdf/qpdf-c.h>
#include <zlib.h>

#include "dossier/error.h"
#include "dossier/fs.h"
#include "scanner/scan_int.h"

enum filt { F_NONE, F_FLATE, F_DCT, F_CCITT };

struct pdf_page {
	struct ds_page_info info; /* as shown */
	uint32_t sw, sh;  /* as stored in the image */
	int orient;       /* 1..8, as a TIFF orientation tag: how it is shown */
	int objid, gen;   /* the image XObject */
	enum filt filter;
	int bpc, ncomp;   /* 1 or 8; 1 or 3 */
	int decode_inv;   /* Decode [1 0] */
	int predictor;    /* Flate: 1 none, >= 10 PNG */
	int k, black1;    /* CCITT */
	uint64_t raw_len;
};

struct ds_scanner__pdf {
	qpdf_data q;
	struct pdf_page *pages;
	size_t npages;
};

static int qfail(qpdf_data q, const char *name, const char *what)
{
	const char *t = NULL;
	if (qpdf_has_error(q))
		t = qpdf_get_error_full_text(q, qpdf_get_error(q));
	if (t && (strstr(t, "password") || strstr(t, "encrypt")))
		return ds_error_set(DS_EINVALID, "%s: an encrypted PDF", name);
	return ds_error_set(DS_EINVALID, "%s: corrupt PDF: %s%s%s", name, what, t ? ": " : "",
	                    t ? t : "");
}

/* An integer entry of a dictionary, or `dflt` when absent; -1 when present
 * but not an integer. */
static long long dict_int(qpdf_data q, qpdf_oh d, const char *key, long long dflt)
{
	if (!qpdf_oh_has_key(q, d, key))
		return dflt;
	qpdf_oh v = qpdf_oh_get_key(q, d, key);
	if (qpdf_oh_is_null(q, v))
		return dflt;
	return qpdf_oh_is_integer(q, v) ? qpdf_oh_get_int_value(q, v) : -1;
}

static int dict_bool(qpdf_data q, qpdf_oh d, const char *key, int dflt)
{
	if (!qpdf_oh_has_key(q, d, key))
		return dflt;
	qpdf_oh v = qpdf_oh_get_key(q, d, key);
	return qpdf_oh_is_bool(q, v) ? qpdf_oh_get_bool_value(q, v) : dflt;
}

/* Inflates exactly `want` bytes from `in` (zlib format): more is a bomb,
 * less is a truncated stream; both refused. */
static int inflate_exact(const unsigned char *in, size_t len, unsigned char *out, size_t want,
                         const char *name, size_t page, const char *what)
{
	z_stream z;
	int zr;
	memset(&z, 0, sizeof z);
	if (inflateInit(&z) != Z_OK)
		return ds_error_set(DS_ENOMEM, "%s: out of memory", name);
	unsigned char extra[64];
	z.next_in = (unsigned char *)in;
	z.avail_in = (uInt)(len > UINT32_MAX ? UINT32_MAX : len);
	z.next_out = out;
	z.avail_out = (uInt)want;
	do
		zr = inflate(&z, Z_NO_FLUSH);
	while (zr == Z_OK && z.avail_out > 0);
	size_t got = want - z.avail_out;
	if (zr == Z_OK && got == want) {
		/* anything beyond what the image holds? */
		z.next_out = extra;
		z.avail_out = sizeof extra;
		zr = inflate(&z, Z_NO_FLUSH);
		if (z.avail_out != sizeof extra)
			zr = Z_DATA_ERROR - 100;
	}
	inflateEnd(&z);
	if (zr == Z_DATA_ERROR - 100)
		return ds_error_set(DS_EINVALID, "%s: page %zu: the %s inflates to more than it holds",
		                    name, page + 1, what);
	if (got != want)
		return ds_error_set(DS_EINVALID, "%s: page %zu: the %s is truncated or corrupt "
		                    "(%zu of %zu bytes)", name, page + 1, what, got, want);
	if (zr != Z_STREAM_END && zr != Z_OK && zr != Z_BUF_ERROR)
		return ds_error_set(DS_EINVALID, "%s: page %zu: the %s is corrupt", name, page + 1,
		                    what);
	return 0;
}

/* ---- the page's content: q Q cm Do only ---- */

struct ctm {
	double m[6];
};

static void ctm_mul(struct ctm *c, const double a[6])
{
	/* new = a x c */
	const double *m = c->m;
	double r[6] = {a[0] * m[0] + a[1] * m[2],        a[0] * m[1] + a[1] * m[3],
	               a[2] * m[0] + a[3] * m[2],        a[2] * m[1] + a[3] * m[3],
	               a[4] * m[0] + a[5] * m[2] + m[4], a[4] * m[1] + a[5] * m[3] + m[5]};
	memcpy(c->m, r, sizeof r);
}

static int is_delim(unsigned char c)
{
	return c == '(' || c == ')' || c == '<' || c == '>' || c == '[' || c == ']' || c == '{' ||
	       c == '}' || c == '/' || c == '%';
}

static int is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == 0;
}

/* Whether the content begins a text object anywhere (for the reason). */
static int has_text(const unsigned char *b, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++)
		if (b[i] == 'B' && b[i + 1] == 'T' && (i == 0 || is_ws(b[i - 1])) &&
		    (i + 2 == n || is_ws(b[i + 2])))
			return 1;
	return 0;
}

/* Walks the content, finding the one image drawn and the CTM it is drawn
 * with. */
static int scan_content(const unsigned char *b, size_t n, const char *name, size_t page,
                        char *img, size_t imgn, struct ctm *at)
{
	struct ctm stack[DS_SCAN_PDF_NESTING_MAX + 1];
	size_t depth = 0, nnum = 0, ndo = 0;
	double num[6];
	char pending[128] = "";
	stack[0] = (struct ctm){{1, 0, 0, 1, 0, 0}};

	for (size_t i = 0; i < n;) {
		unsigned char c = b[i];
		if (is_ws(c)) {
			i++;
			continue;
		}
		if (c == '%') { /* comment */
			while (i < n && b[i] != '\n' && b[i] != '\r')
				i++;
			continue;
		}
		if (c == '/') {
			size_t s = ++i;
			while (i < n && !is_ws(b[i]) && !is_delim(b[i]))
				i++;
			if (i - s == 0 || i - s >= sizeof pending)
				return ds_error_set(DS_EINVALID, "%s: page %zu: a malformed name in the "
				                    "page content", name, page + 1);
			memcpy(pending, b + s, i - s);
			pending[i - s] = '\0';
			continue;
		}
		if ((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.') {
			size_t s = i;
			char t[64];
			while (i < n && !is_ws(b[i]) && !is_delim(b[i]))
				i++;
			if (i - s >= sizeof t || nnum >= 6)
				return ds_error_set(DS_EINVALID, "%s: page %zu: page content we cannot "
				                    "read (operands)", name, page + 1);
			memcpy(t, b + s, i - s);
			t[i - s] = '\0';
			char *end = NULL;
			num[nnum++] = strtod(t, &end);
			if (end == t || *end != '\0' || !isfinite(num[nnum - 1]))
				return ds_error_set(DS_EINVALID, "%s: page %zu: a malformed number in the "
				                    "page content", name, page + 1);
			continue;
		}
		if (is_delim(c))
			return ds_error_set(DS_EINVALID, "%s: page %zu: not an image-only page (%s)",
			                    name, page + 1, has_text(b, n) ? "text in its content"
			                    : "strings, arrays or dictionaries in its content: "
			                      "vector graphics");
		/* an operator */
		size_t s = i;
		while (i < n && !is_ws(b[i]) && !is_delim(b[i]))
			i++;
		char op[8];
		size_t ol = i - s;
		if (ol >= sizeof op)
			ol = sizeof op - 1;
		memcpy(op, b + s, ol);
		op[ol] = '\0';
		if (strcmp(op, "q") == 0 && nnum == 0) {
			if (depth >= DS_SCAN_PDF_NESTING_MAX)
				return ds_error_set(DS_ETOOBIG, "%s: page %zu: graphics states nested "
				                    "deeper than %d", name, page + 1, DS_SCAN_PDF_NESTING_MAX);
			stack[depth + 1] = stack[depth];
			depth++;
		} else if (strcmp(op, "Q") == 0 && nnum == 0) {
			if (depth == 0)
				return ds_error_set(DS_EINVALID, "%s: page %zu: Q without q", name,
				                    page + 1);
			depth--;
		} else if (strcmp(op, "cm") == 0 && nnum == 6) {
			ctm_mul(&stack[depth], num);
		} else if (strcmp(op, "Do") == 0 && nnum == 0 && pending[0]) {
			if (++ndo > 1)
				return ds_error_set(DS_EINVALID, "%s: page %zu: several images on one page "
				                    "(not one scanned page)", name, page + 1);
			if (ds_fmt(img, imgn, "/%s", pending) < 0)
				return ds_error_set(DS_EINVALID, "%s: page %zu: image name too long",
				                    name, page + 1);
			*at = stack[depth];
		} else {
			int text = op[0] == 'T' || strcmp(op, "BT") == 0 || strcmp(op, "ET") == 0 ||
			           strcmp(op, "'") == 0 || strcmp(op, "\"") == 0 || has_text(b, n);
			if (text)
				return ds_error_set(DS_EINVALID, "%s: page %zu: not an image-only page "
				                    "(text in its content)", name, page + 1);
			return ds_error_set(DS_EINVALID, "%s: page %zu: not an image-only page (%s "
			                    "operator '%s' in its content)", name, page + 1,
			                    strcmp(op, "BI") == 0 ? "inline image" : "vector graphics",
			                    op);
		}
		nnum = 0;
		pending[0] = '\0';
	}
	if (ndo == 0)
		return ds_error_set(DS_EINVALID, "%s: page %zu: no image on the page", name, page + 1);
	return 0;
}

/* The raw bytes of a content stream, inflated when FlateDecode. */
static int content_bytes(qpdf_data q, qpdf_oh st, const char *name, size_t page,
                         unsigned char *out, size_t cap, size_t *len)
{
	unsigned char *raw = NULL;
	size_t rl = 0;
	int err = 0;
	qpdf_oh d = qpdf_oh_get_dict(q, st);
	qpdf_oh f = qpdf_oh_get_key(q, d, "/Filter");
	int flate = 0;
	if (qpdf_oh_is_array(q, f) && qpdf_oh_get_array_n_items(q, f) == 1)
		f = qpdf_oh_get_array_item(q, f, 0);
	if (qpdf_oh_is_name_and_equals(q, f, "/FlateDecode"))
		flate = 1;
	else if (!qpdf_oh_is_null(q, f))
		return ds_error_set(DS_EINVALID, "%s: page %zu: a content stream filter we cannot "
		                    "read", name, page + 1);
	if (qpdf_oh_has_key(q, d, "/DecodeParms") &&
	    !qpdf_oh_is_null(q, qpdf_oh_get_key(q, d, "/DecodeParms")))
		return ds_error_set(DS_EINVALID, "%s: page %zu: content stream parameters we cannot "
		                    "read", name, page + 1);
	long long declared = dict_int(q, d, "/Length", -1);
	if (declared < 0 || (uint64_t)declared > DS_SCAN_PDF_CONTENT_BYTES_MAX)
		return ds_error_set(DS_ETOOBIG, "%s: page %zu: a content stream of more than %d "
		                    "bytes (not an image-only page)", name, page + 1,
		                    DS_SCAN_PDF_CONTENT_BYTES_MAX);
	if (qpdf_oh_get_stream_data(q, st, qpdf_dl_none, NULL, &raw, &rl) & QPDF_ERRORS)
		return qfail(q, name, "content stream");
	if (rl > DS_SCAN_PDF_CONTENT_BYTES_MAX) {
		err = ds_error_set(DS_ETOOBIG, "%s: page %zu: a content stream of more than %d bytes",
		                   name, page + 1, DS_SCAN_PDF_CONTENT_BYTES_MAX);
		goto done;
	}
	if (!flate) {
		if (rl > cap) {
			err = ds_error_set(DS_ETOOBIG, "%s: page %zu: content of more than %d bytes",
			                   name, page + 1, DS_SCAN_PDF_CONTENT_BYTES_MAX);
			goto done;
		}
		memcpy(out, raw, rl);
		*len = rl;
		goto done;
	}
	z_stream z;
	memset(&z, 0, sizeof z);
	if (inflateInit(&z) != Z_OK) {
		err = ds_error_set(DS_ENOMEM, "%s: out of memory", name);
		goto done;
	}
	z.next_in = raw;
	z.avail_in = (uInt)rl;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	int zr;
	do
		zr = inflate(&z, Z_NO_FLUSH);
	while (zr == Z_OK && z.avail_out > 0 && z.avail_in > 0);
	*len = cap - z.avail_out;
	int more = zr == Z_OK && z.avail_out == 0;
	inflateEnd(&z);
	if (more)
		err = ds_error_set(DS_ETOOBIG, "%s: page %zu: content of more than %d bytes (not an "
		                   "image-only page)", name, page + 1, DS_SCAN_PDF_CONTENT_BYTES_MAX);
	else if (zr != Z_STREAM_END && zr != Z_OK && zr != Z_BUF_ERROR)
		err = ds_error_set(DS_EINVALID, "%s: page %zu: corrupt content stream", name, page + 1);
done:
	free(raw);
	return err;
}

/* The page's colour space: 1 grey or 3 RGB components, else refused. */
static int colour_space(qpdf_data q, qpdf_oh cs, int *ncomp)
{
	if (qpdf_oh_is_array(q, cs) && qpdf_oh_get_array_n_items(q, cs) == 2 &&
	    qpdf_oh_is_name_and_equals(q, qpdf_oh_get_array_item(q, cs, 0), "/ICCBased")) {
		qpdf_oh icc = qpdf_oh_get_array_item(q, cs, 1);
		long long n = qpdf_oh_is_stream(q, icc) ? dict_int(q, qpdf_oh_get_dict(q, icc), "/N", -1)
		                                        : -1;
		if (n != 1 && n != 3)
			return -1;
		*ncomp = (int)n;
		return 0;
	}
	if (qpdf_oh_is_array(q, cs) && qpdf_oh_get_array_n_items(q, cs) == 1)
		cs = qpdf_oh_get_array_item(q, cs, 0);
	if (qpdf_oh_is_name_and_equals(q, cs, "/DeviceGray") ||
	    qpdf_oh_is_name_and_equals(q, cs, "/CalGray") || qpdf_oh_is_name_and_equals(q, cs, "/G")) {
		*ncomp = 1;
		return 0;
	}
	if (qpdf_oh_is_name_and_equals(q, cs, "/DeviceRGB") ||
	    qpdf_oh_is_name_and_equals(q, cs, "/RGB")) {
		*ncomp = 3;
		return 0;
	}
	return -1;
}

static int check_image(qpdf_data q, qpdf_oh im, const char *name, size_t page,
                       const struct ds_scan_limits *lim, struct pdf_page *p)
{
	qpdf_oh d = qpdf_oh_get_dict(q, im);
	long long w = dict_int(q, d, "/Width", -1), h = dict_int(q, d, "/Height", -1);
	if (w <= 0 || h <= 0 || w > UINT32_MAX || h > UINT32_MAX)
		return ds_error_set(DS_EINVALID, "%s: page %zu: image without a size", name, page + 1);
	int mask = dict_bool(q, d, "/ImageMask", 0);
	p->bpc = mask ? 1 : (int)dict_int(q, d, "/BitsPerComponent", -1);
	if (mask)
		p->ncomp = 1;
	else if (colour_space(q, qpdf_oh_get_key(q, d, "/ColorSpace"), &p->ncomp) < 0)
		return ds_error_set(DS_EINVALID, "%s: page %zu: an image colour space we cannot read "
		                    "losslessly (grey or RGB only)", name, page + 1);
	if (!(p->bpc == 1 && p->ncomp == 1) && p->bpc != 8)
		return ds_error_set(DS_EINVALID, "%s: page %zu: %d bits per component (1 or 8 only)",
		                    name, page + 1, p->bpc);
	if ((qpdf_oh_has_key(q, d, "/SMask") && !qpdf_oh_is_null(q, qpdf_oh_get_key(q, d, "/SMask"))) ||
	    (qpdf_oh_has_key(q, d, "/Mask") && !qpdf_oh_is_null(q, qpdf_oh_get_key(q, d, "/Mask"))))
		return ds_error_set(DS_EINVALID, "%s: page %zu: an image with transparency", name,
		                    page + 1);
	qpdf_oh dec = qpdf_oh_get_key(q, d, "/Decode");
	if (qpdf_oh_is_array(q, dec)) {
		int n = qpdf_oh_get_array_n_items(q, dec), inv = -1;
		if (n == 2 * p->ncomp) {
			inv = 0;
			for (int k = 0; k < n; k++) {
				qpdf_oh v = qpdf_oh_get_array_item(q, dec, k);
				double x = qpdf_oh_is_number(q, v) ? qpdf_oh_get_numeric_value(q, v) : -1;
				int want_inv = (k % 2 == 0) ? x == 1 : x == 0;
				int want_def = (k % 2 == 0) ? x == 0 : x == 1;
				if (k == 0)
					inv = want_inv ? 1 : want_def ? 0 : -1;
				else if (inv < 0 || !(inv ? want_inv : want_def))
					inv = -1;
			}
		}
		if (inv < 0 || (inv && p->bpc != 1))
			return ds_error_set(DS_EINVALID, "%s: page %zu: an image Decode array we cannot "
			                    "read losslessly", name, page + 1);
		p->decode_inv = inv;
	}
	/* the filter: none, or one of three */
	qpdf_oh f = qpdf_oh_get_key(q, d, "/Filter"), parms = qpdf_oh_get_key(q, d, "/DecodeParms");
	if (qpdf_oh_is_array(q, f)) {
		if (qpdf_oh_get_array_n_items(q, f) > 1)
			return ds_error_set(DS_EINVALID, "%s: page %zu: an image with several filters",
			                    name, page + 1);
		if (qpdf_oh_get_array_n_items(q, f) == 1)
			f = qpdf_oh_get_array_item(q, f, 0);
		if (qpdf_oh_is_array(q, parms) && qpdf_oh_get_array_n_items(q, parms) == 1)
			parms = qpdf_oh_get_array_item(q, parms, 0);
	}
	int has_parms = qpdf_oh_is_dictionary(q, parms);
	p->predictor = 1;
	if (qpdf_oh_is_null(q, f) || (qpdf_oh_is_array(q, f) && qpdf_oh_get_array_n_items(q, f) == 0)) {
		p->filter = F_NONE;
	} else if (qpdf_oh_is_name_and_equals(q, f, "/FlateDecode") ||
	           qpdf_oh_is_name_and_equals(q, f, "/Fl")) {
		p->filter = F_FLATE;
		if (has_parms) {
			long long pr = dict_int(q, parms, "/Predictor", 1);
			long long co = dict_int(q, parms, "/Colors", 1);
			long long bp = dict_int(q, parms, "/BitsPerComponent", 8);
			long long cl = dict_int(q, parms, "/Columns", 1);
			if (pr != 1 && !(pr >= 10 && pr <= 15 && co == p->ncomp && bp == p->bpc && cl == w))
				return ds_error_set(DS_EINVALID, "%s: page %zu: a Flate predictor we cannot "
				                    "read", name, page + 1);
			p->predictor = (int)pr;
		}
	} else if (qpdf_oh_is_name_and_equals(q, f, "/DCTDecode") ||
	           qpdf_oh_is_name_and_equals(q, f, "/DCT")) {
		if (p->bpc != 8)
			return ds_error_set(DS_EINVALID, "%s: page %zu: a JPEG of %d bits", name,
			                    page + 1, p->bpc);
		p->filter = F_DCT;
	} else if (qpdf_oh_is_name_and_equals(q, f, "/CCITTFaxDecode") ||
	           qpdf_oh_is_name_and_equals(q, f, "/CCF")) {
		if (p->bpc != 1)
			return ds_error_set(DS_EINVALID, "%s: page %zu: a CCITT image of %d bits", name,
			                    page + 1, p->bpc);
		p->filter = F_CCITT;
		long long cols = has_parms ? dict_int(q, parms, "/Columns", 1728) : 1728;
		long long rows = has_parms ? dict_int(q, parms, "/Rows", h) : h;
		p->k = has_parms ? (int)dict_int(q, parms, "/K", 0) : 0;
		p->black1 = has_parms ? dict_bool(q, parms, "/BlackIs1", 0) : 0;
		if (cols != w || (rows != 0 && rows != h) ||
		    (has_parms && dict_bool(q, parms, "/EncodedByteAlign", 0)))
			return ds_error_set(DS_EINVALID, "%s: page %zu: CCITT parameters we cannot read "
			                    "losslessly", name, page + 1);
	} else {
		const char *fn = qpdf_oh_is_name(q, f) ? qpdf_oh_get_name(q, f) : "?";
		return ds_error_set(DS_EINVALID, "%s: page %zu: an image compressed with %s, which we "
		                    "cannot read losslessly (Flate, DCT and CCITT only)", name, page + 1,
		                    fn);
	}
	p->sw = (uint32_t)w;
	p->sh = (uint32_t)h;
	p->info.bits = p->bpc == 1 ? 1 : p->ncomp == 1 ? 8 : 32;
	int err = ds_scanner__check_dims(name, page, p->sw, p->sh, p->info.bits, lim);
	if (err < 0)
		return err;
	long long len = dict_int(q, d, "/Length", -1);
	/* read whole, as a PNG or JPEG file is: no larger than a decoded page */
	if (len <= 0 || (uint64_t)len > lim->page_bytes_max)
		return ds_error_set(DS_ETOOBIG, "%s: page %zu: an image stream of %lld bytes, more "
		                    "than the %llu MiB of a decoded page", name, page + 1, len,
		                    (unsigned long long)(lim->page_bytes_max >> 20));
	p->raw_len = (uint64_t)len;
	p->objid = qpdf_oh_get_object_id(q, im);
	p->gen = qpdf_oh_get_generation(q, im);
	if (p->objid <= 0)
		return ds_error_set(DS_EINVALID, "%s: page %zu: a direct image stream", name, page + 1);
	return 0;
}

/* The screen axis (+X 0, -X 1, +Y 2, -Y 3; y down) a vector (x, y) of user
 * space points along on a page shown turned clockwise by rot degrees; -1
 * when on none. */
static int axis(double x, double y, int rot)
{
	for (int k = 0; k < rot / 90; k++) {
		double t = x;
		x = y;
		y = -t;
	}
	y = -y;
	if (fabs(y) <= 1e-6 * fabs(x) && x != 0)
		return x > 0 ? 0 : 1;
	if (fabs(x) <= 1e-6 * fabs(y) && y != 0)
		return y > 0 ? 2 : 3;
	return -1;
}

static int check_page(qpdf_data q, size_t i, const char *name, const struct ds_scan_limits *lim,
                      struct pdf_page *p, unsigned char *buf)
{
	qpdf_oh pg = qpdf_get_page_n(q, i);
	int err;
	char img[160];
	struct ctm at;

	if (!qpdf_oh_is_dictionary(q, pg))
		return qfail(q, name, "page tree");
	long long rot = dict_int(q, pg, "/Rotate", 0);
	if (rot < -36000 || rot > 36000 || rot % 90 != 0)
		return ds_error_set(DS_EINVALID, "%s: page %zu: a page rotated by %lld degrees", name,
		                    i + 1, rot);
	rot = ((rot % 360) + 360) % 360;
	qpdf_oh an = qpdf_oh_get_key(q, pg, "/Annots");
	if (qpdf_oh_is_array(q, an) && qpdf_oh_get_array_n_items(q, an) > 0)
		return ds_error_set(DS_EINVALID, "%s: page %zu: annotations (not an image-only page)",
		                    name, i + 1);
	/* the content streams, concatenated */
	qpdf_oh c = qpdf_oh_get_key(q, pg, "/Contents");
	int nc = qpdf_oh_is_array(q, c) ? qpdf_oh_get_array_n_items(q, c) : 1;
	size_t len = 0;
	if (nc < 1 || nc > DS_SCAN_PDF_CONTENT_STREAMS_MAX)
		return ds_error_set(DS_EINVALID, "%s: page %zu: %d content streams", name, i + 1, nc);
	for (int k = 0; k < nc; k++) {
		qpdf_oh st = qpdf_oh_is_array(q, c) ? qpdf_oh_get_array_item(q, c, k) : c;
		size_t got = 0;
		if (!qpdf_oh_is_stream(q, st))
			return ds_error_set(DS_EINVALID, "%s: page %zu: no content stream", name, i + 1);
		if ((err = content_bytes(q, st, name, i, buf + len, DS_SCAN_PDF_CONTENT_BYTES_MAX - len,
		                         &got)) < 0)
			return err;
		len += got;
		if (len >= DS_SCAN_PDF_CONTENT_BYTES_MAX)
			return ds_error_set(DS_ETOOBIG, "%s: page %zu: content of more than %d bytes",
			                    name, i + 1, DS_SCAN_PDF_CONTENT_BYTES_MAX);
		buf[len++] = '\n';
	}
	if ((err = scan_content(buf, len, name, i, img, sizeof img, &at)) < 0)
		return err;
	qpdf_oh res = qpdf_oh_get_key(q, pg, "/Resources");
	qpdf_oh xo = qpdf_oh_get_key_if_dict(q, res, "/XObject");
	qpdf_oh im = qpdf_oh_get_key_if_dict(q, xo, img);
	if (!qpdf_oh_is_stream(q, im))
		return ds_error_set(DS_EINVALID, "%s: page %zu: the image %s is missing", name, i + 1,
		                    img);
	qpdf_oh st = qpdf_oh_get_key(q, qpdf_oh_get_dict(q, im), "/Subtype");
	if (!qpdf_oh_is_name_and_equals(q, st, "/Image"))
		return ds_error_set(DS_EINVALID, "%s: page %zu: %s is not an image (a form: vector "
		                    "content)", name, i + 1, img);
	if ((err = check_image(q, im, name, i, lim, p)) < 0)
		return err;
	/* how the image is shown: its columns and rows on the screen */
	const double *m = at.m;
	int col = axis(m[0], m[1], (int)rot), row = axis(-m[2], -m[3], (int)rot);
	static const int tag[4][4] = {/* col +X */ {0, 0, 1, 4}, /* -X */ {0, 0, 2, 3},
	                              /* +Y */ {5, 6, 0, 0}, /* -Y */ {8, 7, 0, 0}};
	p->orient = col < 0 || row < 0 ? 0 : tag[col][row];
	if (p->orient == 0)
		return ds_error_set(DS_EINVALID, "%s: page %zu: an image drawn skewed or sheared (not "
		                    "at a right angle)", name, i + 1);
	p->info.width = p->orient >= 5 ? p->sh : p->sw;
	p->info.height = p->orient >= 5 ? p->sw : p->sh;
	double dpi = p->sw * 72.0 / hypot(m[0], m[1]);
	p->info.dpi = isfinite(dpi) && dpi >= 1 && dpi <= 100000 ? (uint32_t)lround(dpi) : 0;
	return 0;
}

int ds_scanner__pdf_open(struct ds_scanner__pdf **out, int fd, const char *name,
                         const struct ds_scan_limits *lim)
{
	struct ds_scanner__pdf *p = calloc(1, sizeof *p);
	unsigned char *buf = NULL;
	char path[64];
	int err = 0;

	*out = NULL;
	if (!p || !(buf = malloc(DS_SCAN_PDF_CONTENT_BYTES_MAX + 1)) || !(p->q = qpdf_init())) {
		err = ds_error_set(DS_ENOMEM, "%s: out of memory", name);
		goto done;
	}
	qpdf_silence_errors(p->q);
	qpdf_set_suppress_warnings(p->q, QPDF_TRUE);
	qpdf_set_attempt_recovery(p->q, QPDF_FALSE);
	if ((err = ds_fmt(path, sizeof path, "/proc/self/fd/%d", fd)) < 0)
		goto done;
	if (qpdf_read(p->q, path, "") & QPDF_ERRORS) {
		err = qfail(p->q, name, "cannot read its structure");
		goto done;
	}
	if (qpdf_is_encrypted(p->q)) {
		err = ds_error_set(DS_EINVALID, "%s: an encrypted PDF", name);
		goto done;
	}
	long long nobj = dict_int(p->q, qpdf_get_trailer(p->q), "/Size", -1);
	if (nobj <= 0 || nobj > DS_SCAN_PDF_OBJECTS_MAX) {
		err = ds_error_set(DS_ETOOBIG, "%s: a PDF of %lld objects (1..%d)", name, nobj,
		                   DS_SCAN_PDF_OBJECTS_MAX);
		goto done;
	}
	int np = qpdf_get_num_pages(p->q);
	if (np < 0) {
		err = qfail(p->q, name, "page tree");
		goto done;
	}
	if (np == 0) {
		err = ds_error_set(DS_EINVALID, "%s: a PDF without pages", name);
		goto done;
	}
	if ((uint64_t)np > lim->pages_max) {
		err = ds_error_set(DS_ETOOBIG, "%s: %d pages, more than %u", name, np, lim->pages_max);
		goto done;
	}
	if (qpdf_push_inherited_attributes_to_page(p->q) & QPDF_ERRORS) {
		err = qfail(p->q, name, "page tree");
		goto done;
	}
	if (!(p->pages = calloc((size_t)np, sizeof *p->pages))) {
		err = ds_error_set(DS_ENOMEM, "%s: out of memory", name);
		goto done;
	}
	for (size_t i = 0; i < (size_t)np; i++) {
		err = check_page(p->q, i, name, lim, &p->pages[i], buf);
		if (err == 0 && qpdf_has_error(p->q))
			err = qfail(p->q, name, "page");
		qpdf_oh_release_all(p->q);
		if (err < 0)
			goto done;
	}
	p->npages = (size_t)np;
	*out = p;
	p = NULL; /* transferred */
done:
	free(buf);
	ds_scanner__pdf_free(p);
	return err;
}

void ds_scanner__pdf_free(struct ds_scanner__pdf *p)
{
	if (!p)
		return;
	if (p->q)
		qpdf_cleanup(&p->q);
	free(p->pages);
	free(p);
}

size_t ds_scanner__pdf_pages(const struct ds_scanner__pdf *p) { return p ? p->npages : 0; }

const struct ds_page_info *ds_scanner__pdf_info(const struct ds_scanner__pdf *p, size_t i)
{
	return &p->pages[i].info;
}

/* Undoes PNG predictors (one type byte a row) in place; rows of `rb` bytes
 * follow each other in `out`. */
static int unpredict(const unsigned char *in, unsigned char *out, size_t rb, uint32_t h, int bpp)
{
	for (uint32_t y = 0; y < h; y++) {
		const unsigned char *src = in + (size_t)y * (rb + 1);
		unsigned char *row = out + (size_t)y * rb, *up = y ? row - rb : NULL;
		unsigned t = src[0];
		src++;
		for (size_t x = 0; x < rb; x++) {
			unsigned a = x >= (size_t)bpp ? row[x - (size_t)bpp] : 0, b = up ? up[x] : 0,
			         c = up && x >= (size_t)bpp ? up[x - (size_t)bpp] : 0, v = src[x];
			switch (t) {
			case 0: break;
			case 1: v += a; break;
			case 2: v += b; break;
			case 3: v += (a + b) / 2; break;
			case 4: {
				int pa = abs((int)b - (int)c), pb = abs((int)a - (int)c),
				    pc = abs((int)a + (int)b - 2 * (int)c);
				v += (pa <= pb && pa <= pc) ? a : pb <= pc ? b : c;
				break;
			}
			default: return -1;
			}
			row[x] = (unsigned char)v;
		}
	}
	return 0;
}

/* Samples, row after row, into a Pix. */
static PIX *samples_to_pix(const unsigned char *s, const struct pdf_page *p)
{
	uint32_t w = p->sw, h = p->sh;
	size_t rb = ((size_t)w * (size_t)p->ncomp * (size_t)p->bpc + 7) / 8;
	PIX *pix = pixCreate((l_int32)w, (l_int32)h, p->info.bits);
	if (!pix)
		return NULL;
	l_uint32 *data = pixGetData(pix);
	l_int32 wpl = pixGetWpl(pix);
	for (uint32_t y = 0; y < h; y++) {
		const unsigned char *row = s + (size_t)y * rb;
		l_uint32 *line = data + (size_t)y * (size_t)wpl;
		if (p->info.bits == 32) {
			for (uint32_t x = 0; x < w; x++) {
				l_uint32 px;
				composeRGBPixel(row[3 * x], row[3 * x + 1], row[3 * x + 2], &px);
				line[x] = px;
			}
		} else if (p->info.bits == 8) {
			for (uint32_t x = 0; x < w; x++)
				SET_DATA_BYTE(line, x, row[x]);
		} else {
			/* PDF: sample 0 is black (Decode [0 1]); Leptonica: 1 is black */
			int flip = !p->decode_inv;
			for (uint32_t x = 0; x < w; x++) {
				int bit = (row[x >> 3] >> (7 - (x & 7))) & 1;
				if (bit ^ flip)
					SET_DATA_BIT(line, x);
			}
		}
	}
	return pix;
}

static void put16(unsigned char *b, unsigned v)
{
	b[0] = (unsigned char)v;
	b[1] = (unsigned char)(v >> 8);
}

static void put32(unsigned char *b, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b[i] = (unsigned char)(v >> (8 * i));
}

/* The CCITT stream as it is, in a one-page TIFF (G4, or G3 1-D/2-D). */
static unsigned char *ccitt_tiff(const unsigned char *raw, size_t len, const struct pdf_page *p,
                                 size_t *out_len)
{
	enum { N = 11 };
	size_t hdr = 8 + 2 + 12 * N + 4;
	unsigned char *b = malloc(hdr + len);
	if (!b)
		return NULL;
	memset(b, 0, hdr);
	b[0] = 'I';
	b[1] = 'I';
	b[2] = 42; /* little-endian classic TIFF */
	put32(b + 4, 8);
	put16(b + 8, N);
	struct {
		unsigned tag, type;
		uint32_t v;
	} e[N] = {
		{256, 4, p->sw},
		{257, 4, p->sh},
		{258, 3, 1},
		{259, 3, p->k < 0 ? 4 : 3},
		{262, 3, 0}, /* WhiteIsZero: the fax convention, 1 is black */
		{273, 4, (uint32_t)hdr},
		{277, 3, 1},
		{278, 4, p->sh},
		{279, 4, (uint32_t)len},
		{p->k < 0 ? 293u : 292u, 4, p->k > 0 ? 1u : 0u},
		{296, 3, 1},
	};
	/* tags ascending: 292/293 before 296 */
	for (int i = 0; i < N; i++) {
		unsigned char *x = b + 10 + 12 * i;
		put16(x, e[i].tag);
		put16(x + 2, e[i].type);
		put32(x + 4, 1);
		if (e[i].type == 3)
			put16(x + 8, e[i].v);
		else
			put32(x + 8, e[i].v);
	}
	memcpy(b + hdr, raw, len);
	*out_len = hdr + len;
	return b;
}

static int decode_ccitt(const unsigned char *raw, size_t len, const char *name, size_t i,
                        const struct pdf_page *p, const struct ds_scan_limits *lim, PIX **out)
{
	struct ds_scanner__tiffmsg m;
	struct ds_scanner__tpage *tp = NULL;
	size_t n = 0, tl = 0;
	unsigned char *t = ccitt_tiff(raw, len, p, &tl);
	TIFF *tif = NULL;
	int err;

	memset(&m, 0, sizeof m);
	if (!t)
		return ds_error_set(DS_ENOMEM, "%s: out of memory", name);
	if (!(tif = ds_scanner__tiff_mem(t, tl, name, lim, &m))) {
		err = ds_error_set(DS_EINVALID, "%s: page %zu: corrupt CCITT image%s%s", name, i + 1,
		                   m.errors ? ": " : "", m.errors ? m.msg : "");
		goto done;
	}
	if ((err = ds_scanner__tiff_walk(tif, name, tl, lim, &m, &tp, &n)) < 0)
		goto done;
	if (n != 1) {
		err = ds_error_set(DS_EINVALID, "%s: page %zu: corrupt CCITT image", name, i + 1);
		goto done;
	}
	if ((err = ds_scanner__tiff_decode(tif, name, 0, &tp[0], tl, lim, &m, out)) < 0) {
		ds_error_set(err, "%s: page %zu: corrupt CCITT image: %s", name, i + 1,
		             ds_error_last());
		goto done;
	}
	if (m.errors || m.repaired) {
		pixDestroy(out);
		err = ds_error_set(DS_EINVALID, "%s: page %zu: corrupt CCITT image%s%s", name, i + 1,
		                   m.errors ? ": " : "", m.errors ? m.msg : "");
		goto done;
	}
	/* libtiff gives 1 for the fax's black; PDF shows it black unless
	 * BlackIs1 or Decode [1 0] (not both) turn it over */
	if (p->black1 ^ p->decode_inv)
		pixInvert(*out, *out);
done:
	if (tif)
		TIFFClose(tif);
	free(tp);
	free(t);
	return err;
}

struct memsrc {
	const unsigned char *b;
	size_t n;
};

static int mem_read(void *ctx, uint64_t off, void *buf, size_t n)
{
	const struct memsrc *m = ctx;
	if (off > m->n || n > m->n - off)
		return -1;
	memcpy(buf, m->b + off, n);
	return 0;
}

/* The JPEG as stored: a PDF shows it by its CTM and /Rotate, never by an
 * EXIF orientation it may carry. */
static int decode_jpeg(const unsigned char *buf, size_t len, const char *name,
                       const struct ds_scan_limits *lim, PIX **out)
{
	struct memsrc src = {buf, len};
	struct ds_page_info info;
	int orientation = 0, err;
	if ((err = ds_scanner__jpeg_header(mem_read, &src, len, name, &info, &orientation)) < 0)
		return err;
	if (orientation >= 5) { /* the header gave the size as EXIF shows it */
		uint32_t t = info.width;
		info.width = info.height;
		info.height = t;
	}
	if ((err = ds_scanner__check_dims(name, 0, info.width, info.height, info.bits, lim)) < 0)
		return err;
	return ds_scanner__codec_decode(buf, len, 0, name, &info, 0, lim, out);
}

int ds_scanner__pdf_decode(struct ds_scanner__pdf *pd, const char *name, size_t i,
                           const struct ds_scan_limits *lim, PIX **out)
{
	const struct pdf_page *p = &pd->pages[i];
	unsigned char *raw = NULL, *s = NULL, *pred = NULL;
	size_t rl = 0;
	int err = 0;

	*out = NULL;
	qpdf_oh im = qpdf_get_object_by_id(pd->q, p->objid, p->gen);
	if (!qpdf_oh_is_stream(pd->q, im)) {
		err = qfail(pd->q, name, "image");
		goto done;
	}
	if (qpdf_oh_get_stream_data(pd->q, im, qpdf_dl_none, NULL, &raw, &rl) & QPDF_ERRORS) {
		err = qfail(pd->q, name, "image stream");
		goto done;
	}
	if (rl != p->raw_len) {
		err = ds_error_set(DS_EINVALID, "%s: page %zu: corrupt image stream", name, i + 1);
		goto done;
	}
	if (p->filter == F_DCT) {
		if ((err = decode_jpeg(raw, rl, name, lim, out)) < 0)
			goto done;
		if ((uint32_t)pixGetWidth(*out) != p->sw || (uint32_t)pixGetHeight(*out) != p->sh ||
		    pixGetDepth(*out) != p->info.bits) {
			err = ds_error_set(DS_EINVALID, "%s: page %zu: the JPEG is not the image the PDF "
			                   "describes", name, i + 1);
			goto done;
		}
	} else if (p->filter == F_CCITT) {
		if ((err = decode_ccitt(raw, rl, name, i, p, lim, out)) < 0)
			goto done;
	} else {
		/* each buffer freed once used: at most two page-sized ones at a time */
		size_t rb = ((size_t)p->sw * (size_t)p->ncomp * (size_t)p->bpc + 7) / 8;
		size_t want = rb * p->sh;
		int png = p->filter == F_FLATE && p->predictor >= 10;
		if (p->filter == F_NONE) {
			if (rl != want) {
				err = ds_error_set(DS_EINVALID, "%s: page %zu: %zu bytes of samples where "
				                   "the image holds %zu", name, i + 1, rl, want);
				goto done;
			}
			s = raw;
			raw = NULL;
		} else if (png) {
			size_t pw = (rb + 1) * p->sh;
			if (!(pred = malloc(pw))) {
				err = ds_error_set(DS_ENOMEM, "%s: out of memory", name);
				goto done;
			}
			if ((err = inflate_exact(raw, rl, pred, pw, name, i, "image stream")) < 0)
				goto done;
			free(raw);
			raw = NULL;
			if (!(s = calloc(1, want))) {
				err = ds_error_set(DS_ENOMEM, "%s: out of memory", name);
				goto done;
			}
			int bpp = p->bpc == 1 ? 1 : p->ncomp;
			if (unpredict(pred, s, rb, p->sh, bpp) < 0) {
				err = ds_error_set(DS_EINVALID, "%s: page %zu: corrupt image predictor",
				                   name, i + 1);
				goto done;
			}
		} else {
			if (!(s = calloc(1, want))) {
				err = ds_error_set(DS_ENOMEM, "%s: out of memory", name);
				goto done;
			}
			if ((err = inflate_exact(raw, rl, s, want, name, i, "image stream")) < 0)
				goto done;
		}
		free(raw);
		raw = NULL;
		free(pred);
		pred = NULL;
		if (!(*out = samples_to_pix(s, p))) {
			err = ds_error_set(DS_ENOMEM, "%s: out of memory", name);
			goto done;
		}
	}
	free(raw);
	raw = NULL;
	free(s);
	s = NULL;
	if (p->info.dpi)
		pixSetResolution(*out, (l_int32)p->info.dpi, (l_int32)p->info.dpi);
	if (ds_scanner__orient(out, p->orient) < 0) {
		err = ds_error_set(DS_ENOMEM, "%s: out of memory", name);
		goto done;
	}
done:
	if (err < 0)
		pixDestroy(out);
	qpdf_oh_release_all(pd->q);
	free(raw);
	free(s);
	free(pred);
	return err;
}
