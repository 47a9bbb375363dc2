/* dossier — OCR (Tesseract C API): a per-thread engine, the page language
 * policy, searchable PDFs, and the worker pool that OCRs dossiers from the
 * catalog and the store.
 *
 * Tesseract only ever receives decoded images (Leptonica Pix), never a
 * path: its path-based entry points read a non-image file as a list of
 * other files to OCR and load a zone file found beside the image.
 */
#ifndef DOSSIER_OCR_H
#define DOSSIER_OCR_H

#include <stddef.h>
#include <stdint.h>

#include "dossier/catalog.h"
#include "dossier/store.h"

#ifdef __cplusplus
extern "C" {
#endif

struct Pix;

/* Debian's tesseract-ocr packages put the models and pdf.ttf here. */
#define DS_OCR_TESSDATA_DEFAULT "/usr/share/tesseract-ocr/5/tessdata"
#define DS_OCR_LANGUAGES_MAX 64     /* bytes of a language list incl. NUL */
#define DS_OCR_TEXT_MAX ((size_t)16 << 20)  /* text or hOCR of one page */
#define DS_OCR_JOBS_MAX 64

struct ds_ocr_options {
	const char *tessdata;  /* NULL: DS_OCR_TESSDATA_DEFAULT */
	/* "auto" (NULL too): per page the better of vie and eng, paying for
	 * eng only when the vie result does not look Vietnamese; otherwise a
	 * fixed Tesseract list such as "vie", "eng" or "vie+eng". */
	const char *languages;
};

/* 0 when `langs` is "auto" or a '+'-separated list of 1..8 names of
 * [a-z_] (at most DS_OCR_LANGUAGES_MAX bytes); DS_EINVALID otherwise. */
int ds_ocr_languages_valid(const char *langs);

/* ---- text helpers ---- */

/* The NFC normalisation of UTF-8 `s` (len bytes) as a new NUL-terminated
 * string; invalid UTF-8 is DS_EINVALID. Caller frees *out. */
int ds_ocr_nfc(char **out, const char *s, size_t len);

/* Letters in `s` (UTF-8) and how many of them are Vietnamese-only: a vowel
 * with a tone mark or a breve, circumflex or horn, or đ. */
void ds_ocr_viet_letters(const char *s, size_t *letters, size_t *viet);

/* Of the letters ds_ocr_viet_letters counts as Vietnamese-only, those
 * outside Latin-1 (đ ă ĩ ũ ơ ư, ạ … ỹ): the others (à é ô …) are also
 * French, Spanish, Portuguese, Italian letters. */
size_t ds_ocr_viet_only_letters(const char *s);

/* Words of two letters or more in `s` (UTF-8, NFC) and how many of them are
 * well-formed Vietnamese syllables: an initial consonant from the
 * Vietnamese list, one to three vowels (gi-/qu- take one more), a final
 * from {c ch m n ng nh p t}, at most one tone mark, only the vowel marks
 * of the Vietnamese alphabet. */
void ds_ocr_viet_syllables(const char *s, size_t *words, size_t *valid);

/* ---- engine: one per thread ---- */
typedef struct ds_ocr_engine ds_ocr_engine;

/* Loads nothing yet: each language's TessBaseAPI is initialised the first
 * time it is needed and kept for the engine's life. DS_ENOTFOUND when the
 * tessdata folder lacks a needed model (checked here). */
int ds_ocr_engine_new(ds_ocr_engine **out, const struct ds_ocr_options *opt);
void ds_ocr_engine_free(ds_ocr_engine *e);

/* Tesseract OSD (osd.traineddata): *rotation_out is the clockwise turn
 * (0, 90, 180, 270) that makes the page upright. DS_ENOTFOUND when OSD is
 * undecided (too little text, low confidence). */
int ds_ocr_engine_osd(ds_ocr_engine *e, struct Pix *pix, int *rotation_out,
		      double *confidence_out);

struct ds_ocr_result {
	char *text;            /* UTF-8, NFC; malloc'd */
	char *hocr;            /* hOCR page (UTF-8, NFC); malloc'd */
	double confidence;     /* mean word confidence, 0..100 */
	char language[DS_OCR_LANGUAGES_MAX]; /* the model that produced the text */
	int passes;            /* recognitions run (2 when auto tried eng too) */
	double cpu_recognize;  /* thread CPU seconds in Tesseract's Recognize, all passes
	                        * (and the model's load on an engine's first page) */
	double cpu_output;     /* thread CPU seconds getting text, confidence and hOCR */
};
void ds_ocr_result_clear(struct ds_ocr_result *r);

/* Recognises an upright page. `dpi` 0 lets Tesseract use the Pix's own
 * resolution. `page_number` (from 1) goes into the hOCR ids. DS_EINVALID
 * when no text was recognised (the message says so). The engine keeps the
 * page for ds_ocr_pdf_add until the next call. */
int ds_ocr_engine_recognize(ds_ocr_engine *e, struct Pix *pix, int dpi, int page_number,
			    struct ds_ocr_result *out);

/* ---- searchable PDF (Tesseract's PDF renderer) ---- */
typedef struct ds_ocr_pdf ds_ocr_pdf;

/* Starts `path_base`.pdf (Tesseract appends ".pdf"); `tessdata` holds
 * pdf.ttf (NULL: the default). */
int ds_ocr_pdf_new(ds_ocr_pdf **out, const char *tessdata, const char *path_base,
		   const char *title);
/* Appends the page last recognised by `e`: its image with an invisible
 * text layer. */
int ds_ocr_pdf_add(ds_ocr_pdf *p, ds_ocr_engine *e);
/* Writes the trailer; the file is complete after this. */
int ds_ocr_pdf_finish(ds_ocr_pdf *p);
void ds_ocr_pdf_free(ds_ocr_pdf *p);
/* Joins the PDFs `inputs` (each read whole, at most `max_input` bytes) in
 * that order into `out_path` (qpdf), with `title`; *pages_out gets the page
 * count. On error nothing is left at out_path. */
int ds_ocr_pdf_merge(const char *const *inputs, size_t n, const char *title, const char *out_path,
		     size_t max_input, size_t *pages_out);

/* `dossier check`, OCR part (ocr/check.c): page PDF folders
 * HOME/tmp/ocr-pages-CODE of dossiers no longer `received` are LEFTOVERs
 * (removed with o->remove_leftovers when old enough). */
struct ds_home;
struct ds_check_opts;
int ds_ocr_check(struct ds_home *h, const struct ds_check_opts *o, size_t *nfindings);

/* ---- the worker pool over the catalog ---- */
struct ds_ocr_run_options {
	struct ds_ocr_options ocr;
	int jobs;               /* worker threads, 1..DS_OCR_JOBS_MAX */
	const char *actor;      /* for events */
	const char *tmpdir;     /* where the PDF is written before it is stored */
	/* Called (under the pool's lock, from any thread) after each page. */
	void (*progress)(void *arg, size_t done, size_t total);
	void *progress_arg;
	/* When *cancel becomes non-zero (read atomically; may be NULL), the
	 * workers finish the pages in hand and take no more: those pages are
	 * recorded, the dossiers left unfinished stay `received` (a later run
	 * resumes them) and stats->cancelled is set. */
	const int *cancel;
};

struct ds_ocr_run_stats {
	size_t pages_total;     /* pages looked at */
	size_t pages_done;      /* recognised in this run */
	size_t pages_skipped;   /* blank pages (this run) */
	size_t pages_failed;    /* recorded failures (this run) */
	size_t pages_already;   /* done before this run (resumed) */
	size_t dossiers_digitized;
	size_t dossiers_incomplete; /* with a failed page: not digitized */
	char last_error[512];   /* "CODE: reason" of the last dossier left incomplete */
	int cancelled;          /* stopped through options->cancel before the end */
	size_t pages_recognised_again; /* done before, recognised again because their
					* page PDF was gone (0 after an interrupted run) */
	/* Where the workers' CPU went (thread CPU seconds, summed over the
	 * workers, for the pages handled in this run): */
	double cpu_prepare;     /* store read, decode, cleanup, OSD */
	double cpu_recognize;   /* Tesseract's Recognize, every pass; model loads */
	double cpu_output;      /* text, confidence and hOCR out of Tesseract, NFC */
	double cpu_pdf;         /* the page PDFs, and joining and storing them per dossier */
	double cpu_store;       /* cleaned page, text and hOCR blobs; catalog rows */
};

/* OCRs the pages of the given dossiers that are not finished: decode, clean
 * (orientation, deskew, binarisation, blank test), recognise, store the
 * cleaned page, text and hOCR as blobs, record them and index the text. A
 * page that fails is recorded as failed with the reason and the run goes
 * on. A dossier whose pages are all done or skipped gets its searchable PDF
 * and moves from `received` to `digitized` with an event. Returns 0 when
 * the run completed (even with failed pages: see stats), a negative code
 * when it could not run (e.g. a dossier does not exist). */
int ds_ocr_run(ds_catalog *c, ds_store *s, const char *const *codes, size_t ncodes,
	       const struct ds_ocr_run_options *opt, struct ds_ocr_run_stats *stats);

#ifdef __cplusplus
}
#endif
#endif
