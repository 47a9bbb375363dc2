/* bench_scanner FILE...: per scan, the time to decode its first page with
 * dossier's checked decoder, to store it (encode + decode) and to clean it,
 * each as a ratio against Leptonica's plain pixRead() of the same file,
 * measured in the same run. Prints a Markdown table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <leptonica/allheaders.h>

#include "dossier/error.h"
#include "dossier/scanner.h"

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Median of `reps` timings of one step, in milliseconds. */
static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

#define REPS 5

int main(int argc, char **argv)
{
	setMsgSeverity(L_SEVERITY_NONE);
	printf("| scan | pixels | Leptonica pixRead (baseline) | ds decode | ds store (encode+decode) | ds clean |\n");
	printf("|---|---|---|---|---|---|\n");
	for (int a = 1; a < argc; a++) {
		double tb[REPS], td[REPS], ts[REPS], tc[REPS];
		PIX *page = NULL;
		for (int r = 0; r < REPS; r++) {
			double t0 = now();
			PIX *p = pixRead(argv[a]);
			double t1 = now();
			pixDestroy(&p);
			ds_scan *s = NULL;
			PIX *d = NULL;
			if (ds_scan_open(&s, argv[a], NULL) != 0 || ds_scan_page_decode(s, 0, &d) != 0) {
				fprintf(stderr, "bench_scanner: %s\n", ds_error_last());
				return 1;
			}
			double t2 = now();
			unsigned char *buf = NULL;
			size_t len = 0;
			PIX *back = NULL;
			if (ds_page_encode(d, &buf, &len) != 0 || ds_page_decode(buf, len, &back) != 0) {
				fprintf(stderr, "bench_scanner: %s\n", ds_error_last());
				return 1;
			}
			double t3 = now();
			PIX *c = NULL;
			struct ds_clean_result res;
			if (ds_page_clean(d, NULL, &c, &res) != 0) {
				fprintf(stderr, "bench_scanner: %s\n", ds_error_last());
				return 1;
			}
			double t4 = now();
			tb[r] = (t1 - t0) * 1e3;
			td[r] = (t2 - t1) * 1e3;
			ts[r] = (t3 - t2) * 1e3;
			tc[r] = (t4 - t3) * 1e3;
			free(buf);
			pixDestroy(&back);
			pixDestroy(&c);
			if (r == 0)
				page = pixClone(d);
			pixDestroy(&d);
			ds_scan_free(s);
		}
		qsort(tb, REPS, sizeof tb[0], cmp);
		qsort(td, REPS, sizeof td[0], cmp);
		qsort(ts, REPS, sizeof ts[0], cmp);
		qsort(tc, REPS, sizeof tc[0], cmp);
		const char *name = strrchr(argv[a], '/');
		double b = tb[REPS / 2];
		printf("| %s | %dx%d %d bpp | %.1f ms (1.00) | %.1f ms (%.2f) | %.1f ms (%.2f) | %.1f ms (%.2f) |\n",
		       name ? name + 1 : argv[a], pixGetWidth(page), pixGetHeight(page), pixGetDepth(page),
		       b, td[REPS / 2], td[REPS / 2] / b, ts[REPS / 2], ts[REPS / 2] / b,
		       tc[REPS / 2], tc[REPS / 2] / b);
		pixDestroy(&page);
	}
	return 0;
}
