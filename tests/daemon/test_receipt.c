/* Receipts and their QR: render, read back with Leptonica, decode with
 * zbar (ours and zbarimg's), measure the modules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <allheaders.h>
#include <qrencode.h>
#include <zbar.h>

#include "dossier/error.h"
#include "dossier/qr.h"
#include "dossier/receipt.h"

#define CODE "000.00.53.H48-220921-0099"

static const struct ds_receipt receipt = {
	.code = CODE,
	.agency_name = "UBND TỈNH QUẢNG NGÃI\nTRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG",
	.procedure_code = "1.004227",
	.procedure_name = "Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất",
	.department_name = "Sở Tài nguyên và Môi trường",
	.applicant_id = "051089001234",
	.applicant_name = "NguyễnThịÁnhTuyết",
	.received_at = 1764119643, /* 2025-11-26 08:14:03 +07:00 */
	.due_at = 1765965600,
	.utc_offset = 7 * 3600,
	.clerk = "Trần Văn Bình",
};

static char tmpdir[256];

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/ds-receipt-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[512];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *path, const unsigned char *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* The first line of a command's output (trailing newline removed). */
static void run_capture(const char *cmd, char *out, size_t n)
{
	FILE *p = popen(cmd, "r");
	size_t k;
	assert_non_null(p);
	k = fread(out, 1, n - 1, p);
	out[k] = 0;
	assert_int_equal(pclose(p), 0);
	while (k && (out[k - 1] == '\n' || out[k - 1] == '\r'))
		out[--k] = 0;
}

/* zbar on `pix` at full density (every row and column, more than
 * ds_qr_decode scans), QR only: the number of symbols it read. */
struct zb {
	zbar_image_scanner_t *sc;
	zbar_image_t *img;
	unsigned char *buf;
};

static int zbar_read(PIX *pix, struct zb *z)
{
	PIX *g = pixConvertTo8(pix, 0);
	int w = pixGetWidth(g), h = pixGetHeight(g);

	z->buf = malloc((size_t)w * h);
	z->sc = zbar_image_scanner_create();
	z->img = zbar_image_create();
	assert_non_null(z->buf);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			z->buf[(size_t)y * w + x] = (unsigned char)GET_DATA_BYTE(pixGetData(g) + y * pixGetWpl(g), x);
	zbar_image_scanner_set_config(z->sc, ZBAR_NONE, ZBAR_CFG_ENABLE, 0);
	zbar_image_scanner_set_config(z->sc, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1);
	zbar_image_set_format(z->img, zbar_fourcc('Y', '8', '0', '0'));
	zbar_image_set_size(z->img, (unsigned)w, (unsigned)h);
	zbar_image_set_data(z->img, z->buf, (unsigned long)w * h, NULL);
	pixDestroy(&g);
	return zbar_scan_image(z->sc, z->img);
}

static void zbar_done(struct zb *z)
{
	zbar_image_destroy(z->img);
	zbar_image_scanner_destroy(z->sc);
	free(z->buf);
}

/* Module size in pixels, measured with zbar's own location of the symbol
 * and the symbol width libqrencode chose for the code. */
static double module_px(PIX *pix, const char *code)
{
	struct zb z;
	QRcode *q = QRcode_encodeString(code, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	int minx = pixGetWidth(pix), maxx = 0, found = 0;

	assert_non_null(q);
	assert_int_equal(zbar_read(pix, &z), 1);
	const zbar_symbol_t *s = zbar_image_first_symbol(z.img);
	assert_non_null(s);
	assert_string_equal(zbar_symbol_get_data(s), code);
	for (unsigned i = 0; i < zbar_symbol_get_loc_size(s); i++) {
		int x = zbar_symbol_get_loc_x(s, i);
		if (x < minx)
			minx = x;
		if (x > maxx)
			maxx = x;
		found = 1;
	}
	assert_true(found);
	double m = (double)(maxx - minx + 1) / q->width;
	QRcode_free(q);
	zbar_done(&z);
	return m;
}

static void test_png_roundtrip(void **state)
{
	unsigned char *png = NULL;
	size_t len = 0;
	PIX *pix;
	l_int32 xres = 0, yres = 0;
	char code[64], path[512], cmd[1024], out[256];
	(void)state;

	assert_int_equal(ds_receipt_render(&png, &len, &receipt, DS_RECEIPT_PNG), 0);
	assert_true(len > 1000);
	assert_memory_equal(png, "\x89PNG", 4);

	/* read back with Leptonica: A4 at 300 dpi, grey */
	pix = pixReadMem(png, len);
	assert_non_null(pix);
	assert_int_equal(pixGetWidth(pix), 2480);
	assert_int_equal(pixGetHeight(pix), 3508);
	pixGetResolution(pix, &xres, &yres);
	assert_int_equal(xres, 300);
	assert_int_equal(yres, 300);

	/* our decoder: exactly the code */
	assert_int_equal(ds_qr_page_code(code, sizeof(code), pix), 0);
	assert_string_equal(code, CODE);
	struct ds_qr_result r;
	assert_int_equal(ds_qr_decode(&r, pix), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.sym[0].len, strlen(CODE));
	assert_string_equal(r.sym[0].data, CODE);

	/* modules of at least 8 px at 300 dpi */
	double m = module_px(pix, CODE);
	print_message("QR module: %.2f px at 300 dpi\n", m);
	assert_true(m >= 8.0);

	/* an independent reader: zbarimg */
	snprintf(path, sizeof(path), "%s/receipt.png", tmpdir);
	write_file(path, png, len);
	snprintf(cmd, sizeof(cmd), "zbarimg --quiet --raw -Sdisable -Sqrcode.enable '%s' 2>/dev/null", path);
	run_capture(cmd, out, sizeof(out));
	assert_string_equal(out, CODE);

	pixDestroy(&pix);
	free(png);
}

/* What a scanner makes of the sheet: 1-bit, 200 dpi, upside down. */
static void test_scanned_variants(void **state)
{
	PIX *pix = NULL, *bw, *small, *rot;
	char code[64];
	(void)state;

	assert_int_equal(ds_receipt_render_pix(&pix, &receipt), 0);
	bw = pixThresholdToBinary(pix, 128);
	assert_int_equal(ds_qr_page_code(code, sizeof(code), bw), 0);
	assert_string_equal(code, CODE);
	small = pixScale(bw, 200.0f / 300.0f, 200.0f / 300.0f);
	assert_int_equal(ds_qr_page_code(code, sizeof(code), small), 0);
	assert_string_equal(code, CODE);
	rot = pixRotate180(NULL, small);
	assert_int_equal(ds_qr_page_code(code, sizeof(code), rot), 0);
	assert_string_equal(code, CODE);
	/* a coarse 100 dpi scan: 4-pixel modules */
	PIX *coarse = pixScale(pix, 100.0f / 300.0f, 100.0f / 300.0f);
	PIX *coarse1 = pixThresholdToBinary(coarse, 160);
	assert_int_equal(ds_qr_page_code(code, sizeof(code), coarse), 0);
	assert_string_equal(code, CODE);
	assert_int_equal(ds_qr_page_code(code, sizeof(code), coarse1), 0);
	assert_string_equal(code, CODE);
	pixDestroy(&coarse1);
	pixDestroy(&coarse);
	pixDestroy(&rot);
	pixDestroy(&small);
	pixDestroy(&bw);
	pixDestroy(&pix);
}

static void test_pdf(void **state)
{
	unsigned char *pdf = NULL;
	size_t len = 0;
	char path[512], cmd[1400], out[4096];
	(void)state;

	assert_int_equal(ds_receipt_render(&pdf, &len, &receipt, DS_RECEIPT_PDF), 0);
	assert_true(len > 1000);
	assert_memory_equal(pdf, "%PDF-", 5);
	snprintf(path, sizeof(path), "%s/receipt.pdf", tmpdir);
	write_file(path, pdf, len);
	free(pdf);

	/* rasterised at 300 dpi by poppler, read by zbarimg */
	snprintf(cmd, sizeof(cmd),
		 "pdftoppm -r 300 -gray -png -singlefile '%s' '%s/pdf' && "
		 "zbarimg --quiet --raw -Sdisable -Sqrcode.enable '%s/pdf.png' 2>/dev/null",
		 path, tmpdir, tmpdir);
	run_capture(cmd, out, sizeof(out));
	assert_string_equal(out, CODE);

	/* the Vietnamese text is real text in DejaVu, not boxes */
	snprintf(cmd, sizeof(cmd), "pdftotext -enc UTF-8 '%s' - | tr -d ' \\n'", path);
	run_capture(cmd, out, sizeof(out));
	/* pdftotext puts spaces where the glyphs are kerned: compare without */
	assert_non_null(strstr(out, "GIẤYTIẾPNHẬNHỒSƠVÀHẸNTRẢKẾTQUẢ"));
	assert_non_null(strstr(out, "NguyễnThịÁnhTuyết"));
	assert_non_null(strstr(out, CODE));
	assert_non_null(strstr(out, "Đăngkýbiếnđộng"));
	assert_non_null(strstr(out, "17giờ00phút,ngày17/12/2025"));
	assert_non_null(strstr(out, "08giờ14phút,ngày26/11/2025"));
	snprintf(cmd, sizeof(cmd), "pdffonts '%s' | tail -n +3 | awk '{print $1}' | sort -u | tr '\\n' ' '",
		 path);
	run_capture(cmd, out, sizeof(out));
	assert_non_null(strstr(out, "DejaVuSans"));
}

static void test_refused(void **state)
{
	unsigned char *buf = (unsigned char *)"x";
	size_t len = 7;
	struct ds_receipt r = receipt;
	enum ds_receipt_format f;
	(void)state;

	r.code = NULL;
	assert_int_equal(ds_receipt_render(&buf, &len, &r, DS_RECEIPT_PNG), DS_EINVALID);
	assert_null(buf);
	assert_int_equal(len, 0);
	r.code = "not a code";
	assert_int_equal(ds_receipt_render(&buf, &len, &r, DS_RECEIPT_PDF), DS_EINVALID);
	assert_non_null(strstr(ds_error_last(), "not a code"));
	r.code = CODE;
	r.applicant_name = "Nguy\xe1\xbb";  /* truncated UTF-8 */
	assert_int_equal(ds_receipt_render(&buf, &len, &r, DS_RECEIPT_PDF), DS_EINVALID);
	assert_non_null(strstr(ds_error_last(), "applicant name"));
	char *big = malloc(DS_RECEIPT_TEXT_MAX + 10);
	memset(big, 'a', DS_RECEIPT_TEXT_MAX + 9);
	big[DS_RECEIPT_TEXT_MAX + 9] = 0;
	r.applicant_name = big;
	assert_int_equal(ds_receipt_render(&buf, &len, &r, DS_RECEIPT_PNG), DS_ETOOBIG);
	free(big);
	r = receipt;
	assert_int_equal(ds_receipt_render(&buf, &len, &r, (enum ds_receipt_format)9), DS_EINVALID);

	assert_int_equal(ds_receipt_format_from_path(&f, "a/b.PDF"), 0);
	assert_int_equal(f, DS_RECEIPT_PDF);
	assert_int_equal(ds_receipt_format_from_path(&f, "b.png"), 0);
	assert_int_equal(f, DS_RECEIPT_PNG);
	assert_int_equal(ds_receipt_format_from_path(&f, "b.tif"), DS_EINVALID);
	assert_int_equal(ds_receipt_format_from_path(&f, ".pdf"), DS_EINVALID);
}

static void test_code_syntax(void **state)
{
	(void)state;
	assert_true(ds_qr_code_valid("000.00.53.H48-220921-0099"));
	assert_true(ds_qr_code_valid("DEMO-251126-0001"));
	assert_true(ds_qr_code_valid("A-251231-123456789"));
	assert_false(ds_qr_code_valid(""));
	assert_false(ds_qr_code_valid(NULL));
	assert_false(ds_qr_code_valid("-251126-0001"));
	assert_false(ds_qr_code_valid("demo-251126-0001"));
	assert_false(ds_qr_code_valid("DEMO-251326-0001"));      /* month 13 */
	assert_false(ds_qr_code_valid("DEMO-251100-0001"));      /* day 0 */
	assert_false(ds_qr_code_valid("DEMO-25112-0001"));
	assert_false(ds_qr_code_valid("DEMO-251126-001"));
	assert_false(ds_qr_code_valid("DEMO-251126-1234567890"));
	assert_false(ds_qr_code_valid("DEMO-251126-0001\n"));
	assert_false(ds_qr_code_valid("DEMO/../x-251126-0001"));
	assert_false(ds_qr_code_valid("123456789012345678901234567890123456-251126-0001"));
	assert_true(ds_qr_code_valid("12345678901234567890123456789012345-251126-0001"));
}

/* Draws a QR holding `payload` onto `pix` at (x, y) with 10 px modules. */
static void paint_qr(PIX *pix, const char *payload, int x0, int y0)
{
	QRcode *q = QRcode_encodeString(payload, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	assert_non_null(q);
	for (int r = 0; r < q->width; r++)
		for (int c = 0; c < q->width; c++)
			if (q->data[r * q->width + c] & 1)
				pixRasterop(pix, x0 + c * 10, y0 + r * 10, 10, 10, PIX_SET, NULL, 0, 0);
	QRcode_free(q);
}

static void test_page_code_cases(void **state)
{
	PIX *pix = pixCreate(1700, 2200, 1);
	char code[64];
	(void)state;

	pixSetResolution(pix, 200, 200);
	/* a blank page: an ordinary page */
	assert_int_equal(ds_qr_page_code(code, sizeof(code), pix), DS_ENOTFOUND);
	/* a QR that is not a dossier code (an identity card's): ordinary */
	paint_qr(pix, "051089001234|Nguyen Van A|01011990", 100, 100);
	assert_int_equal(ds_qr_page_code(code, sizeof(code), pix), DS_ENOTFOUND);
	/* plus a dossier code: a receipt */
	paint_qr(pix, "DEMO-251126-0007", 100, 900);
	assert_int_equal(ds_qr_page_code(code, sizeof(code), pix), 0);
	assert_string_equal(code, "DEMO-251126-0007");
	/* the same code twice is still one receipt */
	paint_qr(pix, "DEMO-251126-0007", 900, 900);
	assert_int_equal(ds_qr_page_code(code, sizeof(code), pix), 0);
	/* two different codes: ambiguous, refused */
	paint_qr(pix, "DEMO-251126-0008", 900, 1600);
	assert_int_equal(ds_qr_page_code(code, sizeof(code), pix), DS_EINVALID);
	assert_non_null(strstr(ds_error_last(), "DEMO-251126-0008"));
	/* too small a buffer */
	PIX *p2 = pixCreate(800, 800, 1);
	paint_qr(p2, "DEMO-251126-0009", 100, 100);
	assert_int_equal(ds_qr_page_code(code, 8, p2), DS_ETOOBIG);
	pixDestroy(&p2);
	pixDestroy(&pix);
	assert_int_equal(ds_qr_page_code(code, sizeof(code), NULL), DS_EINVALID);
}

/* Over-long payloads are dropped, not truncated into something else. */
static void test_long_payload(void **state)
{
	PIX *pix = pixCreate(1500, 1500, 1);
	char payload[400];
	struct ds_qr_result r;
	(void)state;

	memset(payload, 'A', sizeof(payload) - 1);
	payload[sizeof(payload) - 1] = 0;
	paint_qr(pix, payload, 20, 20);
	assert_int_equal(ds_qr_decode(&r, pix), 0);
	assert_int_equal(r.n, 0);
	assert_int_equal(r.dropped, 1);
	pixDestroy(&pix);
}

/* Salt and pepper: flips one pixel in `per` thousand (a fixed sequence). */
static void speckle(PIX *pix, int per)
{
	uint32_t r = 2463534242u;
	int w = pixGetWidth(pix), h = pixGetHeight(pix);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			r ^= r << 13;
			r ^= r >> 17;
			r ^= r << 5;
			if (r % 1000 < (uint32_t)per) {
				l_uint32 *line = pixGetData(pix) + y * pixGetWpl(pix);
				if (GET_DATA_BIT(line, x))
					CLEAR_DATA_BIT(line, x);
				else
					SET_DATA_BIT(line, x);
			}
		}
}

/* ds_qr_maybe spares zbar the pages without a QR code: it must never say
 * "no" where zbar, scanning every row and column, reads one. Receipts as
 * scanners make them (1-bit, 100–300 dpi, light or heavy toner, turned,
 * skewed, speckled): whenever zbar reads the code, ds_qr_maybe says
 * "maybe" and ds_qr_page_code finds it. The same receipt with its QR code
 * wiped out is spared zbar (text alone has no three finders). */
static void test_maybe_never_hides(void **state)
{
	PIX *page = NULL;
	static const int dpis[] = {100, 150, 200, 300};
	static const int thresholds[] = {110, 190};
	static const float angles[] = {0, 90, 180, 270, 1.5f, -4, 11, 30, 45};
	int variants = 0, read = 0;
	char code[64];
	(void)state;

	assert_int_equal(ds_receipt_render_pix(&page, &receipt), 0);
	for (size_t d = 0; d < sizeof dpis / sizeof *dpis; d++) {
		float f = (float)dpis[d] / 300.0f;
		PIX *grey = f < 1 ? pixScale(page, f, f) : pixClone(page);
		for (size_t t = 0; t < sizeof thresholds / sizeof *thresholds; t++) {
			PIX *bw = pixThresholdToBinary(grey, thresholds[t]);
			for (size_t a = 0; a < sizeof angles / sizeof *angles; a++) {
				/* 300 dpi costs zbar most: upright and turned only */
				if (dpis[d] == 300 && a > 3)
					continue;
				for (int noise = 0; noise < 2; noise++) {
					PIX *v;
					if (angles[a] == 90 || angles[a] == 180 || angles[a] == 270)
						v = pixRotateOrth(bw, (int)(angles[a] / 90));
					else if (angles[a] != 0)
						v = pixRotate(bw, angles[a] * 3.14159265f / 180.0f,
							      L_ROTATE_SAMPLING, L_BRING_IN_WHITE, 0, 0);
					else
						v = pixCopy(NULL, bw);
					assert_non_null(v);
					assert_int_equal(pixGetDepth(v), 1);
					if (noise)
						speckle(v, dpis[d] <= 150 ? 2 : 6);
					struct zb z;
					int n = zbar_read(v, &z);
					zbar_done(&z);
					int maybe = ds_qr_maybe(v);
					variants++;
					if (n > 0) {
						read++;
						if (!maybe)
							print_error("zbar reads the QR at %d dpi, threshold "
								    "%d, %.1f°, noise %d; ds_qr_maybe says "
								    "no\n", dpis[d], thresholds[t],
								    (double)angles[a], noise);
						assert_true(maybe);
						int pc = ds_qr_page_code(code, sizeof(code), v);
						if (pc != 0)
							print_error("%d dpi, threshold %d, %.1f°, noise %d: %s\n",
								    dpis[d], thresholds[t], (double)angles[a], noise, ds_error_last());
						assert_int_equal(pc, 0);
						assert_string_equal(code, CODE);
					}
					pixDestroy(&v);
				}
			}
			pixDestroy(&bw);
		}
		pixDestroy(&grey);
	}
	print_message("zbar read the QR on %d of %d receipt variants\n", read, variants);
	/* the test means something only if most variants are readable */
	assert_true(read * 4 >= variants * 3);

	/* the receipt without its QR code: no three finders left */
	struct zb z;
	assert_int_equal(zbar_read(page, &z), 1);
	const zbar_symbol_t *sym = zbar_image_first_symbol(z.img);
	int x0 = pixGetWidth(page), y0 = pixGetHeight(page), x1 = 0, y1 = 0;
	for (unsigned i = 0; i < zbar_symbol_get_loc_size(sym); i++) {
		int x = zbar_symbol_get_loc_x(sym, i), y = zbar_symbol_get_loc_y(sym, i);
		x0 = x < x0 ? x : x0;
		y0 = y < y0 ? y : y0;
		x1 = x > x1 ? x : x1;
		y1 = y > y1 ? y : y1;
	}
	zbar_done(&z);
	/* a bold mark shaped like a big finder (1:1:3:1:1, 20 px units) just
	 * above the code, touching its quiet zone: zbar still reads the code,
	 * and the mark must not be taken for the finders beside it */
	PIX *marked = pixThresholdToBinary(page, 128);
	int u = 20, mx = x0 - 2 * u, my = y0 - 7 * u - 6;
	pixRasterop(marked, mx, my, 7 * u, 7 * u, PIX_SET, NULL, 0, 0);
	pixRasterop(marked, mx + u, my + u, 5 * u, 5 * u, PIX_CLR, NULL, 0, 0);
	pixRasterop(marked, mx + 2 * u, my + 2 * u, 3 * u, 3 * u, PIX_SET, NULL, 0, 0);
	struct zb zm;
	int nm = zbar_read(marked, &zm);
	zbar_done(&zm);
	print_message("receipt with a finder-like mark above its code: zbar reads %d\n", nm);
	if (nm > 0)
		assert_int_equal(ds_qr_maybe(marked), 1);
	pixDestroy(&marked);

	PIX *bare = pixThresholdToBinary(page, 128);
	pixRasterop(bare, x0 - 20, y0 - 20, x1 - x0 + 40, y1 - y0 + 40, PIX_CLR, NULL, 0, 0);
	print_message("300 dpi receipt without its QR: maybe %d\n", ds_qr_maybe(bare));
	PIX *bare100 = pixScale(page, 1.0f / 3, 1.0f / 3);
	PIX *bare100b = pixThresholdToBinary(bare100, 128);
	pixRasterop(bare100b, x0 / 3 - 8, y0 / 3 - 8, (x1 - x0) / 3 + 16, (y1 - y0) / 3 + 16,
		    PIX_CLR, NULL, 0, 0);
	assert_int_equal(ds_qr_maybe(bare100b), 0);
	/* and back: the same pages with the code are "maybe" */
	PIX *full = pixThresholdToBinary(page, 128);
	assert_int_equal(ds_qr_maybe(full), 1);
	/* not 1-bit, or too large to be scanned as it is: zbar decides */
	assert_int_equal(ds_qr_maybe(page), 1);
	assert_int_equal(ds_qr_maybe(NULL), 1);
	pixDestroy(&full);
	pixDestroy(&bare100b);
	pixDestroy(&bare100);
	pixDestroy(&bare);
	pixDestroy(&page);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_code_syntax),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_page_code_cases),
		cmocka_unit_test(test_long_payload),
		cmocka_unit_test(test_png_roundtrip),
		cmocka_unit_test(test_scanned_variants),
		cmocka_unit_test(test_maybe_never_hides),
		cmocka_unit_test(test_pdf),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
