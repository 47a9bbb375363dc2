/* scanner cleanup: blank pages, orientation, skew, binarisation, quarter
 * turns; the input is never modified. Pages come from the shared corpus
 * (PDFs rendered with pdftoppm) and from synthetic variations of them. */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <leptonica/allheaders.h>

#include "dossier/error.h"
#include "dossier/scanner.h"
#include "testutil.h"

static char *tmp;

static int setup(void **state)
{
	(void)state;
	tmp = ds_test_tmpdir();
	setMsgSeverity(L_SEVERITY_NONE);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ds_test_rm_rf(tmp);
	free(tmp);
	return 0;
}

static const char *corpus(void)
{
	const char *c = getenv("DS_CORPUS");
	if (c == NULL)
		fail_msg("DS_CORPUS is not set (ctest sets it)");
	return c;
}

/* A corpus page through the scanner, as the pipeline sees it. */
static PIX *corpus_page(const char *rel)
{
	char path[4200];
	ds_scan *s = NULL;
	PIX *pix = NULL;
	assert_true(snprintf(path, sizeof path, "%s/%s", corpus(), rel) < (int)sizeof path);
	if (ds_scan_open(&s, path, NULL) != 0 || ds_scan_page_decode(s, 0, &pix) != 0)
		fail_msg("%s", ds_error_last());
	ds_scan_free(s);
	return pix;
}

/* A corpus PDF rendered grey with pdftoppm, as in the issue. */
static PIX *rendered(const char *rel, int dpi)
{
	char cmd[9000], out[4200], pgm[4300];
	assert_true(snprintf(out, sizeof out, "%s/render%d", tmp, dpi) < (int)sizeof out);
	assert_true(snprintf(cmd, sizeof cmd, "pdftoppm -r %d -gray -singlefile '%s/%s' '%s'", dpi,
	                     corpus(), rel, out) < (int)sizeof cmd);
	if (system(cmd) != 0)
		fail_msg("pdftoppm failed (poppler-utils is in scripts/deps.txt): %s", cmd);
	assert_true(snprintf(pgm, sizeof pgm, "%s.pgm", out) < (int)sizeof pgm);
	PIX *pix = pixRead(pgm);
	assert_non_null(pix);
	pixSetResolution(pix, dpi, dpi);
	return pix;
}

static PIX *clean(PIX *in, struct ds_clean_result *r)
{
	PIX *out = NULL;
	PIX *before = pixCopy(NULL, in);
	if (ds_page_clean(in, NULL, &out, r) != 0)
		fail_msg("%s", ds_error_last());
	/* the stored original is never modified */
	l_int32 same = 0;
	pixEqual(before, in, &same);
	assert_true(same);
	/* the resolution is kept (x and y swap on a quarter turn) */
	int quarter = r->rotated && r->rotation % 180 != 0;
	assert_int_equal(pixGetXRes(out), quarter ? pixGetYRes(in) : pixGetXRes(in));
	pixDestroy(&before);
	return out;
}

/* ---- blank pages ---- */

static void test_blank_pdf(void **state)
{
	(void)state;
	struct ds_clean_result r;
	PIX *p = rendered("ocrmypdf/blank.pdf", 150);
	PIX *o = clean(p, &r);
	assert_true(r.blank);
	assert_true(r.binarized);
	assert_false(r.orientation_decided);
	pixDestroy(&o);
	pixDestroy(&p);
}

static void test_not_blank(void **state)
{
	(void)state;
	static const char *const pages[] = {"tesseract-test/viet.tif", "tesseract-test/HelloGoogle.tif",
	                                    "tesseract-test/phototest.tif"};
	for (size_t k = 0; k < 3; k++) {
		struct ds_clean_result r;
		PIX *p = corpus_page(pages[k]);
		PIX *o = clean(p, &r);
		if (r.blank)
			fail_msg("%s taken for blank (ink %g)", pages[k], r.ink);
		pixDestroy(&o);
		pixDestroy(&p);
	}
}

/* A grey A4 page at 150 dpi: paper shading, grain and dust specks. */
static PIX *noisy_paper(void)
{
	PIX *p = pixCreate(1240, 1754, 8);
	uint32_t st = 7;
	for (l_int32 y = 0; y < 1754; y++)
		for (l_int32 x = 0; x < 1240; x++) {
			st = st * 1103515245u + 12345u;
			int v = 200 + x * 40 / 1240 + (int)((st >> 16) % 21) - 10;
			pixSetPixel(p, x, y, (l_uint32)v);
		}
	for (int k = 0; k < 40; k++) { /* dust: one or two dark pixels */
		st = st * 1103515245u + 12345u;
		l_int32 x = 100 + (l_int32)((st >> 8) % 1000), y = 100 + (l_int32)((st >> 20) % 1500);
		pixSetPixel(p, x, y, 30);
		pixSetPixel(p, x + 1, y, 30);
	}
	pixSetResolution(p, 150, 150);
	return p;
}

static void test_blank_noisy_and_little_ink(void **state)
{
	(void)state;
	struct ds_clean_result r;
	PIX *paper = noisy_paper();
	PIX *o = clean(paper, &r);
	if (!r.blank)
		fail_msg("noisy blank paper not blank (ink %g)", r.ink);
	pixDestroy(&o);

	/* the same paper with one short line of text in the middle */
	PIX *text = corpus_page("tesseract-test/HelloGoogle.tif"); /* 1 bpp, 400x200 */
	PIX *g = pixConvertTo8(text, 0);
	pixRasterop(paper, 420, 800, 400, 200, PIX_SRC & PIX_DST, g, 0, 0);
	o = clean(paper, &r);
	if (r.blank)
		fail_msg("a page with one line taken for blank (ink %g)", r.ink);
	pixDestroy(&o);
	/* ...and the blank threshold is the caller's */
	struct ds_clean_opts opts;
	ds_clean_opts_default(&opts);
	assert_true(opts.blank_ink_max == DS_CLEAN_BLANK_INK);
	opts.blank_ink_max = 0.5;
	assert_int_equal(ds_page_clean(paper, &opts, &o, &r), 0);
	assert_true(r.blank);
	pixDestroy(&o);
	pixDestroy(&g);
	pixDestroy(&text);
	pixDestroy(&paper);
}

/* ---- orientation ---- */

static void test_orientation(void **state)
{
	(void)state;
	static const struct { const char *page; int rotation; } cases[] = {
		{"tesseract-test/phototest.tif", 0},
		{"tesseract-test/phototest-rotated-L.png", 90},   /* turned left: turn right */
		{"tesseract-test/phototest-rotated-R.png", 270},
		{"tesseract-test/phototest-rotated-180.png", 180},
	};
	struct ds_clean_result r;
	PIX *upright = NULL;
	for (size_t k = 0; k < 4; k++) {
		PIX *p = corpus_page(cases[k].page);
		PIX *o = clean(p, &r);
		if (!r.orientation_decided || r.rotation != cases[k].rotation)
			fail_msg("%s: decided %d rotation %d, want %d", cases[k].page,
			         r.orientation_decided, r.rotation, cases[k].rotation);
		assert_int_equal(r.rotated, cases[k].rotation != 0);
		/* all four come out as the same upright page */
		assert_int_equal(pixGetWidth(o), 640);
		assert_int_equal(pixGetHeight(o), 480);
		if (upright == NULL) {
			upright = pixClone(o);
		} else {
			l_int32 same = 0;
			pixEqual(upright, o, &same);
			assert_true(same);
		}
		pixDestroy(&o);
		pixDestroy(&p);
	}
	pixDestroy(&upright);

	/* asked only to decide, the page is left as it is */
	struct ds_clean_opts opts;
	ds_clean_opts_default(&opts);
	opts.rotate = 0;
	PIX *p = corpus_page("tesseract-test/phototest-rotated-L.png"), *o = NULL;
	assert_int_equal(ds_page_clean(p, &opts, &o, &r), 0);
	assert_true(r.orientation_decided);
	assert_int_equal(r.rotation, 90);
	assert_false(r.rotated);
	assert_int_equal(pixGetWidth(o), 480);
	pixDestroy(&o);
	pixDestroy(&p);
}

/* A 300 dpi page turned each way is decided and turned back. */
static void test_orientation_300dpi(void **state)
{
	(void)state;
	PIX *p = corpus_page("tesseract-test/8087_054.3B.tif");
	struct ds_clean_opts opts;
	ds_clean_opts_default(&opts);
	opts.blank = 0;
	opts.deskew = 0;
	opts.rotate = 0;
	for (int q = 0; q < 4; q++) {
		PIX *t = pixRotateOrth(p, q), *o = NULL;
		struct ds_clean_result r;
		pixCopyResolution(t, p);
		assert_int_equal(ds_page_clean(t, &opts, &o, &r), 0);
		if (!r.orientation_decided || r.rotation != (4 - q) % 4 * 90)
			fail_msg("turned %d: decided %d rotation %d", q * 90, r.orientation_decided, r.rotation);
		pixDestroy(&o);
		pixDestroy(&t);
	}
	pixDestroy(&p);
}

/* Not text: undecided, and so left to Tesseract's OSD. */
static void test_orientation_undecided(void **state)
{
	(void)state;
	struct ds_clean_result r;
	PIX *paper = noisy_paper();
	PIX *o = clean(paper, &r);
	assert_false(r.orientation_decided);
	assert_int_equal(r.rotation, 0);
	assert_false(r.rotated);
	pixDestroy(&o);
	/* large blobs (a photo-like page) */
	PIX *blobs = pixCreate(800, 600, 1);
	pixSetResolution(blobs, 200, 200);
	for (int k = 0; k < 12; k++)
		pixRasterop(blobs, 40 + (k % 4) * 190, 40 + (k / 4) * 190, 120, 150, PIX_SET, NULL, 0, 0);
	o = clean(blobs, &r);
	assert_false(r.orientation_decided);
	pixDestroy(&o);
	pixDestroy(&blobs);
	pixDestroy(&paper);
}

/* ---- skew ---- */

static void test_skew_synthetic(void **state)
{
	(void)state;
	PIX *p = corpus_page("tesseract-test/phototest.tif");
	for (int sign = -1; sign <= 1; sign += 2) {
		double deg = 3.0 * sign;
		PIX *s = pixRotate(p, (l_float32)(deg * M_PI / 180), L_ROTATE_SAMPLING, L_BRING_IN_WHITE, 0, 0);
		pixCopyResolution(s, p);
		struct ds_clean_result r, r2;
		PIX *o = clean(s, &r);
		assert_true(r.deskewed);
		/* the correction is the opposite of the rotation applied */
		if (fabs(r.skew_deg + deg) > 0.25)
			fail_msg("rotated by %g, skew found %g", deg, r.skew_deg);
		PIX *o2 = clean(o, &r2);
		if (r2.deskewed && fabs(r2.skew_deg) > 0.25)
			fail_msg("still skewed by %g after cleaning", r2.skew_deg);
		pixDestroy(&o2);
		pixDestroy(&o);
		pixDestroy(&s);
	}
	/* a straight page is left alone */
	struct ds_clean_result r;
	PIX *o = clean(p, &r);
	assert_false(r.deskewed);
	l_int32 same = 0;
	pixEqual(o, p, &same);
	assert_true(same);
	pixDestroy(&o);
	pixDestroy(&p);
}

/* deskew_min: a skew below it is measured and reported, the page is not
 * resampled; the default (0.1 degree) turns the same page. */
static void test_skew_min(void **state)
{
	(void)state;
	PIX *p = corpus_page("tesseract-test/phototest.tif");
	PIX *s = pixRotate(p, (l_float32)(0.6 * M_PI / 180), L_ROTATE_SAMPLING, L_BRING_IN_WHITE, 0, 0);
	pixCopyResolution(s, p);
	struct ds_clean_opts opts;
	struct ds_clean_result r;
	PIX *o = NULL;
	ds_clean_opts_default(&opts);
	assert_true(opts.deskew_min > 0.09 && opts.deskew_min < 0.11);
	assert_int_equal(ds_page_clean(s, &opts, &o, &r), 0);
	assert_true(r.deskewed);
	assert_true(fabs(r.skew_deg + 0.6) < 0.25);
	assert_int_equal(pixGetDepth(o), 1); /* binarised: back to 1 bpp */
	pixDestroy(&o);
	/* Not binarised, a deskewed 1 bpp page comes out grey: rotated with
	 * interpolation, not by moving whole pixels (issue 14). Its edges
	 * hold grey levels a sampled rotation cannot make. */
	opts.binarize = 0;
	assert_int_equal(ds_page_clean(s, &opts, &o, &r), 0);
	assert_true(r.deskewed);
	assert_false(r.binarized);
	assert_int_equal(pixGetDepth(o), 8);
	assert_int_equal(pixGetXRes(o), pixGetXRes(s));
	NUMA *hist = pixGetGrayHistogram(o, 1);
	l_float32 mid = 0;
	for (int v = 32; v < 224; v++) {
		l_float32 c = 0;
		numaGetFValue(hist, v, &c);
		mid += c;
	}
	numaDestroy(&hist);
	assert_true(mid > 1000);
	pixDestroy(&o);
	opts.binarize = 1;
	opts.deskew_min = 1.0;
	assert_int_equal(ds_page_clean(s, &opts, &o, &r), 0);
	assert_false(r.deskewed);
	assert_true(fabs(r.skew_deg + 0.6) < 0.25); /* still measured */
	l_int32 same = 0;
	pixEqual(o, s, &same);
	assert_true(same);
	pixDestroy(&o);
	pixDestroy(&s);
	pixDestroy(&p);
}

static void test_skew_pdf(void **state)
{
	(void)state;
	struct ds_clean_result r, r2;
	PIX *p = rendered("ocrmypdf/skew.pdf", 300);
	PIX *o = clean(p, &r);
	print_message("skew.pdf at 300 dpi: skew %.3f degrees, confidence %.2f\n", r.skew_deg, r.skew_conf);
	assert_true(r.deskewed);
	assert_true(r.binarized);
	assert_true(fabs(r.skew_deg) > 1.0 && fabs(r.skew_deg) < 3.0);
	PIX *o2 = clean(o, &r2);
	if (r2.deskewed && fabs(r2.skew_deg) > 0.25)
		fail_msg("still skewed by %g after cleaning", r2.skew_deg);
	pixDestroy(&o2);
	pixDestroy(&o);
	pixDestroy(&p);
}

/* ---- binarisation ---- */

static void test_binarize_uneven_light(void **state)
{
	(void)state;
	/* phototest as a grey scan lit from the right: the left edge is dark */
	PIX *bw = corpus_page("tesseract-test/phototest.tif");
	l_int32 w = pixGetWidth(bw), h = pixGetHeight(bw);
	PIX *g = pixCreate(w, h, 8);
	pixCopyResolution(g, bw);
	for (l_int32 y = 0; y < h; y++)
		for (l_int32 x = 0; x < w; x++) {
			l_uint32 ink = 0;
			pixGetPixel(bw, x, y, &ink);
			int paper = 70 + 170 * x / w;
			pixSetPixel(g, x, y, (l_uint32)(ink ? paper / 4 : paper));
		}
	/* a global threshold loses the left of the page */
	PIX *global = pixConvertTo1(g, 128);
	l_int32 bad_global = 0, bad_sauvola = 0;
	PIX *x1 = pixXor(NULL, global, bw);
	pixCountPixels(x1, &bad_global, NULL);

	struct ds_clean_opts opts;
	struct ds_clean_result r;
	ds_clean_opts_default(&opts);
	opts.deskew = 0;
	opts.orient = 0;
	PIX *o = NULL;
	assert_int_equal(ds_page_clean(g, &opts, &o, &r), 0);
	assert_true(r.binarized);
	assert_int_equal(pixGetDepth(o), 1);
	PIX *x2 = pixXor(NULL, o, bw);
	pixCountPixels(x2, &bad_sauvola, NULL);
	/* Sauvola recovers the page: under 2% of pixels differ */
	if (bad_sauvola > w * h / 50 || bad_sauvola * 5 > bad_global)
		fail_msg("sauvola %d wrong pixels, global threshold %d", bad_sauvola, bad_global);

	/* without binarisation the output stays grey */
	opts.binarize = 0;
	PIX *o2 = NULL;
	assert_int_equal(ds_page_clean(g, &opts, &o2, &r), 0);
	assert_false(r.binarized);
	assert_int_equal(pixGetDepth(o2), 8);
	/* 1 bpp input is not binarised again */
	PIX *o3 = NULL;
	ds_clean_opts_default(&opts);
	assert_int_equal(ds_page_clean(bw, &opts, &o3, &r), 0);
	assert_false(r.binarized);
	/* colour input */
	PIX *c = pixConvertTo32(g), *o4 = NULL;
	pixCopyResolution(c, g);
	assert_int_equal(ds_page_clean(c, NULL, &o4, &r), 0);
	assert_true(r.binarized);
	assert_int_equal(pixGetDepth(o4), 1);
	assert_int_equal(pixGetXRes(o4), 200);
	pixDestroy(&o4);
	pixDestroy(&c);
	pixDestroy(&o3);
	pixDestroy(&o2);
	pixDestroy(&x2);
	pixDestroy(&o);
	pixDestroy(&x1);
	pixDestroy(&global);
	pixDestroy(&g);
	pixDestroy(&bw);
}

/* ---- quarter turns and arguments ---- */

static void test_rotate(void **state)
{
	(void)state;
	PIX *p = corpus_page("tesseract-test/viet.tif"), *a = NULL, *b = NULL;
	pixSetResolution(p, 300, 200);
	assert_int_equal(ds_page_rotate(p, 90, &a), 0);
	assert_int_equal(pixGetWidth(a), 200);
	assert_int_equal(pixGetHeight(a), 600);
	assert_int_equal(pixGetXRes(a), 200);
	assert_int_equal(pixGetYRes(a), 300);
	assert_int_equal(ds_page_rotate(a, 270, &b), 0);
	l_int32 same = 0;
	pixEqual(p, b, &same);
	assert_true(same);
	pixDestroy(&b);
	assert_int_equal(ds_page_rotate(a, -90, &b), 0); /* -90 is 270 */
	pixEqual(p, b, &same);
	assert_true(same);
	pixDestroy(&b);
	assert_int_equal(ds_page_rotate(p, 180, &b), 0);
	pixEqual(p, b, &same);
	assert_false(same);
	pixDestroy(&b);
	assert_int_equal(ds_page_rotate(p, 45, &b), DS_EINVALID);
	assert_null(b);
	assert_int_equal(ds_page_rotate(NULL, 90, &b), DS_EINVALID);
	assert_int_equal(ds_page_clean(NULL, NULL, &b, NULL), DS_EINVALID);
	assert_null(b);
	pixDestroy(&a);
	pixDestroy(&p);
}

/* Odd shapes and extremes go through without failing. */
static void test_tiny_and_extreme(void **state)
{
	(void)state;
	static const l_int32 sizes[][2] = {{1, 1}, {2, 2}, {7, 3}, {1, 1000}, {1000, 1}, {31, 17}, {64, 64}};
	static const int depths[] = {1, 8, 32};
	for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++)
		for (size_t d = 0; d < 3; d++)
			for (int fill = 0; fill < 2; fill++) {
				PIX *p = pixCreate(sizes[k][0], sizes[k][1], depths[d]), *o = NULL;
				struct ds_clean_result r;
				if (fill)
					pixSetAll(p); /* 1 bpp: all black; 8/32 bpp: all white */
				if (ds_page_clean(p, NULL, &o, &r) != 0)
					fail_msg("%dx%d %d bpp: %s", sizes[k][0], sizes[k][1], depths[d], ds_error_last());
				assert_non_null(o);
				assert_false(r.orientation_decided);
				/* white pages are blank; an all-black one is not */
				int black = (depths[d] == 1) == (fill == 1);
				if (r.blank == black && sizes[k][0] > 2 && sizes[k][1] > 2)
					fail_msg("%dx%d %d bpp fill %d: blank %d", sizes[k][0], sizes[k][1],
					         depths[d], fill, r.blank);
				pixDestroy(&o);
				pixDestroy(&p);
			}
}

/* The OCR pool cleans pages from several threads at once. */
struct job {
	PIX *in, *want;
	int ok;
};

static void *clean_job(void *arg)
{
	struct job *j = arg;
	j->ok = 1;
	for (int k = 0; k < 3; k++) {
		struct ds_clean_result r;
		PIX *o = NULL;
		l_int32 same = 0;
		unsigned char *buf = NULL;
		size_t len = 0;
		if (ds_page_clean(j->in, NULL, &o, &r) != 0 || r.rotation != 90 ||
		    pixEqual(o, j->want, &same) != 0 || !same)
			j->ok = 0;
		/* storing the same page from several threads too */
		if (ds_page_encode(j->in, &buf, &len) != 0)
			j->ok = 0;
		free(buf);
		pixDestroy(&o);
	}
	return NULL;
}

static void test_threads(void **state)
{
	(void)state;
	struct ds_clean_result r;
	PIX *in = corpus_page("tesseract-test/phototest-rotated-L.png");
	PIX *grey = pixConvertTo8(in, 0); /* 1 bpp and 8 bpp inputs, shared */
	pixCopyResolution(grey, in);
	PIX *want = clean(in, &r), *want_grey = clean(grey, &r);
	pthread_t th[4];
	struct job jobs[4];
	for (int i = 0; i < 4; i++) {
		jobs[i] = i % 2 ? (struct job){grey, want_grey, 0} : (struct job){in, want, 0};
		assert_int_equal(pthread_create(&th[i], NULL, clean_job, &jobs[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_true(jobs[i].ok);
	}
	pixDestroy(&want_grey);
	pixDestroy(&grey);
	pixDestroy(&want);
	pixDestroy(&in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blank_pdf),
		cmocka_unit_test(test_not_blank),
		cmocka_unit_test(test_blank_noisy_and_little_ink),
		cmocka_unit_test(test_orientation),
		cmocka_unit_test(test_orientation_300dpi),
		cmocka_unit_test(test_orientation_undecided),
		cmocka_unit_test(test_skew_synthetic),
		cmocka_unit_test(test_skew_min),
		cmocka_unit_test(test_skew_pdf),
		cmocka_unit_test(test_binarize_uneven_light),
		cmocka_unit_test(test_rotate),
		cmocka_unit_test(test_tiny_and_extreme),
		cmocka_unit_test(test_threads),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
