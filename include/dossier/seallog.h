/* dossier — the seal log: an append-only Merkle log of every seal applied,
 * with signed checkpoints (FORMATS.md, "Seal log").
 *
 * Three layers:
 *  - ds_merkle_*: pure RFC 9162 §2.1 hashing over arrays of leaf hashes
 *    (tree head, inclusion and consistency proofs, their verification);
 *  - ds_checkpoint_* and ds_seallog_key_*: C2SP signed-note checkpoints
 *    (tlog-checkpoint) signed with the log's Ed25519 key;
 *  - ds_seallog_*: the log kept in the catalog (leaves and checkpoints are
 *    append-only tables), and offline verification of a seal against a
 *    checkpoint and a proof file.
 *
 * Every parser here takes untrusted bytes and is bounded: lines, counts,
 * base64 and decimal values are checked before use.
 */
#ifndef DOSSIER_SEALLOG_H
#define DOSSIER_SEALLOG_H

#include <stddef.h>
#include <stdint.h>

#include "dossier/catalog.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DS_MERKLE_HASH_LEN 32
/* A proof never has more hashes than this (a tree of < 2^63 leaves needs
 * at most 63 for inclusion and 64 for consistency). */
#define DS_SEALLOG_PROOF_MAX 64
/* Tree sizes are below 2^63 (SQLite integers). */
#define DS_SEALLOG_SIZE_MAX ((uint64_t)INT64_MAX)
#define DS_SEALLOG_LEAF_MAX 512          /* leaf text, bytes incl. NUL */
#define DS_SEALLOG_ORIGIN_MAX 256        /* origin / key name, bytes incl. NUL */
#define DS_SEALLOG_NOTE_MAX 8192         /* a checkpoint note file, bytes */
#define DS_SEALLOG_PROOF_TEXT_MAX 8192   /* a proof file, bytes */
#define DS_SEALLOG_SIGS_MAX 16           /* signature lines in a note */
#define DS_SEALLOG_EXT_LINES_MAX 16      /* extension lines in a checkpoint */
#define DS_SEALLOG_REASON_MAX 256
#define DS_SEALLOG_DEFAULT_ORIGIN "dossier/seal-log"
#define DS_SEALLOG_LEAF_PREFIX "dossier-seal/1"

struct ds_merkle_hash {
	unsigned char b[DS_MERKLE_HASH_LEN];
};

/* ---- RFC 9162 §2.1 hashing (signer/merkle.c) ---- */

/* SHA-256(0x00 ‖ leaf). */
int ds_merkle_leaf_hash(struct ds_merkle_hash *out, const void *leaf, size_t len);
/* SHA-256(0x01 ‖ left ‖ right). */
int ds_merkle_node_hash(struct ds_merkle_hash *out, const struct ds_merkle_hash *left,
			const struct ds_merkle_hash *right);
/* The tree head MTH of the first `n` leaf hashes (n = 0: SHA-256("")). */
int ds_merkle_root(struct ds_merkle_hash *out, const struct ds_merkle_hash *leaves, uint64_t n);

/* PATH(index, D[n]) into out[DS_SEALLOG_PROOF_MAX]; *nout hashes, leaf side
 * first. DS_EINVALID when index >= n. */
int ds_merkle_inclusion_proof(struct ds_merkle_hash *out, size_t *nout,
			      const struct ds_merkle_hash *leaves, uint64_t n, uint64_t index);
/* RFC 9162 §2.1.3.2. 0 when the proof shows leaf_hash at `index` in the tree
 * of `size` leaves whose head is `root`; DS_ESIG otherwise (the message says
 * why); DS_EINVALID for impossible arguments. */
int ds_merkle_inclusion_verify(const struct ds_merkle_hash *leaf_hash, uint64_t index,
			       uint64_t size, const struct ds_merkle_hash *proof, size_t nproof,
			       const struct ds_merkle_hash *root);

/* PROOF(m, D[n]) for 0 <= m <= n into out[DS_SEALLOG_PROOF_MAX] (empty when
 * m = 0 or m = n). */
int ds_merkle_consistency_proof(struct ds_merkle_hash *out, size_t *nout,
				const struct ds_merkle_hash *leaves, uint64_t n, uint64_t m);
/* RFC 9162 §2.1.4.2, plus: size 0 is consistent with anything when its head
 * is SHA-256("") and the proof is empty; equal sizes need equal heads and
 * an empty proof. 0 or DS_ESIG (DS_EINVALID when old_size > new_size). */
int ds_merkle_consistency_verify(uint64_t old_size, uint64_t new_size,
				 const struct ds_merkle_hash *old_root,
				 const struct ds_merkle_hash *new_root,
				 const struct ds_merkle_hash *proof, size_t nproof);

/* Tree heads of growing prefixes in O(log n) memory: the roots of the
 * complete subtrees the leaves so far make (node[i] when bit i of size is
 * set). Zero-initialise, then append leaf hashes in order. */
struct ds_merkle_stream {
	uint64_t size;
	struct ds_merkle_hash node[64];
};
int ds_merkle_stream_append(struct ds_merkle_stream *s, const struct ds_merkle_hash *leaf_hash);
/* MTH of the leaves appended so far. */
int ds_merkle_stream_root(const struct ds_merkle_stream *s, struct ds_merkle_hash *out);

/* ---- keys and checkpoints (signer/seallog_note.c) ---- */

/* The log's Ed25519 key, private (for signing) or public only, with the
 * key name used in signature lines. */
typedef struct ds_seallog_key ds_seallog_key;

/* Loads the private key from an encrypted PKCS#8 PEM file (pki/log.key).
 * `name` is the key name of the signature lines (no spaces, no '+', no
 * control characters). DS_EAUTH for a wrong passphrase, DS_EPERM for a key
 * file readable by group or others, DS_EINVALID for a key that is not
 * Ed25519. The library wipes what it copied of the passphrase. */
int ds_seallog_key_load_private(ds_seallog_key **out, const char *pem_path, const char *name,
				const char *passphrase, size_t passphrase_len);
/* Loads a public key (PEM "PUBLIC KEY", pki/log.pub). */
int ds_seallog_key_load_public(ds_seallog_key **out, const char *pem_path, const char *name);
/* From 32 raw bytes (tests, vkey strings). */
int ds_seallog_key_from_raw_public(ds_seallog_key **out, const unsigned char pub[32],
				   const char *name);
/* Re-encrypts the private key file under a new passphrase (the log key's
 * own, so that checkpoints can be signed without the root's): decrypts with
 * `old_pass`, writes PEM_PATH.new (0600), reads it back with `new_pass`,
 * then renames it over PEM_PATH. DS_EAUTH for a wrong old passphrase. */
int ds_seallog_key_rewrap(const char *pem_path, const char *old_pass, size_t old_len,
			  const char *new_pass, size_t new_len);
void ds_seallog_key_free(ds_seallog_key *k);
/* Borrowed. */
const char *ds_seallog_key_name(const ds_seallog_key *k);
/* The C2SP key id: first 4 bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key),
 * big-endian. */
uint32_t ds_seallog_key_id(const ds_seallog_key *k);
int ds_seallog_key_id_compute(uint32_t *out, const char *name, const unsigned char pub[32]);
/* The C2SP verifier key "name+hex8 id+base64(0x01 ‖ public key)". */
int ds_seallog_key_vkey(const ds_seallog_key *k, char *out, size_t n);

/* A checkpoint body: origin, tree size, root hash, and (when has_events)
 * the extension line "dossier-events/1 <id> <base64 hash>": the event chain
 * head it commits to (the last event's id and chain hash, catalog.h). */
#define DS_SEALLOG_EVENTS_EXT "dossier-events/1"
struct ds_checkpoint {
	char origin[DS_SEALLOG_ORIGIN_MAX];
	uint64_t size;
	struct ds_merkle_hash root;
	int has_events;
	uint64_t events; /* the last event's id (0: no events yet) */
	struct ds_merkle_hash events_head;
};

/* Signs `cp` as a C2SP signed note (text "origin\nsize\nbase64(root)\n", a
 * blank line, one "— name base64(keyid ‖ sig)" line), then verifies what it
 * signed. *out is malloc'd and NUL-terminated; free() it. */
int ds_checkpoint_sign(char **out, size_t *out_len, const struct ds_checkpoint *cp,
		       const ds_seallog_key *key);
/* Parses a signed note and verifies the signature line whose key name and
 * id match `key` (other signature lines are ignored, as C2SP says; at least
 * one must match and verify). When `key` has no name (loaded with name
 * NULL) the checkpoint's origin is used as the key name. On failure a short
 * reason goes to `reason` (may be NULL) and the code is DS_EINVALID for
 * malformed text, DS_ESIG for a missing or bad signature. */
int ds_checkpoint_verify(struct ds_checkpoint *out, const char *text, size_t len,
			 const ds_seallog_key *key, char *reason, size_t reason_n);
/* Parses the body only (no signature check): for listing and for auditors
 * who check signatures elsewhere. */
int ds_checkpoint_parse(struct ds_checkpoint *out, const char *text, size_t len,
			char *reason, size_t reason_n);

/* ---- proofs (the output of `dossier log prove`) ---- */

/* Leaf index, tree size, then the hashes. */
struct ds_seallog_proof {
	uint64_t index;
	uint64_t size;
	size_t n;
	struct ds_merkle_hash hash[DS_SEALLOG_PROOF_MAX];
};
/* "index\nsize\nhex\nhex\n…": decimal without sign or leading zeros, 64
 * lowercase or uppercase hex digits a hash, LF or CRLF line ends. */
int ds_seallog_proof_parse(struct ds_seallog_proof *out, const char *text, size_t len,
			   char *reason, size_t reason_n);
/* Formats as above into a malloc'd NUL-terminated string. */
int ds_seallog_proof_format(char **out, const struct ds_seallog_proof *p);

/* A consistency proof file (`dossier log consistency`): old size, new size,
 * then the hashes, in the same line format. */
struct ds_seallog_cproof {
	uint64_t old_size;
	uint64_t new_size;
	size_t n;
	struct ds_merkle_hash hash[DS_SEALLOG_PROOF_MAX];
};
/* As ds_seallog_proof_parse, with old_size <= new_size (old may be 0). */
int ds_seallog_cproof_parse(struct ds_seallog_cproof *out, const char *text, size_t len,
			    char *reason, size_t reason_n);
int ds_seallog_cproof_format(char **out, const struct ds_seallog_cproof *p);

/* ---- leaves ---- */

/* "dossier-seal/1 <code> <seal-id> <sha256 hex> <YYYY-MM-DDTHH:MM:SSZ>".
 * Code and seal id are 1..63 printable ASCII characters without spaces; the
 * hash is 64 lowercase hex digits (uppercase is lowered). */
int ds_seallog_leaf_text(char *out, size_t n, const char *dossier_code, const char *seal_id,
			 const char *p7s_sha256_hex, int64_t sealed_at);

/* ---- the log in the catalog ---- */

/* Appends the leaf for a seal. Runs inside the caller's open transaction
 * (ds_catalog_begin), which should be the one writing the seal's event, so
 * that a seal is never recorded without its leaf; without an open
 * transaction it uses its own. *index_out (may be NULL) gets the leaf index. */
int ds_seallog_append(ds_catalog *c, const char *dossier_code, const char *seal_id,
		      const char *p7s_sha256_hex, int64_t sealed_at, uint64_t *index_out);

/* Signs a checkpoint of the whole log as it is now and stores it, after
 * checking that the new tree is consistent with the latest stored
 * checkpoint (recomputing both heads from the leaves, each leaf hash from
 * its text). When the log has not grown since the latest checkpoint, that
 * checkpoint is returned and nothing is signed. Holds the catalog's write
 * lock only to store the checkpoint (reading and signing happen before),
 * so call it outside a transaction. DS_ECORRUPT when the stored
 * leaves no longer give the latest checkpoint (nothing is signed then),
 * DS_EINVALID when `origin` differs from the stored checkpoints'.
 * *note_out is malloc'd. */
int ds_seallog_checkpoint(ds_catalog *c, const ds_seallog_key *key, const char *origin,
			  int64_t now, char **note_out, struct ds_checkpoint *cp_out);

/* The inclusion proof for the latest leaf of `dossier_code` (or the one with
 * `seal_id` when not NULL) in the tree of `size` leaves; size 0 means the
 * latest stored checkpoint's size. DS_ENOTFOUND when there is no such leaf
 * or no checkpoint; DS_ESTATE when the leaf is newer than the checkpoint
 * (sign a new one first). `leaf_out` (may be NULL, DS_SEALLOG_LEAF_MAX
 * bytes) receives the leaf text. */
int ds_seallog_prove(ds_catalog *c, const char *dossier_code, const char *seal_id, uint64_t size,
		     struct ds_seallog_proof *out, char *leaf_out);

/* The same for the leaf at `index` (a dossier sealed more than once has
 * several: `dossier log list CODE`); its dossier code goes to
 * dossier_code_out (may be NULL). */
int ds_seallog_prove_index(ds_catalog *c, uint64_t index, uint64_t size,
			   struct ds_seallog_proof *out, char *leaf_out,
			   char dossier_code_out[DS_CODE_MAX]);

/* The consistency proof between two tree sizes of the catalog's log. */
int ds_seallog_consistency(ds_catalog *c, uint64_t old_size, uint64_t new_size,
			   struct ds_merkle_hash *out, size_t *nout);

/* Recomputes every leaf hash from its text and every stored checkpoint's
 * head from the leaves; checks each checkpoint's note (its body, and its
 * signature when `key` is not NULL) and that successive checkpoints are
 * consistent. 0 when all agree; DS_ECORRUPT naming the first disagreement.
 * *nleaves and *ncheckpoints (may be NULL) receive the counts checked. */
int ds_seallog_audit(ds_catalog *c, const ds_seallog_key *key, uint64_t *nleaves,
		     size_t *ncheckpoints);

/* Whether this catalog's log still extends `cp` (a checkpoint whose
 * signature the caller verified, typically one saved outside the home): the
 * log has at least its leaves and they give its head, and the event chain is
 * whole and passes through the head it commits to. 0 when it does; DS_ESIG
 * with a reason starting "rolled back" when not; DS_ECORRUPT when a leaf or
 * the event chain is itself broken (the reason says where). */
int ds_seallog_verify_against(ds_catalog *c, const struct ds_checkpoint *cp, char *reason,
			      size_t reason_n);

/* Offline check for `dossier verify --checkpoint C --proof P`: verifies the
 * checkpoint note's signature with the public key in `pubkey_pem_path` (key
 * name: `key_name`, or the checkpoint's origin when NULL), parses the proof,
 * checks that its tree size is the checkpoint's and that `leaf` (the leaf
 * text recomputed from the bundle, see ds_seallog_leaf_text) is included at
 * the proof's index. 0 when it is; DS_ESIG (signature or inclusion fails)
 * or DS_EINVALID (malformed input) with a short reason in `reason`. */
int ds_seallog_verify_inclusion(const char *checkpoint_text, size_t checkpoint_len,
				const char *pubkey_pem_path, const char *key_name,
				const char *proof_text, size_t proof_len, const char *leaf,
				size_t leaf_len, char *reason, size_t reason_n);

/* Offline check for `dossier log verify OLD NEW --proof P`: verifies both
 * checkpoint notes with the public key (as ds_seallog_verify_inclusion),
 * checks they have the same origin, that the proof's sizes are theirs, and
 * that the new tree extends the old one. 0, DS_ESIG or DS_EINVALID with a
 * short reason. */
int ds_seallog_verify_consistency(const char *old_text, size_t old_len, const char *new_text,
				  size_t new_len, const char *pubkey_pem_path, const char *key_name,
				  const char *proof_text, size_t proof_len, char *reason,
				  size_t reason_n);

#ifdef __cplusplus
}
#endif
#endif
