/* dossier — the catalog's seal log tables (migrations v4 and v8, core/catalog_seallog.c).
 *
 * Leaves and checkpoints are append-only: the schema refuses UPDATE and
 * DELETE, leaves must be inserted with the next index, and a checkpoint
 * must grow (more leaves or, since v8, as many leaves and more events) and
 * be no larger than the log. The
 * meaning of the rows (hashing, signatures) is signer/'s (dossier/seallog.h);
 * these are plain queries.
 */
#ifndef DOSSIER_CATALOG_SEALLOG_H
#define DOSSIER_CATALOG_SEALLOG_H

#include <stddef.h>
#include <stdint.h>

#include "dossier/catalog.h"
#include "dossier/seallog.h"

#ifdef __cplusplus
extern "C" {
#endif

struct ds_seallog_leaf {
	uint64_t index;
	char leaf[DS_SEALLOG_LEAF_MAX];
	unsigned char hash[DS_MERKLE_HASH_LEN]; /* as stored; audit recomputes it */
	char dossier_code[DS_CODE_MAX];
	char seal_id[DS_CODE_MAX];
	int64_t sealed_at;
	int64_t logged_at;
};

struct ds_seallog_checkpoint_row {
	uint64_t size;
	unsigned char root[DS_MERKLE_HASH_LEN];
	char note[DS_SEALLOG_NOTE_MAX + 1];
	int64_t signed_at;
	int has_events; /* since schema 8: the event chain head the note commits to */
	uint64_t events;
	unsigned char events_head[DS_MERKLE_HASH_LEN];
};

/* Inserts `l` (its index is ignored) as the next leaf, in the caller's
 * transaction when one is open. *index_out (may be NULL) gets the index. */
int ds_catalog_seallog_leaf_add(ds_catalog *c, const struct ds_seallog_leaf *l,
				uint64_t *index_out);
/* The number of leaves. */
int ds_catalog_seallog_size(ds_catalog *c, uint64_t *out);
int ds_catalog_seallog_leaf_get(ds_catalog *c, uint64_t index, struct ds_seallog_leaf *out);
/* The latest leaf of a dossier (and of `seal_id` when not NULL);
 * DS_ENOTFOUND when none. */
int ds_catalog_seallog_leaf_find(ds_catalog *c, const char *dossier_code, const char *seal_id,
				 struct ds_seallog_leaf *out);
/* Calls fn for leaves [from, from + count) in index order; stops at fn's
 * first negative return and returns it. */
int ds_catalog_seallog_leaf_each(ds_catalog *c, uint64_t from, uint64_t count,
				 int (*fn)(void *ctx, const struct ds_seallog_leaf *l), void *ctx);
/* Leaves of a dossier (NULL: all), index order; *out malloc'd, free(). */
int ds_catalog_seallog_leaf_list(ds_catalog *c, const char *dossier_code,
				 struct ds_seallog_leaf **out, size_t *n);

/* `cp` (may be NULL) gives the event chain head the note commits to. A
 * checkpoint may repeat the latest size when it commits to more events. */
int ds_catalog_seallog_checkpoint_add(ds_catalog *c, uint64_t size,
				      const unsigned char root[DS_MERKLE_HASH_LEN], const char *note,
				      int64_t signed_at, const struct ds_checkpoint *cp);
/* The latest stored (the last inserted); DS_ENOTFOUND when none yet. */
int ds_catalog_seallog_checkpoint_latest(ds_catalog *c, struct ds_seallog_checkpoint_row *out);
int ds_catalog_seallog_checkpoint_get(ds_catalog *c, uint64_t size,
				      struct ds_seallog_checkpoint_row *out);
/* All checkpoints in the order stored (sizes never decrease); *out malloc'd, free(). */
int ds_catalog_seallog_checkpoint_list(ds_catalog *c, struct ds_seallog_checkpoint_row **out,
				       size_t *n);

#ifdef __cplusplus
}
#endif
#endif
