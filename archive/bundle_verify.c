/* The bundle verifier. Everything in the file is hostile: the end of
 * central directory is checked before libzip reads it (entry count), every
 * central directory entry before anything is extracted (names, sizes,
 * ratios, methods), and every entry is read in bounded chunks counting the
 * bytes it really inflates to, never trusting a declared size. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <zip.h>

#include "archive/archive_int.h"
#include "dossier/error.h"

#define SUB_FORMAT "FORMAT_FAILURE"
#define SUB_HASH "HASH_FAILURE"
#define SUB_CONSTRAINTS "SIG_CONSTRAINTS_FAILURE"

struct ventry {
	char name[DS_BUNDLE_NAME_MAX + 1];
	uint64_t size, csize;
	uint16_t method;
	int dir, meta, covered;
	int hashed, hash_failed;
	unsigned char sha256[32], sha512[64];
	int want512;
};

struct vsig {
	size_t manifest_idx, sig_idx;
	struct ds_asic_manifest m;
	unsigned char *mbytes;
	size_t mlen;
	int hash_failed, covers_all;
};

struct vctx {
	const char *path;
	struct ds_bundle_report *r;
	const struct ds_bundle_verify_opts *opts;
	zip_t *za;
	struct ventry *e;
	size_t n;
	struct vsig sig[DS_BUNDLE_SIGS_MAX];
	size_t nsig;
	unsigned char *buf;
	uint64_t total;
	json_t *json;
	/* our own reading of the central directory, cross-checked with
	 * libzip's, for the raw fast path of stored entries */
	int fd;
	uint64_t fsize, cdoff, cdsize, cdcount;
	uint64_t *lh_off; /* local header offset per entry, in central directory order */
};

static void add_check(struct ds_bundle_report *r, struct ds_check *checks, size_t *n, size_t max,
		      const char *name, const char *outcome, const char *fmt, va_list ap)
	__attribute__((format(printf, 7, 0)));
static void add_check(struct ds_bundle_report *r, struct ds_check *checks, size_t *n, size_t max,
		      const char *name, const char *outcome, const char *fmt, va_list ap)
{
	(void)r;
	if (*n >= max)
		return;
	struct ds_check *c = &checks[(*n)++];
	memset(c, 0, sizeof *c);
	if (snprintf(c->name, sizeof c->name, "%s", name) < 0)
		c->name[0] = '\0';
	if (snprintf(c->outcome, sizeof c->outcome, "%s", outcome) < 0)
		c->outcome[0] = '\0';
	if (fmt && vsnprintf(c->detail, sizeof c->detail, fmt, ap) < 0)
		c->detail[0] = '\0';
}

static void check(struct vctx *v, const char *name, const char *outcome, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void check(struct vctx *v, const char *name, const char *outcome, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	add_check(v->r, v->r->checks, &v->r->nchecks, DS_BUNDLE_CHECKS_MAX, name, outcome, fmt, ap);
	va_end(ap);
}

static void set_verdict(enum ds_indication *ind, char *sub, size_t subn, enum ds_indication now,
			const char *nsub)
{
	/* the first failure wins; FAILED outranks INDETERMINATE outranks PASSED */
	if (now == DS_TOTAL_PASSED)
		return;
	if (*ind == DS_TOTAL_FAILED)
		return;
	if (*ind == DS_INDETERMINATE && now == DS_INDETERMINATE)
		return;
	*ind = now;
	if (snprintf(sub, subn, "%s", nsub ? nsub : "") < 0)
		sub[0] = '\0';
}

/* Records a failed check and the bundle's verdict; returns 1. */
static int fail(struct vctx *v, const char *sub, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(struct vctx *v, const char *sub, const char *name, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	add_check(v->r, v->r->checks, &v->r->nchecks, DS_BUNDLE_CHECKS_MAX, name, "FAILED", fmt, ap);
	va_end(ap);
	set_verdict(&v->r->indication, v->r->sub_indication, sizeof v->r->sub_indication,
		    DS_TOTAL_FAILED, sub);
	return 1;
}

static uint16_t le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}
static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static uint64_t le64(const unsigned char *p)
{
	return (uint64_t)le32(p) | ((uint64_t)le32(p + 4) << 32);
}

static int pread_all(int fd, void *buf, size_t n, off_t off)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = pread(fd, (char *)buf + got, n - got, off + (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

/* Before libzip allocates anything for the central directory: find the end
 * of central directory record, read the entry count (ZIP64 too), check it;
 * and check the first local header is an uncompressed `mimetype` holding
 * exactly the ASiC-E media type. Returns 1 on a recorded failure, -1 when
 * the file cannot be read. */
static int precheck(struct vctx *v)
{
	int fd = open(v->path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	unsigned char *tail = NULL;
	int rc = 0;

	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		check(v, "container", "FAILED", "cannot read %s: %s", v->path,
		      fd < 0 ? strerror(errno) : "not a regular file");
		v->r->unreadable = 1;
		rc = 1;
		goto done;
	}
	uint64_t size = (uint64_t)st.st_size;
	v->fsize = size;
	if (size > DS_BUNDLE_BYTES_MAX) {
		rc = fail(v, SUB_FORMAT, "limits", "%llu bytes, more than the limit of %llu "
			  "(DS_BUNDLE_BYTES_MAX)", (unsigned long long)size,
			  (unsigned long long)DS_BUNDLE_BYTES_MAX);
		goto done;
	}
	if (size < 22) {
		rc = fail(v, SUB_FORMAT, "container", "%llu bytes: too short for a ZIP",
			  (unsigned long long)size);
		goto done;
	}
	size_t tl = size < 65557 ? (size_t)size : 65557;
	if (!(tail = malloc(tl)) || pread_all(fd, tail, tl, (off_t)(size - tl)) < 0) {
		check(v, "container", "FAILED", "cannot read %s", v->path);
		v->r->unreadable = 1;
		rc = 1;
		goto done;
	}
	ssize_t eocd = -1;
	for (ssize_t i = (ssize_t)tl - 22; i >= 0; i--) {
		if (le32(tail + i) == 0x06054b50 && (size_t)i + 22 + le16(tail + i + 20) == tl) {
			eocd = i;
			break;
		}
	}
	if (eocd < 0) {
		rc = fail(v, SUB_FORMAT, "container",
			  "no end of central directory record (truncated or not a ZIP)");
		goto done;
	}
	uint64_t count = le16(tail + eocd + 10);
	uint64_t cdsize = le32(tail + eocd + 12), cdoff = le32(tail + eocd + 16);
	if (count == 0xFFFF || cdsize == 0xFFFFFFFF || cdoff == 0xFFFFFFFF) {
		unsigned char loc[20], z64[56];
		uint64_t eocd_off = size - tl + (uint64_t)eocd;
		if (eocd_off < 20 || pread_all(fd, loc, 20, (off_t)(eocd_off - 20)) < 0 ||
		    le32(loc) != 0x07064b50 || le64(loc + 8) > size - 56 ||
		    pread_all(fd, z64, 56, (off_t)le64(loc + 8)) < 0 || le32(z64) != 0x06064b50) {
			rc = fail(v, SUB_FORMAT, "container", "ZIP64 end of central directory unreadable");
			goto done;
		}
		count = le64(z64 + 32);
		cdsize = le64(z64 + 40);
		cdoff = le64(z64 + 48);
	}
	if (count > DS_BUNDLE_ENTRIES_MAX) {
		rc = fail(v, SUB_FORMAT, "limits", "%llu entries, more than the limit of %d",
			  (unsigned long long)count, DS_BUNDLE_ENTRIES_MAX);
		goto done;
	}
	if (cdoff > size || cdsize > size - cdoff) {
		rc = fail(v, SUB_FORMAT, "container", "central directory outside the file (truncated?)");
		goto done;
	}
	if (cdsize > DS_BUNDLE_CD_BYTES_MAX) {
		rc = fail(v, SUB_FORMAT, "limits", "central directory of %llu bytes",
			  (unsigned long long)cdsize);
		goto done;
	}
	v->cdoff = cdoff;
	v->cdsize = cdsize;
	v->cdcount = count;
	/* the first local header: mimetype, stored */
	unsigned char lh[30 + 8];
	if (size < sizeof lh || pread_all(fd, lh, sizeof lh, 0) < 0 || le32(lh) != 0x04034b50) {
		rc = fail(v, SUB_FORMAT, "mimetype", "the file does not start with a local file header");
		goto done;
	}
	if (le16(lh + 26) != 8 || memcmp(lh + 30, "mimetype", 8) != 0) {
		rc = fail(v, SUB_FORMAT, "mimetype", "the first entry is not 'mimetype'");
		goto done;
	}
	if (le16(lh + 8) != 0) {
		rc = fail(v, SUB_FORMAT, "mimetype", "'mimetype' is compressed (method %u)",
			  le16(lh + 8));
		goto done;
	}
	if (le16(lh + 6) & 1) {
		rc = fail(v, SUB_FORMAT, "mimetype", "'mimetype' is encrypted");
		goto done;
	}
	size_t mlen = strlen(DS_ASIC_MIMETYPE);
	char mt[64];
	uint32_t extra = le16(lh + 28);
	if (le32(lh + 22) != mlen || le32(lh + 18) != mlen ||
	    pread_all(fd, mt, mlen, (off_t)30 + 8 + (off_t)extra) < 0 ||
	    memcmp(mt, DS_ASIC_MIMETYPE, mlen) != 0) {
		rc = fail(v, SUB_FORMAT, "mimetype", "'mimetype' does not hold exactly %s",
			  DS_ASIC_MIMETYPE);
		goto done;
	}
	check(v, "mimetype", "PASSED", "first, stored, %s%s", DS_ASIC_MIMETYPE,
	      extra ? " (with an extra field)" : "");
done:
	free(tail);
	if (rc == 0) {
		v->fd = fd;
		fd = -1;
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

/* Walks the central directory (already bounded by precheck) for each
 * entry's local header offset; names and sizes must be the ones libzip
 * read. 1 on a recorded failure. */
static int read_offsets(struct vctx *v)
{
	unsigned char *cd = NULL;
	int rc = 0;
	uint64_t pos = 0;

	if (v->cdcount != v->n)
		return fail(v, SUB_FORMAT, "container", "entry counts disagree");
	if (!(v->lh_off = calloc(v->n + 1, sizeof *v->lh_off)) ||
	    !(cd = malloc((size_t)v->cdsize + 1))) {
		rc = ds_error_set(DS_ENOMEM, "%s: out of memory", v->path);
		goto done;
	}
	if (pread_all(v->fd, cd, (size_t)v->cdsize, (off_t)v->cdoff) < 0) {
		rc = fail(v, SUB_FORMAT, "container", "central directory unreadable");
		goto done;
	}
	for (size_t i = 0; i < v->n; i++) {
		if (v->cdsize - pos < 46 || le32(cd + pos) != 0x02014b50) {
			rc = fail(v, SUB_FORMAT, "container", "central directory record %zu malformed", i);
			goto done;
		}
		const unsigned char *r = cd + pos;
		uint64_t csize = le32(r + 20), usize = le32(r + 24), off = le32(r + 42);
		size_t nl = le16(r + 28), el = le16(r + 30), cl = le16(r + 32);
		if (v->cdsize - pos - 46 < (uint64_t)nl + el + cl) {
			rc = fail(v, SUB_FORMAT, "container", "central directory record %zu overruns", i);
			goto done;
		}
		/* ZIP64 extra field: the 0xFFFFFFFF values, in order */
		const unsigned char *x = r + 46 + nl, *xe = x + el;
		while (xe - x >= 4) {
			size_t id = le16(x), len = le16(x + 2);
			if ((size_t)(xe - x - 4) < len)
				break;
			if (id == 1) {
				const unsigned char *q = x + 4, *qe = q + len;
				if (usize == 0xFFFFFFFF && qe - q >= 8) {
					usize = le64(q);
					q += 8;
				}
				if (csize == 0xFFFFFFFF && qe - q >= 8) {
					csize = le64(q);
					q += 8;
				}
				if (off == 0xFFFFFFFF && qe - q >= 8)
					off = le64(q);
			}
			x += 4 + len;
		}
		if (nl != strlen(v->e[i].name) || memcmp(r + 46, v->e[i].name, nl) != 0 ||
		    csize != v->e[i].csize || usize != v->e[i].size || off >= v->fsize) {
			rc = fail(v, SUB_FORMAT, "container", "central directory record %zu disagrees", i);
			goto done;
		}
		v->lh_off[i] = off;
		pos += 46 + nl + el + cl;
	}
done:
	free(cd);
	return rc;
}

/* A stored entry read straight from the file: no inflation and no CRC
 * layer (its integrity is the manifest digest). */
static int read_stored_raw(struct vctx *v, size_t i, EVP_MD_CTX *h256, EVP_MD_CTX *h512,
			   unsigned char *kb)
{
	struct ventry *e = &v->e[i];
	unsigned char lh[30];
	char name[DS_BUNDLE_NAME_MAX + 1];
	uint64_t off = v->lh_off[i], data, got = 0;

	if (v->fsize - off < 30 || pread_all(v->fd, lh, 30, (off_t)off) < 0 || le32(lh) != 0x04034b50)
		return fail(v, SUB_FORMAT, "container", "%s: no local header", e->name);
	size_t nl = le16(lh + 26), el = le16(lh + 28);
	if (nl != strlen(e->name) || v->fsize - off - 30 < nl ||
	    pread_all(v->fd, name, nl, (off_t)(off + 30)) < 0 || memcmp(name, e->name, nl) != 0 ||
	    le16(lh + 8) != 0 || (le16(lh + 6) & 1))
		return fail(v, SUB_FORMAT, "container", "%s: local header disagrees", e->name);
	data = off + 30 + nl + el;
	if (data > v->fsize || v->fsize - data < e->size)
		return fail(v, SUB_FORMAT, "container", "%s: data past the end of the file", e->name);
	while (got < e->size) {
		size_t want = e->size - got < DS_IO_CHUNK ? (size_t)(e->size - got) : DS_IO_CHUNK;
		if (pread_all(v->fd, v->buf, want, (off_t)(data + got)) < 0)
			return fail(v, SUB_FORMAT, "container", "%s: read error", e->name);
		if (h256)
			EVP_DigestUpdate(h256, v->buf, want);
		if (h512)
			EVP_DigestUpdate(h512, v->buf, want);
		if (kb)
			memcpy(kb + got, v->buf, want);
		got += want;
	}
	v->total += got;
	return 0;
}


static int fold_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int name_problem(const unsigned char *raw, size_t n, const char **why)
{
	if (n == 0 || n > DS_BUNDLE_NAME_MAX) {
		*why = "empty or longer than 255 bytes";
		return 1;
	}
	if (!ds_archive__utf8_valid(raw, n)) {
		*why = "not UTF-8";
		return 1;
	}
	if (raw[0] == '/' || raw[0] == '\\' || (n >= 2 && raw[1] == ':')) {
		*why = "absolute";
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		if (raw[i] == '\\' || raw[i] < 0x20) {
			*why = "a backslash or control character";
			return 1;
		}
	}
	size_t start = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || raw[i] == '/') {
			size_t len = i - start;
			if (len == 2 && raw[start] == '.' && raw[start + 1] == '.') {
				*why = "a '..' component";
				return 1;
			}
			if ((len == 0 && i != n) || (len == 1 && raw[start] == '.')) {
				*why = "an empty or '.' component";
				return 1;
			}
			start = i + 1;
		}
	}
	return 0;
}

/* Central directory: open with libzip, then every entry's name, method,
 * sizes and ratio before anything is read. */
static int scan_entries(struct vctx *v)
{
	int zerr = 0, rc = 0;
	char **folded = NULL;
	uint64_t declared = 0;

	v->za = zip_open(v->path, ZIP_RDONLY | ZIP_CHECKCONS, &zerr);
	if (!v->za) {
		zip_error_t ze;
		zip_error_init_with_code(&ze, zerr);
		rc = fail(v, SUB_FORMAT, "container", "not a consistent ZIP: %s",
			  zip_error_strerror(&ze));
		zip_error_fini(&ze);
		return rc;
	}
	zip_int64_t n = zip_get_num_entries(v->za, 0);
	if (n <= 0 || n > DS_BUNDLE_ENTRIES_MAX)
		return fail(v, SUB_FORMAT, "limits", "%lld entries (allowed 1..%d)", (long long)n,
			    DS_BUNDLE_ENTRIES_MAX);
	v->n = (size_t)n;
	v->r->nentries = v->n;
	v->e = calloc(v->n, sizeof *v->e);
	folded = calloc(v->n, sizeof *folded);
	if (!v->e || !folded) {
		rc = ds_error_set(DS_ENOMEM, "%s: out of memory", v->path);
		goto done;
	}
	for (size_t i = 0; i < v->n; i++) {
		struct ventry *e = &v->e[i];
		zip_stat_t st;
		zip_stat_init(&st);
		const char *name = zip_get_name(v->za, i, ZIP_FL_ENC_RAW);
		if (!name || zip_stat_index(v->za, i, ZIP_FL_ENC_RAW, &st) != 0) {
			rc = fail(v, SUB_FORMAT, "container", "entry %zu unreadable: %s", i,
				  zip_strerror(v->za));
			goto done;
		}
		const char *why = NULL;
		size_t nl = strlen(name);
		if (name_problem((const unsigned char *)name, nl, &why)) {
			char shown[80];
			size_t k = 0;
			for (size_t j = 0; j < nl && k + 5 < sizeof shown; j++) {
				unsigned char c = (unsigned char)name[j];
				if (c >= 0x20 && c < 0x7f) {
					shown[k++] = (char)c;
				} else {
					int w = snprintf(shown + k, sizeof shown - k, "\\x%02x", c);
					if (w < 0 || (size_t)w >= sizeof shown - k)
						break;
					k += (size_t)w;
				}
			}
			shown[k] = '\0';
			rc = fail(v, SUB_FORMAT, "names", "entry %zu name '%s' is %s", i, shown, why);
			goto done;
		}
		memcpy(e->name, name, nl + 1);
		e->dir = name[nl - 1] == '/';
		e->meta = strncmp(name, "META-INF/", 9) == 0;
		if (!(st.valid & ZIP_STAT_SIZE) || !(st.valid & ZIP_STAT_COMP_SIZE) ||
		    !(st.valid & ZIP_STAT_COMP_METHOD)) {
			rc = fail(v, SUB_FORMAT, "container", "entry %s lacks sizes", e->name);
			goto done;
		}
		e->size = st.size;
		e->csize = st.comp_size;
		e->method = st.comp_method;
		if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE) {
			rc = fail(v, SUB_FORMAT, "container", "entry %s is encrypted", e->name);
			goto done;
		}
		if (e->method != ZIP_CM_STORE && e->method != ZIP_CM_DEFLATE) {
			rc = fail(v, SUB_FORMAT, "container", "entry %s uses compression method %u",
				  e->name, e->method);
			goto done;
		}
		if (e->method == ZIP_CM_STORE && e->size != e->csize) {
			rc = fail(v, SUB_FORMAT, "container", "stored entry %s declares two sizes",
				  e->name);
			goto done;
		}
		if (e->dir && e->size != 0) {
			rc = fail(v, SUB_FORMAT, "names", "directory entry %s has content", e->name);
			goto done;
		}
		if (e->size > DS_BUNDLE_ENTRY_BYTES_MAX) {
			rc = fail(v, SUB_FORMAT, "limits", "entry %s declares %llu bytes (limit %llu)",
				  e->name, (unsigned long long)e->size,
				  (unsigned long long)DS_BUNDLE_ENTRY_BYTES_MAX);
			goto done;
		}
		if (e->size > DS_BUNDLE_RATIO_MIN_BYTES &&
		    (e->csize == 0 || e->size / e->csize > DS_BUNDLE_RATIO_MAX)) {
			rc = fail(v, SUB_FORMAT, "limits",
				  "entry %s: %llu bytes from %llu, compression ratio above %d", e->name,
				  (unsigned long long)e->size, (unsigned long long)e->csize,
				  DS_BUNDLE_RATIO_MAX);
			goto done;
		}
		if (__builtin_add_overflow(declared, e->size, &declared) ||
		    declared > DS_BUNDLE_TOTAL_BYTES_MAX) {
			rc = fail(v, SUB_FORMAT, "limits", "entries declare more than %llu bytes in all "
				  "(DS_BUNDLE_TOTAL_BYTES_MAX)",
				  (unsigned long long)DS_BUNDLE_TOTAL_BYTES_MAX);
			goto done;
		}
		if (!(folded[i] = malloc(nl + 1))) {
			rc = ds_error_set(DS_ENOMEM, "%s: out of memory", v->path);
			goto done;
		}
		ds_archive__fold(name, folded[i], nl + 1);
	}
	/* Before anything is inflated or hashed. fsize <= DS_BUNDLE_BYTES_MAX:
	 * the product cannot overflow. */
	if (declared > DS_BUNDLE_TOTAL_RATIO_MIN_BYTES &&
	    declared > v->fsize * DS_BUNDLE_TOTAL_RATIO_MAX) {
		rc = fail(v, SUB_FORMAT, "limits",
			  "entries declare %llu bytes in all, more than %d times the bundle's %llu "
			  "bytes (DS_BUNDLE_TOTAL_RATIO_MAX)",
			  (unsigned long long)declared, DS_BUNDLE_TOTAL_RATIO_MAX,
			  (unsigned long long)v->fsize);
		goto done;
	}
	if (strcmp(v->e[0].name, "mimetype") != 0) {
		rc = fail(v, SUB_FORMAT, "mimetype", "the central directory does not list 'mimetype' first");
		goto done;
	}
	qsort(folded, v->n, sizeof *folded, fold_cmp);
	for (size_t i = 1; i < v->n; i++)
		if (strcmp(folded[i - 1], folded[i]) == 0) {
			rc = fail(v, SUB_FORMAT, "names", "two entries named '%s' (after case folding)",
				  folded[i]);
			goto done;
		}
	if ((rc = read_offsets(v)) != 0)
		goto done;
	check(v, "limits", "PASSED", "%zu entries, %llu bytes declared", v->n,
	      (unsigned long long)declared);
	check(v, "names", "PASSED", "relative, UTF-8, no '..', no duplicates");
done:
	if (folded)
		for (size_t i = 0; i < v->n; i++)
			free(folded[i]);
	free(folded);
	return rc;
}

/* Reads entry `i` in chunks, feeding the digests and (when keep is set) a
 * buffer of at most `max` bytes; counts real bytes against the declared
 * size and the limits. 1: failure recorded; <0: fatal. */
static int read_entry(struct vctx *v, size_t i, EVP_MD_CTX *h256, EVP_MD_CTX *h512,
		      unsigned char **keep, size_t max)
{
	struct ventry *e = &v->e[i];
	zip_file_t *zf = NULL;
	uint64_t got = 0;
	int rc = 0;
	unsigned char *kb = NULL;

	if (keep) {
		if (e->size > max) {
			return fail(v, SUB_FORMAT, "limits", "%s declares %llu bytes (limit %zu)", e->name,
				    (unsigned long long)e->size, max);
		}
		if (!(kb = malloc((size_t)e->size + 1)))
			return ds_error_set(DS_ENOMEM, "%s: out of memory", v->path);
	}
	if (e->method == ZIP_CM_STORE && v->lh_off) {
		if ((rc = read_stored_raw(v, i, h256, h512, kb)) != 0)
			goto done;
		got = e->size;
		goto finished;
	}
	zf = zip_fopen_index(v->za, i, 0);
	if (!zf) {
		rc = fail(v, SUB_FORMAT, "container", "%s: %s", e->name, zip_strerror(v->za));
		goto done;
	}
	for (;;) {
		zip_int64_t r = zip_fread(zf, v->buf, DS_IO_CHUNK);
		if (r < 0) {
			/* a CRC mismatch is content changed after sealing */
			int ze = zip_error_code_zip(zip_file_get_error(zf));
			rc = fail(v, ze == ZIP_ER_CRC ? SUB_HASH : SUB_FORMAT,
				  ze == ZIP_ER_CRC ? "digests" : "container", "%s: %s", e->name,
				  zip_file_strerror(zf));
			goto done;
		}
		if (r == 0)
			break;
		got += (uint64_t)r;
		v->total += (uint64_t)r;
		if (got > e->size) {
			rc = fail(v, SUB_FORMAT, "limits", "%s inflates past its declared %llu bytes",
				  e->name, (unsigned long long)e->size);
			goto done;
		}
		if (v->total > DS_BUNDLE_TOTAL_BYTES_MAX) {
			rc = fail(v, SUB_FORMAT, "limits", "more than %llu bytes in all",
				  (unsigned long long)DS_BUNDLE_TOTAL_BYTES_MAX);
			goto done;
		}
		if (h256)
			EVP_DigestUpdate(h256, v->buf, (size_t)r);
		if (h512)
			EVP_DigestUpdate(h512, v->buf, (size_t)r);
		if (kb)
			memcpy(kb + got - (uint64_t)r, v->buf, (size_t)r);
	}
	if (got != e->size) {
		rc = fail(v, SUB_FORMAT, "container", "%s holds %llu bytes, declares %llu", e->name,
			  (unsigned long long)got, (unsigned long long)e->size);
		goto done;
	}
finished:
	v->r->bytes_hashed += got;
	if (keep) {
		kb[got] = '\0';
		*keep = kb;
		kb = NULL; /* transferred */
	}
done:
	if (zf)
		zip_fclose(zf);
	free(kb);
	return rc;
}

static ssize_t find(struct vctx *v, const char *name)
{
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->e[i].name, name) == 0)
			return (ssize_t)i;
	return -1;
}

/* META-INF/ASiCManifestNNN.xml ↔ META-INF/signatureNNN.p7s, parsed. */
static int load_manifests(struct vctx *v)
{
	int rc;
	for (size_t i = 0; i < v->n; i++) {
		const char *nm = v->e[i].name;
		unsigned nnn;
		if (strncmp(nm, "META-INF/signature", 18) == 0) {
			if (strlen(nm) != 18 + 3 + 4 || strcmp(nm + 21, ".p7s") != 0 ||
			    nm[18] < '0' || nm[18] > '9' || nm[19] < '0' || nm[19] > '9' ||
			    nm[20] < '0' || nm[20] > '9')
				return fail(v, SUB_FORMAT, "manifests", "unexpected signature file %s", nm);
			if (v->nsig >= DS_BUNDLE_SIGS_MAX)
				return fail(v, SUB_FORMAT, "limits", "more than %d signatures",
					    DS_BUNDLE_SIGS_MAX);
			nnn = (unsigned)((nm[18] - '0') * 100 + (nm[19] - '0') * 10 + (nm[20] - '0'));
			char mname[64];
			if (snprintf(mname, sizeof mname, "META-INF/ASiCManifest%03u.xml", nnn) < 0)
				return ds_error_set(DS_ERROR, "formatting");
			ssize_t mi = find(v, mname);
			if (mi < 0)
				return fail(v, SUB_FORMAT, "manifests", "%s has no %s", nm, mname);
			struct vsig *s = &v->sig[v->nsig++];
			s->sig_idx = i;
			s->manifest_idx = (size_t)mi;
		}
	}
	for (size_t i = 0; i < v->n; i++) {
		const char *nm = v->e[i].name;
		if (strncmp(nm, "META-INF/ASiCManifest", 21) == 0) {
			int paired = 0;
			for (size_t k = 0; k < v->nsig; k++)
				paired |= v->sig[k].manifest_idx == i;
			if (!paired)
				return fail(v, SUB_FORMAT, "manifests", "%s has no signature", nm);
		}
	}
	if (v->nsig == 0)
		return fail(v, SUB_FORMAT, "manifests", "no signature in META-INF/");
	for (size_t k = 0; k < v->nsig; k++) {
		struct vsig *s = &v->sig[k];
		struct ventry *me = &v->e[s->manifest_idx];
		if ((rc = read_entry(v, s->manifest_idx, NULL, NULL, &s->mbytes,
				     DS_BUNDLE_MANIFEST_BYTES_MAX)) != 0)
			return rc;
		s->mlen = (size_t)me->size;
		if (ds_archive__manifest_parse(&s->m, s->mbytes, s->mlen, me->name) < 0)
			return fail(v, SUB_FORMAT, "manifests", "%s", ds_error_last());
		if (strcmp(s->m.sigref, v->e[s->sig_idx].name) != 0)
			return fail(v, SUB_FORMAT, "manifests", "%s references %s, not %s", me->name,
				    s->m.sigref, v->e[s->sig_idx].name);
		for (size_t j = 0; j < s->m.nrefs; j++) {
			ssize_t di = find(v, s->m.refs[j].uri);
			if (di < 0 || v->e[di].dir || v->e[di].meta || di == 0)
				return fail(v, SUB_FORMAT, "data_objects", "%s lists %s, which is %s",
					    me->name, s->m.refs[j].uri,
					    di < 0 ? "missing" : "not a data object");
			v->e[di].covered = 1;
			if (s->m.refs[j].sha512)
				v->e[di].want512 = 1;
		}
	}
	check(v, "manifests", "PASSED", "%zu signature(s), each with its manifest", v->nsig);
	size_t ndata = 0;
	for (size_t i = 1; i < v->n; i++) {
		struct ventry *e = &v->e[i];
		if (e->dir || e->meta)
			continue;
		ndata++;
		if (!e->covered)
			return fail(v, SUB_FORMAT, "complete", "%s is not listed by any manifest", e->name);
	}
	check(v, "data_objects", "PASSED", "every listed file present");
	check(v, "complete", "PASSED", "%zu data objects, none unlisted", ndata);
	for (size_t k = 0; k < v->nsig; k++)
		v->sig[k].covers_all = v->sig[k].m.nrefs == ndata;
	return 0;
}

/* Hashes every data object once and compares every manifest's digest. */
static int check_digests(struct vctx *v)
{
	int rc = 0, bad = 0;
	EVP_MD_CTX *h256 = EVP_MD_CTX_new(), *h512 = EVP_MD_CTX_new();
	if (!h256 || !h512) {
		rc = ds_error_set(DS_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 1; i < v->n; i++) {
		struct ventry *e = &v->e[i];
		unsigned char *keep = NULL;
		int is_json = strcmp(e->name, "dossier.json") == 0;
		if (e->dir || e->meta || !e->covered)
			continue;
		EVP_DigestInit_ex(h256, EVP_sha256(), NULL);
		if (e->want512)
			EVP_DigestInit_ex(h512, EVP_sha512(), NULL);
		if ((rc = read_entry(v, i, h256, e->want512 ? h512 : NULL, is_json ? &keep : NULL,
				     DS_BUNDLE_JSON_BYTES_MAX)) != 0) {
			if (rc > 0 && strcmp(v->r->sub_indication, SUB_HASH) == 0) {
				/* every manifest listing it fails */
				for (size_t k = 0; k < v->nsig; k++)
					for (size_t j = 0; j < v->sig[k].m.nrefs; j++)
						if (strcmp(v->sig[k].m.refs[j].uri, e->name) == 0)
							v->sig[k].hash_failed = 1;
				bad++;
				continue;
			}
			goto done;
		}
		EVP_DigestFinal_ex(h256, e->sha256, NULL);
		if (e->want512)
			EVP_DigestFinal_ex(h512, e->sha512, NULL);
		e->hashed = 1;
		if (is_json) {
			json_error_t je;
			v->json = json_loadb((const char *)keep, (size_t)e->size, JSON_REJECT_DUPLICATES,
					     &je);
			free(keep);
		}
	}
	for (size_t k = 0; k < v->nsig; k++) {
		struct vsig *s = &v->sig[k];
		for (size_t j = 0; j < s->m.nrefs; j++) {
			struct ds_asic_ref *ref = &s->m.refs[j];
			struct ventry *e = &v->e[find(v, ref->uri)];
			if (!e->hashed)
				continue;
			const unsigned char *d = ref->sha512 ? e->sha512 : e->sha256;
			if (memcmp(d, ref->digest, ref->digest_len) != 0) {
				s->hash_failed = 1;
				if (!bad++)
					fail(v, SUB_HASH, "digests", "%s: digest does not match %s",
					     ref->uri, v->e[s->manifest_idx].name);
			}
		}
	}
	if (!bad)
		check(v, "digests", "PASSED", "%llu bytes hashed",
		      (unsigned long long)v->r->bytes_hashed);
	rc = bad ? 1 : 0;
done:
	EVP_MD_CTX_free(h256);
	EVP_MD_CTX_free(h512);
	return rc;
}

static const char *jstr(json_t *o, const char *k)
{
	json_t *s = json_object_get(o, k);
	return json_is_string(s) ? json_string_value(s) : NULL;
}

static void copy_str(char *dst, size_t n, const char *s)
{
	if (snprintf(dst, n, "%s", s ? s : "") < 0)
		dst[0] = '\0';
}

static int read_json(struct vctx *v)
{
	if (find(v, "dossier.json") < 0)
		return fail(v, SUB_FORMAT, "dossier_json", "dossier.json is missing");
	if (!json_is_object(v->json) ||
	    !jstr(v->json, "format") || strcmp(jstr(v->json, "format"), "dossier-bundle/1") != 0 ||
	    !jstr(v->json, "code"))
		return fail(v, SUB_FORMAT, "dossier_json",
			    "dossier.json is not a dossier-bundle/1 object with a code");
	copy_str(v->r->code, sizeof v->r->code, jstr(v->json, "code"));
	copy_str(v->r->department, sizeof v->r->department,
		 jstr(json_object_get(v->json, "department"), "code"));
	copy_str(v->r->seal_id, sizeof v->r->seal_id, jstr(v->json, "seal_id"));
	copy_str(v->r->sealed_at, sizeof v->r->sealed_at, jstr(v->json, "sealed_at"));
	check(v, "dossier_json", "PASSED", "dossier %s", v->r->code);
	return 0;
}

static void sig_check(struct ds_bundle_sig_report *s, const char *name, const char *outcome,
		      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void sig_check(struct ds_bundle_sig_report *s, const char *name, const char *outcome,
		      const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	add_check(NULL, s->checks, &s->nchecks, sizeof s->checks / sizeof s->checks[0], name,
		  outcome, fmt, ap);
	va_end(ap);
}

static void sig_verdict(struct ds_bundle_sig_report *sr, enum ds_indication ind, const char *sub)
{
	set_verdict(&sr->indication, sr->sub_indication, sizeof sr->sub_indication, ind, sub);
}

/* The leaf FORMATS.md "Seal log" fixes for the seal signature `seal`. */
static int seal_leaf(const struct vctx *v, const struct ds_bundle_sig_report *seal, char *leaf,
		     size_t n)
{
	if (!seal || !v->r->seal_id[0] || !v->r->sealed_at[0])
		return -1;
	int k = snprintf(leaf, n, "dossier-seal/1 %s %s %s %s", v->r->code, v->r->seal_id,
			 seal->p7s_sha256, v->r->sealed_at);
	return k < 0 || (size_t)k >= n ? -1 : k;
}

/* The role a signature claims against its certificate's profile (pki.h):
 * a seal needs the seal profile and the dossier's department in OU; an
 * approver the personal profile and the same department. *legacy is set
 * when the certificate has neither profile (made before them). */
static void check_role(struct vctx *v, struct ds_bundle_sig_report *sr, int is_seal,
		       const char *dcode, const char *dname, int *legacy)
{
	const struct ds_cades_report *c = &sr->cades;
	if (!c->anchor_sha256[0]) {
		/* no chain: already INDETERMINATE or worse; a verifier that passed
		 * it without naming an anchor leaves the role unproven */
		if (c->indication == DS_TOTAL_PASSED) {
			sig_check(sr, is_seal ? "seal_profile" : "approver_profile", "FAILED",
				  "the verifier named no trust anchor: profile not judged");
			sig_verdict(sr, DS_INDETERMINATE, SUB_CONSTRAINTS);
		}
		return;
	}
	int fits = is_seal ? c->fits_seal : c->fits_approver;
	const char *name = is_seal ? "seal_profile" : "approver_profile";
	if (fits) {
		sig_check(sr, name, "PASSED", "%s certificate under anchor %.16s…",
			  is_seal ? "department seal" : "personal (approver)", c->anchor_sha256);
	} else if (!c->fits_seal && !c->fits_approver && v->opts->home) {
		*legacy = 1; /* judged with the other legacy conditions */
	} else {
		if (!c->fits_seal && !c->fits_approver)
			*legacy = 1;
		sig_check(sr, name, "FAILED", "the certificate is not a %s certificate: missing %s",
			  is_seal ? "department seal" : "personal (approver)",
			  is_seal ? c->seal_missing : c->approver_missing);
		sig_verdict(sr, DS_INDETERMINATE, SUB_CONSTRAINTS);
	}
	const char *ou = c->signer_ou;
	int ok = ou[0] && ((dcode && strcmp(ou, dcode) == 0) || (dname && strcmp(ou, dname) == 0));
	if (ok) {
		sig_check(sr, "department", "PASSED", "%s of %s", is_seal ? "seal" : "approver", ou);
	} else {
		sig_check(sr, "department", "FAILED", "%s certificate of '%s', dossier.json names '%s'",
			  is_seal ? "seal" : "approver", ou, dcode ? dcode : "");
		sig_verdict(sr, DS_INDETERMINATE, SUB_CONSTRAINTS);
	}
}

static int is_legacy_sig(const struct ds_bundle_sig_report *sr)
{
	return (strcmp(sr->role, "seal") == 0 || strcmp(sr->role, "approver") == 0) &&
	       sr->cades.anchor_sha256[0] && !sr->cades.fits_seal && !sr->cades.fits_approver;
}

/* Bundles sealed before the certificate profiles (docs/archive.md
 * "Legacy bundles"): they pass only in the home that sealed them, with both
 * signatures, a seal certificate that home registered as the seal (or the
 * seal's leaf in its log) and a sealing time before the recorded switch. */
static void check_legacy(struct vctx *v, const struct ds_bundle_sig_report *seal, int seals,
			 int approvers)
{
	const struct ds_bundle_home *h = v->opts->home;
	char why[200] = "", leaf[512];
	v->r->legacy_profile = 1;
	if (!h) {
		copy_str(why, sizeof why, "no home to confirm it (verify in the home that sealed it)");
	} else if (!seals || !approvers) {
		copy_str(why, sizeof why, "it lacks the seal or the approver signature");
	} else if (!seal || !seal->cades.anchor_sha256[0]) {
		copy_str(why, sizeof why, "the seal signature does not chain to an anchor");
	} else {
		int reg = h->seal_registered ? h->seal_registered(h->arg, seal->id,
								  seal->cades.signer_cert_sha256)
					     : 0;
		if (reg != 1 && h->leaf_logged && seal_leaf(v, seal, leaf, sizeof leaf) > 0)
			reg = h->leaf_logged(h->arg, v->r->code, leaf);
		int64_t t = seal->cades.timestamp_time ? seal->cades.timestamp_time
						       : seal->cades.signing_time;
		if (reg != 1)
			copy_str(why, sizeof why, "this home did not register its certificate as "
				 "the seal, nor logged the seal");
		else if (!h->profiles_since)
			copy_str(why, sizeof why, "this home recorded no switch to the certificate "
				 "profiles (pki_profiles event)");
		else if (t <= 0 || t >= h->profiles_since)
			copy_str(why, sizeof why, "it was sealed after this home switched to the "
				 "certificate profiles");
	}
	for (size_t k = 0; k < v->r->nsigs; k++) {
		struct ds_bundle_sig_report *sr = &v->r->sigs[k];
		if (!is_legacy_sig(sr))
			continue;
		int is_seal = strcmp(sr->role, "seal") == 0;
		const char *name = is_seal ? "seal_profile" : "approver_profile";
		if (why[0]) {
			if (h) { /* check_role left it to us */
				sig_check(sr, name, "FAILED",
					  "a certificate of before the profiles: missing %s",
					  is_seal ? sr->cades.seal_missing : sr->cades.approver_missing);
				sig_verdict(sr, DS_INDETERMINATE, SUB_CONSTRAINTS);
			}
		} else {
			sig_check(sr, name, "PASSED", "legacy: a certificate of before the profiles, "
				  "confirmed by this home");
		}
	}
	if (why[0]) {
		check(v, "legacy_profile", "FAILED", "signed with certificates of before the "
		      "profiles, and %s", why);
		set_verdict(&v->r->indication, v->r->sub_indication, sizeof v->r->sub_indication,
			    DS_INDETERMINATE, SUB_CONSTRAINTS);
	} else {
		check(v, "legacy_profile", "PASSED", "sealed before this home's switch to the "
		      "certificate profiles, with the seal it registered");
		copy_str(v->r->warning, sizeof v->r->warning,
			 "legacy profile: signed with certificates of before the profiles; "
			 "confirmed only by this home's records");
	}
}

static int check_signatures(struct vctx *v)
{
	json_t *sigs = json_object_get(v->json, "signatures");
	json_t *dept = json_object_get(v->json, "department");
	const char *dcode = jstr(dept, "code"), *dname = jstr(dept, "name");
	int seals = 0, approvers = 0, rc = 0, seal_claim = 0;
	int legacy_seal = 0, legacy_appr = 0;
	struct ds_bundle_sig_report *first_seal = NULL;

	if (!v->e) /* no entries, no signatures */
		return 0;
	for (size_t k = 0; k < v->nsig; k++) {
		struct vsig *s = &v->sig[k];
		struct ds_bundle_sig_report *sr = &v->r->sigs[v->r->nsigs++];
		struct ventry *pe = &v->e[s->sig_idx];
		unsigned char *p7s = NULL;

		copy_str(sr->file, sizeof sr->file, pe->name);
		copy_str(sr->manifest, sizeof sr->manifest, v->e[s->manifest_idx].name);
		sr->ncovered = s->m.nrefs;
		sr->indication = DS_TOTAL_PASSED;
		const char *want_cert = NULL;
		int listed = 0;
		for (size_t j = 0; j < json_array_size(sigs); j++) {
			json_t *o = json_array_get(sigs, j);
			const char *f = jstr(o, "file");
			if (f && strcmp(f, pe->name) == 0) {
				listed++;
				copy_str(sr->role, sizeof sr->role, jstr(o, "role"));
				copy_str(sr->id, sizeof sr->id, jstr(o, "id"));
				want_cert = jstr(o, "cert_sha256");
			}
		}
		if ((rc = read_entry(v, s->sig_idx, NULL, NULL, &p7s, DS_BUNDLE_P7S_BYTES_MAX)) != 0)
			return rc;
		{
			unsigned char d[32];
			EVP_Digest(p7s, (size_t)pe->size, d, NULL, EVP_sha256(), NULL);
			static const char hx[] = "0123456789abcdef";
			for (int b = 0; b < 32; b++) {
				sr->p7s_sha256[2 * b] = hx[d[b] >> 4];
				sr->p7s_sha256[2 * b + 1] = hx[d[b] & 15];
			}
			sr->p7s_sha256[64] = '\0';
		}
		sig_check(sr, "sig_reference", "PASSED", "%s references %s", sr->manifest, sr->file);
		if (s->hash_failed) {
			sig_check(sr, "digests", "FAILED", "a data object of %s does not match",
				  sr->manifest);
			sig_verdict(sr, DS_TOTAL_FAILED, SUB_HASH);
		} else {
			sig_check(sr, "digests", "PASSED", "%zu data objects", s->m.nrefs);
		}
		if (!v->opts->cms_verify) {
			sig_check(sr, "cms_signature", "NOT_CHECKED", "no CMS verifier");
			sig_verdict(sr, DS_INDETERMINATE, "");
		} else if (v->opts->cms_verify(p7s, (size_t)pe->size, s->mbytes, s->mlen,
					       &v->opts->cades, &sr->cades) < 0) {
			/* not parseable as CMS at all */
			sig_check(sr, "cms_format", "FAILED", "%s", ds_error_last());
			sig_verdict(sr, DS_TOTAL_FAILED, SUB_FORMAT);
		} else {
			sig_verdict(sr, sr->cades.indication, sr->cades.sub_indication);
		}
		free(p7s);
		/* dossier.json names the certificate each signature must be made with */
		if (want_cert && v->opts->cms_verify) {
			if (strcmp(sr->cades.signer_cert_sha256, want_cert) == 0) {
				sig_check(sr, "signer_identity", "PASSED", "the certificate dossier.json names");
			} else {
				sig_check(sr, "signer_identity", "FAILED",
					  "signed with certificate %.16s…, dossier.json names %.16s…",
					  sr->cades.signer_cert_sha256, want_cert);
				sig_verdict(sr, DS_INDETERMINATE, SUB_CONSTRAINTS);
			}
		}
		int is_seal = strcmp(sr->role, "seal") == 0;
		int is_appr = strcmp(sr->role, "approver") == 0;
		if (listed != 1 || (!is_seal && !is_appr)) {
			sig_check(sr, "role", "FAILED",
				  listed ? "dossier.json gives it the role '%s' (seal or approver)"
					 : "dossier.json does not list it%s",
				  listed ? sr->role : "");
			sig_verdict(sr, DS_INDETERMINATE, SUB_CONSTRAINTS);
		}
		if (is_seal || is_appr) {
			if (is_seal) {
				seals++;
				if (!first_seal)
					first_seal = sr;
				if (v->r->seal_id[0] && strcmp(sr->id, v->r->seal_id) == 0)
					seal_claim = 1;
			} else {
				approvers++;
			}
			/* every required signature covers every data object */
			if (!s->covers_all) {
				sig_check(sr, is_seal ? "seal_coverage" : "approver_coverage", "FAILED",
					  "the %s's manifest does not cover every data object",
					  is_seal ? "seal" : "approver");
				if (is_seal)
					sig_verdict(sr, DS_TOTAL_FAILED, SUB_FORMAT);
				else
					sig_verdict(sr, DS_INDETERMINATE, SUB_CONSTRAINTS);
			}
			if (v->opts->cms_verify) {
				int legacy = 0;
				check_role(v, sr, is_seal, dcode, dname, &legacy);
				if (legacy)
					*(is_seal ? &legacy_seal : &legacy_appr) += 1;
			}
		}
	}
	if (seals == 0) {
		check(v, "seal_present", "FAILED", "dossier.json names no department seal signature");
		set_verdict(&v->r->indication, v->r->sub_indication, sizeof v->r->sub_indication,
			    DS_INDETERMINATE, SUB_CONSTRAINTS);
	} else {
		check(v, "seal_present", "PASSED", "%d department seal(s)", seals);
	}
	if (approvers == 0) {
		check(v, "approver_present", "FAILED", "no approver signature: a seal needs one");
		set_verdict(&v->r->indication, v->r->sub_indication, sizeof v->r->sub_indication,
			    DS_INDETERMINATE, SUB_CONSTRAINTS);
	} else {
		check(v, "approver_present", "PASSED", "%d approver signature(s)", approvers);
	}
	if (seals && !seal_claim) {
		check(v, "seal_claim", "FAILED", "no seal signature is of seal '%s' that dossier.json "
		      "names", v->r->seal_id);
		set_verdict(&v->r->indication, v->r->sub_indication, sizeof v->r->sub_indication,
			    DS_INDETERMINATE, SUB_CONSTRAINTS);
	}
	if (legacy_seal || legacy_appr)
		check_legacy(v, first_seal, seals, approvers);
	/* in the home that sealed it: each seal is by the certificate that home
	 * registered for the seal id dossier.json gives it */
	const struct ds_bundle_home *h = v->opts->home;
	if (h && h->knows && h->seal_registered && v->r->code[0] && h->knows(h->arg, v->r->code) == 1) {
		for (size_t k = 0; k < v->r->nsigs; k++) {
			struct ds_bundle_sig_report *sr = &v->r->sigs[k];
			if (strcmp(sr->role, "seal") != 0 || !sr->cades.fits_seal)
				continue;
			if (h->seal_registered(h->arg, sr->id, sr->cades.signer_cert_sha256) == 1) {
				sig_check(sr, "seal_identity", "PASSED", "the certificate of seal %s",
					  sr->id);
			} else {
				sig_check(sr, "seal_identity", "FAILED",
					  "this home registered no such certificate for seal '%s'",
					  sr->id);
				sig_verdict(sr, DS_INDETERMINATE, SUB_CONSTRAINTS);
			}
		}
	}
	for (size_t k = 0; k < v->r->nsigs; k++)
		set_verdict(&v->r->indication, v->r->sub_indication, sizeof v->r->sub_indication,
			    v->r->sigs[k].indication, v->r->sigs[k].sub_indication);
	return 0;
}

static void check_log(struct vctx *v)
{
	const struct ds_bundle_sig_report *seal = NULL;
	for (size_t k = 0; k < v->r->nsigs; k++)
		if (strcmp(v->r->sigs[k].role, "seal") == 0 && !seal)
			seal = &v->r->sigs[k];
	char leaf[512];
	int n = seal_leaf(v, seal, leaf, sizeof leaf);
	const struct ds_bundle_home *h = v->opts->home;
	/* in the home that sealed it, its seal log by default */
	if (h && h->knows && h->leaf_logged && v->r->code[0] && h->knows(h->arg, v->r->code) == 1) {
		int in = n < 0 ? 0 : h->leaf_logged(h->arg, v->r->code, leaf);
		if (in == 1) {
			check(v, "seal_log_home", "PASSED", "in this home's seal log");
		} else {
			check(v, "seal_log_home", "FAILED",
			      in < 0 ? "this home's seal log could not be read: %s"
				     : "not in the seal log of this home, which knows dossier %s",
			      in < 0 ? ds_error_last() : v->r->code);
			set_verdict(&v->r->indication, v->r->sub_indication, sizeof v->r->sub_indication,
				    DS_INDETERMINATE, SUB_CONSTRAINTS);
		}
	}
	if (!v->opts->log_check) {
		check(v, "seal_log", "NOT_CHECKED", "no checkpoint given");
		return;
	}
	if (n < 0) {
		check(v, "seal_log", "FAILED", "no seal_id/sealed_at to recompute the leaf");
		set_verdict(&v->r->indication, v->r->sub_indication, sizeof v->r->sub_indication,
			    DS_INDETERMINATE, SUB_CONSTRAINTS);
		return;
	}
	int err = v->opts->log_check(v->opts->log_arg, leaf, (size_t)n);
	if (err == 0) {
		check(v, "seal_log", "PASSED", "included: %s", leaf);
	} else {
		check(v, "seal_log", "FAILED", "%s", ds_error_last());
		set_verdict(&v->r->indication, v->r->sub_indication, sizeof v->r->sub_indication,
			    DS_INDETERMINATE, SUB_CONSTRAINTS);
	}
}

static void vctx_clear(struct vctx *v)
{
	if (v->za)
		zip_discard(v->za);
	for (size_t k = 0; k < v->nsig; k++) {
		ds_archive__manifest_clear(&v->sig[k].m);
		free(v->sig[k].mbytes);
	}
	free(v->e);
	free(v->buf);
	free(v->lh_off);
	if (v->fd >= 0)
		close(v->fd);
	json_decref(v->json);
}

int ds_bundle_verify(const char *path, const struct ds_bundle_verify_opts *opts,
		     struct ds_bundle_report **out)
{
	struct ds_bundle_verify_opts none = {0};
	struct vctx v = {.path = path, .opts = opts ? opts : &none, .fd = -1};
	int rc = 0;

	if (!(v.r = calloc(1, sizeof *v.r)) || !(v.buf = malloc(DS_IO_CHUNK))) {
		free(v.r);
		free(v.buf);
		return ds_error_set(DS_ENOMEM, "%s: out of memory", path);
	}
	copy_str(v.r->path, sizeof v.r->path, path);
	v.r->indication = DS_TOTAL_PASSED;
	if ((rc = precheck(&v)) != 0)
		goto finish;
	if ((rc = scan_entries(&v)) != 0)
		goto finish;
	check(&v, "container", "PASSED", "ZIP, %zu entries", v.n);
	if ((rc = load_manifests(&v)) != 0)
		goto finish;
	if ((rc = check_digests(&v)) < 0)
		goto finish;
	if (v.r->indication == DS_TOTAL_FAILED && strcmp(v.r->sub_indication, SUB_FORMAT) == 0)
		goto finish;
	if ((rc = read_json(&v)) != 0)
		goto finish;
	if ((rc = check_signatures(&v)) != 0)
		goto finish;
	check_log(&v);
finish:
	vctx_clear(&v);
	if (rc < 0) {
		free(v.r);
		return rc;
	}
	if (v.r->unreadable)
		v.r->indication = DS_INDETERMINATE;
	*out = v.r;
	return 0;
}

int ds_bundle_read_entry(const char *path, const char *name, size_t max, unsigned char **out,
			 size_t *len)
{
	struct ds_bundle_verify_opts none = {0};
	struct vctx v = {.path = path, .opts = &none, .fd = -1};
	int rc = 0;

	if (!(v.r = calloc(1, sizeof *v.r)) || !(v.buf = malloc(DS_IO_CHUNK))) {
		rc = ds_error_set(DS_ENOMEM, "%s: out of memory", path);
		goto done;
	}
	if ((rc = precheck(&v)) != 0 || (rc = scan_entries(&v)) != 0)
		goto refused;
	ssize_t i = find(&v, name);
	if (i < 0) {
		rc = ds_error_set(DS_ENOTFOUND, "%s: no entry %s", path, name);
		goto done;
	}
	if ((rc = read_entry(&v, (size_t)i, NULL, NULL, out, max)) != 0)
		goto refused;
	*len = (size_t)v.e[i].size;
	goto done;
refused:
	if (rc > 0) {
		const char *why = v.r->nchecks ? v.r->checks[v.r->nchecks - 1].detail : "unreadable";
		rc = ds_error_set(v.r->unreadable ? DS_EIO : DS_EINVALID, "%s: %s", path, why);
	}
done:
	vctx_clear(&v);
	free(v.r);
	return rc;
}
