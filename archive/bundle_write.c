/* The ASiC-E writer: mimetype first and stored, data objects (stored when
 * already compressed, deflated otherwise), one ASiCManifest and one
 * detached signature per signer, fixed timestamps and attributes so that
 * the same inputs sealed at the same time give the same bytes. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <zip.h>

#include "archive/archive_int.h"
#include "dossier/error.h"
#include "dossier/fs.h"

struct wentry {
	char name[DS_BUNDLE_NAME_MAX + 1];
	char mime[128];
	char *path;          /* from a file, or */
	unsigned char *data; /* from memory */
	size_t len;
	unsigned char sha[32];
	int store;
};

struct wsig {
	ds_bundle_sign_fn fn;
	void *arg;
};

struct ds_bundle_writer {
	int64_t mtime;
	struct wentry *e;
	size_t n, cap;
	struct wsig sig[DS_BUNDLE_SIGS_MAX];
	size_t nsig;
	uint64_t total; /* bytes of the entries added: the verifier's limit holds */
};

static int add_total(ds_bundle_writer *w, const char *name, uint64_t len)
{
	uint64_t t;
	if (__builtin_add_overflow(w->total, len, &t) || t > DS_BUNDLE_TOTAL_BYTES_MAX)
		return ds_error_set(DS_ETOOBIG, "bundle: with '%s', more than %llu bytes in all", name,
				    (unsigned long long)DS_BUNDLE_TOTAL_BYTES_MAX);
	w->total = t;
	return 0;
}

int ds_bundle_writer_new(ds_bundle_writer **out, int64_t mtime)
{
	/* DOS time covers 1980..2107 */
	if (mtime < 315532800 || mtime > 4354819199LL)
		return ds_error_set(DS_EINVALID, "bundle time %lld outside 1980..2107",
				    (long long)mtime);
	ds_bundle_writer *w = calloc(1, sizeof *w);
	if (!w)
		return ds_error_set(DS_ENOMEM, "bundle: out of memory");
	w->mtime = mtime;
	*out = w;
	return 0;
}

void ds_bundle_writer_free(ds_bundle_writer *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n; i++) {
		free(w->e[i].path);
		free(w->e[i].data);
	}
	free(w->e);
	free(w);
}

static int compressed_media(const char *mime)
{
	return strcmp(mime, "image/tiff") == 0 || strcmp(mime, "image/png") == 0 ||
	       strcmp(mime, "image/jpeg") == 0 || strcmp(mime, "application/pdf") == 0 ||
	       strcmp(mime, "application/pkcs7-signature") == 0;
}

static int new_entry(ds_bundle_writer *w, const char *name, const char *mime, struct wentry **out)
{
	char fold[DS_BUNDLE_NAME_MAX + 1], other[DS_BUNDLE_NAME_MAX + 1];

	if (!ds_bundle_name_valid(name))
		return ds_error_set(DS_EINVALID, "bundle entry name '%s' is not allowed", name);
	ds_archive__fold(name, fold, sizeof fold);
	if (strcmp(fold, "mimetype") == 0 || strncmp(fold, "meta-inf/", 9) == 0)
		return ds_error_set(DS_EINVALID, "bundle entry name '%s' is reserved", name);
	for (size_t i = 0; i < w->n; i++) {
		ds_archive__fold(w->e[i].name, other, sizeof other);
		if (strcmp(fold, other) == 0)
			return ds_error_set(DS_EEXISTS, "bundle entry '%s' repeats '%s'", name,
					    w->e[i].name);
	}
	if (w->n >= DS_BUNDLE_ENTRIES_MAX - 2 * DS_BUNDLE_SIGS_MAX - 1)
		return ds_error_set(DS_ETOOBIG, "bundle: more than %d entries", DS_BUNDLE_ENTRIES_MAX);
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 64;
		struct wentry *e = realloc(w->e, cap * sizeof *e);
		if (!e)
			return ds_error_set(DS_ENOMEM, "bundle: out of memory");
		w->e = e;
		w->cap = cap;
	}
	struct wentry *e = &w->e[w->n];
	memset(e, 0, sizeof *e);
	memcpy(e->name, name, strlen(name) + 1);
	if (!mime)
		mime = ds_bundle_mime_guess(name);
	if (strlen(mime) >= sizeof e->mime)
		return ds_error_set(DS_EINVALID, "bundle entry '%s': media type too long", name);
	memcpy(e->mime, mime, strlen(mime) + 1);
	e->store = compressed_media(mime);
	*out = e;
	return 0;
}

int ds_bundle_add_file(ds_bundle_writer *w, const char *name, const char *path, const char *mime)
{
	return ds_bundle_add_file_expect(w, name, path, mime, NULL);
}

int ds_bundle_add_file_expect(ds_bundle_writer *w, const char *name, const char *path,
			      const char *mime, const char *expect)
{
	struct wentry *e;
	int err;
	if ((err = new_entry(w, name, mime, &e)) < 0)
		return err;
	if (!(e->path = strdup(path)))
		return ds_error_set(DS_ENOMEM, "bundle: out of memory");
	uint64_t size;
	if ((err = ds_archive__sha256_file(path, e->sha, &size)) < 0) {
		free(e->path);
		return err;
	}
	if (expect) {
		static const char hx[] = "0123456789abcdef";
		char hex[65];
		for (int b = 0; b < 32; b++) {
			hex[2 * b] = hx[e->sha[b] >> 4];
			hex[2 * b + 1] = hx[e->sha[b] & 15];
		}
		hex[64] = '\0';
		if (strcmp(hex, expect) != 0) {
			free(e->path);
			return ds_error_set(DS_ECORRUPT, "%s: SHA-256 %s, expected %s (for %s)", path,
					    hex, expect, name);
		}
	}
	if ((err = add_total(w, name, size)) < 0) {
		free(e->path);
		return err;
	}
	e->len = (size_t)size;
	w->n++;
	return 0;
}

int ds_bundle_add_data(ds_bundle_writer *w, const char *name, const void *data, size_t len,
		       const char *mime)
{
	struct wentry *e;
	int err;
	if (len > DS_BUNDLE_ENTRY_BYTES_MAX)
		return ds_error_set(DS_ETOOBIG, "bundle entry '%s' too large", name);
	if ((err = new_entry(w, name, mime, &e)) < 0)
		return err;
	if ((err = add_total(w, name, len)) < 0)
		return err;
	if (!(e->data = malloc(len ? len : 1)))
		return ds_error_set(DS_ENOMEM, "bundle: out of memory");
	if (len)
		memcpy(e->data, data, len);
	e->len = len;
	SHA256(e->data, len, e->sha);
	w->n++;
	return 0;
}

int ds_bundle_add_signature(ds_bundle_writer *w, ds_bundle_sign_fn fn, void *arg)
{
	if (w->nsig >= DS_BUNDLE_SIGS_MAX)
		return ds_error_set(DS_ETOOBIG, "bundle: more than %d signatures", DS_BUNDLE_SIGS_MAX);
	w->sig[w->nsig].fn = fn;
	w->sig[w->nsig].arg = arg;
	w->nsig++;
	return 0;
}

/* Adds one entry with fixed metadata: DOS time of the sealing time (UTC),
 * regular file 0644, no extra fields, the given method. */
static int add_entry(zip_t *za, const char *name, zip_source_t *src, int store,
		     uint16_t dtime, uint16_t ddate, const char *path)
{
	zip_int64_t idx = zip_file_add(za, name, src, ZIP_FL_ENC_GUESS);
	if (idx < 0) {
		zip_source_free(src);
		return ds_error_set(DS_EIO, "%s: adding %s: %s", path, name, zip_strerror(za));
	}
	zip_uint64_t i = (zip_uint64_t)idx;
	if (zip_set_file_compression(za, i, store ? ZIP_CM_STORE : ZIP_CM_DEFLATE, 9) < 0 ||
	    zip_file_set_dostime(za, i, dtime, ddate, 0) < 0 ||
	    zip_file_set_external_attributes(za, i, 0, ZIP_OPSYS_UNIX, (zip_uint32_t)0100644 << 16) < 0 ||
	    zip_file_extra_field_delete(za, i, ZIP_EXTRA_FIELD_ALL, ZIP_FL_CENTRAL | ZIP_FL_LOCAL) < 0)
		return ds_error_set(DS_EIO, "%s: setting %s: %s", path, name, zip_strerror(za));
	return 0;
}

int ds_bundle_write(ds_bundle_writer *w, const char *path, char (*p7s_sha256)[65], size_t nout)
{
	int err = 0, zerr = 0;
	zip_t *za = NULL;
	char tmp[4096], dir[4096];
	const char **names = NULL, **mimes = NULL;
	unsigned char(*shas)[32] = NULL;
	char *man[DS_BUNDLE_SIGS_MAX] = {0};
	size_t manlen[DS_BUNDLE_SIGS_MAX] = {0};
	unsigned char *sig[DS_BUNDLE_SIGS_MAX] = {0};
	size_t siglen[DS_BUNDLE_SIGS_MAX] = {0};
	int tmp_made = 0;
	struct ds_bundle_report *rep = NULL;

	if (w->nsig == 0)
		return ds_error_set(DS_EINVALID, "%s: a bundle needs at least one signature", path);
	if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp ||
	    snprintf(dir, sizeof dir, "%s", path) >= (int)sizeof dir)
		return ds_error_set(DS_ETOOBIG, "%s: path too long", path);
	if (access(path, F_OK) == 0)
		return ds_error_set(DS_EEXISTS, "%s already exists", path);

	/* manifests and signatures first: nothing is written unless signing works */
	names = calloc(w->n + 1, sizeof *names);
	mimes = calloc(w->n + 1, sizeof *mimes);
	shas = calloc(w->n + 1, sizeof *shas);
	if (!names || !mimes || !shas) {
		err = ds_error_set(DS_ENOMEM, "bundle: out of memory");
		goto done;
	}
	for (size_t i = 0; i < w->n; i++) {
		names[i] = w->e[i].name;
		mimes[i] = w->e[i].mime;
		memcpy(shas[i], w->e[i].sha, 32);
	}
	for (size_t k = 0; k < w->nsig; k++) {
		if ((err = ds_asic_manifest_build(&man[k], &manlen[k], (unsigned)(k + 1), names,
						  (const unsigned char(*)[32])shas, mimes, w->n)) < 0)
			goto done;
		if ((err = w->sig[k].fn(w->sig[k].arg, (const unsigned char *)man[k], manlen[k],
					&sig[k], &siglen[k])) < 0)
			goto done;
		if (!sig[k] || siglen[k] == 0 || siglen[k] > DS_BUNDLE_P7S_BYTES_MAX) {
			err = ds_error_set(DS_ESIG, "%s: signature %zu is empty or too large", path, k + 1);
			goto done;
		}
		if (p7s_sha256 && k < nout) {
			unsigned char d[32];
			SHA256(sig[k], siglen[k], d);
			for (int b = 0; b < 32; b++) {
				static const char hx[] = "0123456789abcdef";
				p7s_sha256[k][2 * b] = hx[d[b] >> 4];
				p7s_sha256[k][2 * b + 1] = hx[d[b] & 15];
			}
			p7s_sha256[k][64] = '\0';
		}
	}

	struct tm tm;
	time_t t = (time_t)w->mtime;
	if (!gmtime_r(&t, &tm)) {
		err = ds_error_set(DS_EINVALID, "bundle time out of range");
		goto done;
	}
	uint16_t dtime = (uint16_t)((tm.tm_hour << 11) | (tm.tm_min << 5) | (tm.tm_sec / 2));
	uint16_t ddate = (uint16_t)(((tm.tm_year - 80) << 9) | ((tm.tm_mon + 1) << 5) | tm.tm_mday);

	(void)unlink(tmp);
	za = zip_open(tmp, ZIP_CREATE | ZIP_EXCL, &zerr);
	if (!za) {
		zip_error_t ze;
		zip_error_init_with_code(&ze, zerr);
		err = ds_error_set(DS_EIO, "%s: %s", tmp, zip_error_strerror(&ze));
		zip_error_fini(&ze);
		goto done;
	}
	tmp_made = 1;
	zip_source_t *src = zip_source_buffer(za, DS_ASIC_MIMETYPE, strlen(DS_ASIC_MIMETYPE), 0);
	if (!src || (err = add_entry(za, "mimetype", src, 1, dtime, ddate, path)) < 0) {
		if (!err)
			err = ds_error_set(DS_ENOMEM, "bundle: out of memory");
		goto done;
	}
	/* dossier.json right after mimetype, then the rest in the order added */
	for (size_t k = 0; k < 2 * w->n; k++) {
		size_t i = k % w->n;
		struct wentry *e = &w->e[i];
		if ((strcmp(e->name, "dossier.json") == 0) != (k < w->n))
			continue;
		src = e->path ? zip_source_file(za, e->path, 0, (zip_int64_t)e->len)
			      : zip_source_buffer(za, e->data, e->len, 0);
		if (!src) {
			err = ds_error_set(DS_EIO, "%s: %s: %s", path, e->name, zip_strerror(za));
			goto done;
		}
		if ((err = add_entry(za, e->name, src, e->store, dtime, ddate, path)) < 0)
			goto done;
	}
	for (size_t k = 0; k < w->nsig; k++) {
		char mname[64], sname[64];
		if (snprintf(mname, sizeof mname, "META-INF/ASiCManifest%03zu.xml", k + 1) < 0 ||
		    snprintf(sname, sizeof sname, "META-INF/signature%03zu.p7s", k + 1) < 0) {
			err = ds_error_set(DS_ERROR, "bundle: formatting names");
			goto done;
		}
		src = zip_source_buffer(za, man[k], manlen[k], 0);
		if (!src || (err = add_entry(za, mname, src, 0, dtime, ddate, path)) < 0) {
			if (!err)
				err = ds_error_set(DS_ENOMEM, "bundle: out of memory");
			goto done;
		}
		src = zip_source_buffer(za, sig[k], siglen[k], 0);
		if (!src || (err = add_entry(za, sname, src, 1, dtime, ddate, path)) < 0) {
			if (!err)
				err = ds_error_set(DS_ENOMEM, "bundle: out of memory");
			goto done;
		}
	}
	if (zip_close(za) < 0) {
		err = ds_error_set(DS_EIO, "%s: writing: %s", tmp, zip_strerror(za));
		goto done;
	}
	za = NULL;
	/* DS_FAULT=write:N in the tests: a full disk at libzip's write */
	if (ds_fault("write")) {
		err = ds_error_set_errno(DS_EIO, ENOSPC, "%s: writing", tmp);
		goto done;
	}
	if (chmod(tmp, 0644) != 0) {
		err = ds_error_set_errno(DS_EIO, errno, "chmod %s", tmp);
		goto done;
	}
	if ((err = ds_fsync_file(tmp)) < 0)
		goto done;
	/* A file changed between hashing and copying would make a bundle whose
	 * signatures do not cover it: re-read what was written before
	 * publishing it. */
	struct ds_bundle_verify_opts vo = {0};
	if ((err = ds_bundle_verify(tmp, &vo, &rep)) < 0)
		goto done;
	if (rep->unreadable || rep->indication == DS_TOTAL_FAILED) {
		const char *why = "";
		for (size_t i = 0; i < rep->nchecks; i++)
			if (strcmp(rep->checks[i].outcome, "FAILED") == 0) {
				why = rep->checks[i].detail;
				break;
			}
		err = ds_error_set(DS_ECORRUPT, "%s: the written bundle does not verify: %s", path, why);
		goto done;
	}
	/* link() refuses to replace an existing bundle; the earlier version of
	 * a resealed dossier is never overwritten. */
	if (link(tmp, path) != 0) {
		err = ds_error_set_errno(errno == EEXIST ? DS_EEXISTS : DS_EIO, errno, "%s", path);
		goto done;
	}
	(void)unlink(tmp);
	tmp_made = 0;
	if ((err = ds_fsync_dir(dirname(dir))) < 0)
		goto done;
done:
	if (za)
		zip_discard(za);
	if (tmp_made)
		(void)unlink(tmp);
	free(rep);
	free(names);
	free(mimes);
	free(shas);
	for (size_t k = 0; k < DS_BUNDLE_SIGS_MAX; k++) {
		free(man[k]);
		free(sig[k]);
	}
	return err;
}
