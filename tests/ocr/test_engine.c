/* ocr/engine.c, prepare.c, pdf.c on small corpus pages: language policy,
 * orientation, blank pages, pages without text, the PDF renderer, and
 * missing models refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <leptonica/allheaders.h>

#include "dossier/error.h"
#include "dossier/fs.h"
#include "dossier/ocr.h"
#include "ocr/ocr_int.h"
#include "testutil.h"

static ds_ocr_engine *engine;

static PIX *corpus(const char *rel)
{
	const char *dir = getenv("DS_CORPUS");
	char path[4096];
	if (!dir || snprintf(path, sizeof path, "%s/%s", dir, rel) >= (int)sizeof path)
		return NULL;
	return pixRead(path);
}

#define NEED(pix) do { if (!(pix)) { print_message("corpus page missing (DS_CORPUS)\n"); skip(); } } while (0)

static int setup(void **state)
{
	(void)state;
	struct ds_ocr_options o = {.languages = "auto"};
	setMsgSeverity(L_SEVERITY_NONE);
	return ds_ocr_engine_new(&engine, &o) < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	ds_ocr_engine_free(engine);
	return 0;
}

static void missing_models_refused(void **state)
{
	(void)state;
	ds_ocr_engine *e = NULL;
	struct ds_ocr_options o = {.tessdata = "/nonexistent", .languages = "auto"};
	assert_int_equal(ds_ocr_engine_new(&e, &o), DS_ENOTFOUND);
	assert_non_null(strstr(ds_error_last(), "vie.traineddata"));
	assert_null(e);
	o.tessdata = NULL;
	o.languages = "zzz";
	assert_int_equal(ds_ocr_engine_new(&e, &o), DS_ENOTFOUND);
	o.languages = "../vie";
	assert_int_equal(ds_ocr_engine_new(&e, &o), DS_EINVALID);
	ds_ocr_pdf *p = NULL;
	assert_int_equal(ds_ocr_pdf_new(&p, "/nonexistent", "/tmp/x", "t"), DS_ENOTFOUND);
	assert_null(p);
}

static void vietnamese_word_read_once(void **state)
{
	(void)state;
	PIX *pix = corpus("tesseract-test/viet.tif");
	NEED(pix);
	struct ds_ocr_result r;
	assert_int_equal(ds_ocr_engine_recognize(engine, pix, 0, 1, &r), 0);
	assert_non_null(strstr(r.text, "tiếng"));
	assert_string_equal(r.language, "vie");
	assert_int_equal(r.passes, 1); /* plainly Vietnamese: eng not tried */
	assert_non_null(strstr(r.hocr, "ocr_page"));
	assert_true(r.confidence > 50);
	/* the CPU it took is accounted: Recognize (with the model's first
	 * load) and getting the text and hOCR out */
	assert_true(r.cpu_recognize > 0 && r.cpu_output > 0);
	ds_ocr_result_clear(&r);
	pixDestroy(&pix);
}

/* The process-wide Tesseract parameters the engine sets once: any other
 * handle sees them (they are globals of the library, which is why they
 * are set once and not per handle). */
static void process_wide_parameters(void **state)
{
	(void)state;
	PIX *pix = corpus("tesseract-test/viet.tif");
	NEED(pix);
	struct ds_ocr_result r;
	assert_int_equal(ds_ocr_engine_recognize(engine, pix, 0, 1, &r), 0);
	ds_ocr_result_clear(&r);
	pixDestroy(&pix);
	TessBaseAPI *other = TessBaseAPICreate();
	assert_non_null(other);
	/* a handle-level setting first, so that the lookups below have the
	 * handle's own table too: a per-handle parameter would then read as
	 * its default here and fail, not crash */
	TessBaseAPISetPageSegMode(other, PSM_AUTO);
	int fast = 0;
	assert_true(TessBaseAPIGetBoolVariable(other, "textord_fast_pitch_test", &fast));
	assert_int_equal(fast, 1);
	const char *dbg = TessBaseAPIGetStringVariable(other, "debug_file");
	assert_non_null(dbg);
	assert_string_equal(dbg, "/dev/null");
	TessBaseAPIDelete(other);
}

static void english_line_tries_eng(void **state)
{
	(void)state;
	PIX *pix = corpus("tesseract-test/HelloGoogle.tif");
	NEED(pix);
	struct ds_ocr_result r;
	assert_int_equal(ds_ocr_engine_recognize(engine, pix, 0, 1, &r), 0);
	assert_non_null(strstr(r.text, "Hello"));
	assert_int_equal(r.passes, 2);
	ds_ocr_result_clear(&r);
	pixDestroy(&pix);
}

static void fixed_language(void **state)
{
	(void)state;
	ds_ocr_engine *e = NULL;
	struct ds_ocr_options o = {.languages = "eng"};
	PIX *pix = corpus("tesseract-test/HelloGoogle.tif");
	NEED(pix);
	assert_int_equal(ds_ocr_engine_new(&e, &o), 0);
	struct ds_ocr_result r;
	assert_int_equal(ds_ocr_engine_recognize(e, pix, 0, 1, &r), 0);
	assert_string_equal(r.language, "eng");
	assert_int_equal(r.passes, 1);
	ds_ocr_result_clear(&r);
	ds_ocr_engine_free(e);
	pixDestroy(&pix);
}

static void blank_and_textless(void **state)
{
	(void)state;
	struct ds_ocr__prepared prep;
	PIX *white = pixCreate(1200, 1600, 8);
	pixSetAll(white); /* 8 bpp: all 255 = white */
	/* a few specks of dust stay blank */
	pixSetPixel(white, 100, 100, 0);
	pixSetPixel(white, 700, 900, 0);
	assert_int_equal(ds_ocr__prepare(engine, white, &prep), 0);
	assert_int_equal(prep.blank, 1);
	assert_null(prep.pix);
	/* a black box is ink but not text: recognised as nothing → refused */
	PIX *box = pixCreate(1200, 1600, 1);
	pixRasterop(box, 300, 300, 600, 600, PIX_SET, NULL, 0, 0);
	assert_int_equal(ds_ocr__prepare(engine, box, &prep), 0);
	assert_int_equal(prep.blank, 0);
	struct ds_ocr_result r;
	assert_int_equal(ds_ocr_engine_recognize(engine, prep.pix, 300, 1, &r), DS_EINVALID);
	assert_non_null(strstr(ds_error_last(), "no text"));
	assert_null(r.text);
	pixDestroy(&prep.pix);
	pixDestroy(&box);
	pixDestroy(&white);
	/* no image at all */
	assert_int_equal(ds_ocr_engine_recognize(engine, NULL, 0, 1, &r), DS_EINVALID);
}

static void not_blank(void **state)
{
	(void)state;
	const char *pages[] = {"tesseract-test/viet.tif", "tesseract-test/HelloGoogle.tif"};
	for (size_t i = 0; i < 2; i++) {
		struct ds_ocr__prepared prep;
		PIX *pix = corpus(pages[i]);
		NEED(pix);
		assert_int_equal(ds_ocr__prepare(engine, pix, &prep), 0);
		assert_int_equal(prep.blank, 0);
		pixDestroy(&prep.pix);
		pixDestroy(&pix);
	}
}

/* phototest turned each way, and the rotation that sets it upright */
static const struct {
	const char *file;
	int rotation;
} turned[] = {{"tesseract-test/phototest-rotated-L.png", 90},
	      {"tesseract-test/phototest-rotated-R.png", 270},
	      {"tesseract-test/phototest-rotated-180.png", 180},
	      {"tesseract-test/phototest.tif", 0}};

static void turned_pages(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof turned / sizeof turned[0]; i++) {
		struct ds_ocr__prepared prep;
		PIX *pix = corpus(turned[i].file);
		NEED(pix);
		assert_int_equal(ds_ocr__prepare(engine, pix, &prep), 0);
		if (prep.rotation != turned[i].rotation)
			fail_msg("%s: rotation %d, expected %d", turned[i].file, prep.rotation, turned[i].rotation);
		struct ds_ocr_result r;
		assert_int_equal(ds_ocr_engine_recognize(engine, prep.pix, 0, 1, &r), 0);
		assert_non_null(strstr(r.text, "The quick brown dog jumped over"));
		ds_ocr_result_clear(&r);
		pixDestroy(&prep.pix);
		pixDestroy(&pix);
	}
}

/* OSD alone (used when Leptonica is undecided) turns the same way. */
static void osd_direction(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof turned / sizeof turned[0]; i++) {
		int rot = -1;
		double conf = 0;
		PIX *pix = corpus(turned[i].file);
		NEED(pix);
		assert_int_equal(ds_ocr_engine_osd(engine, pix, &rot, &conf), 0);
		if (rot != turned[i].rotation)
			fail_msg("%s: OSD rotation %d, expected %d", turned[i].file, rot, turned[i].rotation);
		pixDestroy(&pix);
	}
	/* a blank page: undecided */
	PIX *white = pixCreate(800, 800, 8);
	pixSetAll(white);
	int rot = -1;
	assert_int_equal(ds_ocr_engine_osd(engine, white, &rot, NULL), DS_ENOTFOUND);
	assert_int_equal(rot, 0);
	pixDestroy(&white);
}

static void pdf_renderer(void **state)
{
	(void)state;
	char *dir = ds_test_tmpdir(), base[4200], path[4300];
	unsigned char *buf = NULL;
	size_t len = 0;
	ds_ocr_pdf *p = NULL;
	PIX *pix = corpus("tesseract-test/viet.tif");
	NEED(pix);
	snprintf(base, sizeof base, "%s/out", dir);
	snprintf(path, sizeof path, "%s.pdf", base);
	assert_int_equal(ds_ocr_pdf_new(&p, NULL, base, "TEST"), 0);
	assert_int_equal(ds_ocr_pdf_finish(p), DS_EINVALID); /* no pages */
	ds_ocr_pdf_free(p);
	assert_int_equal(ds_ocr_pdf_new(&p, NULL, base, "TEST"), 0);
	struct ds_ocr_result r;
	assert_int_equal(ds_ocr_engine_recognize(engine, pix, 0, 1, &r), 0);
	assert_int_equal(ds_ocr_pdf_add(p, engine), 0);
	ds_ocr_result_clear(&r);
	assert_int_equal(ds_ocr_engine_recognize(engine, pix, 0, 2, &r), 0);
	assert_int_equal(ds_ocr_pdf_add(p, engine), 0);
	assert_int_equal(ds_ocr_pdf_finish(p), 0);
	ds_ocr_pdf_free(p);
	assert_int_equal(ds_file_read(path, 1 << 24, &buf, &len), 0);
	assert_true(len > 1000);
	assert_memory_equal(buf, "%PDF-", 5);
	assert_non_null(strstr((char *)buf + len - 16, "%%EOF"));
	free(buf);
	ds_ocr_result_clear(&r);
	pixDestroy(&pix);
	ds_test_rm_rf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(missing_models_refused),
		cmocka_unit_test(vietnamese_word_read_once),
		cmocka_unit_test(process_wide_parameters),
		cmocka_unit_test(english_line_tries_eng),
		cmocka_unit_test(fixed_language),
		cmocka_unit_test(blank_and_textless),
		cmocka_unit_test(not_blank),
		cmocka_unit_test(turned_pages),
		cmocka_unit_test(osd_direction),
		cmocka_unit_test(pdf_renderer),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
