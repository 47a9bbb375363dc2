/* File-system helpers: atomic writes, bounded reads, hashing. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "dossier/error.h"
#include "dossier/fs.h"

int ds_fmt(char *out, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vsnprintf(out, n, fmt, ap);
	va_end(ap);
	if (r < 0)
		return ds_error_set(DS_EINVALID, "formatting failed");
	if ((size_t)r >= n)
		return ds_error_set(DS_ETOOBIG, "text too long (%d bytes, at most %zu)", r, n - 1);
	return 0;
}

int ds_path_join(char *out, size_t n, const char *a, const char *b)
{
	size_t la = strlen(a);
	if (la > 0 && a[la - 1] == '/')
		return ds_fmt(out, n, "%s%s", a, b);
	return ds_fmt(out, n, "%s/%s", a, b);
}

int ds_mkdirs(const char *path, unsigned mode)
{
	char buf[DS_PATH_MAX];
	int err;
	if ((err = ds_fmt(buf, sizeof buf, "%s", path)) < 0)
		return err;
	size_t len = strlen(buf);
	for (size_t i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		char c = buf[i];
		buf[i] = '\0';
		if (mkdir(buf, (mode_t)mode) == 0) {
			/* the new entry must survive a power cut: sync its parent */
			char *slash = strrchr(buf, '/');
			if (slash && slash != buf) {
				*slash = '\0';
				err = ds_fsync_dir(buf);
				*slash = '/';
			} else {
				err = ds_fsync_dir(slash ? "/" : ".");
			}
			if (err < 0)
				return err;
		} else if (errno != EEXIST) {
			return ds_error_set_errno(DS_EIO, errno, "%s: cannot create folder", buf);
		}
		buf[i] = c;
	}
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		return ds_error_set(DS_EIO, "%s: not a folder", path);
	return 0;
}

int ds_file_read(const char *path, size_t max, unsigned char **out, size_t *len)
{
	int fd = -1, err = 0;
	unsigned char *buf = NULL;
	struct stat st;

	*out = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		err = ds_error_set_errno(errno == ENOENT ? DS_ENOTFOUND : DS_EIO, errno,
					 "%s: cannot open", path);
		goto done;
	}
	if (fstat(fd, &st) != 0) {
		err = ds_error_set_errno(DS_EIO, errno, "%s: cannot stat", path);
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		err = ds_error_set(DS_EINVALID, "%s: not a regular file", path);
		goto done;
	}
	if ((uint64_t)st.st_size > max) {
		err = ds_error_set(DS_ETOOBIG, "%s: too large (%lld bytes, at most %zu)", path,
				   (long long)st.st_size, max);
		goto done;
	}
	size_t cap = (size_t)st.st_size;
	buf = malloc(cap + 1);
	if (!buf) {
		err = ds_error_set(DS_ENOMEM, "%s: out of memory", path);
		goto done;
	}
	size_t got = 0;
	while (got < cap) {
		ssize_t r = read(fd, buf + got, cap - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = ds_error_set_errno(DS_EIO, errno, "%s: read failed", path);
			goto done;
		}
		if (r == 0)
			break; /* shrank while reading: take what is there */
		got += (size_t)r;
	}
	buf[got] = '\0';
	*out = buf;
	*len = got;
	buf = NULL; /* transferred */
done:
	free(buf);
	if (fd >= 0)
		close(fd);
	return err;
}

/* fsync of a path opened read-only with `flags`; `point` is the fault
 * injection point (DS_FAULT) that stands for a failed fsync. */
static int fsync_opened(const char *path, int flags, const char *point, const char *what)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | flags);
	if (fd < 0)
		return ds_error_set_errno(DS_EIO, errno, "%s: cannot open %s", path, what);
	int r = fsync(fd);
	int e = errno;
	close(fd);
	if (r != 0 || ds_fault(point))
		return ds_error_set_errno(DS_EIO, r != 0 ? e : EIO, "%s: fsync failed", path);
	return 0;
}

int ds_fsync_file(const char *path)
{
	return fsync_opened(path, 0, "fsync", "file");
}

int ds_fsync_dir(const char *dir)
{
	return fsync_opened(dir, O_DIRECTORY, "fsync_dir", "folder");
}

static int dir_of(const char *path, char *out, size_t n)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return ds_fmt(out, n, ".");
	if (slash == path)
		return ds_fmt(out, n, "/");
	int len = (int)(slash - path);
	return ds_fmt(out, n, "%.*s", len, path);
}

static int write_all(int fd, const void *data, size_t len)
{
	const unsigned char *p = data;
	while (len > 0) {
		if (ds_fault("write")) {
			errno = ENOSPC;
			return -1;
		}
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Creates a unique temp file beside `path`; *tmp receives its name. */
static int open_temp(const char *path, unsigned mode, char *tmp, size_t n, int *fd_out)
{
	int err;
	for (int attempt = 0; attempt < 100; attempt++) {
		unsigned char rnd[6];
		char hex[13];
		if (RAND_bytes(rnd, (int)sizeof rnd) != 1)
			return ds_error_set(DS_ECRYPTO, "no randomness for a temp name");
		ds_hex(rnd, sizeof rnd, hex);
		if ((err = ds_fmt(tmp, n, "%s.tmp-%s", path, hex)) < 0)
			return err;
		int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, (mode_t)mode);
		if (fd >= 0) {
			*fd_out = fd;
			return 0;
		}
		if (errno != EEXIST)
			return ds_error_set_errno(DS_EIO, errno, "%s: cannot create", tmp);
	}
	return ds_error_set(DS_EIO, "%s: cannot find a free temp name", path);
}

/* Puts the finished temporary file at path: replacing what is there, or,
 * with !replace, only if nothing is (RENAME_NOREPLACE, or link() where the
 * file system lacks it), so that a file that appeared meanwhile is kept. */
static int place(const char *tmp, const char *path, int replace)
{
	if (replace) {
		if (rename(tmp, path) != 0)
			return ds_error_set_errno(DS_EIO, errno, "%s: rename failed", path);
		return 0;
	}
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno == EINVAL || errno == ENOSYS) {
		if (link(tmp, path) == 0) {
			unlink(tmp);
			return 0;
		}
	}
	if (errno == EEXIST)
		return ds_error_set(DS_EEXISTS, "%s already exists", path);
	return ds_error_set_errno(DS_EIO, errno, "%s: rename failed", path);
}

static int write_file(const char *path, const void *data, size_t len, unsigned mode, int replace);

int ds_file_write_atomic(const char *path, const void *data, size_t len, unsigned mode)
{
	return write_file(path, data, len, mode, 1);
}

int ds_file_write_new(const char *path, const void *data, size_t len, unsigned mode)
{
	return write_file(path, data, len, mode, 0);
}

static int write_file(const char *path, const void *data, size_t len, unsigned mode, int replace)
{
	char tmp[DS_PATH_MAX], dir[DS_PATH_MAX];
	int fd = -1, err;

	if ((err = dir_of(path, dir, sizeof dir)) < 0)
		return err;
	if ((err = open_temp(path, mode, tmp, sizeof tmp, &fd)) < 0)
		return err;
	if (write_all(fd, data, len) != 0) {
		err = ds_error_set_errno(DS_EIO, errno, "%s: write failed", path);
		goto fail;
	}
	if (fsync(fd) != 0 || ds_fault("fsync")) {
		err = ds_error_set_errno(DS_EIO, errno ? errno : EIO, "%s: fsync failed", path);
		goto fail;
	}
	if (close(fd) != 0) {
		fd = -1;
		err = ds_error_set_errno(DS_EIO, errno, "%s: close failed", path);
		goto fail;
	}
	fd = -1;
	if ((err = place(tmp, path, replace)) < 0)
		goto fail;
	return ds_fsync_dir(dir);
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return err;
}

static int copy_file(const char *src, const char *dst, unsigned mode, int replace);

int ds_file_copy_atomic(const char *src, const char *dst, unsigned mode)
{
	return copy_file(src, dst, mode, 1);
}

int ds_file_copy_new(const char *src, const char *dst, unsigned mode)
{
	return copy_file(src, dst, mode, 0);
}

static int copy_file(const char *src, const char *dst, unsigned mode, int replace)
{
	char tmp[DS_PATH_MAX], dir[DS_PATH_MAX];
	int in = -1, out = -1, err;
	unsigned char buf[65536];

	if ((err = dir_of(dst, dir, sizeof dir)) < 0)
		return err;
	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return ds_error_set_errno(errno == ENOENT ? DS_ENOTFOUND : DS_EIO, errno,
					  "%s: cannot open", src);
	if ((err = open_temp(dst, mode, tmp, sizeof tmp, &out)) < 0)
		goto done;
	for (;;) {
		ssize_t r = read(in, buf, sizeof buf);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = ds_error_set_errno(DS_EIO, errno, "%s: read failed", src);
			goto fail;
		}
		if (r == 0)
			break;
		if (write_all(out, buf, (size_t)r) != 0) {
			err = ds_error_set_errno(DS_EIO, errno, "%s: write failed", dst);
			goto fail;
		}
	}
	if (fsync(out) != 0 || ds_fault("fsync")) {
		err = ds_error_set_errno(DS_EIO, errno ? errno : EIO, "%s: fsync failed", dst);
		goto fail;
	}
	close(out);
	out = -1;
	if ((err = place(tmp, dst, replace)) < 0)
		goto fail;
	err = ds_fsync_dir(dir);
	goto done;
fail:
	if (out >= 0)
		close(out);
	out = -1;
	unlink(tmp);
done:
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return err;
}

void ds_hex(const unsigned char *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
}

void ds_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	SHA256(data, len, md);
	ds_hex(md, sizeof md, out);
}

int ds_sha256_file_hex(const char *path, char out[65])
{
	int fd = -1, err = 0;
	EVP_MD_CTX *ctx = NULL;
	unsigned char buf[65536], md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ds_error_set_errno(errno == ENOENT ? DS_ENOTFOUND : DS_EIO, errno,
					  "%s: cannot open", path);
	ctx = EVP_MD_CTX_new();
	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		err = ds_error_set_openssl(DS_ECRYPTO, "sha256");
		goto done;
	}
	for (;;) {
		ssize_t r = read(fd, buf, sizeof buf);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = ds_error_set_errno(DS_EIO, errno, "%s: read failed", path);
			goto done;
		}
		if (r == 0)
			break;
		EVP_DigestUpdate(ctx, buf, (size_t)r);
	}
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	ds_hex(md, mdlen, out);
done:
	EVP_MD_CTX_free(ctx);
	close(fd);
	return err;
}

/* ---- fault injection ---- */
static char fault_point[64];
static long fault_at;
static long fault_count;

void ds_fault_configure(const char *spec)
{
	const char *colon = strchr(spec, ':');
	fault_point[0] = '\0';
	if (!colon || (size_t)(colon - spec) >= sizeof fault_point)
		return;
	memcpy(fault_point, spec, (size_t)(colon - spec));
	fault_point[colon - spec] = '\0';
	char *end = NULL;
	errno = 0;
	long n = strtol(colon + 1, &end, 10);
	if (errno != 0 || !end || *end != '\0' || n < 1)
		fault_point[0] = '\0';
	fault_at = n;
	fault_count = 0;
}

int ds_fault(const char *point)
{
	if (!fault_point[0] || strcmp(point, fault_point) != 0)
		return 0;
	if (__atomic_add_fetch(&fault_count, 1, __ATOMIC_SEQ_CST) != fault_at)
		return 0;
	errno = EIO; /* what a failed fsync reports; a write fault sets ENOSPC */
	return 1;
}

int ds_text_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	while (p < end) {
		unsigned c = *p;
		size_t n;
		unsigned cp;
		if (c < 0x80) {
			if ((c < 0x20 && c != '\t') || c == 0x7f)
				return 0;
			p++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) {
			n = 1;
			cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			n = 2;
			cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			n = 3;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if ((size_t)(end - p) <= n)
			return 0;
		for (size_t i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		p += n + 1;
	}
	return 1;
}

/* The length of the well-formed UTF-8 sequence at p (1 to 4) and its code
 * point, or 0 when p[0] does not start one. */
static size_t utf8_seq(const unsigned char *p, size_t avail, unsigned *cp_out)
{
	unsigned c = p[0], cp;
	size_t n;

	if (c < 0x80) {
		*cp_out = c;
		return 1;
	}
	if ((c & 0xe0) == 0xc0)
		n = 1, cp = c & 0x1f;
	else if ((c & 0xf0) == 0xe0)
		n = 2, cp = c & 0x0f;
	else if ((c & 0xf8) == 0xf0)
		n = 3, cp = c & 0x07;
	else
		return 0;
	if (avail <= n)
		return 0;
	for (size_t i = 1; i <= n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*cp_out = cp;
	return n + 1;
}

static int escaped_cp(unsigned cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x061c || (cp >= 0x200b && cp <= 0x200f) ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x2069) || cp == 0xfeff;
}

char *ds_text_escape(char *out, size_t n, const char *in)
{
	const unsigned char *p = (const unsigned char *)(in ? in : "");
	size_t o = 0, avail = strlen((const char *)p);

	if (n == 0)
		return out;
	while (*p) {
		char tmp[16];
		const char *piece = tmp;
		size_t plen;
		unsigned cp = 0;
		size_t k = utf8_seq(p, avail, &cp);
		if (k == 0 || cp < 0x20 || cp == 0x7f) {
			static const char hex[] = "0123456789abcdef";
			tmp[0] = '\\';
			tmp[1] = 'x';
			tmp[2] = hex[*p >> 4];
			tmp[3] = hex[*p & 15];
			plen = 4;
			k = 1;
		} else if (cp == '\\') {
			piece = "\\\\";
			plen = 2;
		} else if (escaped_cp(cp)) {
			int w = snprintf(tmp, sizeof tmp, "\\u{%04x}", cp);
			plen = w > 0 ? (size_t)w : 0;
		} else {
			piece = (const char *)p;
			plen = k;
		}
		if (plen >= n - o)
			break;
		memcpy(out + o, piece, plen);
		o += plen;
		p += k;
		avail -= k;
	}
	out[o] = 0;
	return out;
}
