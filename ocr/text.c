/* Text helpers: NFC normalisation (ICU) and the Vietnamese-letter count used
 * by the `auto` language policy. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utf8.h>

#include "dossier/error.h"
#include "dossier/fs.h"
#include "dossier/ocr.h"

int ds_ocr_nfc(char **out, const char *s, size_t len)
{
	*out = NULL;
	if (len > DS_OCR_TEXT_MAX || len > INT32_MAX / 4)
		return ds_error_set(DS_ETOOBIG, "text of %zu bytes exceeds the limit", len);
	return ds_text_nfc(out, s, len); /* the one normalisation (core/text.c) */
}

/* The letters of the Vietnamese alphabet that English (and mostly French,
 * German…) do not use, precomposed (the text is NFC). */
static int viet_letter(UChar32 c)
{
	if (c >= 0x1EA0 && c <= 0x1EF9) /* Latin Extended Additional: ạ … ỹ */
		return 1;
	switch (c) {
	case 0xC0: case 0xC1: case 0xC2: case 0xC3: case 0xC8: case 0xC9: case 0xCA:
	case 0xCC: case 0xCD: case 0xD2: case 0xD3: case 0xD4: case 0xD5: case 0xD9:
	case 0xDA: case 0xDD:
	case 0xE0: case 0xE1: case 0xE2: case 0xE3: case 0xE8: case 0xE9: case 0xEA:
	case 0xEC: case 0xED: case 0xF2: case 0xF3: case 0xF4: case 0xF5: case 0xF9:
	case 0xFA: case 0xFD:
	case 0x102: case 0x103: case 0x110: case 0x111: case 0x128: case 0x129:
	case 0x168: case 0x169: case 0x1A0: case 0x1A1: case 0x1AF: case 0x1B0:
		return 1;
	default:
		return 0;
	}
}

void ds_ocr_viet_letters(const char *s, size_t *letters, size_t *viet)
{
	size_t nl = 0, nv = 0;
	int32_t i = 0, len;
	size_t slen = strlen(s);

	len = slen > INT32_MAX ? INT32_MAX : (int32_t)slen;
	while (i < len) {
		UChar32 c;
		U8_NEXT(s, i, len, c);
		if (c < 0 || !u_isalpha(c))
			continue;
		nl++;
		if (viet_letter(c))
			nv++;
	}
	*letters = nl;
	*viet = nv;
}

int ds_ocr_languages_valid(const char *langs)
{
	size_t n = 0, parts = 0, len;

	if (!langs)
		return ds_error_set(DS_EINVALID, "no OCR language given");
	if (strcmp(langs, "auto") == 0)
		return 0;
	len = strlen(langs);
	if (len == 0 || len >= DS_OCR_LANGUAGES_MAX)
		goto bad;
	for (size_t i = 0; i <= len; i++) {
		char ch = langs[i];
		if (ch == '+' || ch == '\0') {
			if (n == 0 || ++parts > 8)
				goto bad;
			n = 0;
		} else if ((ch >= 'a' && ch <= 'z') || ch == '_') {
			n++;
		} else {
			goto bad;
		}
	}
	return 0;
bad:
	return ds_error_set(DS_EINVALID,
			    "OCR languages '%s': expected auto or a list like vie+eng", langs);
}
