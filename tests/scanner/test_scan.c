/* scanner: decoding the corpus, every compression x depth, PNG and JPEG,
 * lossless round trips, and refusing bad input quickly, with a message
 * naming the file and without a large allocation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <pthread.h>
#include <sys/stat.h>

#include <stdio.h>

#include <jpeglib.h>
#include <png.h>

#include "dossier/error.h"
#include "dossier/scanner.h"
#include "scanner_fixtures.h"
#include "testutil.h"

#if defined(__SANITIZE_ADDRESS__)
/* Any single allocation above 256 MiB fails (returns NULL) in this test, so
 * a check that comes after a huge allocation shows up as a wrong error
 * code, not as a pass. The largest legitimate page here is 33 MB. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "max_allocation_size_mb=256:allocator_may_return_null=1";
}
#endif

static char *tmp;

static int setup(void **state)
{
	(void)state;
	tmp = ds_test_tmpdir();
	TIFFSetErrorHandler(NULL); /* the fixture writer's own messages */
	TIFFSetWarningHandler(NULL);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ds_test_rm_rf(tmp);
	free(tmp);
	return 0;
}

static char *tpath(const char *name)
{
	static _Thread_local char buf[4200];
	if (snprintf(buf, sizeof buf, "%s/%s", tmp, name) >= (int)sizeof buf)
		abort();
	return buf;
}

static const char *corpus(void) { return getenv("DS_CORPUS"); }

/* The message starts with "<path>: ". */
static void assert_names(const char *path)
{
	const char *m = ds_error_last();
	size_t n = strlen(path);
	if (strncmp(m, path, n) != 0 || strncmp(m + n, ": ", 2) != 0)
		fail_msg("message does not name %s: \"%s\"", path, m);
}

/* Opens path and expects code `want` at open (or, if at_open is 0, at
 * decoding some page). */
static void expect_refused(const char *path, int want, int at_open)
{
	ds_scan *s = NULL;
	int err = ds_scan_open(&s, path, NULL);
	if (at_open) {
		if (err != want)
			fail_msg("%s: got %s (%s), want %s", path, ds_error_name(err), ds_error_last(),
			         ds_error_name(want));
		assert_null(s);
		assert_names(path);
		return;
	}
	assert_int_equal(err, 0);
	int got = 0;
	for (size_t i = 0; i < ds_scan_page_count(s) && got == 0; i++) {
		PIX *pix = NULL;
		got = ds_scan_page_decode(s, i, &pix);
		pixDestroy(&pix);
	}
	if (got != want)
		fail_msg("%s: decoding got %s (%s), want %s", path, ds_error_name(got),
		         ds_error_last(), ds_error_name(want));
	assert_names(path);
	ds_scan_free(s);
}

static PIX *pattern_pix(int d, uint32_t w, uint32_t h, int smooth)
{
	PIX *p = pixCreate((l_int32)w, (l_int32)h, d);
	for (uint32_t y = 0; y < h; y++)
		for (uint32_t x = 0; x < w; x++) {
			if (d == 1) {
				pixSetPixel(p, (l_int32)x, (l_int32)y, (l_uint32)fx_bit(x, y));
			} else if (d == 8) {
				pixSetPixel(p, (l_int32)x, (l_int32)y, fx_grey(x, y, smooth));
			} else {
				unsigned c[3];
				fx_rgb(x, y, smooth, c);
				pixSetRGBPixel(p, (l_int32)x, (l_int32)y, (l_int32)c[0], (l_int32)c[1], (l_int32)c[2]);
			}
		}
	return p;
}

/* ---- corpus ---- */

struct corpus_file {
	const char *path;
	size_t pages;
	uint32_t wh[3][2];
	int bits;
	uint32_t dpi;
};

static const struct corpus_file corpus_files[] = {
	{"tesseract-test/8071_093.3B.tif", 1, {{3312, 2550}}, 1, 300},
	{"tesseract-test/8087_054.3B.tif", 1, {{2560, 3300}}, 1, 300},
	{"tesseract-test/HelloGoogle.tif", 1, {{400, 200}}, 1, 300}, /* 118.1 px/cm */
	{"tesseract-test/eurotext.tif", 1, {{1024, 800}}, 1, 300},
	{"tesseract-test/phototest.tif", 1, {{640, 480}}, 1, 200},
	{"tesseract-test/phototestrot.tif", 1, {{480, 640}}, 32, 200}, /* RGBA, LZW */
	{"tesseract-test/viet.tif", 1, {{600, 200}}, 1, 300},
	{"vietocr3/vietsample.tif", 2, {{2550, 3300}, {2550, 3300}}, 1, 300},
	{"vietocr3/vietsample1.tif", 2, {{1200, 1800}, {1200, 1800}}, 1, 300},
	{"vietocr3/vietsample2.tif", 2, {{3300, 2550}, {2550, 3300}}, 1, 300},
	{"paperless/patch-code-t-middle.tiff", 3, {{2550, 3300}, {2481, 3508}, {2550, 3300}}, 32, 300},
	{"paperless/simple.tiff", 1, {{850, 1100}}, 32, 100}, /* RGBA, JPEG */
};

static void test_corpus(void **state)
{
	(void)state;
	if (corpus() == NULL) {
		fprintf(stderr, "DS_CORPUS is not set: corpus files not checked\n");
		skip();
	}
	for (size_t k = 0; k < sizeof corpus_files / sizeof corpus_files[0]; k++) {
		const struct corpus_file *c = &corpus_files[k];
		char path[4200];
		ds_scan *s = NULL;
		assert_true(snprintf(path, sizeof path, "%s/%s", corpus(), c->path) < (int)sizeof path);
		if (ds_scan_open(&s, path, NULL) != 0)
			fail_msg("%s", ds_error_last());
		assert_string_equal(ds_scan_format(s), "tiff");
		if (ds_scan_page_count(s) != c->pages)
			fail_msg("%s: %zu pages, want %zu", c->path, ds_scan_page_count(s), c->pages);
		for (size_t i = 0; i < c->pages; i++) {
			struct ds_page_info info;
			PIX *pix = NULL;
			assert_int_equal(ds_scan_page_info(s, i, &info), 0);
			assert_int_equal(info.width, c->wh[i][0]);
			assert_int_equal(info.height, c->wh[i][1]);
			assert_int_equal(info.bits, c->bits);
			assert_int_equal(info.dpi, c->dpi);
			if (ds_scan_page_decode(s, i, &pix) != 0)
				fail_msg("%s", ds_error_last());
			assert_int_equal(pixGetWidth(pix), c->wh[i][0]);
			assert_int_equal(pixGetHeight(pix), c->wh[i][1]);
			assert_int_equal(pixGetDepth(pix), c->bits);
			assert_int_equal(pixGetXRes(pix), c->dpi);
			pixDestroy(&pix);
		}
		PIX *none = NULL;
		assert_int_equal(ds_scan_page_decode(s, c->pages, &none), DS_EINVALID);
		assert_null(none);
		ds_scan_free(s);
	}
}

/* The 1-bit corpus pages have ink: a decoder that returned a blank or
 * inverted page would fail here. */
static void test_corpus_ink(void **state)
{
	(void)state;
	if (corpus() == NULL) {
		fprintf(stderr, "DS_CORPUS is not set\n");
		skip();
	}
	char path[4200];
	ds_scan *s = NULL;
	PIX *pix = NULL;
	l_int32 black = 0;
	assert_true(snprintf(path, sizeof path, "%s/tesseract-test/phototest.tif", corpus()) < (int)sizeof path);
	assert_int_equal(ds_scan_open(&s, path, NULL), 0);
	assert_int_equal(ds_scan_page_decode(s, 0, &pix), 0);
	pixCountPixels(pix, &black, NULL);
	/* text on white: some ink, far less than half the page */
	assert_true(black > 640 * 480 / 100);
	assert_true(black < 640 * 480 / 4);
	pixDestroy(&pix);
	ds_scan_free(s);
}

/* ---- every compression x depth ---- */

static void check_generated(const struct fx_tiff *f, const char *name)
{
	const char *path = tpath(name);
	ds_scan *s = NULL;
	if (fx_write_tiff(path, f) != 0)
		fail_msg("cannot write fixture %s", name);
	if (ds_scan_open(&s, path, NULL) != 0)
		fail_msg("%s", ds_error_last());
	int pages = f->pages ? f->pages : 1;
	assert_int_equal(ds_scan_page_count(s), (size_t)pages);
	for (int i = 0; i < pages; i++) {
		struct ds_page_info info;
		PIX *pix = NULL;
		assert_int_equal(ds_scan_page_info(s, (size_t)i, &info), 0);
		if (ds_scan_page_decode(s, (size_t)i, &pix) != 0)
			fail_msg("%s: %s", name, ds_error_last());
		int want_bits = f->bits == 24 ? 32 : f->bits;
		assert_int_equal(info.bits, want_bits);
		assert_int_equal(pixGetDepth(pix), want_bits);
		assert_int_equal(pixGetWidth(pix), f->w);
		assert_int_equal(pixGetHeight(pix), f->h);
		int d = fx_diff(pix, f, i);
		int tolerance = f->compression == COMPRESSION_JPEG ? 12 : 0;
		if (d > tolerance)
			fail_msg("%s page %d: pixel difference %d > %d", name, i + 1, d, tolerance);
		pixDestroy(&pix);
	}
	ds_scan_free(s);
}

static void test_compressions(void **state)
{
	(void)state;
	static const struct { const char *n; int bits[3]; uint16_t c; } combos[] = {
		{"none", {1, 8, 24}, COMPRESSION_NONE},
		{"g4", {1, 0, 0}, COMPRESSION_CCITTFAX4},
		{"g3", {1, 0, 0}, COMPRESSION_CCITTFAX3},
		{"lzw", {1, 8, 24}, COMPRESSION_LZW},
		{"zip", {1, 8, 24}, COMPRESSION_ADOBE_DEFLATE},
		{"packbits", {1, 8, 24}, COMPRESSION_PACKBITS},
		{"jpeg", {8, 24, 0}, COMPRESSION_JPEG},
	};
	int n = 0;
	for (size_t k = 0; k < sizeof combos / sizeof combos[0]; k++) {
		for (int j = 0; j < 3 && combos[k].bits[j]; j++) {
			for (int tiled = 0; tiled < 2; tiled++) {
				struct fx_tiff f = {.w = 203, .h = 117, .bits = combos[k].bits[j],
				                    .compression = combos[k].c, .tiled = tiled, .dpi = 300};
				char name[64];
				assert_true(snprintf(name, sizeof name, "%s-%d%s.tif", combos[k].n, f.bits,
				                     tiled ? "-tiled" : "") < (int)sizeof name);
				check_generated(&f, name);
				n++;
			}
		}
	}
	assert_int_equal(n, 2 * 16);
}

static void test_tiff_variants(void **state)
{
	(void)state;
	/* 1 bit with 0 = black */
	struct fx_tiff f = {.w = 64, .h = 40, .bits = 1, .compression = COMPRESSION_LZW, .minisblack = 1};
	check_generated(&f, "minisblack.tif");
	/* several pages, one strip per page */
	struct fx_tiff g = {.w = 50, .h = 30, .bits = 8, .compression = COMPRESSION_ADOBE_DEFLATE,
	                    .pages = 5, .rps = 30};
	check_generated(&g, "pages.tif");

	/* pages decoded out of order, twice, are the same pages */
	{
		ds_scan *s = NULL;
		PIX *fwd[5] = {0};
		assert_int_equal(ds_scan_open(&s, tpath("pages.tif"), NULL), 0);
		for (size_t i = 0; i < 5; i++)
			assert_int_equal(ds_scan_page_decode(s, i, &fwd[i]), 0);
		static const size_t order[] = {4, 0, 3, 3, 1, 2, 0};
		for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
			PIX *p = NULL;
			l_int32 same = 0;
			assert_int_equal(ds_scan_page_decode(s, order[k], &p), 0);
			pixEqual(p, fwd[order[k]], &same);
			assert_true(same);
			pixDestroy(&p);
		}
		for (size_t i = 0; i < 5; i++)
			pixDestroy(&fwd[i]);
		ds_scan_free(s);
	}

	/* BigTIFF and big-endian files */
	struct fx_tiff big = {.w = 70, .h = 50, .bits = 24, .compression = COMPRESSION_LZW, .pages = 2,
	                      .mode = "w8"};
	check_generated(&big, "big.tif");
	struct fx_tiff be = {.w = 70, .h = 50, .bits = 1, .compression = COMPRESSION_CCITTFAX4,
	                     .pages = 2, .mode = "wb"};
	check_generated(&be, "be.tif");
	struct fx_tiff be8 = {.w = 70, .h = 50, .bits = 8, .compression = COMPRESSION_NONE, .mode = "wb"};
	check_generated(&be8, "be8.tif");

	/* resolution in pixels per centimetre */
	struct fx_tiff c = {.w = 16, .h = 16, .bits = 1, .compression = COMPRESSION_CCITTFAX4,
	                    .dpi = 118.11f, .cm = 1};
	ds_scan *s = NULL;
	struct ds_page_info info;
	PIX *pix = NULL;
	assert_int_equal(fx_write_tiff(tpath("cm.tif"), &c), 0);
	assert_int_equal(ds_scan_open(&s, tpath("cm.tif"), NULL), 0);
	assert_int_equal(ds_scan_page_info(s, 0, &info), 0);
	assert_int_equal(info.dpi, 300);
	assert_int_equal(ds_scan_page_decode(s, 0, &pix), 0);
	assert_int_equal(pixGetXRes(pix), 300);
	assert_int_equal(pixGetYRes(pix), 300);
	pixDestroy(&pix);
	ds_scan_free(s);

	/* no resolution: dpi 0 */
	struct fx_tiff z = {.w = 16, .h = 16, .bits = 8, .compression = COMPRESSION_NONE};
	assert_int_equal(fx_write_tiff(tpath("nodpi.tif"), &z), 0);
	assert_int_equal(ds_scan_open(&s, tpath("nodpi.tif"), NULL), 0);
	assert_int_equal(ds_scan_page_info(s, 0, &info), 0);
	assert_int_equal(info.dpi, 0);
	ds_scan_free(s);
}

/* Where the pixel shown at (xd, yd) is stored, for orientation tag o, in
 * a page stored w x h (TIFF 6.0 and EXIF: where row 0 and column 0 are). */
static void stored_at(int o, uint32_t w, uint32_t h, uint32_t xd, uint32_t yd, uint32_t *xs, uint32_t *ys)
{
	switch (o) {
	case 2: *xs = w - 1 - xd; *ys = yd; break;
	case 3: *xs = w - 1 - xd; *ys = h - 1 - yd; break;
	case 4: *xs = xd; *ys = h - 1 - yd; break;
	case 5: *xs = yd; *ys = xd; break;
	case 6: *xs = yd; *ys = h - 1 - xd; break;
	case 7: *xs = w - 1 - yd; *ys = h - 1 - xd; break;
	case 8: *xs = w - 1 - yd; *ys = xd; break;
	default: *xs = xd; *ys = yd; break;
	}
}

/* All eight orientation tags are applied, on both decoding paths. */
static void test_orientation_tags(void **state)
{
	(void)state;
	static const int bits[] = {1, 8, 24};
	const uint32_t w = 61, h = 37;
	for (size_t k = 0; k < 3; k++) {
		for (uint16_t o = ORIENTATION_TOPLEFT; o <= ORIENTATION_LEFTBOT; o++) {
			struct fx_tiff f = {.w = w, .h = h, .bits = bits[k], .compression = COMPRESSION_LZW,
			                    .orientation = o, .dpi = 300};
			ds_scan *s = NULL;
			struct ds_page_info info;
			PIX *pix = NULL;
			assert_int_equal(fx_write_tiff(tpath("orient.tif"), &f), 0);
			assert_int_equal(ds_scan_open(&s, tpath("orient.tif"), NULL), 0);
			assert_int_equal(ds_scan_page_info(s, 0, &info), 0);
			if (ds_scan_page_decode(s, 0, &pix) != 0)
				fail_msg("%s", ds_error_last());
			uint32_t dw = o >= 5 ? h : w, dh = o >= 5 ? w : h;
			assert_int_equal(info.width, dw);
			assert_int_equal(info.height, dh);
			assert_int_equal(pixGetWidth(pix), dw);
			assert_int_equal(pixGetHeight(pix), dh);
			for (uint32_t yd = 0; yd < dh; yd++)
				for (uint32_t xd = 0; xd < dw; xd++) {
					uint32_t xs, ys;
					l_uint32 v = 0;
					stored_at(o, w, h, xd, yd, &xs, &ys);
					pixGetPixel(pix, (l_int32)xd, (l_int32)yd, &v);
					l_uint32 want;
					if (bits[k] == 1) {
						want = (l_uint32)fx_bit(xs, ys);
					} else if (bits[k] == 8) {
						want = fx_grey(xs, ys, 0);
					} else {
						unsigned c[3];
						fx_rgb(xs, ys, 0, c);
						want = (l_uint32)c[0] << 24 | c[1] << 16 | c[2] << 8;
						v &= 0xffffff00u;
					}
					if (v != want)
						fail_msg("%d bits, orientation %u: (%u,%u) is %08x, want %08x",
						         bits[k], o, xd, yd, v, want);
				}
			pixDestroy(&pix);
			ds_scan_free(s);
		}
	}
}

/* ---- PNG and JPEG ---- */

static void test_png_jpeg(void **state)
{
	(void)state;
	static const int depths[] = {1, 8, 32};
	for (size_t k = 0; k < 3; k++) {
		int d = depths[k];
		PIX *want = pattern_pix(d, 151, 97, 0), *got = NULL;
		pixSetResolution(want, 300, 300);
		char name[32];
		assert_true(snprintf(name, sizeof name, "p%d.png", d) < (int)sizeof name);
		assert_int_equal(pixWritePng(tpath(name), want, 0.0f), 0);
		ds_scan *s = NULL;
		struct ds_page_info info;
		if (ds_scan_open(&s, tpath(name), NULL) != 0)
			fail_msg("%s", ds_error_last());
		assert_string_equal(ds_scan_format(s), "png");
		assert_int_equal(ds_scan_page_count(s), 1);
		assert_int_equal(ds_scan_page_info(s, 0, &info), 0);
		assert_int_equal(info.width, 151);
		assert_int_equal(info.height, 97);
		assert_int_equal(info.bits, d);
		assert_int_equal(info.dpi, 300);
		if (ds_scan_page_decode(s, 0, &got) != 0)
			fail_msg("%s", ds_error_last());
		l_int32 same = 0;
		assert_int_equal(pixGetDepth(got), d);
		pixEqual(want, got, &same);
		assert_true(same);
		assert_int_equal(pixGetXRes(got), 300);
		pixDestroy(&got);
		ds_scan_free(s);
		pixDestroy(&want);
	}
	/* JPEG: grey and colour, close to the original */
	for (int d = 8; d <= 32; d += 24) {
		PIX *want = pattern_pix(d, 160, 96, 1), *got = NULL;
		pixSetResolution(want, 200, 200);
		const char *name = d == 8 ? "g.jpg" : "c.jpg";
		assert_int_equal(pixWriteJpeg(tpath(name), want, 95, 0), 0);
		ds_scan *s = NULL;
		struct ds_page_info info;
		if (ds_scan_open(&s, tpath(name), NULL) != 0)
			fail_msg("%s", ds_error_last());
		assert_string_equal(ds_scan_format(s), "jpeg");
		assert_int_equal(ds_scan_page_info(s, 0, &info), 0);
		assert_int_equal(info.width, 160);
		assert_int_equal(info.height, 96);
		assert_int_equal(info.bits, d);
		assert_int_equal(info.dpi, 200);
		if (ds_scan_page_decode(s, 0, &got) != 0)
			fail_msg("%s", ds_error_last());
		assert_int_equal(pixGetDepth(got), d);
		struct fx_tiff f = {.w = 160, .h = 96, .bits = d == 8 ? 8 : 24, .compression = COMPRESSION_JPEG};
		int diff = fx_diff(got, &f, 0);
		if (diff > 12)
			fail_msg("JPEG %d bpp differs by %d", d, diff);
		pixDestroy(&got);
		ds_scan_free(s);
		pixDestroy(&want);
	}
}

/* Palette and alpha PNGs come out as 32 bpp without alpha (transparent is
 * white); a palette PNG of two colours at 1 bit comes out as 1 bpp. */
static void test_png_palette_alpha(void **state)
{
	(void)state;
	PIX *rgba = pixCreate(8, 8, 32), *got = NULL;
	pixSetSpp(rgba, 4);
	pixSetAllArbitrary(rgba, 0x00000000); /* black, fully transparent */
	pixSetPixel(rgba, 1, 1, 0xff0000ff);  /* opaque red */
	assert_int_equal(pixWritePng(tpath("rgba.png"), rgba, 0.0f), 0);
	ds_scan *s = NULL;
	assert_int_equal(ds_scan_open(&s, tpath("rgba.png"), NULL), 0);
	assert_int_equal(ds_scan_page_decode(s, 0, &got), 0);
	assert_int_equal(pixGetDepth(got), 32);
	assert_int_equal(pixGetSpp(got), 3);
	l_int32 r, g, b;
	pixGetRGBPixel(got, 0, 0, &r, &g, &b);
	assert_true(r == 255 && g == 255 && b == 255);
	pixGetRGBPixel(got, 1, 1, &r, &g, &b);
	assert_true(r == 255 && g == 0 && b == 0);
	pixDestroy(&got);
	ds_scan_free(s);
	pixDestroy(&rgba);

	PIX *cm = pixCreate(20, 10, 8);
	PIXCMAP *map = pixcmapCreate(8);
	pixcmapAddColor(map, 255, 255, 255);
	pixcmapAddColor(map, 0, 0, 200);
	pixSetColormap(cm, map);
	pixSetPixel(cm, 3, 3, 1);
	assert_int_equal(pixWritePng(tpath("cmap.png"), cm, 0.0f), 0);
	assert_int_equal(ds_scan_open(&s, tpath("cmap.png"), NULL), 0);
	assert_int_equal(ds_scan_page_decode(s, 0, &got), 0);
	assert_int_equal(pixGetDepth(got), 32);
	assert_null(pixGetColormap(got));
	pixGetRGBPixel(got, 3, 3, &r, &g, &b);
	assert_true(r == 0 && g == 0 && b == 200);
	pixDestroy(&got);
	ds_scan_free(s);
	pixDestroy(&cm);
}

/* CMYK JPEG as Photoshop writes it (Adobe marker, inverted values), and
 * progressive JPEG. */
static void test_jpeg_cmyk_progressive(void **state)
{
	(void)state;
	/* four colour bands: white, red, black, blue (inverted CMYK) */
	static const unsigned char inv[4][4] = {{255, 255, 255, 255}, {255, 0, 0, 255},
	                                        {255, 255, 255, 0}, {0, 0, 255, 255}};
	static const int rgb[4][3] = {{255, 255, 255}, {255, 0, 0}, {0, 0, 0}, {0, 0, 255}};
	const unsigned w = 64, h = 64;
	FILE *f = fopen(tpath("cmyk.jpg"), "wb");
	assert_non_null(f);
	struct jpeg_compress_struct ci;
	struct jpeg_error_mgr jerr;
	ci.err = jpeg_std_error(&jerr);
	jpeg_create_compress(&ci);
	jpeg_stdio_dest(&ci, f);
	ci.image_width = w;
	ci.image_height = h;
	ci.input_components = 4;
	ci.in_color_space = JCS_CMYK;
	jpeg_set_defaults(&ci);
	jpeg_set_quality(&ci, 100, TRUE);
	jpeg_start_compress(&ci, TRUE);
	unsigned char row[64 * 4];
	while (ci.next_scanline < h) {
		for (unsigned x = 0; x < w; x++)
			memcpy(row + 4 * x, inv[x / 16], 4);
		JSAMPROW rp = row;
		jpeg_write_scanlines(&ci, &rp, 1);
	}
	jpeg_finish_compress(&ci);
	jpeg_destroy_compress(&ci);
	fclose(f);

	ds_scan *s = NULL;
	struct ds_page_info info;
	PIX *pix = NULL;
	if (ds_scan_open(&s, tpath("cmyk.jpg"), NULL) != 0)
		fail_msg("%s", ds_error_last());
	assert_int_equal(ds_scan_page_info(s, 0, &info), 0);
	assert_int_equal(info.bits, 32);
	if (ds_scan_page_decode(s, 0, &pix) != 0)
		fail_msg("%s", ds_error_last());
	for (int band = 0; band < 4; band++) {
		l_int32 r, g, b;
		pixGetRGBPixel(pix, band * 16 + 8, 32, &r, &g, &b);
		if (abs(r - rgb[band][0]) > 8 || abs(g - rgb[band][1]) > 8 || abs(b - rgb[band][2]) > 8)
			fail_msg("CMYK band %d: %d,%d,%d", band, r, g, b);
	}
	pixDestroy(&pix);
	ds_scan_free(s);

	/* progressive */
	PIX *want = pattern_pix(32, 120, 80, 1), *got = NULL;
	assert_int_equal(pixWriteJpeg(tpath("prog.jpg"), want, 95, 1), 0);
	assert_int_equal(ds_scan_open(&s, tpath("prog.jpg"), NULL), 0);
	if (ds_scan_page_decode(s, 0, &got) != 0)
		fail_msg("%s", ds_error_last());
	struct fx_tiff fx = {.w = 120, .h = 80, .bits = 24, .compression = COMPRESSION_JPEG};
	assert_true(fx_diff(got, &fx, 0) <= 12);
	pixDestroy(&got);
	ds_scan_free(s);
	pixDestroy(&want);
}

/* A 64x32 grey JPEG, left half black, with an EXIF orientation tag. */
static void write_jpeg_exif(const char *path, int orientation)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	struct jpeg_compress_struct ci;
	struct jpeg_error_mgr jerr;
	ci.err = jpeg_std_error(&jerr);
	jpeg_create_compress(&ci);
	jpeg_stdio_dest(&ci, f);
	ci.image_width = 64;
	ci.image_height = 32;
	ci.input_components = 1;
	ci.in_color_space = JCS_GRAYSCALE;
	jpeg_set_defaults(&ci);
	jpeg_start_compress(&ci, TRUE);
	/* "Exif\0\0", a big-endian TIFF header, IFD0 with one entry */
	unsigned char exif[6 + 8 + 2 + 12 + 4] = "Exif\0\0MM\0\x2a\0\0\0\x08";
	unsigned char *e = exif + 14;
	e[1] = 1;                       /* one entry */
	e[2] = 0x01; e[3] = 0x12;       /* tag 0x0112, orientation */
	e[5] = 3;                       /* SHORT */
	e[9] = 1;                       /* count 1 */
	e[11] = (unsigned char)orientation;
	jpeg_write_marker(&ci, JPEG_APP0 + 1, exif, sizeof exif);
	unsigned char row[64];
	for (int x = 0; x < 64; x++)
		row[x] = x < 32 ? 0 : 255;
	while (ci.next_scanline < 32) {
		JSAMPROW rp = row;
		jpeg_write_scanlines(&ci, &rp, 1);
	}
	jpeg_finish_compress(&ci);
	jpeg_destroy_compress(&ci);
	fclose(f);
}

/* Phone photos: the EXIF orientation is applied. */
static void test_jpeg_exif_orientation(void **state)
{
	(void)state;
	/* orientation, shown size, a point that must be black, one white */
	static const struct { int o; uint32_t w, h; l_int32 bx, by, wx, wy; } cases[] = {
		{1, 64, 32, 10, 16, 50, 16}, {3, 64, 32, 50, 16, 10, 16},
		{6, 32, 64, 16, 10, 16, 50}, {8, 32, 64, 16, 50, 16, 10},
	};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		ds_scan *s = NULL;
		struct ds_page_info info;
		PIX *pix = NULL;
		write_jpeg_exif(tpath("exif.jpg"), cases[k].o);
		assert_int_equal(ds_scan_open(&s, tpath("exif.jpg"), NULL), 0);
		assert_int_equal(ds_scan_page_info(s, 0, &info), 0);
		assert_int_equal(info.width, cases[k].w);
		assert_int_equal(info.height, cases[k].h);
		if (ds_scan_page_decode(s, 0, &pix) != 0)
			fail_msg("%s", ds_error_last());
		assert_int_equal(pixGetWidth(pix), cases[k].w);
		l_uint32 black = 255, white = 0;
		pixGetPixel(pix, cases[k].bx, cases[k].by, &black);
		pixGetPixel(pix, cases[k].wx, cases[k].wy, &white);
		if (black > 40 || white < 215)
			fail_msg("orientation %d: black %u white %u", cases[k].o, black, white);
		pixDestroy(&pix);
		ds_scan_free(s);
	}
}

/* PNG layouts Leptonica's writer does not make, written with libpng. */
struct png_case {
	const char *name;
	int depth, ctype, interlace, trns;
	int want_bits;
};

/* Sample k of pixel (x, y) in the case's own terms. */
static unsigned png_sample(const struct png_case *c, uint32_t x, uint32_t y, int k)
{
	unsigned max = (1u << c->depth) - 1;
	if (c->ctype == PNG_COLOR_TYPE_PALETTE)
		return c->depth == 1 ? (unsigned)fx_bit(x, y) : (x + y) % 4;
	if (k == 1 && c->ctype == PNG_COLOR_TYPE_GRAY_ALPHA)
		return (x * 37) % 256 * max / 255; /* alpha */
	return ((x * 3 + y * 5 + (unsigned)k * 50) % 256) * max / 255;
}

static void write_png(const char *path, const struct png_case *c, uint32_t w, uint32_t h)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop info = png_create_info_struct(png);
	assert_false(setjmp(png_jmpbuf(png)));
	png_init_io(png, f);
	png_set_IHDR(png, info, w, h, c->depth, c->ctype,
	             c->interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
	             PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	if (c->ctype == PNG_COLOR_TYPE_PALETTE) {
		/* index 0 white, 1 black, 2 red, 3 blue */
		png_color pal[4] = {{255, 255, 255}, {0, 0, 0}, {255, 0, 0}, {0, 0, 255}};
		png_set_PLTE(png, info, pal, c->depth == 1 ? 2 : 4);
		if (c->trns) {
			png_byte alpha[4] = {255, 255, 0, 255}; /* red is transparent */
			png_set_tRNS(png, info, alpha, 4, NULL);
		}
	}
	png_set_pHYs(png, info, 11811, 11811, PNG_RESOLUTION_METER); /* 300 dpi */
	png_write_info(png, info);
	int ch = png_get_channels(png, info);
	size_t rowbytes = png_get_rowbytes(png, info);
	unsigned char *rows = calloc(h, rowbytes);
	for (uint32_t y = 0; y < h; y++) {
		unsigned char *r = rows + (size_t)y * rowbytes;
		for (uint32_t x = 0; x < w; x++)
			for (int k = 0; k < ch; k++) {
				unsigned v = png_sample(c, x, y, k);
				size_t bit = ((size_t)x * (size_t)ch + (size_t)k) * (size_t)c->depth;
				if (c->depth == 16) {
					r[bit / 8] = (unsigned char)(v >> 8);
					r[bit / 8 + 1] = (unsigned char)v;
				} else {
					r[bit / 8] |= (unsigned char)(v << (8 - c->depth - bit % 8));
				}
			}
	}
	png_bytep *ptrs = calloc(h, sizeof *ptrs);
	for (uint32_t y = 0; y < h; y++)
		ptrs[y] = rows + (size_t)y * rowbytes;
	png_write_image(png, ptrs);
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	fclose(f);
	free(ptrs);
	free(rows);
}

static unsigned white_blend(unsigned v, unsigned a) { return (v * a + 255 * (255 - a) + 127) / 255; }

static void test_png_layouts(void **state)
{
	(void)state;
	static const struct png_case cases[] = {
		{"grey16.png", 16, PNG_COLOR_TYPE_GRAY, 0, 0, 8},
		{"grey2.png", 2, PNG_COLOR_TYPE_GRAY, 0, 0, 8},
		{"grey1-adam7.png", 1, PNG_COLOR_TYPE_GRAY, 1, 0, 1},
		{"greyalpha.png", 8, PNG_COLOR_TYPE_GRAY_ALPHA, 0, 0, 8},
		{"rgb-adam7.png", 8, PNG_COLOR_TYPE_RGB, 1, 0, 32},
		{"rgb16.png", 16, PNG_COLOR_TYPE_RGB, 0, 0, 32},
		{"pal1.png", 1, PNG_COLOR_TYPE_PALETTE, 0, 0, 1},
		{"pal2-trns.png", 2, PNG_COLOR_TYPE_PALETTE, 0, 1, 32},
	};
	const uint32_t w = 45, h = 23;
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		const struct png_case *c = &cases[k];
		write_png(tpath(c->name), c, w, h);
		ds_scan *s = NULL;
		struct ds_page_info info;
		PIX *pix = NULL;
		if (ds_scan_open(&s, tpath(c->name), NULL) != 0)
			fail_msg("%s", ds_error_last());
		assert_int_equal(ds_scan_page_info(s, 0, &info), 0);
		assert_int_equal(info.bits, c->want_bits);
		assert_int_equal(info.dpi, 300);
		if (ds_scan_page_decode(s, 0, &pix) != 0)
			fail_msg("%s: %s", c->name, ds_error_last());
		assert_int_equal(pixGetDepth(pix), c->want_bits);
		unsigned max = (1u << c->depth) - 1;
		for (uint32_t y = 0; y < h; y++)
			for (uint32_t x = 0; x < w; x++) {
				l_uint32 got = 0;
				unsigned want[3];
				pixGetPixel(pix, (l_int32)x, (l_int32)y, &got);
				if (c->ctype == PNG_COLOR_TYPE_PALETTE && c->depth == 1) {
					want[0] = png_sample(c, x, y, 0); /* index 1 is black: 1 */
					if (got != want[0])
						fail_msg("%s (%u,%u): %u want %u", c->name, x, y, got, want[0]);
					continue;
				}
				if (c->ctype == PNG_COLOR_TYPE_PALETTE) {
					static const unsigned pal[4][3] = {{255, 255, 255}, {0, 0, 0}, {255, 255, 255}, {0, 0, 255}};
					memcpy(want, pal[png_sample(c, x, y, 0)], sizeof want); /* transparent red: white */
				} else if (c->ctype == PNG_COLOR_TYPE_GRAY && c->depth == 1) {
					want[0] = png_sample(c, x, y, 0) ? 0 : 1; /* grey 0 is black: 1 */
				} else if (c->ctype == PNG_COLOR_TYPE_GRAY_ALPHA) {
					want[0] = white_blend(png_sample(c, x, y, 0), png_sample(c, x, y, 1));
				} else {
					for (int i = 0; i < 3; i++)
						want[i] = png_sample(c, x, y, i) * 255 / max;
				}
				if (c->want_bits == 32) {
					l_int32 rgb[3];
					extractRGBValues(got, &rgb[0], &rgb[1], &rgb[2]);
					for (int i = 0; i < 3; i++)
						if ((unsigned)rgb[i] != want[i])
							fail_msg("%s (%u,%u)[%d]: %d want %u", c->name, x, y, i, rgb[i], want[i]);
				} else if (got != want[0]) {
					fail_msg("%s (%u,%u): %u want %u", c->name, x, y, got, want[0]);
				}
			}
		pixDestroy(&pix);
		ds_scan_free(s);
	}
}

/* ---- stored pages ---- */

static void roundtrip(PIX *pix)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	PIX *back = NULL;
	if (ds_page_encode(pix, &buf, &len) != 0)
		fail_msg("%s", ds_error_last());
	assert_true(len > 8);
	assert_true(memcmp(buf, "II*\0", 4) == 0 || memcmp(buf, "MM\0*", 4) == 0);
	if (ds_page_decode(buf, len, &back) != 0)
		fail_msg("%s", ds_error_last());
	l_int32 same = 0;
	pixEqual(pix, back, &same);
	assert_true(same);
	assert_int_equal(pixGetDepth(back), pixGetDepth(pix));
	assert_int_equal(pixGetXRes(back), pixGetXRes(pix));
	assert_int_equal(pixGetYRes(back), pixGetYRes(pix));

	/* The stored TIFF is what the doc says: one page, G4 or Deflate. */
	char p[4200];
	assert_true(snprintf(p, sizeof p, "%s/stored.tif", tmp) < (int)sizeof p);
	assert_int_equal(fx_write_file(p, buf, len), 0);
	TIFF *t = TIFFOpen(p, "r");
	assert_non_null(t);
	uint16_t comp = 0;
	TIFFGetField(t, TIFFTAG_COMPRESSION, &comp);
	assert_int_equal(comp, pixGetDepth(pix) == 1 ? COMPRESSION_CCITTFAX4 : COMPRESSION_ADOBE_DEFLATE);
	assert_int_equal(TIFFNumberOfDirectories(t), 1);
	TIFFClose(t);
	free(buf);
	pixDestroy(&back);
}

static void test_roundtrip(void **state)
{
	(void)state;
	static const int depths[] = {1, 8, 32};
	for (size_t k = 0; k < 3; k++) {
		PIX *p = pattern_pix(depths[k], 333, 211, 0);
		pixSetResolution(p, 300, 300);
		roundtrip(p);
		pixSetResolution(p, 0, 0); /* no resolution stays none */
		roundtrip(p);
		pixDestroy(&p);
	}
	/* noise does not compress: still exact */
	PIX *n = pixCreate(257, 129, 32);
	uint32_t st = 12345;
	for (l_int32 y = 0; y < 129; y++)
		for (l_int32 x = 0; x < 257; x++) {
			st = st * 1103515245u + 12345u;
			pixSetPixel(n, x, y, st & 0xffffff00u);
		}
	pixSetResolution(n, 150, 200);
	roundtrip(n);
	pixDestroy(&n);

	/* a corpus page survives ds_scan -> encode -> decode */
	if (corpus()) {
		char path[4200];
		ds_scan *s = NULL;
		PIX *pix = NULL;
		assert_true(snprintf(path, sizeof path, "%s/vietocr3/vietsample.tif", corpus()) < (int)sizeof path);
		assert_int_equal(ds_scan_open(&s, path, NULL), 0);
		assert_int_equal(ds_scan_page_decode(s, 1, &pix), 0);
		roundtrip(pix);
		pixDestroy(&pix);
		ds_scan_free(s);
	}
}

static void test_page_decode_png(void **state)
{
	(void)state;
	PIX *p = pattern_pix(8, 40, 30, 0), *back = NULL;
	l_uint8 *data = NULL;
	size_t len = 0;
	assert_int_equal(pixWriteMemPng(&data, &len, p, 0.0f), 0);
	assert_int_equal(ds_page_decode(data, len, &back), 0);
	l_int32 same = 0;
	pixEqual(p, back, &same);
	assert_true(same);
	pixDestroy(&back);
	/* garbage and a cut stored page are refused */
	assert_int_equal(ds_page_decode((const unsigned char *)"hello", 5, &back), DS_EINVALID);
	assert_int_equal(ds_page_decode(data, 0, &back), DS_EINVALID);
	assert_int_equal(ds_page_decode(data, len / 2, &back), DS_EINVALID);
	assert_null(back);
	lept_free(data);

	unsigned char *buf = NULL;
	assert_int_equal(ds_page_encode(p, &buf, &len), 0);
	assert_int_equal(ds_page_decode(buf, len / 2, &back), DS_EINVALID);
	assert_null(back);
	free(buf);
	pixDestroy(&p);
}

/* ---- refusing bad input ---- */

static void test_zero_bytes(void **state)
{
	(void)state;
	assert_int_equal(fx_write_file(tpath("empty.tif"), "", 0), 0);
	expect_refused(tpath("empty.tif"), DS_EINVALID, 1);
	assert_non_null(strstr(ds_error_last(), "empty"));
}

static void test_not_an_image(void **state)
{
	(void)state;
	const char *text = "Kính gửi: Ủy ban nhân dân phường\nThis is a text file named .tif\n";
	assert_int_equal(fx_write_file(tpath("letter.tif"), text, strlen(text)), 0);
	expect_refused(tpath("letter.tif"), DS_EINVALID, 1);
	assert_non_null(strstr(ds_error_last(), "not an image"));
	/* a folder is not a scan either */
	expect_refused(tmp, DS_EINVALID, 1);
	ds_scan *s = NULL;
	assert_int_equal(ds_scan_open(&s, tpath("missing.tif"), NULL), DS_ENOTFOUND);
	assert_names(tpath("missing.tif"));
	/* PNG and TIFF signatures with nothing after them */
	assert_int_equal(fx_write_file(tpath("sig.png"), "\x89PNG\r\n\x1a\n", 8), 0);
	expect_refused(tpath("sig.png"), DS_EINVALID, 1);
	assert_int_equal(fx_write_file(tpath("sig.tif"), "II*\0", 4), 0);
	expect_refused(tpath("sig.tif"), DS_EINVALID, 1);
	assert_int_equal(fx_write_file(tpath("sig.jpg"), "\xff\xd8\xff", 3), 0);
	expect_refused(tpath("sig.jpg"), DS_EINVALID, 1);
}

static void test_truncated(void **state)
{
	(void)state;
	/* a real scan cut in half */
	if (corpus()) {
		char path[4200];
		size_t len = 0;
		assert_true(snprintf(path, sizeof path, "%s/tesseract-test/8071_093.3B.tif", corpus()) < (int)sizeof path);
		unsigned char *b = fx_read_file(path, &len);
		assert_non_null(b);
		assert_int_equal(fx_write_file(tpath("half.tif"), b, len / 2), 0);
		free(b);
		expect_refused(tpath("half.tif"), DS_EINVALID, 1);
		assert_non_null(strstr(ds_error_last(), "truncated"));
	}
	/* generated ones: uncompressed and compressed, cut at several points */
	static const uint16_t comps[] = {COMPRESSION_NONE, COMPRESSION_LZW, COMPRESSION_CCITTFAX4};
	for (size_t k = 0; k < 3; k++) {
		struct fx_tiff f = {.w = 300, .h = 200, .bits = 1, .compression = comps[k]};
		size_t len = 0;
		assert_int_equal(fx_write_tiff(tpath("whole.tif"), &f), 0);
		unsigned char *b = fx_read_file(tpath("whole.tif"), &len);
		for (int cut = 1; cut < 8; cut++) {
			assert_int_equal(fx_write_file(tpath("cut.tif"), b, len * (size_t)cut / 8), 0);
			ds_scan *s = NULL;
			int err = ds_scan_open(&s, tpath("cut.tif"), NULL);
			if (err != DS_EINVALID)
				fail_msg("compression %u cut at %d/8: %s %s", comps[k], cut,
				         ds_error_name(err), ds_error_last());
			assert_names(tpath("cut.tif"));
			ds_scan_free(s);
		}
		free(b);
	}
}

/* Finds the strip data of a single-strip TIFF written by libtiff. */
static void strip_of(const char *path, uint64_t *off, uint64_t *len)
{
	TIFF *t = TIFFOpen(path, "r");
	assert_non_null(t);
	*off = TIFFGetStrileOffset(t, 0);
	*len = TIFFGetStrileByteCount(t, 0);
	TIFFClose(t);
}

static void test_corrupt_strips(void **state)
{
	(void)state;
	/* bytes overwritten inside compressed strip data: refused at decode */
	static const uint16_t comps[] = {COMPRESSION_CCITTFAX4, COMPRESSION_LZW, COMPRESSION_ADOBE_DEFLATE,
	                                 COMPRESSION_JPEG};
	for (size_t k = 0; k < sizeof comps / sizeof comps[0]; k++) {
		struct fx_tiff f = {.w = 400, .h = 300, .bits = comps[k] == COMPRESSION_JPEG ? 8 :
		                    comps[k] == COMPRESSION_CCITTFAX4 ? 1 : 8,
		                    .compression = comps[k], .rps = 300};
		size_t len = 0;
		uint64_t off, slen;
		assert_int_equal(fx_write_tiff(tpath("good.tif"), &f), 0);
		strip_of(tpath("good.tif"), &off, &slen);
		unsigned char *b = fx_read_file(tpath("good.tif"), &len);
		assert_true(slen > 16);
		/* zeros are invalid fax codes; all-ones are invalid LZW codes, a
		 * bad Deflate checksum and JPEG markers in entropy data */
		for (uint64_t i = off + slen / 4; i < off + slen / 4 + 12; i++)
			b[i] = comps[k] == COMPRESSION_CCITTFAX4 ? 0x00 : 0xff;
		assert_int_equal(fx_write_file(tpath("bad.tif"), b, len), 0);
		free(b);
		ds_scan *s = NULL;
		PIX *pix = NULL;
		assert_int_equal(ds_scan_open(&s, tpath("bad.tif"), NULL), 0);
		int err = ds_scan_page_decode(s, 0, &pix);
		if (err != DS_EINVALID)
			fail_msg("compression %u with damaged strip: %s %s", comps[k], ds_error_name(err),
			         ds_error_last());
		assert_null(pix);
		assert_names(tpath("bad.tif"));
		assert_non_null(strstr(ds_error_last(), "corrupt"));
		ds_scan_free(s);
	}

	/* strip offset pointing past the end of the file: refused at open */
	unsigned char buf[2048];
	fx_craft(buf, sizeof buf, 64, 64, COMPRESSION_NONE, 100000, 512, 0);
	assert_int_equal(fx_write_file(tpath("past.tif"), buf, sizeof buf), 0);
	expect_refused(tpath("past.tif"), DS_EINVALID, 1);
	assert_non_null(strstr(ds_error_last(), "past end of file"));
	/* uncompressed strip shorter than its pixels */
	fx_craft(buf, sizeof buf, 64, 64, COMPRESSION_NONE, 256, 100, 0);
	assert_int_equal(fx_write_file(tpath("short.tif"), buf, sizeof buf), 0);
	expect_refused(tpath("short.tif"), DS_EINVALID, 1);
	/* and the same 64x64 page with a right strip is fine */
	fx_craft(buf, sizeof buf, 64, 64, COMPRESSION_NONE, 256, 512, 0);
	assert_int_equal(fx_write_file(tpath("fine.tif"), buf, sizeof buf), 0);
	ds_scan *s = NULL;
	PIX *pix = NULL;
	assert_int_equal(ds_scan_open(&s, tpath("fine.tif"), NULL), 0);
	assert_int_equal(ds_scan_page_decode(s, 0, &pix), 0);
	pixDestroy(&pix);
	ds_scan_free(s);
}

static void test_absurd_dimensions(void **state)
{
	(void)state;
	/* 100000 x 100000 declared in a 2 KB file */
	unsigned char buf[2048];
	fx_craft(buf, sizeof buf, 100000, 100000, COMPRESSION_CCITTFAX4, 256, 1024, 0);
	assert_int_equal(fx_write_file(tpath("huge.tif"), buf, sizeof buf), 0);
	expect_refused(tpath("huge.tif"), DS_ETOOBIG, 1);
	/* under the side limit but over the pixel limit: 870 Mpx */
	fx_craft(buf, sizeof buf, 30000, 29000, COMPRESSION_CCITTFAX4, 256, 1024, 0);
	assert_int_equal(fx_write_file(tpath("many.tif"), buf, sizeof buf), 0);
	expect_refused(tpath("many.tif"), DS_ETOOBIG, 1);
	/* zero width */
	fx_craft(buf, sizeof buf, 0, 100, COMPRESSION_CCITTFAX4, 256, 1024, 0);
	assert_int_equal(fx_write_file(tpath("zero.tif"), buf, sizeof buf), 0);
	expect_refused(tpath("zero.tif"), DS_EINVALID, 1);
	/* limits are the caller's: a smaller side limit refuses a normal page */
	struct ds_scan_limits lim;
	ds_scan_limits_default(&lim);
	assert_int_equal(lim.side_max, DS_PAGE_SIDE_MAX);
	assert_int_equal(lim.pages_max, DS_SCAN_PAGES_MAX);
	assert_true(lim.pixels_max == DS_PAGE_PIXELS_MAX && lim.file_bytes_max == DS_SCAN_FILE_BYTES_MAX);
	lim.side_max = 32;
	fx_craft(buf, sizeof buf, 64, 64, COMPRESSION_NONE, 256, 512, 0);
	assert_int_equal(fx_write_file(tpath("side.tif"), buf, sizeof buf), 0);
	ds_scan *s = NULL;
	assert_int_equal(ds_scan_open(&s, tpath("side.tif"), &lim), DS_ETOOBIG);
	ds_scan_limits_default(&lim);
	lim.file_bytes_max = 1000;
	assert_int_equal(ds_scan_open(&s, tpath("side.tif"), &lim), DS_ETOOBIG);
	assert_null(s);
}

static uint32_t crc32_png(const unsigned char *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
	}
	return ~c;
}

static void be32put(unsigned char *b, uint32_t v)
{
	b[0] = (unsigned char)(v >> 24); b[1] = (unsigned char)(v >> 16);
	b[2] = (unsigned char)(v >> 8); b[3] = (unsigned char)v;
}

static void test_huge_png_jpeg(void **state)
{
	(void)state;
	/* PNG: a real small PNG whose IHDR is rewritten to 100000 x 100000 */
	PIX *p = pattern_pix(8, 40, 30, 0);
	l_uint8 *data = NULL;
	size_t len = 0;
	assert_int_equal(pixWriteMemPng(&data, &len, p, 0.0f), 0);
	be32put(data + 16, 100000);
	be32put(data + 20, 100000);
	be32put(data + 29, crc32_png(data + 12, 17));
	assert_int_equal(fx_write_file(tpath("huge.png"), data, len), 0);
	expect_refused(tpath("huge.png"), DS_ETOOBIG, 1);
	PIX *none = NULL;
	assert_int_equal(ds_page_decode(data, len, &none), DS_ETOOBIG);
	assert_null(none);
	lept_free(data);
	pixDestroy(&p);

	/* JPEG: frame header declaring 65000 x 65000 */
	p = pattern_pix(8, 40, 30, 1);
	assert_int_equal(pixWriteMemJpeg(&data, &len, p, 90, 0), 0);
	size_t i;
	for (i = 2; i + 9 < len; i++)
		if (data[i] == 0xff && data[i + 1] == 0xc0)
			break;
	assert_true(i + 9 < len);
	data[i + 5] = 0xfd; data[i + 6] = 0xe8; /* height 65000 */
	data[i + 7] = 0xfd; data[i + 8] = 0xe8; /* width 65000 */
	assert_int_equal(fx_write_file(tpath("huge.jpg"), data, len), 0);
	expect_refused(tpath("huge.jpg"), DS_ETOOBIG, 1);
	lept_free(data);
	pixDestroy(&p);
}

static void test_truncated_png_jpeg(void **state)
{
	(void)state;
	PIX *p = pattern_pix(32, 300, 200, 0);
	l_uint8 *data = NULL;
	size_t len = 0;
	assert_int_equal(pixWriteMemPng(&data, &len, p, 0.0f), 0);
	assert_int_equal(fx_write_file(tpath("half.png"), data, len / 2), 0);
	expect_refused(tpath("half.png"), DS_EINVALID, 0);
	lept_free(data);
	assert_int_equal(pixWriteMemJpeg(&data, &len, p, 90, 0), 0);
	assert_int_equal(fx_write_file(tpath("half.jpg"), data, len / 2), 0);
	expect_refused(tpath("half.jpg"), DS_EINVALID, 0);
	lept_free(data);
	pixDestroy(&p);
}

static void test_too_many_pages(void **state)
{
	(void)state;
	struct fx_tiff f = {.w = 8, .h = 2, .bits = 1, .compression = COMPRESSION_NONE,
	                    .pages = DS_SCAN_PAGES_MAX + 1, .rps = 2};
	assert_int_equal(fx_write_tiff(tpath("2001.tif"), &f), 0);
	expect_refused(tpath("2001.tif"), DS_ETOOBIG, 1);
	assert_non_null(strstr(ds_error_last(), "more than 2000 pages"));

	/* exactly the limit is accepted */
	struct ds_scan_limits lim;
	ds_scan_limits_default(&lim);
	lim.pages_max = 5;
	f.pages = 5;
	assert_int_equal(fx_write_tiff(tpath("5.tif"), &f), 0);
	ds_scan *s = NULL;
	assert_int_equal(ds_scan_open(&s, tpath("5.tif"), &lim), 0);
	assert_int_equal(ds_scan_page_count(s), 5);
	ds_scan_free(s);
	f.pages = 6;
	assert_int_equal(fx_write_tiff(tpath("6.tif"), &f), 0);
	assert_int_equal(ds_scan_open(&s, tpath("6.tif"), &lim), DS_ETOOBIG);
}

static void test_ifd_loop_and_codec(void **state)
{
	(void)state;
	unsigned char buf[2048];
	/* the IFD's "next" points back to itself */
	fx_craft(buf, sizeof buf, 64, 64, COMPRESSION_NONE, 256, 512, 8);
	assert_int_equal(fx_write_file(tpath("loop.tif"), buf, sizeof buf), 0);
	expect_refused(tpath("loop.tif"), DS_EINVALID, 1);
	/* next IFD past the end of the file */
	fx_craft(buf, sizeof buf, 64, 64, COMPRESSION_NONE, 256, 512, 50000);
	assert_int_equal(fx_write_file(tpath("nextpast.tif"), buf, sizeof buf), 0);
	expect_refused(tpath("nextpast.tif"), DS_EINVALID, 1);
	/* a compression we do not accept (JPEG 2000) */
	fx_craft(buf, sizeof buf, 64, 64, 34712, 256, 512, 0);
	assert_int_equal(fx_write_file(tpath("jp2k.tif"), buf, sizeof buf), 0);
	expect_refused(tpath("jp2k.tif"), DS_EUNSUPPORTED, 1);
}

/* The library never prints: bad input of every kind, with stderr sent to
 * a file that must stay empty. */
static void test_silent(void **state)
{
	(void)state;
	static const char *const bad[] = {"half.png", "half.jpg", "bad.tif", "cut.tif", "loop.tif",
	                                  "jp2k.tif", "huge.tif", "letter.tif", "short.tif",
	                                  "nextpast.tif", "sig.jpg", "sig.png", "sig.tif"};
	char log[4200];
	assert_true(snprintf(log, sizeof log, "%s/stderr.log", tmp) < (int)sizeof log);
	fflush(stderr);
	int saved = dup(2);
	FILE *f = fopen(log, "w");
	assert_non_null(f);
	assert_true(saved >= 0 && dup2(fileno(f), 2) >= 0);
	int refused = 0, seen = 0;
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		ds_scan *s = NULL;
		struct stat st;
		if (stat(tpath(bad[k]), &st) != 0)
			continue;
		seen++;
		int err = ds_scan_open(&s, tpath(bad[k]), NULL);
		for (size_t i = 0; err == 0 && i < ds_scan_page_count(s); i++) {
			PIX *pix = NULL;
			err = ds_scan_page_decode(s, i, &pix);
			pixDestroy(&pix);
		}
		refused += err < 0;
		ds_scan_free(s);
	}
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	fclose(f);
	size_t len = 0;
	unsigned char *text = fx_read_file(log, &len);
	if (len != 0)
		fail_msg("the library printed: %.*s", (int)len, (const char *)text);
	free(text);
	/* the files come from the tests above (same temp folder) */
	assert_int_equal(seen, (int)(sizeof bad / sizeof bad[0]));
	assert_int_equal(refused, seen);
}

/* ---- threads ---- */

struct worker {
	ds_scan *shared;
	const char *path;
	int ok;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	w->ok = 1;
	for (int round = 0; round < 3; round++) {
		ds_scan *own = NULL;
		if (ds_scan_open(&own, w->path, NULL) != 0) {
			w->ok = 0;
			break;
		}
		for (size_t i = 0; i < ds_scan_page_count(own); i++) {
			PIX *a = NULL, *b = NULL;
			l_int32 same = 0;
			if (ds_scan_page_decode(own, i, &a) != 0 || ds_scan_page_decode(w->shared, i, &b) != 0)
				w->ok = 0;
			else if (pixEqual(a, b, &same) != 0 || !same)
				w->ok = 0;
			pixDestroy(&a);
			pixDestroy(&b);
		}
		ds_scan_free(own);
		/* errors are per thread */
		ds_scan *bad = NULL;
		if (ds_scan_open(&bad, "/nonexistent/x.tif", NULL) != DS_ENOTFOUND ||
		    strstr(ds_error_last(), "/nonexistent/x.tif") == NULL)
			w->ok = 0;
	}
	return NULL;
}

static void test_threads(void **state)
{
	(void)state;
	struct fx_tiff f = {.w = 300, .h = 200, .bits = 8, .compression = COMPRESSION_LZW, .pages = 4};
	const char *path = tpath("mt.tif");
	assert_int_equal(fx_write_tiff(path, &f), 0);
	ds_scan *shared = NULL;
	assert_int_equal(ds_scan_open(&shared, path, NULL), 0);
	pthread_t th[4];
	struct worker w[4];
	for (int i = 0; i < 4; i++) {
		w[i] = (struct worker){shared, path, 0};
		assert_int_equal(pthread_create(&th[i], NULL, work, &w[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_true(w[i].ok);
	}
	ds_scan_free(shared);
}

#if defined(__SANITIZE_ADDRESS__)
/* The cap above is in force: otherwise the refusal tests prove less. */
static void test_alloc_cap(void **state)
{
	(void)state;
	volatile size_t big = (size_t)300 << 20;
	void *p = malloc(big);
	assert_null(p);
}
#endif

/* ---- budgets (issue 14): decoded bytes per page, pixels per file ---- */

/* A TIFF of `pages` directories that all point at one small strip of
 * `w` x `h` pixels with `spp` samples of 8 bits (1 bit when spp is 0):
 * what a hostile file does to be small on disk and huge decoded. */
static unsigned char *shared_strip_tiff(uint32_t w, uint32_t h, int spp, uint32_t pages,
                                        size_t *len)
{
	const int n = 10;
	size_t ifd = 2048, size = ifd + (size_t)pages * (2 + 12 * (size_t)n + 4);
	unsigned char *b = calloc(1, size);
	assert_non_null(b);
	memcpy(b, "II*\0", 4);
	put32(b + 4, (uint32_t)ifd);
	put16(b + 1024, 8); /* the three BitsPerSample of an RGB page */
	put16(b + 1026, 8);
	put16(b + 1028, 8);
	for (uint32_t i = 0; i < pages; i++) {
		size_t end = ifd + 2 + 12 * (size_t)n + 4;
		struct fx_entry e[] = {
			{256, 4, 1, w}, {257, 4, 1, h},
			spp == 3 ? (struct fx_entry){258, 3, 3, 1024}
			         : (struct fx_entry){258, 3, 1, spp ? 8u : 1u},
			{259, 3, 1, COMPRESSION_ADOBE_DEFLATE},
			{262, 3, 1, spp == 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK},
			{273, 4, 1, 256}, {277, 3, 1, spp ? (uint32_t)spp : 1u}, {278, 4, 1, h},
			{279, 4, 1, 512}, {284, 3, 1, 1},
		};
		fx_ifd(b, ifd, e, n, i + 1 < pages ? (uint32_t)end : 0);
		ifd = end;
	}
	*len = size;
	return b;
}

static void test_budget_page_bytes(void **state)
{
	(void)state;
	size_t len;
	unsigned char *b;

	/* one 14000 x 14000 colour page in a few KB: refused from the header */
	b = shared_strip_tiff(14000, 14000, 3, 1, &len);
	assert_int_equal(fx_write_file(tpath("rgb14k.tif"), b, len), 0);
	free(b);
	expect_refused(tpath("rgb14k.tif"), DS_ETOOBIG, 1);
	assert_non_null(strstr(ds_error_last(), "more than 100000000 pixels"));
	/* under the pixel limit, over the decoded bytes of a page: 7000 x 7000
	 * in colour is 187 MiB decoded */
	b = shared_strip_tiff(7000, 7000, 3, 1, &len);
	assert_int_equal(fx_write_file(tpath("rgb7k.tif"), b, len), 0);
	free(b);
	expect_refused(tpath("rgb7k.tif"), DS_ETOOBIG, 1);
	assert_non_null(strstr(ds_error_last(), "colour take 186 MiB decoded, more than 144 MiB"));
	/* the same page in grey (47 MiB) passes the header checks */
	b = shared_strip_tiff(7000, 7000, 1, 1, &len);
	assert_int_equal(fx_write_file(tpath("grey7k.tif"), b, len), 0);
	free(b);
	ds_scan *s = NULL;
	if (ds_scan_open(&s, tpath("grey7k.tif"), NULL) != 0)
		fail_msg("%s", ds_error_last());
	ds_scan_free(s);
	struct ds_scan_limits lim;
	ds_scan_limits_default(&lim);
	assert_true(lim.page_bytes_max == DS_PAGE_DECODED_BYTES_MAX &&
	            lim.file_pixels_max == DS_SCAN_FILE_PIXELS_MAX);
}

static void test_budget_file_pixels(void **state)
{
	(void)state;
	size_t len;
	unsigned char *b;

	/* 2,000 pages of 14000 x 14000 sharing one strip (~230 KB): refused at
	 * page 1, before a pixel is decoded */
	b = shared_strip_tiff(14000, 14000, 0, 2000, &len);
	assert_int_equal(fx_write_file(tpath("2000x14k.tif"), b, len), 0);
	free(b);
	expect_refused(tpath("2000x14k.tif"), DS_ETOOBIG, 1);
	assert_non_null(strstr(ds_error_last(), "page 1: 14000x14000 pixels"));
	/* each page within the page limits (81 Mpx of 1 bit), 162 Gpx together */
	b = shared_strip_tiff(9000, 9000, 0, 2000, &len);
	assert_int_equal(fx_write_file(tpath("2000x9k.tif"), b, len), 0);
	free(b);
	expect_refused(tpath("2000x9k.tif"), DS_ETOOBIG, 1);
	assert_non_null(strstr(ds_error_last(), "2000 pages of 162000000000 pixels together"));
	/* a few such pages are within the file's budget */
	b = shared_strip_tiff(9000, 9000, 0, 3, &len);
	assert_int_equal(fx_write_file(tpath("3x9k.tif"), b, len), 0);
	free(b);
	ds_scan *s = NULL;
	if (ds_scan_open(&s, tpath("3x9k.tif"), NULL) != 0)
		fail_msg("%s", ds_error_last());
	assert_int_equal(ds_scan_page_count(s), 3);
	ds_scan_free(s);
}

/* ---- resolution (issue 14 item 10) ---- */

/* A 1-bit page with XResolution/YResolution `res`/1 and ResolutionUnit
 * `unit` (0: no resolution tags at all). */
static void write_res_tiff(const char *path, uint32_t w, uint32_t h, uint32_t res, uint32_t unit)
{
	unsigned char buf[4096];
	memset(buf, 0, sizeof buf);
	memcpy(buf, "II*\0", 4);
	put32(buf + 4, 8);
	put32(buf + 2048, res); /* the rational res/1 */
	put32(buf + 2052, 1);
	uint32_t rows = 8; /* G4 of a white page: small */
	struct fx_entry e[] = {
		{256, 4, 1, w}, {257, 4, 1, h}, {258, 3, 1, 1}, {259, 3, 1, COMPRESSION_NONE},
		{262, 3, 1, 0}, {273, 4, 1, 256}, {277, 3, 1, 1}, {278, 4, 1, rows},
		{279, 4, 1, (w + 7) / 8 * rows},
		{282, 5, 1, 2048}, {283, 5, 1, 2048}, {296, 3, 1, unit},
	};
	(void)h;
	fx_ifd(buf, 8, e, res ? 12 : 9, 0);
	assert_int_equal(fx_write_file(path, buf, sizeof buf), 0);
}

static void test_resolution_unit_none(void **state)
{
	(void)state;
	struct ds_page_info info;
	ds_scan *s = NULL;
	PIX *pix = NULL;

	/* ImageMagick without -units: RESUNIT_NONE, read as per inch */
	write_res_tiff(tpath("none.tif"), 64, 8, 300, RESUNIT_NONE);
	if (ds_scan_open(&s, tpath("none.tif"), NULL) != 0)
		fail_msg("%s", ds_error_last());
	assert_int_equal(ds_scan_page_info(s, 0, &info), 0);
	assert_int_equal(info.dpi, 300);
	assert_int_equal(info.dpi_estimated, 0);
	assert_int_equal(ds_scan_page_decode(s, 0, &pix), 0);
	assert_int_equal(pixGetXRes(pix), 300);
	pixDestroy(&pix);
	ds_scan_free(s);
	/* per centimetre still converted */
	write_res_tiff(tpath("cm.tif"), 64, 8, 118, RESUNIT_CENTIMETER);
	assert_int_equal(ds_scan_open(&s, tpath("cm.tif"), NULL), 0);
	assert_int_equal(ds_scan_page_info(s, 0, &info), 0);
	assert_int_equal(info.dpi, 300);
	ds_scan_free(s);
}

static void test_dpi_estimate(void **state)
{
	(void)state;
	/* A4 at 300 and 150, Letter at 300, A3 at 300, A5 at 300, sideways */
	assert_int_equal(ds_page_dpi_estimate(2480, 3508), 300);
	assert_int_equal(ds_page_dpi_estimate(1240, 1754), 150);
	assert_int_equal(ds_page_dpi_estimate(2550, 3300), 300);
	assert_int_equal(ds_page_dpi_estimate(3508, 4961), 300);
	assert_int_equal(ds_page_dpi_estimate(1748, 2480), 300);
	assert_int_equal(ds_page_dpi_estimate(3508, 2480), 300);
	assert_int_equal(ds_page_dpi_estimate(4960, 7016), 600);
	/* a square, a phone photo (4:3), a strip: no paper */
	assert_int_equal(ds_page_dpi_estimate(1000, 1000), 0);
	assert_int_equal(ds_page_dpi_estimate(3024, 4032), 0);
	assert_int_equal(ds_page_dpi_estimate(2480, 400), 0);
	assert_int_equal(ds_page_dpi_estimate(0, 0), 0);

	/* a scan without resolution tags: estimated, recorded as estimated,
	 * and the decoded page carries it */
	struct ds_page_info info;
	ds_scan *s = NULL;
	PIX *pix = NULL;
	unsigned char *b;
	size_t len;
	b = shared_strip_tiff(1240, 1754, 0, 1, &len);
	assert_int_equal(fx_write_file(tpath("nores.tif"), b, len), 0);
	free(b);
	if (ds_scan_open(&s, tpath("nores.tif"), NULL) != 0)
		fail_msg("%s", ds_error_last());
	assert_int_equal(ds_scan_page_info(s, 0, &info), 0);
	assert_int_equal(info.dpi, 150);
	assert_int_equal(info.dpi_estimated, 1);
	ds_scan_free(s);
	/* a file that says its resolution is not second-guessed */
	write_res_tiff(tpath("says.tif"), 64, 8, 200, RESUNIT_INCH);
	assert_int_equal(ds_scan_open(&s, tpath("says.tif"), NULL), 0);
	assert_int_equal(ds_scan_page_info(s, 0, &info), 0);
	assert_int_equal(info.dpi, 200);
	assert_int_equal(info.dpi_estimated, 0);
	assert_int_equal(ds_scan_page_decode(s, 0, &pix), 0);
	pixDestroy(&pix);
	ds_scan_free(s);
}

/* The memory for pages in hand: a page at the budgets' limit is handled
 * alone; ordinary pages side by side. */
static void test_page_memory(void **state)
{
	(void)state;
	uint64_t big = ds_page_memory_weight(5100, 7390, 32);    /* 144 MiB colour */
	uint64_t a4 = ds_page_memory_weight(2480, 3508, 8);      /* A4 grey, 300 dpi */
	uint64_t huge = ds_page_memory_weight(30000, 30000, 32); /* over the budget */
	assert_true(big > DS_PAGE_MEMORY_BUDGET / 2 && big <= DS_PAGE_MEMORY_BUDGET);
	assert_true(a4 < DS_PAGE_MEMORY_BUDGET / 4);

	/* four ordinary pages at once */
	uint64_t h[4];
	for (int i = 0; i < 4; i++)
		assert_int_equal(h[i] = ds_page_memory_try_reserve(a4), a4);
	/* the big page waits for them ... */
	assert_int_equal(ds_page_memory_try_reserve(big), 0);
	for (int i = 0; i < 4; i++)
		ds_page_memory_release(h[i]);
	/* ... and, held, keeps another big one and most ordinary ones out */
	uint64_t b = ds_page_memory_reserve(big);
	assert_true(b == big);
	assert_int_equal(ds_page_memory_try_reserve(big), 0);
	ds_page_memory_release(b);
	/* more than the budget: the whole budget, alone */
	uint64_t w = ds_page_memory_try_reserve(huge);
	assert_true(w == DS_PAGE_MEMORY_BUDGET);
	assert_int_equal(ds_page_memory_try_reserve(ds_page_memory_weight(10, 10, 1)), 0);
	ds_page_memory_release(w);
	assert_int_equal(ds_page_memory_try_reserve(0), 0);
	w = ds_page_memory_try_reserve(huge);
	assert_true(w == DS_PAGE_MEMORY_BUDGET);
	ds_page_memory_release(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#if defined(__SANITIZE_ADDRESS__)
		cmocka_unit_test(test_alloc_cap),
#endif
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_corpus_ink),
		cmocka_unit_test(test_compressions),
		cmocka_unit_test(test_tiff_variants),
		cmocka_unit_test(test_orientation_tags),
		cmocka_unit_test(test_png_jpeg),
		cmocka_unit_test(test_png_palette_alpha),
		cmocka_unit_test(test_png_layouts),
		cmocka_unit_test(test_jpeg_cmyk_progressive),
		cmocka_unit_test(test_jpeg_exif_orientation),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_page_decode_png),
		cmocka_unit_test(test_zero_bytes),
		cmocka_unit_test(test_not_an_image),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_corrupt_strips),
		cmocka_unit_test(test_absurd_dimensions),
		cmocka_unit_test(test_budget_page_bytes),
		cmocka_unit_test(test_budget_file_pixels),
		cmocka_unit_test(test_resolution_unit_none),
		cmocka_unit_test(test_dpi_estimate),
		cmocka_unit_test(test_page_memory),
		cmocka_unit_test(test_huge_png_jpeg),
		cmocka_unit_test(test_truncated_png_jpeg),
		cmocka_unit_test(test_too_many_pages),
		cmocka_unit_test(test_ifd_loop_and_codec),
		cmocka_unit_test(test_silent),
		cmocka_unit_test(test_threads),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
