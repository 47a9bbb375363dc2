/* PNG and JPEG headers read by hand (a few bytes each, no decoder
 * involved), so that a page's size is known and checked before a decoder
 * allocates anything. */
#include <math.h>
#include <stdlib.h>
#include <string.h>


#include "dossier/error.h"
#include "scanner/scan_int.h"

#define PNG_CHUNKS_MAX 4096  /* chunks looked at before IDAT */
#define JPEG_SEGMENTS_MAX 4096 /* marker segments looked at before SOF */

static uint32_t be32(const unsigned char *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static uint32_t be16(const unsigned char *b) { return (uint32_t)b[0] << 8 | b[1]; }

enum ds_scanner__fmt ds_scanner__sniff(const unsigned char *b, size_t n)
{
	static const unsigned char png[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
	if (n >= 4 && ((b[0] == 'I' && b[1] == 'I' && (b[2] == 42 || b[2] == 43) && b[3] == 0) ||
	               (b[0] == 'M' && b[1] == 'M' && b[2] == 0 && (b[3] == 42 || b[3] == 43))))
		return DS_FMT_TIFF;
	if (n >= 8 && memcmp(b, png, 8) == 0)
		return DS_FMT_PNG;
	if (n >= 3 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff)
		return DS_FMT_JPEG;
	if (n >= 5 && memcmp(b, "%PDF-", 5) == 0)
		return DS_FMT_PDF;
	return DS_FMT_NONE;
}

static uint32_t to_dpi(double d)
{
	if (!isfinite(d) || d < 1 || d > 100000)
		return 0;
	return (uint32_t)lround(d);
}

int ds_scanner__png_header(ds_scanner__read_fn rd, void *ctx, uint64_t size, const char *name,
                           struct ds_page_info *out)
{
	unsigned char b[33];
	memset(out, 0, sizeof *out);
	if (size < sizeof b || rd(ctx, 0, b, sizeof b) < 0)
		return ds_error_set(DS_EINVALID, "%s: truncated: PNG header", name);
	if (be32(b + 8) != 13 || memcmp(b + 12, "IHDR", 4) != 0)
		return ds_error_set(DS_EINVALID, "%s: corrupt PNG: no IHDR chunk", name);
	uint32_t w = be32(b + 16), h = be32(b + 20);
	unsigned depth = b[24], ctype = b[25];
	if (w > 0x7fffffffu || h > 0x7fffffffu)
		return ds_error_set(DS_EINVALID, "%s: corrupt PNG: image size", name);
	switch (ctype) {
	case 0: out->bits = depth == 1 ? 1 : 8; break;     /* grey */
	case 4: out->bits = 8; break;                      /* grey + alpha */
	case 3: out->bits = depth == 1 ? 1 : 32; break;    /* palette */
	case 2: case 6: out->bits = 32; break;             /* RGB, RGBA */
	default: return ds_error_set(DS_EINVALID, "%s: corrupt PNG: colour type %u", name, ctype);
	}
	if (depth != 1 && depth != 2 && depth != 4 && depth != 8 && depth != 16)
		return ds_error_set(DS_EINVALID, "%s: corrupt PNG: bit depth %u", name, depth);
	out->width = w;
	out->height = h;

	/* pHYs, if any, comes before the first IDAT. */
	uint64_t off = 33;
	for (int k = 0; k < PNG_CHUNKS_MAX && off + 8 <= size; k++) {
		unsigned char c[17];
		if (rd(ctx, off, c, 8) < 0)
			break;
		uint32_t len = be32(c);
		if (memcmp(c + 4, "IDAT", 4) == 0 || memcmp(c + 4, "IEND", 4) == 0)
			break;
		if (memcmp(c + 4, "pHYs", 4) == 0 && len == 9 && off + 17 <= size &&
		    rd(ctx, off + 8, c + 8, 9) >= 0) {
			if (c[16] == 1) /* per metre */
				out->dpi = to_dpi(be32(c + 8) * 0.0254);
			break;
		}
		off += (uint64_t)len + 12;
	}
	return 0;
}

/* The orientation tag (0x0112) of IFD0 in an EXIF block (the APP1
 * payload after "Exif\0\0"); 0 when absent or malformed. */
static int exif_orientation(const unsigned char *t, size_t n)
{
	if (n < 8)
		return 0;
	int le = t[0] == 'I' && t[1] == 'I';
	if (!le && !(t[0] == 'M' && t[1] == 'M'))
		return 0;
#define U16(p) (le ? (uint32_t)(p)[0] | (uint32_t)(p)[1] << 8 : (uint32_t)(p)[0] << 8 | (p)[1])
#define U32(p) (le ? U16(p) | U16((p) + 2) << 16 : U16(p) << 16 | U16((p) + 2))
	uint32_t ifd = U32(t + 4);
	if (ifd > n - 2)
		return 0;
	uint32_t count = U16(t + ifd);
	for (uint32_t i = 0; i < count; i++) {
		size_t e = (size_t)ifd + 2 + 12 * (size_t)i;
		if (e + 12 > n)
			return 0;
		if (U16(t + e) == 0x0112 && U16(t + e + 2) == 3 && U32(t + e + 4) == 1) {
			uint32_t v = U16(t + e + 8);
			return v >= 1 && v <= 8 ? (int)v : 0;
		}
	}
	return 0;
#undef U32
#undef U16
}

static int is_sof(unsigned m)
{
	return m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc;
}

int ds_scanner__jpeg_header(ds_scanner__read_fn rd, void *ctx, uint64_t size, const char *name,
                            struct ds_page_info *out, int *orientation)
{
	uint64_t off = 2;
	memset(out, 0, sizeof *out);
	*orientation = 0;
	for (int k = 0; k < JPEG_SEGMENTS_MAX; k++) {
		unsigned char b[18];
		if (off + 4 > size || rd(ctx, off, b, 4) < 0)
			return ds_error_set(DS_EINVALID, "%s: truncated: JPEG header", name);
		if (b[0] != 0xff)
			return ds_error_set(DS_EINVALID, "%s: corrupt JPEG: bad marker", name);
		unsigned mk = b[1];
		if (mk == 0xff) { /* fill byte */
			off++;
			continue;
		}
		if (mk == 0x01 || (mk >= 0xd0 && mk <= 0xd8)) {
			off += 2;
			continue;
		}
		if (mk == 0xd9 || mk == 0xda)
			return ds_error_set(DS_EINVALID, "%s: corrupt JPEG: no frame header", name);
		uint32_t len = be16(b + 2);
		if (len < 2)
			return ds_error_set(DS_EINVALID, "%s: corrupt JPEG: bad segment length", name);
		if (is_sof(mk)) {
			if (len < 8 || off + 10 > size || rd(ctx, off + 4, b, 6) < 0)
				return ds_error_set(DS_EINVALID, "%s: truncated: JPEG frame header", name);
			if (mk != 0xc0 && mk != 0xc1 && mk != 0xc2)
				return ds_error_set(DS_EUNSUPPORTED, "%s: unsupported JPEG process (SOF%u)",
				                    name, mk - 0xc0);
			out->height = be16(b + 1);
			out->width = be16(b + 3);
			unsigned ncomp = b[5];
			if (b[0] != 8)
				return ds_error_set(DS_EUNSUPPORTED, "%s: unsupported JPEG precision %u",
				                    name, b[0]);
			if (ncomp == 1)
				out->bits = 8;
			else if (ncomp == 3 || ncomp == 4)
				out->bits = 32;
			else
				return ds_error_set(DS_EINVALID, "%s: corrupt JPEG: %u components", name, ncomp);
			if (*orientation >= 5) { /* shown transposed */
				uint32_t t = out->width;
				out->width = out->height;
				out->height = t;
			}
			return 0;
		}
		if (mk == 0xe1 && len >= 16 && *orientation == 0 && off + 2 + len <= size) {
			/* EXIF: the orientation a camera or phone recorded */
			unsigned char *exif = malloc(len - 2);
			if (exif != NULL && rd(ctx, off + 4, exif, len - 2) >= 0 &&
			    memcmp(exif, "Exif\0\0", 6) == 0)
				*orientation = exif_orientation(exif + 6, len - 8);
			free(exif);
		}
		if (mk == 0xe0 && len >= 16 && off + 18 <= size && rd(ctx, off + 4, b, 14) >= 0 &&
		    memcmp(b, "JFIF\0", 5) == 0) {
			unsigned units = b[7];
			uint32_t xd = be16(b + 8);
			if (units == 1)
				out->dpi = to_dpi(xd);
			else if (units == 2)
				out->dpi = to_dpi(xd * 2.54);
		}
		off += 2 + (uint64_t)len;
	}
	return ds_error_set(DS_EINVALID, "%s: corrupt JPEG: too many segments", name);
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

int ds_scanner__mem_decode(const unsigned char *buf, size_t len, int is_png, const char *name,
                           const struct ds_scan_limits *lim, struct Pix **out)
{
	struct memsrc src = {buf, len};
	struct ds_page_info info;
	int orientation = 0;
	int err = is_png ? ds_scanner__png_header(mem_read, &src, len, name, &info)
	                 : ds_scanner__jpeg_header(mem_read, &src, len, name, &info, &orientation);
	if (err < 0)
		return err;
	if ((err = ds_scanner__check_dims(name, 0, info.width, info.height, info.bits, lim)) < 0)
		return err;
	return ds_scanner__codec_decode(buf, len, is_png, name, &info, orientation, lim, out);
}
