/* TIFF pages through libtiff: opening with per-handle (thread-safe, silent)
 * message handlers and an allocation cap, a directory walk that checks every
 * page before anything is decoded, and decoding into Leptonica Pix. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <leptonica/allheaders.h>

#include "dossier/error.h"
#include "scanner/scan_int.h"

/* ---- message handlers: kept on the handle, never printed ---- */

__attribute__((format(printf, 4, 0)))
static int on_error(TIFF *tif, void *ud, const char *module, const char *fmt, va_list ap)
{
	struct ds_scanner__tiffmsg *m = ud;
	(void)tif;
	if (m == NULL)
		return 1;
	if (m->errors++ == 0) {
		char tmp[200];
		if (vsnprintf(tmp, sizeof tmp, fmt, ap) < 0)
			tmp[0] = '\0';
		if (snprintf(m->msg, sizeof m->msg, "%s%s%s", module ? module : "",
		             module ? ": " : "", tmp) < 0)
			m->msg[0] = '\0';
	}
	return 1; /* handled: the process-wide handler is not called */
}

__attribute__((format(printf, 4, 0)))
static int on_warning(TIFF *tif, void *ud, const char *module, const char *fmt, va_list ap)
{
	struct ds_scanner__tiffmsg *m = ud;
	(void)tif;
	if (m == NULL)
		return 1;
	char tmp[200];
	if (vsnprintf(tmp, sizeof tmp, fmt, ap) < 0)
		tmp[0] = '\0';
	/* libtiff "repairs" byte counts it finds implausible by guessing them
	 * from the file size; we refuse such a file instead. */
	if (strstr(tmp, "ByteCounts") != NULL)
		m->repaired = 1;
	if (m->warnings++ == 0 && snprintf(m->warn, sizeof m->warn, "%s%s%s", module ? module : "",
	                                   module ? ": " : "", tmp) < 0)
		m->warn[0] = '\0';
	return 1;
}

static TIFFOpenOptions *make_opts(const struct ds_scan_limits *lim, struct ds_scanner__tiffmsg *m)
{
	TIFFOpenOptions *o = TIFFOpenOptionsAlloc();
	if (o == NULL)
		return NULL;
	/* The largest legitimate single buffer is one uncompressed strip or
	 * one decoded page, each within the decoded bytes of a page. */
	uint64_t cap = lim->page_bytes_max + (1u << 20);
	if (cap > (uint64_t)(SIZE_MAX / 2))
		cap = SIZE_MAX / 2;
	TIFFOpenOptionsSetMaxSingleMemAlloc(o, (tmsize_t)cap);
	TIFFOpenOptionsSetErrorHandlerExtR(o, on_error, m);
	TIFFOpenOptionsSetWarningHandlerExtR(o, on_warning, m);
	return o;
}

TIFF *ds_scanner__tiff_fd(int fd, const char *name, const struct ds_scan_limits *lim,
                          struct ds_scanner__tiffmsg *m)
{
	TIFFOpenOptions *o = make_opts(lim, m);
	if (o == NULL)
		return NULL;
	/* "m": no memory mapping, so a file truncated under us is a read
	 * error rather than SIGBUS. */
	TIFF *t = TIFFFdOpenExt(fd, name, "rm", o);
	TIFFOpenOptionsFree(o);
	return t;
}

/* ---- libtiff over a memory buffer ---- */

struct memio {
	const unsigned char *rbuf; /* reading: borrowed */
	unsigned char *wbuf;       /* writing: owned */
	size_t len, cap, pos;
};

static tmsize_t mem_read(thandle_t h, void *buf, tmsize_t n)
{
	struct memio *io = (struct memio *)h;
	const unsigned char *src = io->rbuf ? io->rbuf : io->wbuf;
	if (n < 0 || io->pos >= io->len)
		return 0;
	size_t k = io->len - io->pos;
	if ((size_t)n < k)
		k = (size_t)n;
	memcpy(buf, src + io->pos, k);
	io->pos += k;
	return (tmsize_t)k;
}

static tmsize_t mem_write(thandle_t h, void *buf, tmsize_t n)
{
	struct memio *io = (struct memio *)h;
	size_t end;
	if (io->rbuf != NULL || n < 0)
		return -1;
	if (__builtin_add_overflow(io->pos, (size_t)n, &end) || end > (size_t)DS_SCAN_FILE_BYTES_MAX)
		return -1;
	if (end > io->cap) {
		size_t nc = io->cap ? io->cap : 65536;
		while (nc < end)
			nc *= 2;
		unsigned char *nb = realloc(io->wbuf, nc);
		if (nb == NULL)
			return -1;
		io->wbuf = nb;
		io->cap = nc;
	}
	if (io->pos > io->len)
		memset(io->wbuf + io->len, 0, io->pos - io->len);
	memcpy(io->wbuf + io->pos, buf, (size_t)n);
	io->pos = end;
	if (end > io->len)
		io->len = end;
	return n;
}

static toff_t mem_seek(thandle_t h, toff_t off, int whence)
{
	struct memio *io = (struct memio *)h;
	uint64_t base;
	switch (whence) {
	case SEEK_SET: base = 0; break;
	case SEEK_CUR: base = io->pos; break;
	case SEEK_END: base = io->len; break;
	default: return (toff_t)-1;
	}
	uint64_t np;
	if (__builtin_add_overflow(base, (uint64_t)off, &np) || np > (uint64_t)DS_SCAN_FILE_BYTES_MAX)
		return (toff_t)-1;
	io->pos = (size_t)np;
	return np;
}

static int mem_close(thandle_t h) { (void)h; return 0; }
static toff_t mem_size(thandle_t h) { return ((struct memio *)h)->len; }
static int mem_map(thandle_t h, void **base, toff_t *size) { (void)h; (void)base; (void)size; return 0; }
static void mem_unmap(thandle_t h, void *base, toff_t size) { (void)h; (void)base; (void)size; }

/* The memio of a reading handle lives as long as the TIFF: it is freed by
 * the close proc, which TIFFClose calls. */
static int mem_close_free(thandle_t h) { free(h); return 0; }

TIFF *ds_scanner__tiff_mem(const unsigned char *buf, size_t len, const char *name,
                           const struct ds_scan_limits *lim, struct ds_scanner__tiffmsg *m)
{
	struct memio *io = calloc(1, sizeof *io);
	if (io == NULL)
		return NULL;
	io->rbuf = buf;
	io->len = len;
	TIFFOpenOptions *o = make_opts(lim, m);
	if (o == NULL) {
		free(io);
		return NULL;
	}
	TIFF *t = TIFFClientOpenExt(name, "rm", (thandle_t)io, mem_read, mem_write, mem_seek,
	                            mem_close_free, mem_size, mem_map, mem_unmap, o);
	TIFFOpenOptionsFree(o);
	if (t == NULL)
		free(io);
	return t;
}

/* ---- the directory walk ---- */

int ds_scanner__check_dims(const char *name, size_t page, uint32_t w, uint32_t h, int bits,
                           const struct ds_scan_limits *lim)
{
	uint64_t bytes = ((uint64_t)w * (uint64_t)(bits > 0 ? bits : 0) + 7) / 8 * h;

	if (w == 0 || h == 0)
		return ds_error_set(DS_EINVALID, "%s: page %zu: empty image (%ux%u pixels)", name,
		                    page + 1, w, h);
	if (w > lim->side_max || h > lim->side_max)
		return ds_error_set(DS_ETOOBIG,
		                    "%s: page %zu: %ux%u pixels, more than %u pixels per side",
		                    name, page + 1, w, h, lim->side_max);
	if ((uint64_t)w * h > lim->pixels_max)
		return ds_error_set(DS_ETOOBIG, "%s: page %zu: %ux%u pixels, more than %llu pixels",
		                    name, page + 1, w, h, (unsigned long long)lim->pixels_max);
	if (bytes > lim->page_bytes_max)
		return ds_error_set(DS_ETOOBIG,
		                    "%s: page %zu: %ux%u pixels in %s take %llu MiB decoded, more "
		                    "than %llu MiB",
		                    name, page + 1, w, h, bits == 32 ? "colour" : bits == 8 ? "grey" : "black and white",
		                    (unsigned long long)(bytes >> 20),
		                    (unsigned long long)(lim->page_bytes_max >> 20));
	return 0;
}

static int codec_ok(uint16_t c)
{
	switch (c) {
	case COMPRESSION_NONE:
	case COMPRESSION_CCITTRLE:
	case COMPRESSION_CCITTFAX3:
	case COMPRESSION_CCITTFAX4:
	case COMPRESSION_LZW:
	case COMPRESSION_JPEG:
	case COMPRESSION_ADOBE_DEFLATE:
	case COMPRESSION_DEFLATE:
	case COMPRESSION_PACKBITS:
		return TIFFIsCODECConfigured(c);
	default:
		return 0;
	}
}

static uint32_t tiff_dpi(TIFF *tif, ttag_t tag)
{
	float x = 0;
	uint16_t unit = RESUNIT_INCH;
	if (!TIFFGetField(tif, tag, &x))
		return 0;
	TIFFGetFieldDefaulted(tif, TIFFTAG_RESOLUTIONUNIT, &unit);
	double d = x;
	/* RESUNIT_NONE (ImageMagick without -units) is read as per inch, as
	 * libtiff's own tools (tiff2pdf, tiffinfo) and Leptonica do */
	if (unit == RESUNIT_CENTIMETER)
		d *= 2.54;
	else if (unit != RESUNIT_INCH && unit != RESUNIT_NONE)
		return 0;
	if (!isfinite(d) || d < 1 || d > 100000)
		return 0;
	return (uint32_t)lround(d);
}

/* Every strip or tile must lie inside the file; uncompressed ones must be
 * as long as the pixels they hold. */
static int check_striles(TIFF *tif, const char *name, size_t page, uint64_t filesize,
                         uint16_t compression)
{
	int tiled = TIFFIsTiled(tif);
	uint32_t n = tiled ? TIFFNumberOfTiles(tif) : TIFFNumberOfStrips(tif);
	const char *what = tiled ? "tile" : "strip";
	uint32_t h = 0, rps = 0;
	TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &h);
	TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &rps);
	if (rps == 0 || rps > h)
		rps = h;
	uint32_t per_plane = tiled ? n : (h + rps - 1) / rps;

	if (n == 0)
		return ds_error_set(DS_EINVALID, "%s: page %zu: no image data", name, page + 1);
	for (uint32_t i = 0; i < n; i++) {
		int err = 0;
		uint64_t off = TIFFGetStrileOffsetWithErr(tif, i, &err);
		uint64_t bc = err ? 0 : TIFFGetStrileByteCountWithErr(tif, i, &err);
		uint64_t end;
		if (err)
			return ds_error_set(DS_EINVALID, "%s: page %zu: %s %u: unreadable offset",
			                    name, page + 1, what, i + 1);
		if (bc == 0 || off == 0)
			return ds_error_set(DS_EINVALID, "%s: page %zu: %s %u is missing", name,
			                    page + 1, what, i + 1);
		if (__builtin_add_overflow(off, bc, &end) || end > filesize)
			return ds_error_set(DS_EINVALID,
			                    "%s: truncated: page %zu: %s %u ends past end of file",
			                    name, page + 1, what, i + 1);
		if (compression == COMPRESSION_NONE) {
			uint64_t want;
			if (tiled) {
				want = TIFFTileSize64(tif);
			} else {
				uint32_t k = per_plane ? i % per_plane : 0;
				uint32_t rows = h - k * rps < rps ? h - k * rps : rps;
				want = TIFFVStripSize64(tif, rows);
			}
			if (bc < want)
				return ds_error_set(DS_EINVALID,
				                    "%s: truncated: page %zu: %s %u holds %llu of %llu bytes",
				                    name, page + 1, what, i + 1,
				                    (unsigned long long)bc, (unsigned long long)want);
		}
	}
	return 0;
}

static int read_page(TIFF *tif, const char *name, size_t page, uint64_t filesize,
                     const struct ds_scan_limits *lim, struct ds_scanner__tiffmsg *m,
                     struct ds_scanner__tpage *p)
{
	uint32_t w = 0, h = 0;
	int err;
	memset(p, 0, sizeof *p);
	p->diroff = TIFFCurrentDirOffset(tif);
	if (!TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &w) || !TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &h))
		return ds_error_set(DS_EINVALID, "%s: page %zu: no image size", name, page + 1);
	if ((err = ds_scanner__check_dims(name, page, w, h, 0, lim)) < 0)
		return err;
	TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &p->bps);
	TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &p->spp);
	TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &p->compression);
	TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &p->planar);
	TIFFGetFieldDefaulted(tif, TIFFTAG_ORIENTATION, &p->orientation);
	if (!TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &p->photometric))
		p->photometric = p->spp >= 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISWHITE;
	if (m->repaired)
		return ds_error_set(DS_EINVALID, "%s: page %zu: corrupt strip or tile byte counts",
		                    name, page + 1);
	if (!codec_ok(p->compression))
		return ds_error_set(DS_EUNSUPPORTED, "%s: page %zu: unsupported compression %u",
		                    name, page + 1, p->compression);
	if (p->orientation < ORIENTATION_TOPLEFT || p->orientation > ORIENTATION_LEFTBOT)
		return ds_error_set(DS_EINVALID, "%s: page %zu: bad orientation %u",
		                    name, page + 1, p->orientation);
	if ((err = check_striles(tif, name, page, filesize, p->compression)) < 0)
		return err;

	int grey = p->photometric == PHOTOMETRIC_MINISWHITE || p->photometric == PHOTOMETRIC_MINISBLACK;
	if (grey && p->spp == 1 && (p->bps == 1 || p->bps == 8)) {
		p->direct = 1;
		p->info.bits = p->bps;
	} else {
		char emsg[1024] = "";
		if (!TIFFRGBAImageOK(tif, emsg))
			return ds_error_set(DS_EUNSUPPORTED, "%s: page %zu: unsupported image: %s",
			                    name, page + 1, emsg);
		p->info.bits = grey ? 8 : 32;
	}
	/* through TIFFRGBAImage a grey page is decoded in colour first */
	if ((err = ds_scanner__check_dims(name, page, w, h, p->direct ? p->info.bits : 32, lim)) < 0)
		return err;
	p->sw = w;
	p->sh = h;
	int transposed = p->orientation >= ORIENTATION_LEFTTOP;
	p->info.width = transposed ? h : w;
	p->info.height = transposed ? w : h;
	p->info.dpi = tiff_dpi(tif, TIFFTAG_XRESOLUTION);
	p->ydpi = tiff_dpi(tif, TIFFTAG_YRESOLUTION);
	if (p->ydpi == 0 || p->info.dpi == 0)
		p->ydpi = p->info.dpi;
	return 0;
}

int ds_scanner__tiff_walk(TIFF *tif, const char *name, uint64_t filesize,
                          const struct ds_scan_limits *lim, struct ds_scanner__tiffmsg *m,
                          struct ds_scanner__tpage **out, size_t *n)
{
	struct ds_scanner__tpage *pages = NULL;
	size_t count = 0, cap = 0;
	int err = 0;

	for (;;) {
		if (count == lim->pages_max) {
			err = ds_error_set(DS_ETOOBIG, "%s: more than %u pages", name, lim->pages_max);
			goto done;
		}
		if (count == cap) {
			size_t nc = cap ? cap * 2 : 8;
			if (nc > lim->pages_max)
				nc = lim->pages_max;
			struct ds_scanner__tpage *np = realloc(pages, nc * sizeof *np);
			if (np == NULL) {
				err = ds_error_set(DS_ENOMEM, "%s: out of memory", name);
				goto done;
			}
			pages = np;
			cap = nc;
		}
		if ((err = read_page(tif, name, count, filesize, lim, m, &pages[count])) < 0)
			goto done;
		count++;
		if (TIFFLastDirectory(tif))
			break;
		m->errors = 0;
		m->repaired = 0;
		if (!TIFFReadDirectory(tif)) {
			err = ds_error_set(DS_EINVALID, "%s: page %zu: corrupt directory%s%s", name,
			                   count + 1, m->errors ? ": " : "", m->errors ? m->msg : "");
			goto done;
		}
	}
	*out = pages;
	pages = NULL; /* transferred */
	*n = count;
done:
	free(pages);
	return err;
}

/* ---- decoding ---- */

int ds_scanner__orient(PIX **p, int tag)
{
	PIX *a = NULL, *b = NULL;
	switch (tag) {
	case ORIENTATION_TOPRIGHT: b = pixFlipLR(NULL, *p); break;
	case ORIENTATION_BOTRIGHT: b = pixRotate180(NULL, *p); break;
	case ORIENTATION_BOTLEFT: b = pixFlipTB(NULL, *p); break;
	case ORIENTATION_LEFTTOP: /* transpose */
		if ((a = pixRotate90(*p, 1)) != NULL)
			b = pixFlipLR(NULL, a);
		break;
	case ORIENTATION_RIGHTTOP: b = pixRotate90(*p, 1); break;
	case ORIENTATION_RIGHTBOT: /* transverse */
		if ((a = pixRotate90(*p, 1)) != NULL)
			b = pixFlipTB(NULL, a);
		break;
	case ORIENTATION_LEFTBOT: b = pixRotate90(*p, -1); break;
	default: return 0; /* top-left, or unknown in EXIF: as stored */
	}
	pixDestroy(&a);
	if (b == NULL)
		return DS_ENOMEM;
	l_int32 xr = pixGetXRes(*p), yr = pixGetYRes(*p);
	if (tag >= ORIENTATION_LEFTTOP)
		pixSetResolution(b, yr, xr);
	else
		pixSetResolution(b, xr, yr);
	pixDestroy(p);
	*p = b;
	return 0;
}

/* Copies `nbytes` raster-order bytes to row y of pix at byte offset xb.
 * Leptonica keeps rows as native 32-bit words, the first pixel in the
 * most significant byte. */
static void put_bytes(PIX *pix, uint32_t y, size_t xb, const unsigned char *src, size_t nbytes)
{
	l_uint32 *line = pixGetData(pix) + (size_t)y * pixGetWpl(pix);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (xb == 0) { /* a whole row: copy, then swap each word */
		memcpy(line, src, nbytes);
		for (size_t k = 0; k < (nbytes + 3) / 4; k++)
			line[k] = __builtin_bswap32(line[k]);
		return;
	}
#endif
	for (size_t j = 0; j < nbytes; j++)
		SET_DATA_BYTE(line, xb + j, src[j]);
}

static int decode_direct(TIFF *tif, const char *name, size_t page,
                         const struct ds_scanner__tpage *p, PIX *pix,
                         struct ds_scanner__tiffmsg *m)
{
	uint32_t w = p->sw, h = p->sh;
	unsigned char *buf = NULL;
	int err = 0;

	if (TIFFIsTiled(tif)) {
		uint32_t tw = 0, th = 0;
		TIFFGetField(tif, TIFFTAG_TILEWIDTH, &tw);
		TIFFGetField(tif, TIFFTAG_TILELENGTH, &th);
		tmsize_t tsize = TIFFTileSize(tif), trow = TIFFTileRowSize(tif);
		if (tw == 0 || th == 0 || tsize <= 0 || trow <= 0 ||
		    (p->bps == 1 && tw % 8 != 0) || (uint64_t)trow * th > (uint64_t)tsize) {
			err = ds_error_set(DS_EINVALID, "%s: page %zu: bad tile size", name, page + 1);
			goto done;
		}
		if ((buf = malloc((size_t)tsize)) == NULL) {
			err = ds_error_set(DS_ENOMEM, "%s: out of memory", name);
			goto done;
		}
		for (uint32_t y = 0; y < h; y += th) {
			for (uint32_t x = 0; x < w; x += tw) {
				uint32_t t = TIFFComputeTile(tif, x, y, 0, 0);
				if (TIFFReadEncodedTile(tif, t, buf, tsize) < 0 || m->errors) {
					err = ds_error_set(DS_EINVALID, "%s: page %zu: corrupt tile %u: %s",
					                   name, page + 1, t + 1, m->msg);
					goto done;
				}
				uint32_t cols = w - x < tw ? w - x : tw;
				size_t nbytes = ((size_t)cols * p->bps + 7) / 8;
				size_t xb = (size_t)x * p->bps / 8;
				for (uint32_t r = 0; r < th && y + r < h; r++)
					put_bytes(pix, y + r, xb, buf + (size_t)r * (size_t)trow, nbytes);
			}
		}
	} else {
		uint32_t rps = 0;
		TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &rps);
		if (rps == 0 || rps > h)
			rps = h;
		tmsize_t ssize = TIFFStripSize(tif), srow = TIFFScanlineSize(tif);
		size_t nbytes = ((size_t)w * p->bps + 7) / 8;
		if (ssize <= 0 || srow <= 0 || (size_t)srow < nbytes) {
			err = ds_error_set(DS_EINVALID, "%s: page %zu: bad strip size", name, page + 1);
			goto done;
		}
		if ((buf = malloc((size_t)ssize)) == NULL) {
			err = ds_error_set(DS_ENOMEM, "%s: out of memory", name);
			goto done;
		}
		for (uint32_t y = 0, s = 0; y < h; y += rps, s++) {
			uint32_t rows = h - y < rps ? h - y : rps;
			tmsize_t want = (tmsize_t)rows * srow;
			tmsize_t got = TIFFReadEncodedStrip(tif, s, buf, want);
			if (got < want || m->errors) {
				err = ds_error_set(DS_EINVALID, "%s: page %zu: corrupt strip %u%s%s", name,
				                   page + 1, s + 1, m->errors ? ": " : "",
				                   m->errors ? m->msg : "");
				goto done;
			}
			for (uint32_t r = 0; r < rows; r++)
				put_bytes(pix, y + r, 0, buf + (size_t)r * (size_t)srow, nbytes);
		}
	}
	/* Leptonica: 1 bpp 1 = black; 8 bpp 0 = black. */
	if ((p->bps == 1 && p->photometric == PHOTOMETRIC_MINISBLACK) ||
	    (p->bps == 8 && p->photometric == PHOTOMETRIC_MINISWHITE))
		pixInvert(pix, pix);
	if (p->bps == 1)
		pixSetPadBits(pix, 0);
done:
	free(buf);
	return err;
}

static int decode_rgba(TIFF *tif, const char *name, size_t page,
                       const struct ds_scanner__tpage *p, PIX *pix,
                       struct ds_scanner__tiffmsg *m)
{
	TIFFRGBAImage img;
	char emsg[1024] = "";
	uint32_t w = p->sw, h = p->sh;
	l_uint32 *data = pixGetData(pix);

	if ((uint32_t)pixGetWpl(pix) != w)
		return ds_error_set(DS_ERROR, "%s: page %zu: unexpected raster layout", name, page + 1);
	if (!TIFFRGBAImageBegin(&img, tif, 0, emsg))
		return ds_error_set(DS_EUNSUPPORTED, "%s: page %zu: %s", name, page + 1, emsg);
	/* rows as stored (libtiff would only flip, never transpose); the
	 * orientation is applied afterwards, as for the other path */
	img.req_orientation = img.orientation;
	int ok = TIFFRGBAImageGet(&img, data, w, h);
	TIFFRGBAImageEnd(&img);
	if (!ok || m->errors)
		return ds_error_set(DS_EINVALID, "%s: page %zu: corrupt image data%s%s", name,
		                    page + 1, m->errors ? ": " : "", m->errors ? m->msg : "");
	/* libtiff gives premultiplied ABGR; Leptonica wants RGBx. Transparent
	 * parts become white, as on paper. */
	size_t npix = (size_t)w * h;
	for (size_t k = 0; k < npix; k++) {
		uint32_t v = data[k];
		uint32_t a = TIFFGetA(v), inv = 255 - a;
		uint32_t r = TIFFGetR(v) + inv, g = TIFFGetG(v) + inv, b = TIFFGetB(v) + inv;
		if (r > 255) r = 255;
		if (g > 255) g = 255;
		if (b > 255) b = 255;
		data[k] = (r << 24) | (g << 16) | (b << 8);
	}
	pixSetSpp(pix, 3);
	return 0;
}

int ds_scanner__tiff_decode(TIFF *tif, const char *name, size_t i,
                            const struct ds_scanner__tpage *p, uint64_t filesize,
                            const struct ds_scan_limits *lim, struct ds_scanner__tiffmsg *m,
                            struct Pix **out)
{
	struct ds_scanner__tpage again;
	PIX *pix = NULL, *grey = NULL;
	int err;

	m->errors = 0;
	m->repaired = 0;
	if (!TIFFSetSubDirectory(tif, p->diroff)) {
		err = ds_error_set(DS_EINVALID, "%s: page %zu: corrupt directory%s%s", name, i + 1,
		                   m->errors ? ": " : "", m->errors ? m->msg : "");
		goto done;
	}
	/* The same checks as at open: the handle may have been reopened. */
	if ((err = read_page(tif, name, i, filesize, lim, m, &again)) < 0)
		goto done;
	if (again.info.width != p->info.width || again.info.height != p->info.height ||
	    again.info.bits != p->info.bits || again.direct != p->direct ||
	    again.orientation != p->orientation) {
		err = ds_error_set(DS_EINVALID, "%s: page %zu: changed since it was opened", name, i + 1);
		goto done;
	}
	m->errors = 0;
	m->warnings = 0;
	pix = pixCreate((l_int32)p->sw, (l_int32)p->sh, p->direct ? p->info.bits : 32);
	if (pix == NULL) {
		err = ds_error_set(DS_ENOMEM, "%s: page %zu: out of memory", name, i + 1);
		goto done;
	}
	err = p->direct ? decode_direct(tif, name, i, p, pix, m) : decode_rgba(tif, name, i, p, pix, m);
	if (err < 0)
		goto done;
	/* The codecs report damaged data (a fax line of the wrong length, a
	 * JPEG cut short) as warnings and go on with made-up pixels. */
	if (m->warnings) {
		err = ds_error_set(DS_EINVALID, "%s: page %zu: corrupt image data: %s", name, i + 1,
		                   m->warn);
		goto done;
	}
	if ((err = ds_scanner__orient(&pix, p->orientation)) < 0) {
		err = ds_error_set(DS_ENOMEM, "%s: page %zu: out of memory", name, i + 1);
		goto done;
	}
	if (!p->direct && p->info.bits == 8) {
		if ((grey = pixGetRGBComponent(pix, COLOR_GREEN)) == NULL) {
			err = ds_error_set(DS_ENOMEM, "%s: page %zu: out of memory", name, i + 1);
			goto done;
		}
		pixDestroy(&pix);
		pix = grey;
		grey = NULL;
	}
	if (p->info.dpi)
		pixSetResolution(pix, (l_int32)p->info.dpi, (l_int32)p->ydpi);
	*out = pix;
	pix = NULL; /* transferred */
done:
	pixDestroy(&pix);
	pixDestroy(&grey);
	return err;
}

/* ---- stored pages: single-page lossless TIFF in memory ---- */

static int write_rows(TIFF *tif, PIX *pix, int d)
{
	uint32_t w = (uint32_t)pixGetWidth(pix), h = (uint32_t)pixGetHeight(pix);
	size_t rowbytes = d == 1 ? (w + 7) / 8 : d == 8 ? w : (size_t)w * 3;
	unsigned char *row = malloc(rowbytes);
	int ok = row != NULL;
	l_uint32 *data = pixGetData(pix);
	l_int32 wpl = pixGetWpl(pix);
	for (uint32_t y = 0; ok && y < h; y++) {
		l_uint32 *line = data + (size_t)y * (size_t)wpl;
		if (d == 32) {
			for (uint32_t x = 0; x < w; x++) {
				l_uint32 v = line[x];
				row[3 * x] = (unsigned char)(v >> 24);
				row[3 * x + 1] = (unsigned char)(v >> 16);
				row[3 * x + 2] = (unsigned char)(v >> 8);
			}
		} else {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
			size_t full = rowbytes / 4;
			for (size_t k = 0; k < full; k++) {
				l_uint32 v = __builtin_bswap32(line[k]);
				memcpy(row + 4 * k, &v, 4);
			}
			for (size_t j = 4 * full; j < rowbytes; j++)
				row[j] = (unsigned char)GET_DATA_BYTE(line, j);
#else
			for (size_t j = 0; j < rowbytes; j++)
				row[j] = (unsigned char)GET_DATA_BYTE(line, j);
#endif
		}
		ok = TIFFWriteScanline(tif, row, y, 0) == 1;
	}
	free(row);
	return ok;
}

int ds_page_encode(struct Pix *pix, unsigned char **out, size_t *len)
{
	struct ds_scan_limits lim;
	struct ds_scanner__tiffmsg m;
	struct memio io;
	PIX *p = NULL, *conv = NULL;
	TIFF *tif = NULL;
	TIFFOpenOptions *o = NULL;
	int err = 0;

	*out = NULL;
	*len = 0;
	memset(&io, 0, sizeof io);
	memset(&m, 0, sizeof m);
	ds_scanner__init();
	ds_scan_limits_default(&lim);
	if (pix == NULL)
		return ds_error_set(DS_EINVALID, "page image: no image");
	uint32_t w = (uint32_t)pixGetWidth(pix), h = (uint32_t)pixGetHeight(pix);
	if ((err = ds_scanner__check_dims("page image", 0, w, h, 0, &lim)) < 0)
		return err;

	/* 1, 8 or 32 bpp without colour map or alpha. The caller's Pix is
	 * read, never cloned: its reference count is not atomic and other
	 * threads may be reading it too. */
	int d = pixGetDepth(pix);
	if (pixGetColormap(pix) != NULL)
		p = conv = pixRemoveColormap(pix, REMOVE_CMAP_BASED_ON_SRC);
	else if (d != 1 && d != 8 && d != 32)
		p = conv = pixConvertTo8(pix, 0);
	else
		p = pix;
	if (p == NULL) {
		err = ds_error_set(DS_ENOMEM, "page image: out of memory");
		goto done;
	}
	d = pixGetDepth(p);
	if (d != 1 && d != 8 && d != 32) {
		err = ds_error_set(DS_EINVALID, "page image: cannot store %d bits per pixel", d);
		goto done;
	}

	if ((o = make_opts(&lim, &m)) == NULL) {
		err = ds_error_set(DS_ENOMEM, "page image: out of memory");
		goto done;
	}
	tif = TIFFClientOpenExt("page image", "w", (thandle_t)&io, mem_read, mem_write, mem_seek,
	                        mem_close, mem_size, mem_map, mem_unmap, o);
	if (tif == NULL) {
		err = ds_error_set(DS_ERROR, "page image: cannot start TIFF: %s", m.msg);
		goto done;
	}
	TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, w);
	TIFFSetField(tif, TIFFTAG_IMAGELENGTH, h);
	TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
	TIFFSetField(tif, TIFFTAG_ORIENTATION, ORIENTATION_TOPLEFT);
	if (d == 1) {
		TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 1);
		TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 1);
		TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISWHITE);
		TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_CCITTFAX4);
		TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, h);
	} else {
		TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 8);
		TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, d == 8 ? 1 : 3);
		TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, d == 8 ? PHOTOMETRIC_MINISBLACK : PHOTOMETRIC_RGB);
		TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_ADOBE_DEFLATE);
		TIFFSetField(tif, TIFFTAG_PREDICTOR, PREDICTOR_HORIZONTAL);
		/* strips of about 256 KiB: small buffers, good compression */
		uint32_t rowbytes = d == 8 ? w : w * 3;
		uint32_t rps = rowbytes ? (256u * 1024) / rowbytes : 1;
		TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, rps ? rps : 1);
	}
	l_int32 xres = 0, yres = 0;
	pixGetResolution(p, &xres, &yres);
	if (xres > 0 && yres > 0) {
		TIFFSetField(tif, TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH);
		TIFFSetField(tif, TIFFTAG_XRESOLUTION, (float)xres);
		TIFFSetField(tif, TIFFTAG_YRESOLUTION, (float)yres);
	}
	if (!write_rows(tif, p, d) || !TIFFWriteDirectory(tif) || m.errors) {
		err = ds_error_set(DS_ERROR, "page image: cannot encode TIFF%s%s",
		                   m.errors ? ": " : "", m.msg);
		goto done;
	}
	TIFFClose(tif);
	tif = NULL;
	*out = io.wbuf;
	*len = io.len;
	io.wbuf = NULL; /* transferred */
done:
	if (tif)
		TIFFClose(tif);
	TIFFOpenOptionsFree(o);
	free(io.wbuf);
	pixDestroy(&conv);
	return err;
}

int ds_page_decode(const unsigned char *buf, size_t len, struct Pix **out)
{
	static const char name[] = "page image";
	struct ds_scan_limits lim;
	struct ds_scanner__tiffmsg m;
	struct ds_scanner__tpage *pages = NULL;
	size_t n = 0;
	TIFF *tif = NULL;
	int err = 0;

	*out = NULL;
	memset(&m, 0, sizeof m);
	ds_scanner__init();
	ds_scan_limits_default(&lim);
	if (buf == NULL || len == 0)
		return ds_error_set(DS_EINVALID, "%s: empty", name);
	if (len > lim.file_bytes_max)
		return ds_error_set(DS_ETOOBIG, "%s: %zu bytes, more than %llu", name, len,
		                    (unsigned long long)lim.file_bytes_max);
	switch (ds_scanner__sniff(buf, len)) {
	case DS_FMT_TIFF:
		break;
	case DS_FMT_PNG:
		return ds_scanner__mem_decode(buf, len, 1, name, &lim, out);
	case DS_FMT_JPEG:
		return ds_scanner__mem_decode(buf, len, 0, name, &lim, out);
	default:
		return ds_error_set(DS_EINVALID, "%s: not a TIFF, PNG or JPEG image", name);
	}
	if ((tif = ds_scanner__tiff_mem(buf, len, name, &lim, &m)) == NULL) {
		err = ds_error_set(DS_EINVALID, "%s: corrupt TIFF%s%s", name, m.errors ? ": " : "",
		                   m.errors ? m.msg : "");
		goto done;
	}
	lim.pages_max = 1;
	if ((err = ds_scanner__tiff_walk(tif, name, len, &lim, &m, &pages, &n)) < 0)
		goto done;
	if (n == 0 || pages == NULL) {
		err = ds_error_set(DS_EINVALID, "%s: no page", name);
		goto done;
	}
	err = ds_scanner__tiff_decode(tif, name, 0, &pages[0], len, &lim, &m, out);
done:
	free(pages);
	if (tif)
		TIFFClose(tif);
	return err;
}
