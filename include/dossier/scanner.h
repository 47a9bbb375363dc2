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

#define DS_SCAN_FILE_BYTES_MAX ((uint64_t)1 << 30)  /* 1 GiB per scan file */
#define DS_SCAN_PAGES_MAX 2000                        /* pages per file */
#define DS_PAGE_SIDE_MAX 30000                        /* pixels per side */
#define DS_PAGE_PIXELS_MAX ((uint64_t)200 * 1000 * 1000) /* 200 Mpx, A0 at 600 dpi */

struct ds_scan_limits {
	uint64_t file_bytes_max;
	uint32_t pages_max;
	uint32_t side_max;
	uint64_t pixels_max;
};
/* The defaults above. */
void ds_scan_limits_default(struct ds_scan_limits *out);

struct ds_page_info {
	uint32_t width, height;
	uint32_t dpi;      /* 0 when the file does not say */
	int bits;          /* bits per pixel of the decoded page: 1, 8 or 32 */
};

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

#ifdef __cplusplus
}
#endif
#endif
