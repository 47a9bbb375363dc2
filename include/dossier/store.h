/* dossier — content-addressed, immutable blob store (store/sha256/ab/cd…).
 *
 * A blob is written to a temp file in the store, fsynced, renamed to its
 * hash's path and the folder fsynced, so a crash leaves either no blob or a
 * whole one. Reads re-hash and report DS_ECORRUPT on a mismatch.
 */
#ifndef DOSSIER_STORE_H
#define DOSSIER_STORE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DS_BLOB_BYTES_MAX ((size_t)2 << 30) /* 2 GiB */

typedef struct ds_store ds_store;

/* Opens the store rooted at `root` (created when `create`). */
int ds_store_open(ds_store **out, const char *root, int create);
void ds_store_free(ds_store *s);

/* Stores bytes; hex_out receives the SHA-256. Storing an existing blob is a
 * no-op that succeeds. */
int ds_store_put(ds_store *s, const void *data, size_t len, char hex_out[65]);

/* Stores a file's bytes (streamed, hashed while copied). */
int ds_store_put_file(ds_store *s, const char *path, char hex_out[65]);

/* Reads a blob (at most `max` bytes), re-hashing it: DS_ECORRUPT when the
 * bytes no longer match, DS_ENOTFOUND when absent. Caller frees *out. */
int ds_store_get(ds_store *s, const char *hex, size_t max, unsigned char **out, size_t *len);

/* The path of a blob (whether or not it exists). */
int ds_store_path(const ds_store *s, const char *hex, char *out, size_t n);

/* The store's lock (flock on ROOT/.lock, through this handle's own open
 * file, so it excludes other threads with their own handle as well as
 * other processes). Held by whoever removes blobs it gave up on and by
 * whoever checks that its blobs are there and commits rows naming them;
 * take it before the catalog's write lock, never while holding it. */
int ds_store_lock(ds_store *s);
void ds_store_unlock(ds_store *s);

/* 0 when present and intact; DS_ENOTFOUND or DS_ECORRUPT otherwise. */
int ds_store_check(ds_store *s, const char *hex);

/* Whether `hex` is 64 lowercase hex digits. */
int ds_store_hex_valid(const char *hex);

/* Calls fn for every blob in the store (for `dossier check`). */
int ds_store_each(ds_store *s, int (*fn)(const char *hex, void *arg), void *arg);

#ifdef __cplusplus
}
#endif
#endif
