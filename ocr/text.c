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

/* Of those, the ones outside Latin-1: đ ă ĩ ũ ơ ư and Latin Extended
 * Additional (ạ … ỹ), which no other language written in Latin-1 uses. */
static int viet_only_letter(UChar32 c)
{
	return viet_letter(c) && c > 0xFF;
}

size_t ds_ocr_viet_only_letters(const char *s)
{
	size_t n = 0, slen = strlen(s);
	int32_t i = 0, len = slen > INT32_MAX ? INT32_MAX : (int32_t)slen;

	while (i < len) {
		UChar32 c;
		U8_NEXT(s, i, len, c);
		if (c >= 0 && viet_only_letter(c))
			n++;
	}
	return n;
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

/* ---- Vietnamese syllables ----
 *
 * Vietnamese writes one syllable per word, and a syllable has a fixed
 * shape: an initial consonant from a closed list, one to three vowels
 * (four after gi-/qu-), a final consonant from {c ch m n ng nh p t}, and
 * at most one tone mark (grave, acute, tilde, hook above, dot below) on a
 * vowel; the vowel marks are the breve (ă), the circumflex (â ê ô) and the
 * horn (ơ ư). English words read by the Vietnamese model rarely fit
 * ("perforrnance", "musìcan", "sừnple" do not), while Vietnamese text,
 * OCR slips included, nearly always does. */

#define SYL_MAX 16 /* letters kept of one word; longer is no syllable */

static const char *const ONSETS[] = {
	"", "b", "c", "ch", "d", "D", "g", "gh", "gi", "h", "k", "kh", "l", "m", "n", "ng",
	"ngh", "nh", "p", "ph", "qu", "r", "s", "t", "th", "tr", "v", "x",
};
static const char *const CODAS[] = {"", "c", "ch", "m", "n", "ng", "nh", "p", "t"};

static int in_list(const char *s, size_t n, const char *const *list, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (strlen(list[i]) == n && memcmp(list[i], s, n) == 0)
			return 1;
	return 0;
}

static int is_vowel(char c)
{
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y';
}

/* One letter, lower-cased, as its base letter ('D' for đ) and its marks;
 * 0 when it is no letter of the Vietnamese alphabet. */
static int viet_base(const UNormalizer2 *nfd, UChar32 c, char *base, int *tones, int *marked)
{
	UChar d[8];
	UErrorCode ue = U_ZERO_ERROR;
	int32_t n;

	c = u_tolower(c);
	if (c == 0x111) { /* đ */
		*base = 'D';
		return 1;
	}
	if (c < 0x80) {
		*base = (char)c;
		return c >= 'a' && c <= 'z';
	}
	n = unorm2_getDecomposition(nfd, c, d, 8, &ue);
	if (U_FAILURE(ue) || n < 2 || d[0] >= 0x80 || d[0] < 'a' || d[0] > 'z')
		return 0;
	*base = (char)d[0];
	for (int32_t i = 1; i < n; i++) {
		switch (d[i]) {
		case 0x300: case 0x301: case 0x303: case 0x309: case 0x323:
			(*tones)++;
			break;
		case 0x306: /* breve */
			if (*base != 'a')
				return 0;
			(*marked)++;
			break;
		case 0x302: /* circumflex */
			if (*base != 'a' && *base != 'e' && *base != 'o')
				return 0;
			(*marked)++;
			break;
		case 0x31B: /* horn */
			if (*base != 'o' && *base != 'u')
				return 0;
			(*marked)++;
			break;
		default:
			return 0;
		}
	}
	return is_vowel(*base);
}

static int viet_syllable(const UNormalizer2 *nfd, const UChar32 *w, size_t n)
{
	char b[SYL_MAX];
	int tones = 0;
	size_t i = 0, on, v;

	if (n == 0 || n > SYL_MAX)
		return 0;
	for (size_t k = 0; k < n; k++) {
		int t = tones, m = 0;
		if (!viet_base(nfd, w[k], &b[k], &tones, &m))
			return 0;
		if (tones != t && !is_vowel(b[k]))
			return 0;
	}
	if (tones > 1)
		return 0;
	while (i < n && !is_vowel(b[i]))
		i++;
	on = i;
	/* qu- and gi- take their vowel into the initial when another follows */
	if (i + 1 < n && ((on == 1 && b[0] == 'q' && b[i] == 'u') || (on == 1 && b[0] == 'g' && b[i] == 'i')) &&
	    is_vowel(b[i + 1]))
		on = ++i;
	if (!in_list(b, on, ONSETS, sizeof ONSETS / sizeof *ONSETS))
		return 0;
	while (i < n && is_vowel(b[i]))
		i++;
	v = i - on;
	if (v < 1 || v > 3)
		return 0;
	return in_list(b + i, n - i, CODAS, sizeof CODAS / sizeof *CODAS);
}

void ds_ocr_viet_syllables(const char *s, size_t *words, size_t *valid)
{
	UErrorCode ue = U_ZERO_ERROR;
	const UNormalizer2 *nfd = unorm2_getNFDInstance(&ue);
	UChar32 w[SYL_MAX + 1];
	size_t nw = 0, nv = 0, k = 0;
	int32_t i = 0, len;
	size_t slen = strlen(s);

	*words = *valid = 0;
	if (U_FAILURE(ue))
		return;
	len = slen > INT32_MAX ? INT32_MAX : (int32_t)slen;
	for (;;) {
		UChar32 c = 0;
		int end = i >= len;
		if (!end)
			U8_NEXT(s, i, len, c);
		if (!end && c >= 0 && u_isalpha(c)) {
			if (k <= SYL_MAX)
				w[k] = c;
			k++;
			continue;
		}
		/* a word of two letters or more ends here */
		if (k >= 2) {
			nw++;
			if (k <= SYL_MAX && viet_syllable(nfd, w, k))
				nv++;
		}
		k = 0;
		if (end)
			break;
	}
	*words = nw;
	*valid = nv;
}
