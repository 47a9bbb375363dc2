/* dossier — decoding scans into pages (libtiff for TIFF, Leptonica for PNG
 * and JPEG) with every size checked against a named limit before anything
 * large is allocated. */
#ifndef DOSSIER_SCANNER_H
#define DOSSIER_SCANNER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct Pix;

/* Budgets, each checked from the file's size and headers before anything
 * is read whole or decoded, so that one scan cannot take more than about
 * 512 MB or decode for hours (docs/daemon.md, "Budgets"). */
#define DS_SCAN_FILE_BYTES_MAX ((uint64_t)1 << 30)  /* 1 GiB per scan file */
#define DS_SCAN_PAGES_MAX 2000                        /* pages per file */
#define DS_PAGE_SIDE_MAX 30000                        /* pixels per side */
#define DS_PAGE_PIXELS_MAX ((uint64_t)100 * 1000 * 1000) /* 100 Mpx: A3 at 600 dpi is 70 */
/* Decoded bytes of one page (1 bit, 8 bits or 32 bits a pixel): 144 MiB,
 * a colour A4 page at 600 dpi (139 MB); a larger colour page is refused. */
#define DS_PAGE_DECODED_BYTES_MAX ((uint64_t)144 << 20)
/* Pixels decoded from one file, all pages together: 20 Gpx, 2,000 A4 pages
 * at 300 dpi (17.4 Gpx) or 570 at 600 dpi. */
#define DS_SCAN_FILE_PIXELS_MAX ((uint64_t)20 * 1000 * 1000 * 1000)

/* Scans sent as PDF (scanner/pdf.c): image-only pages, checked from the
 * file's structure before any image is decoded; an image stream, read
 * whole, is at most a decoded page (DS_PAGE_DECODED_BYTES_MAX). */
#define DS_SCAN_PDF_OBJECTS_MAX 200000               /* objects (trailer /Size) */
#define DS_SCAN_PDF_CONTENT_BYTES_MAX (64 * 1024)    /* one page's content streams, inflated */
#define DS_SCAN_PDF_CONTENT_STREAMS_MAX 16           /* content streams of one page */
#define DS_SCAN_PDF_NESTING_MAX 16                   /* q/Q graphics states nested */

struct ds_scan_limits {
	uint64_t file_bytes_max;
	uint32_t pages_max;
	uint32_t side_max;
	uint64_t pixels_max;       /* per page */
	uint64_t page_bytes_max;   /* decoded bytes per page */
	uint64_t file_pixels_max;  /* all pages of a file */
};
/* The defaults above. */
void ds_scan_limits_default(struct ds_scan_limits *out);

/* ---- memory for pages in hand, shared by every thread of the process ----
 *
 * Each page a thread decodes (to store it, to OCR it) is weighed before it
 * is decoded, and the weights held at once stay within DS_PAGE_MEMORY_BUDGET,
 * so that ingest threads and OCR workers side by side stay under 512 MB
 * however large their pages: a page at the budgets' limit is handled alone,
 * ordinary pages side by side. The weight models the resident memory a page
 * costs (bench/rss.sh: a 144 MiB colour page took 276 MB to store and 376 MB
 * to OCR; an A4 page at 300 dpi 70-100 MB to OCR): 2.5 times its decoded
 * bytes plus 48 MiB. A thread holds one reservation at a time. */
#define DS_PAGE_MEMORY_BUDGET ((uint64_t)448 << 20)

/* The weight of a width x height page decoded at `bits` (1, 8 or 32). */
uint64_t ds_page_memory_weight(uint32_t width, uint32_t height, int bits);

/* Waits until `weight` fits beside the reservations held (a weight over the
 * budget waits until nothing else is held, and takes the whole budget).
 * Returns what was reserved: give it back to ds_page_memory_release. */
uint64_t ds_page_memory_reserve(uint64_t weight);

/* As ds_page_memory_reserve without waiting: 0 when it does not fit now. */
uint64_t ds_page_memory_try_reserve(uint64_t weight);

/* Gives back a reservation (0: nothing). */
void ds_page_memory_release(uint64_t reserved);

struct ds_page_info {
	uint32_t width, height;
	uint32_t dpi;      /* as the file says (a TIFF resolution without unit
	                    * counts as per inch, as libtiff's tools read it);
	                    * when it says nothing, estimated from the paper
	                    * size (dpi_estimated 1), else 0 */
	int bits;          /* bits per pixel of the decoded page: 1, 8 or 32 */
	int dpi_estimated; /* 1: `dpi` was estimated from the paper size */
};

/* The resolution of a page of width x height pixels that does not say its
 * own, from the paper it most likely is: A3, A4, A5 (sides 1:1.414) or US
 * Letter (1:1.294), within 3% of the aspect ratio, at the size whose
 * resolution is nearest a usual scanner setting (75 to 1200 dpi). 0 when
 * the page is none of these papers. */
uint32_t ds_page_dpi_estimate(uint32_t width, uint32_t height);

typedef struct ds_scan ds_scan;

/* Opens a scan (TIFF, PNG or JPEG, recognised by content, not by name),
 * counts and checks its pages against the limits. Errors name the file
 * and the reason: "a.tif: truncated: strip 3 ends past end of file". */
int ds_scan_open(ds_scan **out, const char *path, const struct ds_scan_limits *lim);
void ds_scan_free(ds_scan *s);
size_t ds_scan_page_count(const ds_scan *s);
const char *ds_scan_format(const ds_scan *s); /* "tiff", "png", "jpeg" */
int ds_scan_page_info(const ds_scan *s, size_t i, struct ds_page_info *out);

/* Decodes page i (from 0). Caller pixDestroy()s *out. */
int ds_scan_page_decode(ds_scan *s, size_t i, struct Pix **out);

/* Encodes a page losslessly as a single-page TIFF (CCITT G4 for 1 bpp,
 * Deflate otherwise), keeping its resolution. Caller frees *out. */
int ds_page_encode(struct Pix *pix, unsigned char **out, size_t *len);

/* Decodes a stored page image (as written by ds_page_encode, or PNG). */
int ds_page_decode(const unsigned char *buf, size_t len, struct Pix **out);

/* ---- page cleanup for OCR (scanner/clean.c) ----
 *
 * ds_page_clean() never modifies its input: the caller keeps the decoded
 * original (stored as received) and stores the cleaned page as a new blob.
 * Steps, each switchable: binarisation of grey and colour pages (Sauvola,
 * local thresholds, for uneven lighting), skew detection and correction
 * (Leptonica's skew finder, +-7 degrees), a fast orientation test on the
 * binary page (0/90/180/270 or "undecided": the OCR runs Tesseract's OSD
 * only when undecided), and blank page detection (ink fraction inside a
 * margin, after removing specks). */

struct ds_clean_opts {
	int binarize;        /* Sauvola-binarise grey and colour pages (1) */
	int deskew;          /* find the skew and rotate it away, interpolated (1) */
	double deskew_min;   /* degrees: a smaller skew is measured but not
	                      * rotated away (0.1; values below 0.1 count as 0.1) */
	int orient;          /* decide the orientation (1) */
	int rotate;          /* turn the output upright when decided (1) */
	int blank;           /* blank page detection (1) */
	double blank_ink_max; /* ink fraction at or below which a page is blank */
	double margin;       /* fraction of each side ignored for blank detection */
};

/* Defaults: every step on, deskew_min 0.1, blank_ink_max DS_CLEAN_BLANK_INK,
 * margin 0.05. */
#define DS_CLEAN_BLANK_INK 0.0001
void ds_clean_opts_default(struct ds_clean_opts *out);

struct ds_clean_result {
	double skew_deg;         /* skew found, degrees (the correction applied
	                          * when deskewed; clockwise positive); 0 if none */
	double skew_conf;        /* the skew finder's confidence (>= 3: trusted) */
	int deskewed;            /* 1: the output was rotated by skew_deg */
	int binarized;           /* 1: the output is the Sauvola binarisation */
	int blank;               /* 1: no meaningful ink */
	double ink;              /* ink fraction used for the blank decision */
	int orientation_decided; /* 1: `rotation` is trusted */
	int rotation;            /* clockwise degrees that make the page upright:
	                          * 0, 90, 180 or 270 (0 when undecided) */
	int rotated;             /* 1: the output was turned by `rotation` */
};

/* Cleans a decoded page (1, 8 or 32 bpp). *out is a new Pix (1 bpp when
 * binarised or when the input was 1 bpp; else the input's depth; but a
 * 1 bpp page deskewed without binarisation comes out 8 bpp, rotated with
 * interpolation) with the input's resolution; caller pixDestroy()s it. `o` may be NULL (defaults);
 * `r` may be NULL. DS_EINVALID for a missing or unusable page, DS_ENOMEM. */
int ds_page_clean(struct Pix *in, const struct ds_clean_opts *o, struct Pix **out,
                  struct ds_clean_result *r);

/* A new Pix turned clockwise by 0, 90, 180 or 270 degrees (negative and
 * larger multiples of 90 are reduced), resolution kept (x and y swapped
 * for quarter turns). DS_EINVALID for other angles. */
int ds_page_rotate(struct Pix *in, int degrees_cw, struct Pix **out);

#ifdef __cplusplus
}
#endif
#endif
