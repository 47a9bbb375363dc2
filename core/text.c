/* Text that enters dossier: one normalisation, Unicode NFC (ICU), so that a
 * name typed with decomposed marks (an input method's NFD) and the same name
 * typed precomposed are the same bytes in the catalog, the search index and
 * the bundles. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/unorm2.h>
#include <unicode/ustring.h>

#include "dossier/error.h"
#include "dossier/fs.h"

static int ascii(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 0;
	return 1;
}

int ds_text_nfc(char **out, const char *s, size_t len)
{
	UErrorCode ue = U_ZERO_ERROR;
	UChar *u16 = NULL, *n16 = NULL;
	char *u8 = NULL;
	int32_t n = 0, nn = 0, n8 = 0;
	int err = 0;

	*out = NULL;
	if (len > DS_TEXT_NFC_MAX)
		return ds_error_set(DS_ETOOBIG, "text of %zu bytes exceeds the limit of %zu", len,
				    (size_t)DS_TEXT_NFC_MAX);
	if (ascii(s, len)) { /* NFC already: most codes, numbers, hashes */
		if (!(u8 = malloc(len + 1)))
			return ds_error_set(DS_ENOMEM, "out of memory normalising text");
		memcpy(u8, s, len);
		u8[len] = '\0';
		*out = u8;
		return 0;
	}
	const UNormalizer2 *nfc = unorm2_getNFCInstance(&ue);
	if (U_FAILURE(ue))
		return ds_error_set(DS_ERROR, "ICU NFC: %s", u_errorName(ue));
	/* Invalid UTF-8 becomes U+FFFD rather than failing; callers that must
	 * refuse it check ds_text_valid() first. */
	u16 = malloc((len + 1) * sizeof(UChar));
	if (!u16) {
		err = ds_error_set(DS_ENOMEM, "out of memory normalising text");
		goto done;
	}
	u_strFromUTF8WithSub(u16, (int32_t)len + 1, &n, s, (int32_t)len, 0xFFFD, NULL, &ue);
	if (U_FAILURE(ue)) {
		err = ds_error_set(DS_EINVALID, "text is not UTF-8: %s", u_errorName(ue));
		goto done;
	}
	/* NFC of any text never grows past 3x in UTF-16. */
	n16 = malloc(((size_t)n * 3 + 1) * sizeof(UChar));
	if (!n16) {
		err = ds_error_set(DS_ENOMEM, "out of memory normalising text");
		goto done;
	}
	nn = unorm2_normalize(nfc, u16, n, n16, n * 3 + 1, &ue);
	if (U_FAILURE(ue)) {
		err = ds_error_set(DS_ERROR, "ICU NFC: %s", u_errorName(ue));
		goto done;
	}
	u8 = malloc((size_t)nn * 3 + 1);
	if (!u8) {
		err = ds_error_set(DS_ENOMEM, "out of memory normalising text");
		goto done;
	}
	u_strToUTF8(u8, nn * 3 + 1, &n8, n16, nn, &ue);
	if (U_FAILURE(ue)) {
		err = ds_error_set(DS_ERROR, "ICU UTF-8: %s", u_errorName(ue));
		goto done;
	}
	u8[n8] = '\0';
	*out = u8;
	u8 = NULL; /* transferred */
done:
	free(u16);
	free(n16);
	free(u8);
	return err;
}

int ds_text_nfc_buf(char *dst, size_t n, const char *s)
{
	char *t = NULL;
	size_t len = strlen(s);
	int err;

	if (n == 0)
		return ds_error_set(DS_ETOOBIG, "no room for text");
	if ((err = ds_text_nfc(&t, s, len)) < 0)
		return err;
	len = strlen(t);
	if (len >= n) {
		free(t);
		return ds_error_set(DS_ETOOBIG, "text longer than %zu bytes", n - 1);
	}
	memcpy(dst, t, len + 1);
	free(t);
	return 0;
}
