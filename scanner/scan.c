/* Scans: a file opened once, recognised by its first bytes, its pages
 * counted and checked against the limits before any page is decoded. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <leptonica/allheaders.h>

#include "dossier/error.h"
#include "scanner/scan_int.h"

#define NAME_MAX_STORED 1024

struct ds_scan {
	char name[NAME_MAX_STORED];
	enum ds_scanner__fmt fmt;
	struct ds_scan_limits lim;
	uint64_t size;
	int fd;           /* PNG, JPEG: the open file; TIFF: owned by tif */
	TIFF *tif;
	struct ds_scanner__tiffmsg msg;
	struct ds_scanner__tpage *pages; /* TIFF */
	struct ds_scanner__pdf *pdf;     /* PDF */
	struct ds_page_info info;        /* PNG, JPEG */
	int orientation;                 /* JPEG: EXIF orientation, 0 if none */
	size_t npages;
	pthread_mutex_t lock; /* one libtiff handle: one decoder at a time */
};

static void lept_quiet(const char *msg) { (void)msg; }

static void init_once(void)
{
	/* The library never prints: Leptonica's messages and libtiff's
	 * process-wide handlers (used by code that opens TIFFs without our
	 * per-handle handlers, such as Leptonica's own TIFF reader). */
	setMsgSeverity(L_SEVERITY_NONE);
	leptSetStderrHandler(lept_quiet);
	TIFFSetErrorHandler(NULL);
	TIFFSetWarningHandler(NULL);
}

void ds_scanner__init(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, init_once);
}

void ds_scan_limits_default(struct ds_scan_limits *out)
{
	out->file_bytes_max = DS_SCAN_FILE_BYTES_MAX;
	out->pages_max = DS_SCAN_PAGES_MAX;
	out->side_max = DS_PAGE_SIDE_MAX;
	out->pixels_max = DS_PAGE_PIXELS_MAX;
	out->page_bytes_max = DS_PAGE_DECODED_BYTES_MAX;
	out->file_pixels_max = DS_SCAN_FILE_PIXELS_MAX;
}

/* ---- memory for pages in hand (see scanner.h) ---- */

static pthread_mutex_t mem_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t mem_cv = PTHREAD_COND_INITIALIZER;
static uint64_t mem_held;

uint64_t ds_page_memory_weight(uint32_t width, uint32_t height, int bits)
{
	uint64_t bytes = ((uint64_t)width * (uint64_t)(bits > 0 ? bits : 32) + 7) / 8 * height;
	return bytes * 5 / 2 + ((uint64_t)48 << 20);
}

static uint64_t mem_take(uint64_t weight, int wait)
{
	uint64_t got = weight > DS_PAGE_MEMORY_BUDGET ? DS_PAGE_MEMORY_BUDGET : weight;
	if (got == 0)
		return 0;
	pthread_mutex_lock(&mem_mu);
	while (mem_held + got > DS_PAGE_MEMORY_BUDGET) {
		if (!wait) {
			pthread_mutex_unlock(&mem_mu);
			return 0;
		}
		pthread_cond_wait(&mem_cv, &mem_mu);
	}
	mem_held += got;
	pthread_mutex_unlock(&mem_mu);
	return got;
}

uint64_t ds_page_memory_reserve(uint64_t weight) { return mem_take(weight, 1); }
uint64_t ds_page_memory_try_reserve(uint64_t weight) { return mem_take(weight, 0); }

void ds_page_memory_release(uint64_t reserved)
{
	if (reserved == 0)
		return;
	pthread_mutex_lock(&mem_mu);
	mem_held = reserved > mem_held ? 0 : mem_held - reserved;
	pthread_cond_broadcast(&mem_cv);
	pthread_mutex_unlock(&mem_mu);
}

uint32_t ds_page_dpi_estimate(uint32_t width, uint32_t height)
{
	/* short and long sides in tenths of a millimetre */
	static const struct { const char *name; double s, l; } paper[] = {
		{ "A4", 2100, 2970 }, { "A3", 2970, 4200 }, { "A5", 1480, 2100 },
		{ "Letter", 2159, 2794 },
	};
	static const double usual[] = { 75, 100, 150, 200, 240, 300, 400, 600, 1200 };
	double sp = width < height ? width : height, lp = width < height ? height : width;
	double best_dev = 1e9, best = 0;

	if (sp < 1)
		return 0;
	for (size_t i = 0; i < sizeof paper / sizeof paper[0]; i++) {
		double want = paper[i].l / paper[i].s, got = lp / sp;
		if (fabs(got / want - 1) > 0.03)
			continue;
		double dpi = sp / (paper[i].s / 254.0);
		for (size_t k = 0; k < sizeof usual / sizeof usual[0]; k++) {
			double dev = fabs(dpi / usual[k] - 1);
			/* a paper listed earlier wins a tie (A4 before A3, A5) */
			if (dev < best_dev - 1e-9) {
				best_dev = dev;
				best = dpi;
			}
		}
	}
	/* nearer than 8% to a usual setting; else the page is something else
	 * (a photo, a strip cut from a page) */
	if (best_dev > 0.08 || best < 50 || best > 2400)
		return 0;
	return (uint32_t)lround(best);
}

/* A page that does not say its resolution gets the estimate. */
static void estimate_dpi(struct ds_page_info *in)
{
	if (in->dpi == 0 && (in->dpi = ds_page_dpi_estimate(in->width, in->height)) != 0)
		in->dpi_estimated = 1;
}

/* The pixels of every page of the file, before any is decoded. */
static int check_file_pixels(ds_scan *s)
{
	uint64_t total = 0;
	for (size_t i = 0; i < s->npages; i++) {
		const struct ds_page_info *in = s->fmt == DS_FMT_TIFF ? &s->pages[i].info
		                                : s->fmt == DS_FMT_PDF ? ds_scanner__pdf_info(s->pdf, i)
		                                                       : &s->info;
		total += (uint64_t)in->width * in->height; /* each at most 2^32: no overflow in 2000 */
	}
	if (total > s->lim.file_pixels_max)
		return ds_error_set(DS_ETOOBIG,
		                    "%s: %zu pages of %llu pixels together, more than the %llu "
		                    "pixels decoded from one file",
		                    s->name, s->npages, (unsigned long long)total,
		                    (unsigned long long)s->lim.file_pixels_max);
	return 0;
}

static int fd_read(void *ctx, uint64_t off, void *buf, size_t n)
{
	int fd = *(int *)ctx;
	size_t got = 0;
	while (got < n) {
		ssize_t r = pread(fd, (char *)buf + got, n - got, (off_t)(off + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

/* Offset of the first directory of a TIFF (0 when the header is short). */
static uint64_t first_ifd(const unsigned char *h, size_t n)
{
	int le = h[0] == 'I';
	uint64_t v = 0;
	if (n >= 8 && h[2 + !le] == 42) {
		for (int i = 0; i < 4; i++)
			v |= (uint64_t)h[4 + (le ? i : 3 - i)] << (8 * (le ? i : 3 - i));
	} else if (n >= 16 && h[2 + !le] == 43) {
		for (int i = 0; i < 8; i++)
			v |= (uint64_t)h[8 + (le ? i : 7 - i)] << (8 * (le ? i : 7 - i));
	}
	return v;
}

int ds_scan_open(ds_scan **out, const char *path, const struct ds_scan_limits *lim)
{
	struct ds_scan *s = NULL;
	struct stat st;
	unsigned char head[16];
	int err = 0;

	*out = NULL;
	ds_scanner__init();
	if (path == NULL)
		return ds_error_set(DS_EINVALID, "scan: no file name");
	if ((s = calloc(1, sizeof *s)) == NULL)
		return ds_error_set(DS_ENOMEM, "%s: out of memory", path);
	s->fd = -1;
	if (pthread_mutex_init(&s->lock, NULL) != 0) {
		free(s);
		return ds_error_set(DS_ERROR, "%s: cannot create a lock", path);
	}
	if (lim)
		s->lim = *lim;
	else
		ds_scan_limits_default(&s->lim);
	if (snprintf(s->name, sizeof s->name, "%s", path) < 0) {
		err = ds_error_set(DS_EINVALID, "bad file name");
		goto done;
	}
	if ((s->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		err = ds_error_set_errno(errno == ENOENT ? DS_ENOTFOUND : DS_EIO, errno, "%s", path);
		goto done;
	}
	if (fstat(s->fd, &st) != 0) {
		err = ds_error_set_errno(DS_EIO, errno, "%s", path);
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		err = ds_error_set(DS_EINVALID, "%s: not a regular file", path);
		goto done;
	}
	s->size = (uint64_t)st.st_size;
	if (s->size == 0) {
		err = ds_error_set(DS_EINVALID, "%s: empty file", path);
		goto done;
	}
	if (s->size > s->lim.file_bytes_max) {
		err = ds_error_set(DS_ETOOBIG, "%s: %llu bytes, more than %llu", path,
		                   (unsigned long long)s->size,
		                   (unsigned long long)s->lim.file_bytes_max);
		goto done;
	}
	size_t nhead = s->size < sizeof head ? (size_t)s->size : sizeof head;
	if (fd_read(&s->fd, 0, head, nhead) < 0) {
		err = ds_error_set_errno(DS_EIO, errno ? errno : EIO, "%s: cannot read", path);
		goto done;
	}
	s->fmt = ds_scanner__sniff(head, nhead);
	/* a PNG or JPEG is read whole to be decoded: no larger than its page */
	if ((s->fmt == DS_FMT_PNG || s->fmt == DS_FMT_JPEG) && s->size > s->lim.page_bytes_max) {
		err = ds_error_set(DS_ETOOBIG, "%s: a %s of %llu bytes, more than the %llu MiB "
		                   "of a decoded page", path, s->fmt == DS_FMT_PNG ? "PNG" : "JPEG",
		                   (unsigned long long)s->size,
		                   (unsigned long long)(s->lim.page_bytes_max >> 20));
		goto done;
	}
	switch (s->fmt) {
	case DS_FMT_TIFF:
		s->tif = ds_scanner__tiff_fd(s->fd, s->name, &s->lim, &s->msg);
		if (s->tif == NULL) {
			uint64_t ifd = first_ifd(head, nhead);
			if (ifd != 0 && ifd >= s->size) {
				err = ds_error_set(DS_EINVALID,
				                   "%s: truncated: first directory past end of file", path);
				goto done;
			}
			err = ds_error_set(DS_EINVALID, "%s: corrupt TIFF%s%s", path,
			                   s->msg.errors ? ": " : "", s->msg.errors ? s->msg.msg : "");
			goto done;
		}
		s->fd = -1; /* transferred to libtiff */
		err = ds_scanner__tiff_walk(s->tif, s->name, s->size, &s->lim, &s->msg, &s->pages,
		                            &s->npages);
		break;
	case DS_FMT_PNG:
		err = ds_scanner__png_header(fd_read, &s->fd, s->size, s->name, &s->info);
		break;
	case DS_FMT_JPEG:
		err = ds_scanner__jpeg_header(fd_read, &s->fd, s->size, s->name, &s->info,
		                              &s->orientation);
		break;
	case DS_FMT_PDF:
		if ((err = ds_scanner__pdf_open(&s->pdf, s->fd, s->name, &s->lim)) == 0)
			s->npages = ds_scanner__pdf_pages(s->pdf);
		break;
	default:
		err = ds_error_set(DS_EINVALID, "%s: not an image (TIFF, PNG, JPEG or PDF)", path);
		break;
	}
	if (err < 0)
		goto done;
	if (s->fmt == DS_FMT_PDF) {
		/* pages checked by the PDF reader; the resolution from the page */
	} else if (s->fmt != DS_FMT_TIFF) {
		if ((err = ds_scanner__check_dims(s->name, 0, s->info.width, s->info.height,
		                                  s->info.bits, &s->lim)) < 0)
			goto done;
		s->npages = 1;
		estimate_dpi(&s->info);
	} else {
		for (size_t i = 0; i < s->npages; i++) {
			estimate_dpi(&s->pages[i].info);
			if (s->pages[i].info.dpi_estimated)
				s->pages[i].ydpi = s->pages[i].info.dpi;
		}
	}
	if ((err = check_file_pixels(s)) < 0)
		goto done;
	*out = s;
	s = NULL; /* transferred */
done:
	ds_scan_free(s);
	return err;
}

void ds_scan_free(ds_scan *s)
{
	if (s == NULL)
		return;
	if (s->tif)
		TIFFClose(s->tif);
	if (s->fd >= 0)
		close(s->fd);
	free(s->pages);
	ds_scanner__pdf_free(s->pdf);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

size_t ds_scan_page_count(const ds_scan *s) { return s ? s->npages : 0; }

const char *ds_scan_format(const ds_scan *s)
{
	switch (s ? s->fmt : DS_FMT_NONE) {
	case DS_FMT_TIFF: return "tiff";
	case DS_FMT_PNG: return "png";
	case DS_FMT_JPEG: return "jpeg";
	case DS_FMT_PDF: return "pdf";
	default: return "";
	}
}

int ds_scan_page_info(const ds_scan *s, size_t i, struct ds_page_info *out)
{
	if (s == NULL || i >= s->npages)
		return ds_error_set(DS_EINVALID, "%s: no page %zu", s ? s->name : "scan", i + 1);
	*out = s->fmt == DS_FMT_TIFF  ? s->pages[i].info
	       : s->fmt == DS_FMT_PDF ? *ds_scanner__pdf_info(s->pdf, i)
	                              : s->info;
	return 0;
}

static int decode_whole(ds_scan *s, struct Pix **out)
{
	unsigned char *buf = NULL;
	int err;
	if ((buf = malloc((size_t)s->size)) == NULL)
		return ds_error_set(DS_ENOMEM, "%s: out of memory", s->name);
	if (fd_read(&s->fd, 0, buf, (size_t)s->size) < 0) {
		err = ds_error_set(DS_EIO, "%s: truncated or unreadable", s->name);
		goto done;
	}
	err = ds_scanner__codec_decode(buf, (size_t)s->size, s->fmt == DS_FMT_PNG, s->name, &s->info,
	                              s->orientation, &s->lim, out);
done:
	free(buf);
	return err;
}

int ds_scan_page_decode(ds_scan *s, size_t i, struct Pix **out)
{
	int err;
	*out = NULL;
	if (s == NULL || i >= s->npages)
		return ds_error_set(DS_EINVALID, "%s: no page %zu", s ? s->name : "scan", i + 1);
	pthread_mutex_lock(&s->lock);
	if (s->fmt == DS_FMT_TIFF)
		err = ds_scanner__tiff_decode(s->tif, s->name, i, &s->pages[i], s->size, &s->lim,
		                              &s->msg, out);
	else if (s->fmt == DS_FMT_PDF)
		err = ds_scanner__pdf_decode(s->pdf, s->name, i, &s->lim, out);
	else
		err = decode_whole(s, out);
	pthread_mutex_unlock(&s->lock);
	return err;
}
