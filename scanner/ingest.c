/* Ingesting scan files: decode, encode losslessly, store, then record. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <leptonica/allheaders.h>

#include "dossier/catalog.h"
#include "dossier/error.h"
#include "dossier/fs.h"
#include "dossier/intake.h"

struct ingest_file {
	char sha256[65];
	char name[256];
	int64_t size;
	int pages;
};

struct ingest_page {
	size_t file;
	int file_page;
	char sha256[65];
	int width, height, dpi, bits;
	int dpi_estimated;
	char kind[8];
};

struct ds_ingest {
	ds_store *store;
	struct ds_ingest_opts opts;
	struct ds_scan_limits limits;
	struct ingest_file *files;
	size_t nfiles;
	struct ingest_page *pages;
	size_t npages, cap;
	char (*created)[65]; /* blobs this ingest wrote */
	size_t ncreated, created_cap;
	int done;
};

int ds_ingest_new(ds_ingest **out, ds_store *store, const struct ds_ingest_opts *opts)
{
	ds_ingest *in = calloc(1, sizeof *in);
	if (!in)
		return ds_error_set(DS_ENOMEM, "out of memory");
	in->store = store;
	if (opts)
		in->opts = *opts;
	if (opts && opts->limits)
		in->limits = *opts->limits;
	else
		ds_scan_limits_default(&in->limits);
	*out = in;
	return 0;
}

static int remember_created(ds_ingest *in, const char *hex)
{
	if (in->ncreated == in->created_cap) {
		size_t cap = in->created_cap ? in->created_cap * 2 : 32;
		char(*n)[65] = realloc(in->created, cap * sizeof *n);
		if (!n)
			return ds_error_set(DS_ENOMEM, "out of memory");
		in->created = n;
		in->created_cap = cap;
	}
	memcpy(in->created[in->ncreated++], hex, 65);
	return 0;
}

/* Stores bytes, remembering the blob when this call created it. */
static int put(ds_ingest *in, const void *data, size_t len, char hex[65])
{
	char path[DS_PATH_MAX];
	ds_sha256_hex(data, len, hex);
	int existed = ds_store_path(in->store, hex, path, sizeof path) == 0 && access(path, F_OK) == 0;
	int err = ds_store_put(in->store, data, len, hex);
	if (err == 0 && !existed)
		err = remember_created(in, hex);
	return err;
}

static int put_file(ds_ingest *in, const char *file, char hex[65])
{
	char path[DS_PATH_MAX];
	int err = ds_sha256_file_hex(file, hex);
	if (err < 0)
		return err;
	int existed = ds_store_path(in->store, hex, path, sizeof path) == 0 && access(path, F_OK) == 0;
	if ((err = ds_store_put_file(in->store, file, hex)) == 0 && !existed)
		err = remember_created(in, hex);
	return err;
}

static int push_page(ds_ingest *in, const struct ingest_page *p)
{
	if (in->npages == in->cap) {
		size_t cap = in->cap ? in->cap * 2 : 16;
		struct ingest_page *n = realloc(in->pages, cap * sizeof *n);
		if (!n)
			return ds_error_set(DS_ENOMEM, "out of memory");
		in->pages = n;
		in->cap = cap;
	}
	in->pages[in->npages++] = *p;
	return 0;
}

int ds_ingest_add_file(ds_ingest *in, const char *path, const char *name)
{
	ds_scan *scan = NULL;
	PIX *pix = NULL;
	unsigned char *enc = NULL;
	size_t enclen = 0, first_page = in->npages;
	uint64_t held = 0;
	struct ingest_file f;
	struct stat st;
	int err;

	memset(&f, 0, sizeof f);
	if (!name) {
		const char *slash = strrchr(path, '/');
		name = slash ? slash + 1 : path;
	}
	if ((err = ds_fmt(f.name, sizeof f.name, "%s", name)) < 0)
		return ds_error_set(err, "%s: file name too long", path);
	if (in->npages >= DS_DOSSIER_PAGES_MAX)
		return ds_error_set(DS_ETOOBIG, "%s: more than %d pages in one ingest", path,
				    DS_DOSSIER_PAGES_MAX);
	if ((err = ds_scan_open(&scan, path, &in->limits)) < 0)
		goto done;
	size_t n = ds_scan_page_count(scan);
	if (in->npages + n > DS_DOSSIER_PAGES_MAX) {
		err = ds_error_set(DS_ETOOBIG, "%s: %zu pages would pass the limit of %d per dossier",
				   path, n, DS_DOSSIER_PAGES_MAX);
		goto done;
	}
	struct ingest_file *nf = realloc(in->files, (in->nfiles + 1) * sizeof *nf);
	if (!nf) {
		err = ds_error_set(DS_ENOMEM, "out of memory");
		goto done;
	}
	in->files = nf;
	for (size_t i = 0; i < n; i++) {
		struct ds_page_info info;
		struct ingest_page p;
		memset(&p, 0, sizeof p);
		ds_page_memory_release(held);
		held = 0;
		if ((err = ds_scan_page_info(scan, i, &info)) < 0)
			goto done;
		/* decoded, tested for a receipt, encoded and stored within the
		 * process's memory for pages (other threads ingest or OCR beside) */
		held = ds_page_memory_reserve(ds_page_memory_weight(info.width, info.height, info.bits));
		if ((err = ds_scan_page_decode(scan, i, &pix)) < 0)
			goto done;
		if (in->opts.on_page &&
		    (err = in->opts.on_page(in->opts.arg, in->npages, in->nfiles, pix)) < 0)
			goto done;
		if ((err = ds_page_encode(pix, &enc, &enclen)) < 0) {
			ds_error_set(err, "%s: page %zu: %s", path, i + 1, ds_error_last());
			goto done;
		}
		if ((err = put(in, enc, enclen, p.sha256)) < 0)
			goto done;
		p.file = in->nfiles;
		p.file_page = (int)i;
		p.width = (int)pixGetWidth(pix);
		p.height = (int)pixGetHeight(pix);
		p.dpi = (int)info.dpi;
		p.dpi_estimated = info.dpi_estimated;
		p.bits = (int)pixGetDepth(pix);
		memcpy(p.kind, DS_PAGE_KIND_PAGE, sizeof DS_PAGE_KIND_PAGE);
		if ((err = push_page(in, &p)) < 0)
			goto done;
		free(enc);
		enc = NULL;
		pixDestroy(&pix);
	}
	if ((err = put_file(in, path, f.sha256)) < 0)
		goto done;
	if (stat(path, &st) == 0)
		f.size = st.st_size;
	f.pages = (int)n;
	in->files[in->nfiles++] = f;
done:
	if (err < 0)
		in->npages = first_page; /* this file's pages are not part of the ingest */
	free(enc);
	pixDestroy(&pix);
	ds_page_memory_release(held);
	ds_scan_free(scan);
	return err;
}

size_t ds_ingest_page_count(const ds_ingest *in) { return in->npages; }
size_t ds_ingest_file_count(const ds_ingest *in) { return in->nfiles; }

const char *ds_ingest_file_sha256(const ds_ingest *in, size_t i)
{
	return i < in->nfiles ? in->files[i].sha256 : NULL;
}

int ds_ingest_set_kind(ds_ingest *in, size_t i, const char *kind)
{
	if (i >= in->npages)
		return ds_error_set(DS_EINVALID, "page %zu out of range", i);
	if (strcmp(kind, DS_PAGE_KIND_PAGE) != 0 && strcmp(kind, DS_PAGE_KIND_COVER) != 0)
		return ds_error_set(DS_EINVALID, "'%s' is not a page kind", kind);
	memcpy(in->pages[i].kind, kind, strlen(kind) + 1);
	return 0;
}

int ds_ingest_commit_range(ds_ingest *in, ds_catalog *c, const char *code, size_t first,
			   size_t count, const char *actor)
{
	struct ds_dossier d;
	int64_t *file_ids = NULL;
	int own = 0, err;
	size_t npages = 0;
	char detail[DS_DETAIL_MAX];

	if (first > in->npages || count > in->npages - first)
		return ds_error_set(DS_EINVALID, "page range out of bounds");
	file_ids = calloc(in->nfiles ? in->nfiles : 1, sizeof *file_ids);
	if (!file_ids)
		return ds_error_set(DS_ENOMEM, "out of memory");
	own = !ds_catalog_in_transaction(c);
	if (own && (err = ds_catalog_begin(c)) < 0)
		goto out;
	if ((err = ds_catalog_dossier_get(c, code, &d)) < 0)
		goto done;
	if (strcmp(d.state, DS_STATE_SEALED) == 0 || strcmp(d.state, DS_STATE_RETURNED) == 0 ||
	    strcmp(d.state, DS_STATE_REJECTED) == 0) {
		err = ds_error_set(DS_ESTATE, "dossier %s is %s: no pages can be added", code, d.state);
		goto done;
	}
	for (size_t i = first; i < first + count; i++) {
		struct ingest_page *p = &in->pages[i];
		if (!file_ids[p->file]) {
			struct ingest_file *f = &in->files[p->file];
			struct ds_file_new fn = {.sha256 = f->sha256, .name = f->name, .size = f->size,
						 .pages = f->pages, .role = "scan"};
			if ((err = ds_catalog_file_add(c, code, &fn, &file_ids[p->file])) < 0)
				goto done;
		}
		struct ds_page row;
		memset(&row, 0, sizeof row);
		memcpy(row.kind, p->kind, sizeof row.kind);
		memcpy(row.sha256, p->sha256, sizeof row.sha256);
		row.file_id = file_ids[p->file];
		row.file_page = p->file_page;
		row.width = p->width;
		row.height = p->height;
		row.dpi = p->dpi;
		row.dpi_estimated = p->dpi_estimated;
		row.bits = p->bits;
		if ((err = ds_catalog_page_add(c, code, &row, NULL)) < 0)
			goto done;
		if (strcmp(p->kind, DS_PAGE_KIND_PAGE) == 0)
			npages++;
	}
	if ((err = ds_fmt(detail, sizeof detail, "%zu pages, %zu cover sheets", npages,
			  count - npages)) < 0)
		goto done;
	if (strcmp(d.state, DS_STATE_DIGITIZED) == 0 || strcmp(d.state, DS_STATE_SUPPLEMENT) == 0)
		err = ds_catalog_dossier_set_state(c, code, DS_STATE_RECEIVED, actor, "pages_added",
						   detail);
	else
		err = ds_catalog_event_add(c, code, actor, "pages_added", detail);
done:
	if (own && err < 0)
		ds_catalog_rollback(c);
	else if (own)
		err = ds_catalog_commit(c);
out:
	free(file_ids);
	return err;
}

int ds_ingest_commit(ds_ingest *in, ds_catalog *c, const char *code, const char *actor)
{
	return ds_ingest_commit_range(in, c, code, 0, in->npages, actor);
}

void ds_ingest_done(ds_ingest *in) { in->done = 1; }

static int blob_present(const ds_ingest *in, const char *hex)
{
	char path[DS_PATH_MAX];
	struct stat st;
	int err;
	if ((err = ds_store_path(in->store, hex, path, sizeof path)) < 0)
		return err;
	if (stat(path, &st) != 0)
		return ds_error_set(DS_ENOTFOUND, "blob %.12s… is no longer in the store", hex);
	return 0;
}

int ds_ingest_stored(const ds_ingest *in)
{
	int err;
	for (size_t i = 0; i < in->nfiles; i++)
		if ((err = blob_present(in, in->files[i].sha256)) < 0)
			return err;
	for (size_t i = 0; i < in->npages; i++)
		if ((err = blob_present(in, in->pages[i].sha256)) < 0)
			return err;
	return 0;
}

/* Removes the blobs this ingest created, except those for which
 * named(arg, hex) is non-zero. */
static void abort_unless(ds_ingest *in, int (*named)(void *arg, const char *sha256), void *arg)
{
	char path[DS_PATH_MAX];
	if (in->done)
		return;
	for (size_t i = 0; i < in->ncreated; i++)
		if ((!named || !named(arg, in->created[i])) &&
		    ds_store_path(in->store, in->created[i], path, sizeof path) == 0)
			unlink(path);
	in->ncreated = 0;
}

void ds_ingest_abort(ds_ingest *in)
{
	abort_unless(in, NULL, NULL);
}

int ds_ingest_lock(ds_ingest *in)
{
	int err;
	if ((err = ds_store_lock(in->store)) < 0)
		return err;
	if ((err = ds_ingest_stored(in)) < 0) {
		char m[256];
		snprintf(m, sizeof m, "%s", ds_error_last());
		ds_store_unlock(in->store);
		return ds_error_set(err, "%s (an ingest beside this one stored it first, then "
				    "gave up): try again", m);
	}
	return 0;
}

void ds_ingest_unlock(ds_ingest *in)
{
	ds_store_unlock(in->store);
}

static int named_by(void *arg, const char *sha256)
{
	int yes = 1; /* when the catalog cannot tell, keep the blob */
	if (ds_catalog_blob_referenced(arg, sha256, &yes) < 0)
		return 1;
	return yes;
}

void ds_ingest_abort_unnamed(ds_ingest *in, ds_catalog *c)
{
	if (!in || in->done || in->ncreated == 0)
		return;
	/* without the lock (or the catalog) nothing can be told apart: keep
	 * all; `dossier check` lists stray blobs */
	if (!c || ds_store_lock(in->store) < 0) {
		in->ncreated = 0;
		return;
	}
	abort_unless(in, named_by, c);
	ds_store_unlock(in->store);
}

void ds_ingest_free(ds_ingest *in)
{
	if (!in)
		return;
	if (!in->done)
		ds_ingest_abort(in);
	free(in->created);
	free(in->files);
	free(in->pages);
	free(in);
}
