/* Fixture writers for the scanner tests: TIFFs written with libtiff in
 * every compression and depth, TIFFs crafted byte by byte (to declare what
 * no writer would), and expected pixel patterns. */
#ifndef DOSSIER_TESTS_SCANNER_FIXTURES_H
#define DOSSIER_TESTS_SCANNER_FIXTURES_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <leptonica/allheaders.h>
#include <tiffio.h>

/* The pattern every generated page carries. 1 = black for 1 bit. */
static inline int fx_bit(uint32_t x, uint32_t y) { return ((x / 7 + y / 5) % 3) == 0; }
static inline unsigned fx_grey(uint32_t x, uint32_t y, int smooth)
{
	return smooth ? (x + 2 * y) % 256 : (x * 3 + y * 5 + (x * y) % 7) & 0xff;
}
static inline void fx_rgb(uint32_t x, uint32_t y, int smooth, unsigned c[3])
{
	if (smooth) {
		c[0] = x % 256; c[1] = y % 256; c[2] = (x + y) / 2 % 256;
	} else {
		c[0] = (x * 3) & 0xff; c[1] = (y * 5) & 0xff; c[2] = (x ^ y) & 0xff;
	}
}

struct fx_tiff {
	uint32_t w, h;
	int bits;            /* 1, 8 or 24 */
	uint16_t compression;
	int tiled;
	int minisblack;      /* for 1 bit: 0 = black */
	int pages;
	uint32_t rps;        /* rows per strip, 0 = default */
	float dpi;
	int cm;              /* resolution unit centimetre */
	uint16_t orientation; /* 0: not written */
	const char *mode;     /* TIFFOpen mode: "w" (default), "w8" BigTIFF, "wb" big-endian */
};

/* Writes a TIFF with libtiff; returns 0 on success. */
static inline int fx_write_tiff(const char *path, const struct fx_tiff *f)
{
	TIFF *t = TIFFOpen(path, f->mode ? f->mode : "w");
	if (!t)
		return -1;
	int smooth = f->compression == COMPRESSION_JPEG;
	for (int p = 0; p < (f->pages ? f->pages : 1); p++) {
		TIFFSetField(t, TIFFTAG_IMAGEWIDTH, f->w);
		TIFFSetField(t, TIFFTAG_IMAGELENGTH, f->h);
		TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
		TIFFSetField(t, TIFFTAG_COMPRESSION, f->compression);
		if (f->pages > 1) {
			TIFFSetField(t, TIFFTAG_SUBFILETYPE, FILETYPE_PAGE);
			TIFFSetField(t, TIFFTAG_PAGENUMBER, p, f->pages);
		}
		if (f->dpi > 0) {
			TIFFSetField(t, TIFFTAG_XRESOLUTION, f->dpi);
			TIFFSetField(t, TIFFTAG_YRESOLUTION, f->dpi);
			TIFFSetField(t, TIFFTAG_RESOLUTIONUNIT, f->cm ? RESUNIT_CENTIMETER : RESUNIT_INCH);
		}
		if (f->bits == 1) {
			TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, 1);
			TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, 1);
			TIFFSetField(t, TIFFTAG_PHOTOMETRIC,
			             f->minisblack ? PHOTOMETRIC_MINISBLACK : PHOTOMETRIC_MINISWHITE);
		} else if (f->bits == 8) {
			TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, 8);
			TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, 1);
			TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
		} else {
			TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, 8);
			TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, 3);
			if (f->compression == COMPRESSION_JPEG) {
				TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_YCBCR);
				TIFFSetField(t, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB);
			} else {
				TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_RGB);
			}
		}
		if (f->compression == COMPRESSION_JPEG)
			TIFFSetField(t, TIFFTAG_JPEGQUALITY, 95);
		if (f->orientation)
			TIFFSetField(t, TIFFTAG_ORIENTATION, f->orientation);
		uint32_t rowbytes = f->bits == 1 ? (f->w + 7) / 8 : f->bits == 8 ? f->w : f->w * 3;
		if (f->tiled) {
			uint32_t tw = 32, th = 32;
			TIFFSetField(t, TIFFTAG_TILEWIDTH, tw);
			TIFFSetField(t, TIFFTAG_TILELENGTH, th);
			tmsize_t ts = TIFFTileSize(t);
			unsigned char *tile = malloc((size_t)ts);
			uint32_t trow = (uint32_t)TIFFTileRowSize(t);
			for (uint32_t y0 = 0; y0 < f->h; y0 += th)
				for (uint32_t x0 = 0; x0 < f->w; x0 += tw) {
					memset(tile, 0, (size_t)ts);
					/* the padding carries the pattern on, as an
					 * encoder would see a real page continue */
					for (uint32_t y = y0; y < y0 + th; y++)
						for (uint32_t x = x0; x < x0 + tw; x++) {
							unsigned char *r = tile + (size_t)(y - y0) * trow;
							uint32_t xx = x - x0;
							if (f->bits == 1) {
								int b = fx_bit(x + 3 * (uint32_t)p, y) ^ f->minisblack;
								if (b) r[xx / 8] |= (unsigned char)(0x80 >> (xx % 8));
							} else if (f->bits == 8) {
								r[xx] = (unsigned char)fx_grey(x + 3 * (uint32_t)p, y, smooth);
							} else {
								unsigned c[3];
								fx_rgb(x + 3 * (uint32_t)p, y, smooth, c);
								for (int k = 0; k < 3; k++) r[3 * xx + k] = (unsigned char)c[k];
							}
						}
					if (TIFFWriteTile(t, tile, x0, y0, 0, 0) < 0) {
						free(tile);
						TIFFClose(t);
						return -1;
					}
				}
			free(tile);
		} else {
			TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, f->rps ? f->rps : (f->compression == COMPRESSION_JPEG ? 16 : 7));
			unsigned char *row = calloc(1, rowbytes);
			for (uint32_t y = 0; y < f->h; y++) {
				memset(row, 0, rowbytes);
				for (uint32_t x = 0; x < f->w; x++) {
					if (f->bits == 1) {
						int b = fx_bit(x + 3 * (uint32_t)p, y) ^ f->minisblack;
						if (b) row[x / 8] |= (unsigned char)(0x80 >> (x % 8));
					} else if (f->bits == 8) {
						row[x] = (unsigned char)fx_grey(x + 3 * (uint32_t)p, y, smooth);
					} else {
						unsigned c[3];
						fx_rgb(x + 3 * (uint32_t)p, y, smooth, c);
						for (int k = 0; k < 3; k++) row[3 * x + k] = (unsigned char)c[k];
					}
				}
				if (TIFFWriteScanline(t, row, y, 0) != 1) {
					free(row);
					TIFFClose(t);
					return -1;
				}
			}
			free(row);
		}
		if (!TIFFWriteDirectory(t)) {
			TIFFClose(t);
			return -1;
		}
	}
	TIFFClose(t);
	return 0;
}

/* Compares decoded page `page` (from 0; each page's pattern is shifted)
 * with the pattern; returns the largest channel difference (0 for
 * lossless codecs). */
static inline int fx_diff(PIX *pix, const struct fx_tiff *f, int page)
{
	uint32_t sh = 3 * (uint32_t)page;
	int smooth = f->compression == COMPRESSION_JPEG, worst = 0;
	for (uint32_t y = 0; y < f->h; y++)
		for (uint32_t x = 0; x < f->w; x++) {
			l_uint32 v = 0;
			if (f->bits == 24) {
				l_int32 r, g, b;
				unsigned c[3];
				pixGetRGBPixel(pix, (l_int32)x, (l_int32)y, &r, &g, &b);
				fx_rgb(x + sh, y, smooth, c);
				int d[3] = {abs(r - (int)c[0]), abs(g - (int)c[1]), abs(b - (int)c[2])};
				for (int k = 0; k < 3; k++)
					if (d[k] > worst) worst = d[k];
				continue;
			}
			pixGetPixel(pix, (l_int32)x, (l_int32)y, &v);
			int want = f->bits == 1 ? fx_bit(x + sh, y) : (int)fx_grey(x + sh, y, smooth);
			int d = abs((int)v - want);
			if (d > worst)
				worst = d;
		}
	return worst;
}

/* ---- TIFFs written byte by byte ---- */

struct fx_entry {
	uint16_t tag, type;
	uint32_t count, value;
};

static inline void put16(unsigned char *b, uint32_t v) { b[0] = (unsigned char)v; b[1] = (unsigned char)(v >> 8); }
static inline void put32(unsigned char *b, uint32_t v) { put16(b, v & 0xffff); put16(b + 2, v >> 16); }

/* Writes one little-endian IFD at `off` in buf; returns its end. */
static inline size_t fx_ifd(unsigned char *buf, size_t off, const struct fx_entry *e, int n,
                            uint32_t next)
{
	put16(buf + off, (uint32_t)n);
	for (int i = 0; i < n; i++) {
		unsigned char *p = buf + off + 2 + 12 * (size_t)i;
		put16(p, e[i].tag);
		put16(p + 2, e[i].type);
		put32(p + 4, e[i].count);
		if (e[i].type == 3 && e[i].count == 1) {
			put16(p + 8, e[i].value);
			put16(p + 10, 0);
		} else {
			put32(p + 8, e[i].value);
		}
	}
	put32(buf + off + 2 + 12 * (size_t)n, next);
	return off + 2 + 12 * (size_t)n + 4;
}

/* A minimal single-strip 1-bit TIFF: header, IFD at 8, strip at 256. */
static inline size_t fx_craft(unsigned char *buf, size_t cap, uint32_t w, uint32_t h,
                              uint16_t compression, uint32_t strip_off, uint32_t strip_len,
                              uint32_t next)
{
	memset(buf, 0, cap);
	static const unsigned char magic[4] = {'I', 'I', '*', 0}; /* little-endian TIFF */
	memcpy(buf, magic, sizeof magic);
	put32(buf + 4, 8);
	struct fx_entry e[] = {
		{256, 4, 1, w}, {257, 4, 1, h}, {258, 3, 1, 1}, {259, 3, 1, compression},
		{262, 3, 1, 0}, {273, 4, 1, strip_off}, {277, 3, 1, 1}, {278, 4, 1, h},
		{279, 4, 1, strip_len},
	};
	fx_ifd(buf, 8, e, (int)(sizeof e / sizeof e[0]), next);
	return cap;
}

static inline int fx_write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	size_t n = len ? fwrite(data, 1, len, f) : 0;
	return (fclose(f) == 0 && n == len) ? 0 : -1;
}

static inline unsigned char *fx_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	unsigned char *b = malloc(n > 0 ? (size_t)n : 1);
	if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
		free(b);
		b = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return b;
}

#endif
