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

/* Module size in pixels, measured with zbar's own location of the symbol
 * and the symbol width libqrencode chose for the code. */
static double module_px(PIX *pix, const char *code)
{
	PIX *g = pixConvertTo8(pix, 0);
	int w = pixGetWidth(g), h = pixGetHeight(g);
	unsigned char *buf = malloc((size_t)w * h);
	zbar_image_scanner_t *sc = zbar_image_scanner_create();
	zbar_image_t *img = zbar_image_create();
	QRcode *q = QRcode_encodeString(code, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	int minx = w, maxx = 0, found = 0;

	assert_non_null(buf);
	assert_non_null(q);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			buf[(size_t)y * w + x] = (unsigned char)GET_DATA_BYTE(pixGetData(g) + y * pixGetWpl(g), x);
	zbar_image_scanner_set_config(sc, ZBAR_NONE, ZBAR_CFG_ENABLE, 0);
	zbar_image_scanner_set_config(sc, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1);
	zbar_image_set_format(img, zbar_fourcc('Y', '8', '0', '0'));
	zbar_image_set_size(img, (unsigned)w, (unsigned)h);
	zbar_image_set_data(img, buf, (unsigned long)w * h, NULL);
	assert_int_equal(zbar_scan_image(sc, img), 1);
	const zbar_symbol_t *s = zbar_image_first_symbol(img);
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
	zbar_image_destroy(img);
	zbar_image_scanner_destroy(sc);
	free(buf);
	pixDestroy(&g);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_code_syntax),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_page_code_cases),
		cmocka_unit_test(test_long_payload),
		cmocka_unit_test(test_png_roundtrip),
		cmocka_unit_test(test_scanned_variants),
		cmocka_unit_test(test_pdf),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
