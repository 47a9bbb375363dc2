/* ocr/text.c: NFC normalisation, Vietnamese-letter counts, language lists. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "dossier/error.h"
#include "dossier/ocr.h"

static void nfc_composes(void **state)
{
	(void)state;
	/* "tiếng" decomposed: e + U+0302 + U+0301 */
	const char nfd[] = "ti\x65\xcc\x82\xcc\x81ng";
	char *out = NULL;
	assert_int_equal(ds_ocr_nfc(&out, nfd, strlen(nfd)), 0);
	assert_string_equal(out, "ti\xe1\xba\xbfng"); /* U+1EBF */
	free(out);
	/* already NFC stays identical */
	assert_int_equal(ds_ocr_nfc(&out, "đăng ký", strlen("đăng ký")), 0);
	assert_string_equal(out, "đăng ký");
	free(out);
}

static void nfc_invalid_utf8_replaced(void **state)
{
	(void)state;
	const char bad[] = "a\xff" "b";
	char *out = NULL;
	assert_int_equal(ds_ocr_nfc(&out, bad, 3), 0);
	assert_string_equal(out, "a\xef\xbf\xbd" "b"); /* U+FFFD */
	free(out);
}

static void nfc_too_big(void **state)
{
	(void)state;
	char *out = NULL;
	assert_int_equal(ds_ocr_nfc(&out, "x", DS_OCR_TEXT_MAX + 1), DS_ETOOBIG);
	assert_null(out);
}

static void viet_letters(void **state)
{
	(void)state;
	size_t l = 0, v = 0;
	ds_ocr_viet_letters("Đăng ký biến động", &l, &v);
	assert_int_equal(l, 14);
	assert_int_equal(v, 6); /* Đ ă ý ế ộ + đ */
	ds_ocr_viet_letters("The quick brown fox, 12 times.", &l, &v);
	assert_int_equal(v, 0);
	assert_int_equal(l, 21);
	ds_ocr_viet_letters("", &l, &v);
	assert_int_equal(l, 0);
	assert_int_equal(v, 0);
}

/* Words that are Vietnamese syllables: every word of Vietnamese text, the
 * English misreadings of issue 14 none, plain English words rarely. */
static void viet_syllables(void **state)
{
	(void)state;
	size_t w = 0, v = 0;
	ds_ocr_viet_syllables("Giấy tiếp nhận hồ sơ và hẹn trả kết quả: người, giường, "
			      "khuyên, nghiêng, Nguyễn, quyền, ĐĂNG KÝ, gì, oai", &w, &v);
	assert_int_equal(w, 20);
	assert_int_equal(v, 20);
	ds_ocr_viet_syllables("perforrnance musìcan sừnple Íearn", &w, &v);
	assert_int_equal(w, 4);
	assert_int_equal(v, 0);
	/* two tone marks, a mark Vietnamese lacks, a consonant after the
	 * final, a tone on a consonant, too many vowels */
	ds_ocr_viet_syllables("tiếngà naïve bàng ngt ḿa oeai", &w, &v);
	assert_int_equal(w, 6);
	assert_int_equal(v, 1); /* bàng */
	ds_ocr_viet_syllables("The performance of a musician, 12 times", &w, &v);
	assert_int_equal(w, 5); /* "a" and "12" are no words of two letters */
	assert_int_equal(v, 1); /* the */
	ds_ocr_viet_syllables("", &w, &v);
	assert_int_equal(w, 0);
	assert_int_equal(v, 0);
}

static void viet_only_letters(void **state)
{
	(void)state;
	assert_int_equal(ds_ocr_viet_only_letters("Đăng ký biến động"), 5); /* Đ ă ế ộ đ */
	assert_int_equal(ds_ocr_viet_only_letters("marrón rápido À cão"), 0);
	assert_int_equal(ds_ocr_viet_only_letters("ũber"), 1);
	assert_int_equal(ds_ocr_viet_only_letters(""), 0);
}

static void languages(void **state)
{
	(void)state;
	assert_int_equal(ds_ocr_languages_valid("auto"), 0);
	assert_int_equal(ds_ocr_languages_valid("vie"), 0);
	assert_int_equal(ds_ocr_languages_valid("vie+eng"), 0);
	assert_int_equal(ds_ocr_languages_valid("chi_sim"), 0);
	assert_int_equal(ds_ocr_languages_valid(""), DS_EINVALID);
	assert_int_equal(ds_ocr_languages_valid("vie+"), DS_EINVALID);
	assert_int_equal(ds_ocr_languages_valid("+eng"), DS_EINVALID);
	assert_int_equal(ds_ocr_languages_valid("../etc/passwd"), DS_EINVALID);
	assert_int_equal(ds_ocr_languages_valid("VIE"), DS_EINVALID);
	assert_int_equal(ds_ocr_languages_valid("a+b+c+d+e+f+g+h+i"), DS_EINVALID);
	assert_int_equal(ds_ocr_languages_valid(NULL), DS_EINVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nfc_composes),
		cmocka_unit_test(nfc_invalid_utf8_replaced),
		cmocka_unit_test(nfc_too_big),
		cmocka_unit_test(viet_letters),
		cmocka_unit_test(viet_syllables),
		cmocka_unit_test(viet_only_letters),
		cmocka_unit_test(languages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
