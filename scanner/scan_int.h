/* Internals shared by the files of scanner/. */
#ifndef DOSSIER_SCANNER_SCAN_INT_H
#define DOSSIER_SCANNER_SCAN_INT_H

#include <stddef.h>
#include <stdint.h>

#include <tiffio.h>

#include "dossier/scanner.h"

struct Pix;

/* What libtiff said through the per-handle handlers (never printed). */
struct ds_scanner__tiffmsg {
	char msg[256];  /* the first error */
	char warn[256]; /* the first warning */
	unsigned errors, warnings;
	int repaired; /* libtiff replaced bogus strip/tile byte counts */
};

/* One page of a TIFF as found by the directory walk. */
struct ds_scanner__tpage {
	uint64_t diroff;
	struct ds_page_info info; /* as shown: width and height swapped for orientations 5-8 */
	uint32_t sw, sh;          /* as stored */
	uint32_t ydpi;
	uint16_t bps, spp, photometric, compression, planar, orientation;
	int direct; /* 1: read strips/tiles into 1 or 8 bpp; 0: via TIFFRGBAImage */
};

/* libtiff over a file descriptor (taken over: closed by TIFFClose) or over
 * a memory buffer (borrowed). The messages go to *m. */
TIFF *ds_scanner__tiff_fd(int fd, const char *name, const struct ds_scan_limits *lim,
                          struct ds_scanner__tiffmsg *m);
TIFF *ds_scanner__tiff_mem(const unsigned char *buf, size_t len, const char *name,
                           const struct ds_scan_limits *lim, struct ds_scanner__tiffmsg *m);

/* Walks the directories of an open TIFF, checking each page against the
 * limits and the file size. *out is a calloc'd array of *n pages. */
int ds_scanner__tiff_walk(TIFF *tif, const char *name, uint64_t filesize,
                          const struct ds_scan_limits *lim, struct ds_scanner__tiffmsg *m,
                          struct ds_scanner__tpage **out, size_t *n);

/* Decodes page i described by p. */
int ds_scanner__tiff_decode(TIFF *tif, const char *name, size_t i,
                            const struct ds_scanner__tpage *p, uint64_t filesize,
                            const struct ds_scan_limits *lim, struct ds_scanner__tiffmsg *m,
                            struct Pix **out);

/* Turns a decoded page (rows as stored) the way a TIFF/EXIF orientation
 * tag (1-8) says it is to be shown. Replaces *p; DS_ENOMEM. */
int ds_scanner__orient(struct Pix **p, int tag);

/* Headers of PNG and JPEG files, read through `rd` (pread-like). */
typedef int (*ds_scanner__read_fn)(void *ctx, uint64_t off, void *buf, size_t n);
int ds_scanner__png_header(ds_scanner__read_fn rd, void *ctx, uint64_t size, const char *name,
                           struct ds_page_info *out);
int ds_scanner__jpeg_header(ds_scanner__read_fn rd, void *ctx, uint64_t size, const char *name,
                            struct ds_page_info *out, int *orientation);

/* Decodes a whole PNG or JPEG file held in memory (libpng, libjpeg, all
 * messages captured); checks it against `want` (from the header) and
 * returns a 1, 8 or 32 bpp Pix. */
int ds_scanner__codec_decode(const unsigned char *buf, size_t len, int is_png, const char *name,
                             const struct ds_page_info *want, int orientation,
                             const struct ds_scan_limits *lim, struct Pix **out);

/* Header check, then decode, of a PNG or JPEG held in memory. */
int ds_scanner__mem_decode(const unsigned char *buf, size_t len, int is_png, const char *name,
                           const struct ds_scan_limits *lim, struct Pix **out);

/* Checks dimensions against the limits; `bits` (1, 8 or 32: what the
 * decoder will allocate per pixel; 0 when not known yet) against the
 * decoded bytes of a page. */
int ds_scanner__check_dims(const char *name, size_t page, uint32_t w, uint32_t h, int bits,
                           const struct ds_scan_limits *lim);

/* Silences Leptonica and libtiff's process-wide handlers, once. */
void ds_scanner__init(void);

/* Scans as PDF (scanner/pdf.c): qpdf over the open file `fd` (borrowed),
 * every page checked to be one image read losslessly. */
struct ds_scanner__pdf;
int ds_scanner__pdf_open(struct ds_scanner__pdf **out, int fd, const char *name,
                         const struct ds_scan_limits *lim);
void ds_scanner__pdf_free(struct ds_scanner__pdf *p);
size_t ds_scanner__pdf_pages(const struct ds_scanner__pdf *p);
const struct ds_page_info *ds_scanner__pdf_info(const struct ds_scanner__pdf *p, size_t i);
int ds_scanner__pdf_decode(struct ds_scanner__pdf *p, const char *name, size_t i,
                           const struct ds_scan_limits *lim, struct Pix **out);

enum ds_scanner__fmt { DS_FMT_NONE, DS_FMT_TIFF, DS_FMT_PNG, DS_FMT_JPEG, DS_FMT_PDF };
enum ds_scanner__fmt ds_scanner__sniff(const unsigned char *b, size_t n);

#endif
