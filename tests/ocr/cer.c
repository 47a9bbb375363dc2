/* ds-cer: character error rate of an OCR output against a reference.
 *
 *   ds-cer REFERENCE HYPOTHESIS     prints the CER with 6 decimals
 *
 * Both files are UTF-8, normalised to NFC; every run of whitespace (form
 * feeds included) becomes one space and the ends are trimmed. CER =
 * Levenshtein distance over code points / code points of the reference. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/utf8.h>

#include "dossier/fs.h"
#include "dossier/ocr.h"

static int load(const char *path, uint32_t **out, size_t *n)
{
	unsigned char *raw = NULL;
	char *nfc = NULL;
	size_t len = 0, k = 0;
	int space = 1;

	if (ds_file_read(path, (size_t)64 << 20, &raw, &len) < 0 ||
	    ds_ocr_nfc(&nfc, (const char *)raw, len) < 0) {
		fprintf(stderr, "ds-cer: cannot read %s\n", path);
		free(raw);
		return -1;
	}
	free(raw);
	int32_t i = 0, l = (int32_t)strlen(nfc);
	uint32_t *cp = malloc(((size_t)l + 1) * sizeof *cp);
	if (!cp)
		abort();
	while (i < l) {
		UChar32 c;
		U8_NEXT(nfc, i, l, c);
		if (c < 0)
			c = 0xFFFD;
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
			space = 1;
			continue;
		}
		if (space && k > 0)
			cp[k++] = ' ';
		space = 0;
		cp[k++] = (uint32_t)c;
	}
	free(nfc);
	*out = cp;
	*n = k;
	return 0;
}

int main(int argc, char **argv)
{
	uint32_t *a = NULL, *b = NULL;
	size_t na = 0, nb = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: ds-cer REFERENCE HYPOTHESIS\n");
		return 64;
	}
	if (load(argv[1], &a, &na) < 0 || load(argv[2], &b, &nb) < 0) {
		free(a);
		free(b);
		return 1;
	}
	if (na == 0) {
		printf("%.6f\n", nb == 0 ? 0.0 : 1.0);
		free(a);
		free(b);
		return 0;
	}
	size_t *prev = malloc((nb + 1) * sizeof *prev), *cur = malloc((nb + 1) * sizeof *cur);
	if (!prev || !cur)
		abort();
	for (size_t j = 0; j <= nb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= na; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= nb; j++) {
			size_t d = prev[j - 1] + (a[i - 1] != b[j - 1]);
			if (prev[j] + 1 < d)
				d = prev[j] + 1;
			if (cur[j - 1] + 1 < d)
				d = cur[j - 1] + 1;
			cur[j] = d;
		}
		size_t *t = prev;
		prev = cur;
		cur = t;
	}
	printf("%.6f\n", (double)prev[nb] / (double)na);
	free(prev);
	free(cur);
	free(a);
	free(b);
	return 0;
}
