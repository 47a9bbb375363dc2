/* dossier — ingesting scan files into a dossier, all-or-nothing.
 *
 * Decoding and storing happen before the catalog is touched (no lock is held
 * while pages decode); the catalog rows naming the pages are then written in
 * one short transaction. A refused file leaves nothing behind: blobs this
 * ingest created are removed by ds_ingest_abort() (or by ds_ingest_free()
 * when not committed). Used by `dossier intake`, `dossier pages add` and
 * dossierd.
 */
#ifndef DOSSIER_INTAKE_H
#define DOSSIER_INTAKE_H

#include <stddef.h>

#include "dossier/catalog.h"
#include "dossier/scanner.h"
#include "dossier/store.h"

#ifdef __cplusplus
extern "C" {
#endif

struct Pix;

struct ds_ingest_opts {
	const struct ds_scan_limits *limits; /* NULL: defaults */
	/* Called for every decoded page before it is stored (e.g. dossierd reads
	 * the QR code of receipts here and marks covers with
	 * ds_ingest_set_kind). Return < 0 to refuse the whole ingest. */
	int (*on_page)(void *arg, size_t page_index, size_t file_index, struct Pix *pix);
	void *arg;
};

typedef struct ds_ingest ds_ingest;

int ds_ingest_new(ds_ingest **out, ds_store *store, const struct ds_ingest_opts *opts);

/* Decodes every page of `path`, encodes each losslessly and stores it, and
 * stores the original file as evidence. `name` is recorded as the file's
 * name (NULL: the base name of path). Errors name the file. */
int ds_ingest_add_file(ds_ingest *in, const char *path, const char *name);

size_t ds_ingest_page_count(const ds_ingest *in);
size_t ds_ingest_file_count(const ds_ingest *in);
/* The SHA-256 of file i's original bytes. Borrowed. */
const char *ds_ingest_file_sha256(const ds_ingest *in, size_t i);

/* Marks page i as a cover sheet (DS_PAGE_KIND_COVER) or a page. */
int ds_ingest_set_kind(ds_ingest *in, size_t page_index, const char *kind);

/* Writes the file and page rows for pages [first, first+count) into dossier
 * `code`, with a `pages_added` event, in the caller's transaction if one is
 * open. A dossier that was digitized goes back to received (new pages need
 * OCR); a sealed, returned or rejected dossier refuses pages (DS_ESTATE). */
int ds_ingest_commit_range(ds_ingest *in, ds_catalog *c, const char *code, size_t first,
			   size_t count, const char *actor);

/* All pages into one dossier. */
int ds_ingest_commit(ds_ingest *in, ds_catalog *c, const char *code, const char *actor);

/* Marks the ingest as committed, so ds_ingest_free keeps its blobs. Call it
 * after the catalog transaction that holds the rows has committed. */
void ds_ingest_done(ds_ingest *in);
/* 0 when every blob the ingest's rows will name (each file and each page)
 * is in the store; DS_ENOTFOUND naming the first one that is not. */
int ds_ingest_stored(const ds_ingest *in);

/* Two ingests (dossierd's threads, or dossierd and `dossier intake`) may
 * store the same bytes: the second finds the blob there and does not count
 * it as its own, and the first, giving up, would remove it under the
 * second. So: ds_ingest_lock takes the store's lock and checks that every
 * blob is there (DS_ENOTFOUND, lock released, when one went: try again);
 * commit the rows, then ds_ingest_unlock. An ingest that gives up calls
 * ds_ingest_abort_unnamed, which removes, under the same lock, only the
 * blobs it created that no row of catalog `c` names. */
int ds_ingest_lock(ds_ingest *in);
void ds_ingest_unlock(ds_ingest *in);
void ds_ingest_abort_unnamed(ds_ingest *in, ds_catalog *c);

/* Removes the blobs this ingest created (not those that already existed). */
void ds_ingest_abort(ds_ingest *in);


/* Frees; aborts unless ds_ingest_done() was called. */
void ds_ingest_free(ds_ingest *in);

#ifdef __cplusplus
}
#endif
#endif
