/* The seal log kept in the catalog: appending leaves, signing checkpoints
 * (never two that are inconsistent), inclusion and consistency proofs, and
 * the audit that recomputes everything from the leaf texts.
 *
 * Nothing stored is trusted when it matters: each leaf hash is recomputed
 * from its text before it enters a tree, and each stored checkpoint is
 * re-verified and recomputed before a newer one is signed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "dossier/catalog_seallog.h"
#include "dossier/clock.h"
#include "dossier/error.h"
#include "dossier/seallog.h"
#include "signer/seallog_int.h"

/* Leaf text fields: "dossier-seal/1 CODE SEAL HEX TIME". */
#define PREFIX_LEN (sizeof DS_SEALLOG_LEAF_PREFIX - 1)

int ds_seallog_append(ds_catalog *c, const char *dossier_code, const char *seal_id,
		      const char *p7s_sha256_hex, int64_t sealed_at, uint64_t *index_out)
{
	struct ds_seallog_leaf *l = calloc(1, sizeof *l);
	struct ds_merkle_hash h;
	int err;

	if (l == NULL)
		return ds_error_set(DS_ENOMEM, "seal log: out of memory");
	if ((err = ds_seallog_leaf_text(l->leaf, sizeof l->leaf, dossier_code, seal_id,
					p7s_sha256_hex, sealed_at)) < 0)
		goto done;
	if ((err = ds_merkle_leaf_hash(&h, l->leaf, strlen(l->leaf))) < 0)
		goto done;
	memcpy(l->hash, h.b, sizeof l->hash);
	/* Lengths were checked by ds_seallog_leaf_text. */
	memcpy(l->dossier_code, dossier_code, strlen(dossier_code) + 1);
	memcpy(l->seal_id, seal_id, strlen(seal_id) + 1);
	l->sealed_at = sealed_at;
	l->logged_at = ds_now();
	err = ds_catalog_seallog_leaf_add(c, l, index_out);
done:
	free(l);
	return err;
}

/* Checks a stored leaf: its text is what its columns say, its stored hash
 * is the hash of its text. Returns the recomputed hash. */
static int leaf_check(const struct ds_seallog_leaf *l, struct ds_merkle_hash *h)
{
	char want[DS_SEALLOG_LEAF_MAX], hex[65];
	size_t cl = strlen(l->dossier_code), sl = strlen(l->seal_id), len = strlen(l->leaf);
	size_t at = PREFIX_LEN + 1 + cl + 1 + sl + 1;
	int err;

	if ((err = ds_merkle_leaf_hash(h, l->leaf, len)) < 0)
		return err;
	if (CRYPTO_memcmp(h->b, l->hash, DS_MERKLE_HASH_LEN) != 0)
		return ds_error_set(DS_ECORRUPT, "seal log leaf %llu: stored hash does not match its text",
				    (unsigned long long)l->index);
	if (len < at + 64) {
		return ds_error_set(DS_ECORRUPT, "seal log leaf %llu: malformed text",
				    (unsigned long long)l->index);
	}
	memcpy(hex, l->leaf + at, 64);
	hex[64] = '\0';
	if (ds_seallog_leaf_text(want, sizeof want, l->dossier_code, l->seal_id, hex, l->sealed_at) < 0 ||
	    strcmp(want, l->leaf) != 0)
		return ds_error_set(DS_ECORRUPT,
				    "seal log leaf %llu: text does not match its dossier, seal or time",
				    (unsigned long long)l->index);
	return 0;
}

struct load {
	struct ds_merkle_hash *arr;
	uint64_t next;
};

static int load_cb(void *ctx, const struct ds_seallog_leaf *l)
{
	struct load *ld = ctx;
	if (l->index != ld->next)
		return ds_error_set(DS_ECORRUPT, "seal log: leaf %llu missing",
				    (unsigned long long)ld->next);
	return leaf_check(l, &ld->arr[ld->next++]);
}

/* The verified hashes of leaves [0, n). *out malloc'd. */
static int load_hashes(ds_catalog *c, uint64_t n, struct ds_merkle_hash **out)
{
	struct load ld = { NULL, 0 };
	size_t bytes;
	int err;

	*out = NULL;
	if (n > SIZE_MAX || __builtin_mul_overflow((size_t)n, sizeof *ld.arr, &bytes))
		return ds_error_set(DS_ETOOBIG, "seal log: %llu leaves do not fit in memory",
				    (unsigned long long)n);
	if ((ld.arr = malloc(bytes ? bytes : 1)) == NULL)
		return ds_error_set(DS_ENOMEM, "seal log: out of memory for %llu leaves",
				    (unsigned long long)n);
	if ((err = ds_catalog_seallog_leaf_each(c, 0, n, load_cb, &ld)) < 0)
		goto done;
	if (ld.next != n) {
		err = ds_error_set(DS_ECORRUPT, "seal log: %llu leaves where %llu were expected",
				   (unsigned long long)ld.next, (unsigned long long)n);
		goto done;
	}
	*out = ld.arr;
	ld.arr = NULL; /* transferred */
done:
	free(ld.arr);
	return err;
}

/* A stored checkpoint row against its own note: the body must say the same
 * size and root (and, with a key, the signature must verify). */
static int row_check(const struct ds_seallog_checkpoint_row *r, const ds_seallog_key *key,
		     struct ds_checkpoint *cp)
{
	size_t len = strnlen(r->note, sizeof r->note);
	int err;

	if (key != NULL)
		err = ds_checkpoint_verify(cp, r->note, len, key, NULL, 0);
	else
		err = ds_checkpoint_parse(cp, r->note, len, NULL, 0);
	if (err < 0)
		return ds_error_set(DS_ECORRUPT, "seal log checkpoint %llu: %s",
				    (unsigned long long)r->size, ds_error_last());
	if (cp->size != r->size || CRYPTO_memcmp(cp->root.b, r->root, DS_MERKLE_HASH_LEN) != 0 ||
	    cp->has_events != r->has_events ||
	    (cp->has_events && (cp->events != r->events ||
				CRYPTO_memcmp(cp->events_head.b, r->events_head, DS_MERKLE_HASH_LEN) != 0)))
		return ds_error_set(DS_ECORRUPT, "seal log checkpoint %llu: note and row disagree",
				    (unsigned long long)r->size);
	return 0;
}

/* Whether the catalog's event chain (already verified whole) still passes
 * through the head `cp` commits to. DS_ESIG with the reason when not. */
static int events_check(ds_catalog *c, const struct ds_checkpoint *cp,
			const struct ds_event_head *head, char *reason, size_t rn)
{
	unsigned char h[DS_EVENT_HASH_LEN];
	char r[DS_SEALLOG_REASON_MAX];
	int err;

	if (!cp->has_events)
		return 0;
	if (cp->events > (uint64_t)head->id) {
		if (snprintf(r, sizeof r, "rolled back: the checkpoint commits to events up to %llu, "
			     "the catalog's end at %lld (events deleted)", (unsigned long long)cp->events,
			     (long long)head->id) < 0)
			r[0] = '\0';
		ds_seallog__reason(reason, rn, r);
		return ds_error_set(DS_ESIG, "seal log: %s", r);
	}
	err = ds_catalog_event_hash(c, (int64_t)cp->events, h);
	if (err == DS_ENOTFOUND) {
		ds_error_clear();
		h[0] = (unsigned char)~cp->events_head.b[0]; /* differs */
	} else if (err < 0) {
		return err;
	}
	if (CRYPTO_memcmp(h, cp->events_head.b, DS_EVENT_HASH_LEN) != 0) {
		if (snprintf(r, sizeof r, "rolled back: the event chain no longer passes through the "
			     "head of event %llu the checkpoint commits to (events before it changed "
			     "and the chain recomputed)", (unsigned long long)cp->events) < 0)
			r[0] = '\0';
		ds_seallog__reason(reason, rn, r);
		return ds_error_set(DS_ESIG, "seal log: %s", r);
	}
	return 0;
}

/* One attempt: read and check everything without holding the write lock
 * (leaves below the log size never change, the schema sees to that), sign,
 * then take the lock only to check that no other checkpoint was stored
 * meanwhile and to store ours. *retry is set when one was. */
static int checkpoint_once(ds_catalog *c, const ds_seallog_key *key, struct ds_checkpoint *cp,
			   int64_t now, char **note_out, int *retry)
{
	struct ds_seallog_checkpoint_row *latest = NULL, *again = NULL;
	struct ds_merkle_hash *hashes = NULL, old_root, proof[DS_SEALLOG_PROOF_MAX];
	struct ds_checkpoint old;
	struct ds_event_head head;
	uint64_t size = 0, newer = 0;
	size_t np = 0;
	char *note = NULL;
	int err, have_latest = 0, have_again = 0, began = 0;

	*note_out = NULL;
	*retry = 0;
	if ((latest = malloc(sizeof *latest)) == NULL || (again = malloc(sizeof *again)) == NULL) {
		err = ds_error_set(DS_ENOMEM, "seal log: out of memory");
		goto done;
	}
	err = ds_catalog_seallog_checkpoint_latest(c, latest);
	if (err == DS_ENOTFOUND)
		ds_error_clear();
	else if (err < 0)
		goto done;
	else
		have_latest = 1;
	/* The size after the checkpoint was read: never below it. */
	if ((err = ds_catalog_seallog_size(c, &size)) < 0)
		goto done;
	if ((err = load_hashes(c, size, &hashes)) < 0)
		goto done;
	/* The whole event chain, recomputed: a checkpoint never blesses a
	 * broken one. */
	if ((err = ds_catalog_event_chain_verify(c, &head, NULL)) < 0) {
		if (err == DS_ECORRUPT)
			ds_error_set(err, "seal log: %s; refusing to sign", ds_error_last());
		goto done;
	}
	if (have_latest) {
		/* Check the latest checkpoint, then that the log still extends it. */
		if ((err = row_check(latest, key, &old)) < 0)
			goto done;
		if (events_check(c, &old, &head, NULL, 0) < 0) {
			err = ds_error_set(DS_ECORRUPT, "seal log: the events no longer give the head of "
					   "the latest checkpoint (event %llu); refusing to sign",
					   (unsigned long long)old.events);
			goto done;
		}
		if (strcmp(old.origin, cp->origin) != 0) {
			err = ds_error_set(DS_EINVALID, "seal log: origin \"%s\" differs from the stored "
					   "checkpoints' \"%s\"", cp->origin, old.origin);
			goto done;
		}
		if (latest->size > size) {
			err = ds_error_set(DS_ECORRUPT, "seal log: checkpoint of %llu leaves but only %llu "
					   "leaves; refusing to sign", (unsigned long long)latest->size,
					   (unsigned long long)size);
			goto done;
		}
		if ((err = ds_merkle_root(&old_root, hashes, latest->size)) < 0)
			goto done;
		if (CRYPTO_memcmp(old_root.b, latest->root, DS_MERKLE_HASH_LEN) != 0) {
			err = ds_error_set(DS_ECORRUPT, "seal log: the leaves no longer give the head of "
					   "checkpoint %llu; refusing to sign", (unsigned long long)latest->size);
			goto done;
		}
		if (old.has_events &&
		    (err = ds_catalog_event_count_after(c, (int64_t)old.events, "log_checkpoint",
							&newer)) < 0)
			goto done;
		if (latest->size == size && old.has_events && newer == 0) {
			/* Nothing new (the events after it only record checkpoints):
			 * hand out the stored checkpoint. */
			size_t nl = strlen(latest->note);
			if ((note = malloc(nl + 1)) == NULL) {
				err = ds_error_set(DS_ENOMEM, "seal log: out of memory");
				goto done;
			}
			memcpy(note, latest->note, nl + 1);
			*cp = old;
			goto done;
		}
	}
	if ((err = ds_merkle_root(&cp->root, hashes, size)) < 0)
		goto done;
	cp->size = size;
	cp->has_events = 1;
	cp->events = (uint64_t)head.id;
	memcpy(cp->events_head.b, head.hash, DS_EVENT_HASH_LEN);
	if (have_latest) {
		if ((err = ds_merkle_consistency_proof(proof, &np, hashes, size, latest->size)) < 0 ||
		    (err = ds_merkle_consistency_verify(latest->size, size, &old_root, &cp->root, proof,
							np)) < 0)
			goto done;
	}
	if ((err = ds_checkpoint_sign(&note, NULL, cp, key)) < 0)
		goto done;
	if ((err = ds_catalog_begin(c)) < 0)
		goto done;
	began = 1;
	err = ds_catalog_seallog_checkpoint_latest(c, again);
	if (err == DS_ENOTFOUND)
		ds_error_clear();
	else if (err < 0)
		goto done;
	else
		have_again = 1;
	if (have_again != have_latest ||
	    (have_again && (again->size != latest->size || again->has_events != latest->has_events ||
			    again->events != latest->events))) {
		*retry = 1; /* another checkpoint was stored meanwhile: start over */
		err = 0;
		goto done;
	}
	if ((err = ds_catalog_seallog_checkpoint_add(c, size, cp->root.b, note, now, cp)) < 0)
		goto done;
	if ((err = ds_catalog_commit(c)) == 0)
		began = 0;
done:
	if (began)
		ds_catalog_rollback(c);
	if (err == 0 && !*retry) {
		*note_out = note;
		note = NULL; /* transferred */
	}
	free(note);
	free(hashes);
	free(again);
	free(latest);
	return err;
}

int ds_seallog_checkpoint(ds_catalog *c, const ds_seallog_key *key, const char *origin,
			  int64_t now, char **note_out, struct ds_checkpoint *cp_out)
{
	struct ds_checkpoint cp;
	size_t olen;
	int err, retry = 0;

	*note_out = NULL;
	memset(&cp, 0, sizeof cp);
	olen = strnlen(origin, sizeof cp.origin);
	if (olen == 0 || olen >= sizeof cp.origin)
		return ds_error_set(DS_EINVALID, "seal log: bad origin");
	memcpy(cp.origin, origin, olen + 1);
	for (int attempt = 0; attempt < 5; attempt++) {
		if ((err = checkpoint_once(c, key, &cp, now, note_out, &retry)) < 0)
			return err;
		if (!retry) {
			if (cp_out != NULL)
				*cp_out = cp;
			return 0;
		}
	}
	return ds_error_set(DS_EBUSY, "seal log: checkpoints keep being stored by another process; "
			    "try again");
}

static int prove_leaf(ds_catalog *c, const struct ds_seallog_leaf *leaf, uint64_t size,
		      struct ds_seallog_proof *out, char *leaf_out)
{
	struct ds_seallog_checkpoint_row *row = NULL;
	struct ds_merkle_hash *hashes = NULL, lh, root;
	uint64_t count = 0;
	int err, have_row = 0;

	memset(out, 0, sizeof *out);
	if ((row = malloc(sizeof *row)) == NULL) {
		err = ds_error_set(DS_ENOMEM, "seal log: out of memory");
		goto done;
	}
	if ((err = ds_catalog_seallog_size(c, &count)) < 0)
		goto done;
	if (size == 0) {
		if ((err = ds_catalog_seallog_checkpoint_latest(c, row)) < 0)
			goto done;
		size = row->size;
		have_row = 1;
	} else if (size > count) {
		err = ds_error_set(DS_EINVALID, "seal log: tree size %llu larger than the log (%llu)",
				   (unsigned long long)size, (unsigned long long)count);
		goto done;
	} else if ((err = ds_catalog_seallog_checkpoint_get(c, size, row)) == 0) {
		have_row = 1;
	} else if (err == DS_ENOTFOUND) {
		ds_error_clear();
	} else {
		goto done;
	}
	if (leaf->index >= size) {
		err = ds_error_set(DS_ESTATE, "seal log: the seal of %s (leaf %llu) is newer than the "
				   "checkpoint of %llu leaves; run `dossier log checkpoint` first",
				   leaf->dossier_code, (unsigned long long)leaf->index,
				   (unsigned long long)size);
		goto done;
	}
	if ((err = load_hashes(c, size, &hashes)) < 0)
		goto done;
	if (hashes == NULL) { /* load_hashes allocates on success; keeps the analyzer sure */
		err = ds_error_set(DS_ENOMEM, "seal log: out of memory");
		goto done;
	}
	out->index = leaf->index;
	out->size = size;
	if ((err = ds_merkle_inclusion_proof(out->hash, &out->n, hashes, size, leaf->index)) < 0)
		goto done;
	/* Check the proof before handing it out: against the signed head when
	 * there is a checkpoint of this size (a log changed since fails here),
	 * else against the head recomputed from the leaves. */
	if (have_row)
		memcpy(root.b, row->root, DS_MERKLE_HASH_LEN);
	else if ((err = ds_merkle_root(&root, hashes, size)) < 0)
		goto done;
	lh = hashes[leaf->index];
	if (ds_merkle_inclusion_verify(&lh, out->index, size, out->hash, out->n, &root) < 0) {
		err = ds_error_set(DS_ECORRUPT, "seal log: the leaves no longer give the head of "
				   "the tree of %llu leaves", (unsigned long long)size);
		goto done;
	}
	if (leaf_out != NULL)
		memcpy(leaf_out, leaf->leaf, strlen(leaf->leaf) + 1);
done:
	if (err < 0)
		memset(out, 0, sizeof *out);
	free(hashes);
	free(row);
	return err;
}

int ds_seallog_prove(ds_catalog *c, const char *dossier_code, const char *seal_id, uint64_t size,
		     struct ds_seallog_proof *out, char *leaf_out)
{
	struct ds_seallog_leaf *leaf = malloc(sizeof *leaf);
	int err;

	memset(out, 0, sizeof *out);
	if (leaf == NULL)
		return ds_error_set(DS_ENOMEM, "seal log: out of memory");
	if ((err = ds_catalog_seallog_leaf_find(c, dossier_code, seal_id, leaf)) == 0)
		err = prove_leaf(c, leaf, size, out, leaf_out);
	free(leaf);
	return err;
}

int ds_seallog_prove_index(ds_catalog *c, uint64_t index, uint64_t size,
			   struct ds_seallog_proof *out, char *leaf_out,
			   char dossier_code_out[DS_CODE_MAX])
{
	struct ds_seallog_leaf *leaf = malloc(sizeof *leaf);
	int err;

	memset(out, 0, sizeof *out);
	if (leaf == NULL)
		return ds_error_set(DS_ENOMEM, "seal log: out of memory");
	if ((err = ds_catalog_seallog_leaf_get(c, index, leaf)) == 0) {
		if (dossier_code_out != NULL)
			memcpy(dossier_code_out, leaf->dossier_code, sizeof leaf->dossier_code);
		err = prove_leaf(c, leaf, size, out, leaf_out);
	}
	free(leaf);
	return err;
}

int ds_seallog_consistency(ds_catalog *c, uint64_t old_size, uint64_t new_size,
			   struct ds_merkle_hash *out, size_t *nout)
{
	struct ds_merkle_hash *hashes = NULL;
	uint64_t count = 0;
	int err;

	*nout = 0;
	if ((err = ds_catalog_seallog_size(c, &count)) < 0)
		return err;
	if (old_size > new_size || new_size > count)
		return ds_error_set(DS_EINVALID, "seal log: no consistency proof from %llu to %llu "
				    "leaves (the log has %llu)", (unsigned long long)old_size,
				    (unsigned long long)new_size, (unsigned long long)count);
	if ((err = load_hashes(c, new_size, &hashes)) < 0)
		return err;
	err = ds_merkle_consistency_proof(out, nout, hashes, new_size, old_size);
	free(hashes);
	return err;
}

struct audit {
	ds_catalog *c;
	struct ds_event_head head;
	int chain_ok;
	struct ds_merkle_stream st;
	const struct ds_seallog_checkpoint_row *cps;
	size_t ncps, next_cp;
	const ds_seallog_key *key;
	char origin[DS_SEALLOG_ORIGIN_MAX];
};

/* Checks every checkpoint whose size the stream has reached. */
static int audit_cps(struct audit *a)
{
	struct ds_merkle_hash root;
	struct ds_checkpoint cp;
	char why[DS_SEALLOG_REASON_MAX];
	int err;

	while (a->next_cp < a->ncps && a->cps[a->next_cp].size == a->st.size) {
		const struct ds_seallog_checkpoint_row *r = &a->cps[a->next_cp];
		if ((err = row_check(r, a->key, &cp)) < 0)
			return err;
		if ((err = ds_merkle_stream_root(&a->st, &root)) < 0)
			return err;
		if (CRYPTO_memcmp(root.b, r->root, DS_MERKLE_HASH_LEN) != 0)
			return ds_error_set(DS_ECORRUPT, "seal log checkpoint %llu: the leaves give "
					    "another head", (unsigned long long)r->size);
		if (a->chain_ok && events_check(a->c, &cp, &a->head, why, sizeof why) < 0)
			return ds_error_set(DS_ECORRUPT, "seal log checkpoint %llu (event %llu): %s",
					    (unsigned long long)r->size, (unsigned long long)cp.events, why);
		if (a->next_cp == 0)
			memcpy(a->origin, cp.origin, sizeof a->origin);
		else if (strcmp(a->origin, cp.origin) != 0)
			return ds_error_set(DS_ECORRUPT, "seal log checkpoint %llu: origin \"%s\" differs "
					    "from \"%s\"", (unsigned long long)r->size, cp.origin, a->origin);
		a->next_cp++;
	}
	return 0;
}

static int audit_cb(void *ctx, const struct ds_seallog_leaf *l)
{
	struct audit *a = ctx;
	struct ds_merkle_hash h;
	int err;

	if (l->index != a->st.size)
		return ds_error_set(DS_ECORRUPT, "seal log: leaf %llu missing",
				    (unsigned long long)a->st.size);
	if ((err = leaf_check(l, &h)) < 0 || (err = ds_merkle_stream_append(&a->st, &h)) < 0)
		return err;
	return audit_cps(a);
}

int ds_seallog_audit(ds_catalog *c, const ds_seallog_key *key, uint64_t *nleaves,
		     size_t *ncheckpoints)
{
	struct ds_seallog_checkpoint_row *cps = NULL;
	struct audit *a = calloc(1, sizeof *a);
	uint64_t count = 0;
	size_t n = 0;
	int err;

	if (nleaves != NULL)
		*nleaves = 0;
	if (ncheckpoints != NULL)
		*ncheckpoints = 0;
	if (a == NULL)
		return ds_error_set(DS_ENOMEM, "seal log: out of memory");
	/* Checkpoints first: a checkpoint never exceeds the log, and the log
	 * only grows, so every checkpoint read is within the size read after. */
	if ((err = ds_catalog_seallog_checkpoint_list(c, &cps, &n)) < 0 ||
	    (err = ds_catalog_seallog_size(c, &count)) < 0)
		goto done;
	a->cps = cps;
	a->ncps = n;
	a->key = key;
	a->c = c;
	/* Checkpoints' event heads are compared with a whole chain only; a
	 * broken chain is reported by ds_catalog_event_chain_verify itself. */
	err = ds_catalog_event_chain_verify(c, &a->head, NULL);
	if (err == DS_ECORRUPT)
		ds_error_clear();
	else if (err < 0)
		goto done;
	else
		a->chain_ok = 1;
	err = 0;
	if ((err = audit_cps(a)) < 0) /* a checkpoint of the empty log */
		goto done;
	if ((err = ds_catalog_seallog_leaf_each(c, 0, count, audit_cb, a)) < 0)
		goto done;
	if (a->st.size != count) {
		err = ds_error_set(DS_ECORRUPT, "seal log: %llu leaves read where %llu were expected",
				   (unsigned long long)a->st.size, (unsigned long long)count);
		goto done;
	}
	if (a->next_cp != n) {
		err = ds_error_set(DS_ECORRUPT, "seal log checkpoint %llu: larger than the log (%llu leaves)",
				   (unsigned long long)cps[a->next_cp].size, (unsigned long long)count);
		goto done;
	}
	if (nleaves != NULL)
		*nleaves = count;
	if (ncheckpoints != NULL)
		*ncheckpoints = n;
done:
	free(cps);
	free(a);
	return err;
}

int ds_seallog_verify_against(ds_catalog *c, const struct ds_checkpoint *cp, char *reason,
			      size_t reason_n)
{
	struct ds_merkle_hash *hashes = NULL, root;
	struct ds_event_head head;
	char r[DS_SEALLOG_REASON_MAX];
	uint64_t count = 0;
	int err;

	ds_seallog__reason(reason, reason_n, "");
	if ((err = ds_catalog_seallog_size(c, &count)) < 0)
		return err;
	if (cp->size > count) {
		if (snprintf(r, sizeof r, "rolled back: the checkpoint has %llu leaves, the log now "
			     "%llu (leaves removed)", (unsigned long long)cp->size,
			     (unsigned long long)count) < 0)
			r[0] = '\0';
		ds_seallog__reason(reason, reason_n, r);
		return ds_error_set(DS_ESIG, "seal log: %s", r);
	}
	if ((err = load_hashes(c, cp->size, &hashes)) < 0)
		goto done;
	if ((err = ds_merkle_root(&root, hashes, cp->size)) < 0)
		goto done;
	if (CRYPTO_memcmp(root.b, cp->root.b, DS_MERKLE_HASH_LEN) != 0) {
		if (snprintf(r, sizeof r, "rolled back: the log's first %llu leaves no longer give "
			     "the checkpoint's head (leaves replaced)", (unsigned long long)cp->size) < 0)
			r[0] = '\0';
		ds_seallog__reason(reason, reason_n, r);
		err = ds_error_set(DS_ESIG, "seal log: %s", r);
		goto done;
	}
	if (cp->has_events) {
		if ((err = ds_catalog_event_chain_verify(c, &head, NULL)) < 0) {
			ds_seallog__reason(reason, reason_n, ds_error_last());
			goto done;
		}
		err = events_check(c, cp, &head, reason, reason_n);
	}
done:
	free(hashes);
	return err;
}
