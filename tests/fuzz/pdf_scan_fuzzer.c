/* Fuzz target: scans sent as PDF (scanner/pdf.c: qpdf without recovery,
 * image-only pages, Flate/DCT/CCITT images decoded bounded) through the
 * same entry point as intake, with small page limits. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <leptonica/allheaders.h>

#include "dossier/scanner.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("pdf", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	/* Small limits keep each run fast; the checks are the same code. */
	struct ds_scan_limits lim;
	ds_scan_limits_default(&lim);
	lim.pixels_max = 4u * 1000 * 1000;
	lim.side_max = 8000;
	lim.pages_max = 16;
	ds_scan *s = NULL;
	if (ds_scan_open(&s, path, &lim) == 0) {
		for (size_t i = 0; i < ds_scan_page_count(s); i++) {
			struct ds_page_info info;
			PIX *pix = NULL;
			if (ds_scan_page_info(s, i, &info) < 0 || ds_scan_page_decode(s, i, &pix) < 0)
				continue;
			unsigned char *enc = NULL;
			size_t len = 0;
			if (ds_page_encode(pix, &enc, &len) == 0) {
				PIX *back = NULL;
				if (ds_page_decode(enc, len, &back) == 0)
					pixDestroy(&back);
				free(enc);
			}
			pixDestroy(&pix);
		}
		ds_scan_free(s);
	}
	close(fd);
	return 0;
}
