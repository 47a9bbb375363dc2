/* PNG (libpng) and JPEG (libjpeg) decoding into Pix, called directly
 * rather than through Leptonica so that every message the codecs emit is
 * captured on the call (Leptonica leaves libpng's and libjpeg's default
 * handlers in place, which print to stderr) and so that decoding
 * warnings can refuse a damaged file. */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <leptonica/allheaders.h>
#include <png.h>

#include "dossier/error.h"
#include "scanner/scan_int.h"

#define CODEC_CHUNK_MAX (8u << 20) /* largest PNG ancillary chunk kept */

static uint32_t rgbx(unsigned r, unsigned g, unsigned b)
{
	return (uint32_t)r << 24 | (uint32_t)g << 16 | (uint32_t)b << 8;
}

/* Composites a straight-alpha sample onto white. */
static unsigned on_white(unsigned v, unsigned a)
{
	return (v * a + 255 * (255 - a) + 127) / 255;
}

/* ---- PNG ---- */

struct png_ctx {
	jmp_buf jmp;
	const unsigned char *buf;
	size_t len, pos;
	char msg[200];
};

static void png_err(png_structp png, png_const_charp msg)
{
	struct png_ctx *c = png_get_error_ptr(png);
	if (snprintf(c->msg, sizeof c->msg, "%s", msg ? msg : "error") < 0)
		c->msg[0] = '\0';
	longjmp(c->jmp, 1);
}

static void png_warn(png_structp png, png_const_charp msg)
{
	/* Warnings concern ancillary chunks (colour profiles, text); damaged
	 * image data is an error in libpng. Kept silent. */
	(void)png;
	(void)msg;
}

static void png_read_mem(png_structp png, png_bytep out, size_t n)
{
	struct png_ctx *c = png_get_io_ptr(png);
	if (n > c->len - c->pos)
		png_error(png, "truncated");
	memcpy(out, c->buf + c->pos, n);
	c->pos += n;
}

static void png_put_row(PIX *pix, uint32_t y, const unsigned char *r, int bits, int ch,
                        const unsigned lum[2])
{
	uint32_t w = (uint32_t)pixGetWidth(pix);
	l_uint32 *line = pixGetData(pix) + (size_t)y * (size_t)pixGetWpl(pix);
	if (bits == 1) {
		/* PNG: grey 0 is black, palette index to its lightness;
		 * Leptonica: 1 is black */
		for (uint32_t x = 0; x < w; x++)
			if (lum[(r[x / 8] >> (7 - x % 8)) & 1] < 128)
				SET_DATA_BIT(line, x);
	} else if (bits == 8) {
		for (uint32_t x = 0; x < w; x++) {
			unsigned v = ch == 2 ? on_white(r[2 * x], r[2 * x + 1]) : r[x];
			SET_DATA_BYTE(line, x, v);
		}
	} else {
		for (uint32_t x = 0; x < w; x++) {
			const unsigned char *p = r + (size_t)x * (size_t)ch;
			if (ch == 4)
				line[x] = rgbx(on_white(p[0], p[3]), on_white(p[1], p[3]), on_white(p[2], p[3]));
			else
				line[x] = rgbx(p[0], p[1], p[2]);
		}
	}
}

/* The PNG's pixel rows, after libpng's transformations, into pix. Local
 * state that must survive longjmp lives in *rows and *pixp. */
static int png_decode(struct png_ctx *c, const char *name, const struct ds_page_info *want,
                      const struct ds_scan_limits *lim, PIX **out)
{
	png_structp png = NULL;
	png_infop info = NULL;
	unsigned char *volatile rows = NULL;
	PIX *volatile pix = NULL;
	volatile int err = 0;

	png = png_create_read_struct(PNG_LIBPNG_VER_STRING, c, png_err, png_warn);
	if (png == NULL || (info = png_create_info_struct(png)) == NULL) {
		err = ds_error_set(DS_ENOMEM, "%s: out of memory", name);
		goto done;
	}
	if (setjmp(c->jmp)) {
		err = ds_error_set(DS_EINVALID, "%s: corrupt PNG: %s", name, c->msg);
		goto done;
	}
	png_set_user_limits(png, lim->side_max, lim->side_max);
	png_set_chunk_malloc_max(png, CODEC_CHUNK_MAX);
	png_set_read_fn(png, c, png_read_mem);
	png_read_info(png, info);

	png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
	int depth = png_get_bit_depth(png, info), ctype = png_get_color_type(png, info);
	if (w != want->width || h != want->height) {
		err = ds_error_set(DS_EINVALID, "%s: corrupt PNG: header changed", name);
		goto done;
	}
	int bits = want->bits;
	unsigned lum[2] = {0, 255}; /* 1 bit: lightness of 0 and 1 (grey: 0 is black) */
	if (bits == 1) {
		if (ctype == PNG_COLOR_TYPE_PALETTE) {
			png_colorp pal = NULL;
			int npal = 0;
			png_get_PLTE(png, info, &pal, &npal);
			for (int k = 0; k < 2 && k < npal; k++)
				lum[k] = (pal[k].red * 299u + pal[k].green * 587u + pal[k].blue * 114u) / 1000u;
		}
	} else {
		if (depth == 16)
			png_set_strip_16(png);
		if (ctype == PNG_COLOR_TYPE_PALETTE)
			png_set_palette_to_rgb(png);
		if (ctype == PNG_COLOR_TYPE_GRAY && depth < 8)
			png_set_expand_gray_1_2_4_to_8(png);
		if (png_get_valid(png, info, PNG_INFO_tRNS))
			png_set_tRNS_to_alpha(png);
		if (bits == 8 && (ctype & PNG_COLOR_MASK_COLOR))
			png_set_rgb_to_gray_fixed(png, 1, -1, -1);
		if (bits == 32 && !(ctype & PNG_COLOR_MASK_COLOR) && ctype != PNG_COLOR_TYPE_PALETTE)
			png_set_gray_to_rgb(png);
	}
	int passes = png_set_interlace_handling(png);
	png_read_update_info(png, info);
	size_t rowbytes = png_get_rowbytes(png, info);
	int ch = png_get_channels(png, info);
	if (bits == 1 ? rowbytes < (w + 7) / 8 : rowbytes < (size_t)w * (size_t)ch ||
	    (bits == 8 && ch != 1 && ch != 2) || (bits == 32 && ch != 3 && ch != 4)) {
		err = ds_error_set(DS_EINVALID, "%s: unsupported PNG layout", name);
		goto done;
	}
	/* Interlaced images need every row at once; others one row at a time. */
	size_t nrows = passes > 1 ? h : 1, total;
	if (__builtin_mul_overflow(rowbytes, nrows, &total)) {
		err = ds_error_set(DS_ETOOBIG, "%s: PNG rows too large", name);
		goto done;
	}
	if ((rows = malloc(total)) == NULL ||
	    (pix = pixCreate((l_int32)w, (l_int32)h, bits)) == NULL) {
		err = ds_error_set(DS_ENOMEM, "%s: out of memory", name);
		goto done;
	}
	if (passes > 1) {
		for (int pass = 0; pass < passes; pass++)
			for (png_uint_32 y = 0; y < h; y++)
				png_read_row(png, rows + (size_t)y * rowbytes, NULL);
		for (png_uint_32 y = 0; y < h; y++)
			png_put_row(pix, y, rows + (size_t)y * rowbytes, bits, ch, lum);
	} else {
		for (png_uint_32 y = 0; y < h; y++) {
			png_read_row(png, rows, NULL);
			png_put_row(pix, y, rows, bits, ch, lum);
		}
	}
	png_read_end(png, NULL); /* checks the rest of the data and its CRCs */
	*out = pix;
	pix = NULL; /* transferred */
done:
	png_destroy_read_struct(png ? &png : NULL, info ? &info : NULL, NULL);
	free(rows);
	pixDestroy((PIX **)&pix);
	return err;
}

/* ---- JPEG ---- */

struct jpeg_ctx {
	struct jpeg_error_mgr mgr; /* first: libjpeg hands back its address */
	jmp_buf jmp;
	char msg[JMSG_LENGTH_MAX];
	unsigned warnings;
};

static void jpeg_fail(j_common_ptr ci)
{
	struct jpeg_ctx *c = (struct jpeg_ctx *)ci->err;
	(*ci->err->format_message)(ci, c->msg);
	longjmp(c->jmp, 1);
}

static void jpeg_message(j_common_ptr ci, int level)
{
	struct jpeg_ctx *c = (struct jpeg_ctx *)ci->err;
	if (level < 0) { /* a warning: damaged data that libjpeg papers over */
		if (c->warnings++ == 0)
			(*ci->err->format_message)(ci, c->msg);
	}
}

static void jpeg_silent(j_common_ptr ci) { (void)ci; }

static int jpeg_decode(const unsigned char *buf, size_t len, const char *name,
                       const struct ds_page_info *want, int transposed,
                       const struct ds_scan_limits *lim, PIX **out)
{
	struct jpeg_decompress_struct ci;
	struct jpeg_ctx c;
	unsigned char *volatile row = NULL;
	PIX *volatile pix = NULL;
	volatile int created = 0;
	volatile int err = 0;

	memset(&c, 0, sizeof c);
	ci.err = jpeg_std_error(&c.mgr);
	c.mgr.error_exit = jpeg_fail;
	c.mgr.emit_message = jpeg_message;
	c.mgr.output_message = jpeg_silent;
	if (setjmp(c.jmp)) {
		err = ds_error_set(DS_EINVALID, "%s: corrupt JPEG: %s", name, c.msg);
		goto done;
	}
	jpeg_create_decompress(&ci);
	created = 1;
	jpeg_mem_src(&ci, buf, (unsigned long)len);
	jpeg_read_header(&ci, TRUE);
	if (ci.image_width != (transposed ? want->height : want->width) ||
	    ci.image_height != (transposed ? want->width : want->height) ||
	    ci.image_width > lim->side_max || ci.image_height > lim->side_max) {
		err = ds_error_set(DS_EINVALID, "%s: corrupt JPEG: header changed", name);
		goto done;
	}
	int cmyk = ci.jpeg_color_space == JCS_CMYK || ci.jpeg_color_space == JCS_YCCK;
	if (want->bits == 8)
		ci.out_color_space = JCS_GRAYSCALE;
	else
		ci.out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
	jpeg_start_decompress(&ci);
	int ch = ci.output_components;
	if ((want->bits == 8 && ch != 1) || (want->bits == 32 && ch != (cmyk ? 4 : 3))) {
		err = ds_error_set(DS_EUNSUPPORTED, "%s: unsupported JPEG colour layout", name);
		goto done;
	}
	uint32_t w = ci.output_width, h = ci.output_height;
	if ((row = malloc((size_t)w * (size_t)ch)) == NULL ||
	    (pix = pixCreate((l_int32)w, (l_int32)h, want->bits)) == NULL) {
		err = ds_error_set(DS_ENOMEM, "%s: out of memory", name);
		goto done;
	}
	l_uint32 *data = pixGetData(pix);
	l_int32 wpl = pixGetWpl(pix);
	/* Adobe writes CMYK inverted (0 is full ink); libjpeg passes it on. */
	int inverted = cmyk && ci.saw_Adobe_marker;
	while (ci.output_scanline < h) {
		JSAMPROW rp = row;
		uint32_t y = ci.output_scanline;
		if (jpeg_read_scanlines(&ci, &rp, 1) != 1)
			break;
		l_uint32 *line = data + (size_t)y * (size_t)wpl;
		for (uint32_t x = 0; x < w; x++) {
			const unsigned char *p = row + (size_t)x * (size_t)ch;
			if (ch == 1) {
				SET_DATA_BYTE(line, x, p[0]);
			} else if (ch == 3) {
				line[x] = rgbx(p[0], p[1], p[2]);
			} else {
				unsigned k = inverted ? p[3] : 255u - p[3];
				unsigned cc = inverted ? p[0] : 255u - p[0];
				unsigned mm = inverted ? p[1] : 255u - p[1];
				unsigned yy = inverted ? p[2] : 255u - p[2];
				line[x] = rgbx(cc * k / 255, mm * k / 255, yy * k / 255);
			}
		}
	}
	if (ci.output_scanline < h) {
		err = ds_error_set(DS_EINVALID, "%s: corrupt JPEG: image data ends early", name);
		goto done;
	}
	jpeg_finish_decompress(&ci);
	if (c.warnings) {
		err = ds_error_set(DS_EINVALID, "%s: corrupt JPEG: %s", name, c.msg);
		goto done;
	}
	*out = pix;
	pix = NULL; /* transferred */
done:
	if (created)
		jpeg_destroy_decompress(&ci);
	free(row);
	pixDestroy((PIX **)&pix);
	return err;
}

int ds_scanner__codec_decode(const unsigned char *buf, size_t len, int is_png, const char *name,
                             const struct ds_page_info *want, int orientation,
                             const struct ds_scan_limits *lim, struct Pix **out)
{
	PIX *pix = NULL;
	int err;
	*out = NULL;
	if (is_png) {
		struct png_ctx c;
		memset(&c, 0, sizeof c);
		c.buf = buf;
		c.len = len;
		err = png_decode(&c, name, want, lim, &pix);
	} else {
		err = jpeg_decode(buf, len, name, want, orientation >= 5, lim, &pix);
	}
	if (err < 0)
		return err;
	if (ds_scanner__orient(&pix, orientation) < 0) {
		pixDestroy(&pix);
		return ds_error_set(DS_ENOMEM, "%s: out of memory", name);
	}
	if (want->dpi)
		pixSetResolution(pix, (l_int32)want->dpi, (l_int32)want->dpi);
	*out = pix;
	return 0;
}
