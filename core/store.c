/* Content-addressed blob store: store/sha256/ab/cd/<64 hex>. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "dossier/error.h"
#include "dossier/fs.h"
#include "dossier/store.h"

struct ds_store {
	char root[DS_PATH_MAX]; /* …/store */
	int lock_fd;            /* ROOT/.lock, opened on first use */
};

int ds_store_hex_valid(const char *hex)
{
	if (!hex)
		return 0;
	for (int i = 0; i < 64; i++)
		if (!((hex[i] >= '0' && hex[i] <= '9') || (hex[i] >= 'a' && hex[i] <= 'f')))
			return 0;
	return hex[64] == '\0';
}

int ds_store_open(ds_store **out, const char *root, int create)
{
	ds_store *s = NULL;
	char path[DS_PATH_MAX];
	int err;
	struct stat st;

	*out = NULL;
	if ((err = ds_path_join(path, sizeof path, root, "sha256")) < 0)
		return err;
	if (create && (err = ds_mkdirs(path, 0750)) < 0)
		return err;
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		return ds_error_set(DS_ENOTFOUND, "%s: no blob store here", root);
	s = calloc(1, sizeof *s);
	if (!s)
		return ds_error_set(DS_ENOMEM, "out of memory");
	s->lock_fd = -1;
	if ((err = ds_fmt(s->root, sizeof s->root, "%s", root)) < 0) {
		free(s);
		return err;
	}
	*out = s;
	return 0;
}

void ds_store_free(ds_store *s)
{
	if (s && s->lock_fd >= 0)
		close(s->lock_fd);
	free(s);
}

int ds_store_lock(ds_store *s)
{
	char path[DS_PATH_MAX];
	int err;

	if (s->lock_fd < 0) {
		if ((err = ds_path_join(path, sizeof path, s->root, ".lock")) < 0)
			return err;
		/* read access is enough for flock: the daemon's user and the
		 * clerks' may share the home */
		s->lock_fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
		if (s->lock_fd < 0)
			return ds_error_set_errno(DS_EIO, errno, "%s: cannot open the store's lock",
						  path);
	}
	while (flock(s->lock_fd, LOCK_EX) != 0)
		if (errno != EINTR)
			return ds_error_set_errno(DS_EIO, errno, "%s/.lock: cannot lock the store",
						  s->root);
	return 0;
}

void ds_store_unlock(ds_store *s)
{
	if (s && s->lock_fd >= 0)
		flock(s->lock_fd, LOCK_UN);
}

int ds_store_path(const ds_store *s, const char *hex, char *out, size_t n)
{
	if (!ds_store_hex_valid(hex))
		return ds_error_set(DS_EINVALID, "'%.70s' is not a SHA-256 hex digest", hex);
	return ds_fmt(out, n, "%s/sha256/%.2s/%.2s/%s", s->root, hex, hex + 2, hex);
}

static int blob_dir(const ds_store *s, const char *hex, char *out, size_t n)
{
	return ds_fmt(out, n, "%s/sha256/%.2s/%.2s", s->root, hex, hex + 2);
}

int ds_store_put(ds_store *s, const void *data, size_t len, char hex_out[65])
{
	char path[DS_PATH_MAX], dir[DS_PATH_MAX];
	int err;
	struct stat st;

	if (len > DS_BLOB_BYTES_MAX)
		return ds_error_set(DS_ETOOBIG, "blob of %zu bytes is over the store's limit", len);
	ds_sha256_hex(data, len, hex_out);
	if ((err = ds_store_path(s, hex_out, path, sizeof path)) < 0 ||
	    (err = blob_dir(s, hex_out, dir, sizeof dir)) < 0)
		return err;
	if (stat(path, &st) == 0 && (size_t)st.st_size == len)
		return 0; /* immutable: already there */
	if ((err = ds_mkdirs(dir, 0750)) < 0)
		return err;
	return ds_file_write_atomic(path, data, len, 0440);
}

int ds_store_put_file(ds_store *s, const char *file, char hex_out[65])
{
	char path[DS_PATH_MAX], dir[DS_PATH_MAX], tmp[DS_PATH_MAX];
	int err;
	struct stat st;

	/* Hash first, then copy atomically; the copy is re-hashed below so a
	 * file changing under us cannot plant wrong bytes under a name. */
	if ((err = ds_sha256_file_hex(file, hex_out)) < 0)
		return err;
	if ((err = ds_store_path(s, hex_out, path, sizeof path)) < 0 ||
	    (err = blob_dir(s, hex_out, dir, sizeof dir)) < 0)
		return err;
	if (stat(path, &st) == 0)
		return 0;
	if ((err = ds_mkdirs(dir, 0750)) < 0)
		return err;
	/* a name of this call's own: two ingests (threads or processes) may
	 * store the same file at once (`dossier check` knows *.in* leftovers) */
	static unsigned long calls;
	unsigned long k = __atomic_fetch_add(&calls, 1, __ATOMIC_RELAXED);
	if ((err = ds_fmt(tmp, sizeof tmp, "%s.in-%ld-%lu", path, (long)getpid(), k)) < 0)
		return err;
	if ((err = ds_file_copy_atomic(file, tmp, 0440)) < 0)
		return err;
	char check[65];
	if ((err = ds_sha256_file_hex(tmp, check)) < 0)
		goto fail;
	if (strcmp(check, hex_out) != 0) {
		err = ds_error_set(DS_EIO, "%s: changed while being stored", file);
		goto fail;
	}
	if (rename(tmp, path) != 0) {
		err = ds_error_set_errno(DS_EIO, errno, "%s: rename failed", path);
		goto fail;
	}
	return ds_fsync_dir(dir);
fail:
	unlink(tmp);
	return err;
}

int ds_store_get(ds_store *s, const char *hex, size_t max, unsigned char **out, size_t *len)
{
	char path[DS_PATH_MAX], check[65];
	int err;

	*out = NULL;
	*len = 0;
	if ((err = ds_store_path(s, hex, path, sizeof path)) < 0)
		return err;
	if ((err = ds_file_read(path, max, out, len)) < 0) {
		if (err == DS_ENOTFOUND)
			return ds_error_set(DS_ENOTFOUND, "blob %s is missing from the store", hex);
		return err;
	}
	ds_sha256_hex(*out, *len, check);
	if (strcmp(check, hex) != 0) {
		free(*out);
		*out = NULL;
		*len = 0;
		return ds_error_set(DS_ECORRUPT, "%s: corrupt: its content hashes to %s", path, check);
	}
	return 0;
}

int ds_store_check(ds_store *s, const char *hex)
{
	char path[DS_PATH_MAX], check[65];
	int err;
	if ((err = ds_store_path(s, hex, path, sizeof path)) < 0)
		return err;
	if ((err = ds_sha256_file_hex(path, check)) < 0) {
		if (err == DS_ENOTFOUND)
			return ds_error_set(DS_ENOTFOUND, "blob %s is missing from the store", hex);
		return err;
	}
	if (strcmp(check, hex) != 0)
		return ds_error_set(DS_ECORRUPT, "%s: corrupt: its content hashes to %s", path, check);
	return 0;
}

static int walk(const char *dir, int depth, int (*fn)(const char *, void *), void *arg)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int err = 0;
	if (!d)
		return errno == ENOENT ? 0 : ds_error_set_errno(DS_EIO, errno, "%s: cannot list", dir);
	while ((de = readdir(d)) != NULL && err == 0) {
		if (de->d_name[0] == '.')
			continue;
		if (depth < 2) {
			char sub[DS_PATH_MAX];
			if (strlen(de->d_name) != 2 || (err = ds_path_join(sub, sizeof sub, dir, de->d_name)) < 0)
				continue;
			err = walk(sub, depth + 1, fn, arg);
		} else if (ds_store_hex_valid(de->d_name)) {
			err = fn(de->d_name, arg);
		}
	}
	closedir(d);
	return err;
}

int ds_store_each(ds_store *s, int (*fn)(const char *hex, void *arg), void *arg)
{
	char dir[DS_PATH_MAX];
	int err;
	if ((err = ds_path_join(dir, sizeof dir, s->root, "sha256")) < 0)
		return err;
	return walk(dir, 0, fn, arg);
}
