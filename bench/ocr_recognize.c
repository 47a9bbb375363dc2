/* The floor of OCR work on a set of pages: one TessBaseAPI, loaded once,
 * and for each page only TessBaseAPIRecognize (layout analysis and the
 * LSTM, page segmentation PSM_AUTO as the CLI's default; no cleanup, no
 * text, hOCR or PDF out), then separately the plain
 * text the tesseract CLI writes. Thread CPU time, one thread.
 * Any OCR pipeline with these models does at least the Recognize work on
 * every page, so (this CPU time / cores) bounds how fast it can be.
 * usage: bench/ocr_recognize LANG PAGE...
 * prints: pages N recognize_cpu_s X text_cpu_s Y */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <leptonica/allheaders.h>
#include <tesseract/capi.h>

static double thread_cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s LANG PAGE...\n", argv[0]);
		return 2;
	}
	setMsgSeverity(L_SEVERITY_ERROR);
	TessBaseAPI *api = TessBaseAPICreate();
	if (!api || !TessBaseAPISetVariable(api, "debug_file", "/dev/null") ||
	    TessBaseAPIInit3(api, NULL, argv[1]) != 0) {
		fprintf(stderr, "ocr_recognize: cannot load the '%s' model\n", argv[1]);
		return 1;
	}
	/* as dossier ocr sets it (ocr/engine.c): the floor is that of our
	 * settings, the lowest work found at the same text */
	TessBaseAPISetVariable(api, "textord_fast_pitch_test", "1");
	/* the tesseract CLI's and dossier's page segmentation (full layout
	 * analysis); a TessBaseAPI starts with PSM_SINGLE_BLOCK, which skips
	 * the column and line finding and would understate the floor by a
	 * fifth on these pages (callgrind) */
	TessBaseAPISetPageSegMode(api, PSM_AUTO);
	double rec = 0, text = 0;
	for (int i = 2; i < argc; i++) {
		PIX *pix = pixRead(argv[i]);
		if (!pix) {
			fprintf(stderr, "ocr_recognize: %s: not an image Leptonica reads\n", argv[i]);
			return 1;
		}
		TessBaseAPISetImage2(api, pix);
		if (pixGetXRes(pix) > 0)
			TessBaseAPISetSourceResolution(api, pixGetXRes(pix));
		double t0 = thread_cpu();
		if (TessBaseAPIRecognize(api, NULL) != 0) {
			fprintf(stderr, "ocr_recognize: %s: Tesseract could not recognise it\n", argv[i]);
			return 1;
		}
		double t1 = thread_cpu();
		char *s = TessBaseAPIGetUTF8Text(api);
		double t2 = thread_cpu();
		if (!s || !*s) {
			fprintf(stderr, "ocr_recognize: %s: no text\n", argv[i]);
			return 1;
		}
		TessDeleteText(s);
		rec += t1 - t0;
		text += t2 - t1;
		TessBaseAPIClear(api);
		pixDestroy(&pix);
	}
	TessBaseAPIEnd(api);
	TessBaseAPIDelete(api);
	printf("pages %d recognize_cpu_s %.2f text_cpu_s %.2f\n", argc - 2, rec, text);
	return 0;
}
