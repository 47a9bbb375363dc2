/* RFC 9162 §2.1 Merkle tree hashing: tree heads, inclusion and consistency
 * proofs and their verification. Pure functions over arrays of leaf hashes;
 * the only failure besides bad arguments is the hash library failing. */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "dossier/error.h"
#include "dossier/seallog.h"

/* SHA-256 fetched once: OpenSSL 3's implicit fetch on every SHA256() call
 * costs more than the hash itself for 65-byte nodes (about 2.5x here). The
 * method stays loaded for the life of the process. */
static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void sha256_fetch(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static const EVP_MD *sha256(void)
{
	if (pthread_once(&sha256_once, sha256_fetch) != 0 || sha256_md == NULL)
		return EVP_sha256();
	return sha256_md;
}

int ds_merkle_leaf_hash(struct ds_merkle_hash *out, const void *leaf, size_t len)
{
	static const unsigned char zero = 0x00;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int olen = 0;
	int err = 0;

	if (ctx == NULL)
		return ds_error_set(DS_ENOMEM, "merkle: out of memory");
	if (EVP_DigestInit_ex(ctx, sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, &zero, 1) != 1 ||
	    (len > 0 && EVP_DigestUpdate(ctx, leaf, len) != 1) ||
	    EVP_DigestFinal_ex(ctx, out->b, &olen) != 1 || olen != DS_MERKLE_HASH_LEN)
		err = ds_error_set_openssl(DS_ECRYPTO, "merkle: leaf hash failed");
	EVP_MD_CTX_free(ctx);
	return err;
}

int ds_merkle_node_hash(struct ds_merkle_hash *out, const struct ds_merkle_hash *left,
			const struct ds_merkle_hash *right)
{
	unsigned char buf[1 + 2 * DS_MERKLE_HASH_LEN];
	unsigned int olen = 0;

	buf[0] = 0x01;
	memcpy(buf + 1, left->b, DS_MERKLE_HASH_LEN);
	memcpy(buf + 1 + DS_MERKLE_HASH_LEN, right->b, DS_MERKLE_HASH_LEN);
	if (EVP_Digest(buf, sizeof buf, out->b, &olen, sha256(), NULL) != 1 ||
	    olen != DS_MERKLE_HASH_LEN)
		return ds_error_set_openssl(DS_ECRYPTO, "merkle: node hash failed");
	return 0;
}

/* The largest power of two strictly below n (n >= 2). */
static uint64_t split(uint64_t n)
{
	uint64_t k = 1;
	while (k < n - k) /* k * 2 < n without overflow */
		k <<= 1;
	return k;
}

/* MTH(D[n]) for n >= 1. Recursion depth is at most 64. */
static int mth(struct ds_merkle_hash *out, const struct ds_merkle_hash *d, uint64_t n)
{
	struct ds_merkle_hash l, r;
	uint64_t k;
	int err;

	if (n == 1) {
		*out = d[0];
		return 0;
	}
	k = split(n);
	if ((err = mth(&l, d, k)) < 0 || (err = mth(&r, d + k, n - k)) < 0)
		return err;
	return ds_merkle_node_hash(out, &l, &r);
}

int ds_merkle_root(struct ds_merkle_hash *out, const struct ds_merkle_hash *leaves, uint64_t n)
{
	if (n > DS_SEALLOG_SIZE_MAX)
		return ds_error_set(DS_ETOOBIG, "merkle: tree size %llu too large",
				    (unsigned long long)n);
	if (n == 0) {
		if (EVP_Digest("", 0, out->b, NULL, sha256(), NULL) != 1)
			return ds_error_set_openssl(DS_ECRYPTO, "merkle: hash failed");
		return 0;
	}
	return mth(out, leaves, n);
}

static int push(struct ds_merkle_hash *out, size_t *nout, const struct ds_merkle_hash *h)
{
	if (*nout >= DS_SEALLOG_PROOF_MAX)
		return ds_error_set(DS_ETOOBIG, "merkle: proof longer than %d hashes",
				    DS_SEALLOG_PROOF_MAX);
	out[(*nout)++] = *h;
	return 0;
}

/* PATH(m, D[n]) appended to out: the deeper hashes first. */
static int path(struct ds_merkle_hash *out, size_t *nout, uint64_t m,
		const struct ds_merkle_hash *d, uint64_t n)
{
	struct ds_merkle_hash sib;
	uint64_t k;
	int err;

	if (n <= 1)
		return 0;
	k = split(n);
	if (m < k) {
		if ((err = path(out, nout, m, d, k)) < 0 || (err = mth(&sib, d + k, n - k)) < 0)
			return err;
	} else {
		if ((err = path(out, nout, m - k, d + k, n - k)) < 0 || (err = mth(&sib, d, k)) < 0)
			return err;
	}
	return push(out, nout, &sib);
}

int ds_merkle_inclusion_proof(struct ds_merkle_hash *out, size_t *nout,
			      const struct ds_merkle_hash *leaves, uint64_t n, uint64_t index)
{
	*nout = 0;
	if (n > DS_SEALLOG_SIZE_MAX || index >= n)
		return ds_error_set(DS_EINVALID, "merkle: leaf %llu not in a tree of %llu",
				    (unsigned long long)index, (unsigned long long)n);
	return path(out, nout, index, leaves, n);
}

/* SUBPROOF(m, D[n], b). */
static int subproof(struct ds_merkle_hash *out, size_t *nout, uint64_t m,
		    const struct ds_merkle_hash *d, uint64_t n, int b)
{
	struct ds_merkle_hash h;
	uint64_t k;
	int err;

	if (m == n) {
		if (b)
			return 0;
		if ((err = mth(&h, d, n)) < 0)
			return err;
		return push(out, nout, &h);
	}
	k = split(n);
	if (m <= k) {
		if ((err = subproof(out, nout, m, d, k, b)) < 0 || (err = mth(&h, d + k, n - k)) < 0)
			return err;
	} else {
		if ((err = subproof(out, nout, m - k, d + k, n - k, 0)) < 0 ||
		    (err = mth(&h, d, k)) < 0)
			return err;
	}
	return push(out, nout, &h);
}

int ds_merkle_consistency_proof(struct ds_merkle_hash *out, size_t *nout,
				const struct ds_merkle_hash *leaves, uint64_t n, uint64_t m)
{
	*nout = 0;
	if (n > DS_SEALLOG_SIZE_MAX || m > n)
		return ds_error_set(DS_EINVALID, "merkle: no consistency proof from %llu to %llu",
				    (unsigned long long)m, (unsigned long long)n);
	if (m == 0 || m == n)
		return 0;
	return subproof(out, nout, m, leaves, n, 1);
}

static int same(const struct ds_merkle_hash *a, const struct ds_merkle_hash *b)
{
	return CRYPTO_memcmp(a->b, b->b, DS_MERKLE_HASH_LEN) == 0;
}

int ds_merkle_inclusion_verify(const struct ds_merkle_hash *leaf_hash, uint64_t index,
			       uint64_t size, const struct ds_merkle_hash *proof, size_t nproof,
			       const struct ds_merkle_hash *root)
{
	struct ds_merkle_hash r = *leaf_hash;
	uint64_t fn = index, sn;
	size_t i;
	int err;

	if (size == 0 || size > DS_SEALLOG_SIZE_MAX || index >= size)
		return ds_error_set(DS_ESIG, "inclusion proof: leaf index %llu not below tree size %llu",
				    (unsigned long long)index, (unsigned long long)size);
	if (nproof > DS_SEALLOG_PROOF_MAX)
		return ds_error_set(DS_ESIG, "inclusion proof: too many hashes");
	sn = size - 1;
	for (i = 0; i < nproof; i++) {
		if (sn == 0)
			return ds_error_set(DS_ESIG, "inclusion proof: too many hashes for the tree size");
		if ((fn & 1) || fn == sn) {
			if ((err = ds_merkle_node_hash(&r, &proof[i], &r)) < 0)
				return err;
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			if ((err = ds_merkle_node_hash(&r, &r, &proof[i])) < 0)
				return err;
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0)
		return ds_error_set(DS_ESIG, "inclusion proof: too few hashes for the tree size");
	if (!same(&r, root))
		return ds_error_set(DS_ESIG, "inclusion proof: computed root does not match");
	return 0;
}

int ds_merkle_consistency_verify(uint64_t old_size, uint64_t new_size,
				 const struct ds_merkle_hash *old_root,
				 const struct ds_merkle_hash *new_root,
				 const struct ds_merkle_hash *proof, size_t nproof)
{
	struct ds_merkle_hash path_[DS_SEALLOG_PROOF_MAX + 1], fr, sr, empty;
	size_t np = 0, i;
	uint64_t fn, sn;
	int err;

	if (old_size > new_size || new_size > DS_SEALLOG_SIZE_MAX)
		return ds_error_set(DS_EINVALID, "consistency proof: old size %llu above new size %llu",
				    (unsigned long long)old_size, (unsigned long long)new_size);
	if (nproof > DS_SEALLOG_PROOF_MAX)
		return ds_error_set(DS_ESIG, "consistency proof: too many hashes");
	if (old_size == 0) {
		if ((err = ds_merkle_root(&empty, NULL, 0)) < 0)
			return err;
		if (nproof != 0 || !same(old_root, &empty))
			return ds_error_set(DS_ESIG, "consistency proof: bad proof from the empty tree");
		return 0;
	}
	if (old_size == new_size) {
		if (nproof != 0)
			return ds_error_set(DS_ESIG, "consistency proof: equal sizes need an empty proof");
		if (!same(old_root, new_root))
			return ds_error_set(DS_ESIG, "consistency proof: two different roots for size %llu",
					    (unsigned long long)old_size);
		return 0;
	}
	if (nproof == 0)
		return ds_error_set(DS_ESIG, "consistency proof: empty");
	/* An old tree that is a complete subtree is its own first node. */
	if ((old_size & (old_size - 1)) == 0)
		path_[np++] = *old_root;
	for (i = 0; i < nproof; i++)
		path_[np++] = proof[i];

	fn = old_size - 1;
	sn = new_size - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	fr = path_[0];
	sr = path_[0];
	for (i = 1; i < np; i++) {
		if (sn == 0)
			return ds_error_set(DS_ESIG, "consistency proof: too many hashes");
		if ((fn & 1) || fn == sn) {
			if ((err = ds_merkle_node_hash(&fr, &path_[i], &fr)) < 0 ||
			    (err = ds_merkle_node_hash(&sr, &path_[i], &sr)) < 0)
				return err;
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			if ((err = ds_merkle_node_hash(&sr, &sr, &path_[i])) < 0)
				return err;
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0)
		return ds_error_set(DS_ESIG, "consistency proof: too few hashes");
	if (!same(&fr, old_root))
		return ds_error_set(DS_ESIG, "consistency proof: old root does not match");
	if (!same(&sr, new_root))
		return ds_error_set(DS_ESIG, "consistency proof: new root does not match");
	return 0;
}

int ds_merkle_stream_append(struct ds_merkle_stream *s, const struct ds_merkle_hash *leaf_hash)
{
	struct ds_merkle_hash h = *leaf_hash;
	unsigned level = 0;
	int err;

	if (s->size >= DS_SEALLOG_SIZE_MAX)
		return ds_error_set(DS_ETOOBIG, "merkle: tree full");
	while (s->size & ((uint64_t)1 << level)) {
		if ((err = ds_merkle_node_hash(&h, &s->node[level], &h)) < 0)
			return err;
		level++;
	}
	s->node[level] = h;
	s->size++;
	return 0;
}

int ds_merkle_stream_root(const struct ds_merkle_stream *s, struct ds_merkle_hash *out)
{
	struct ds_merkle_hash acc;
	unsigned level = 0;
	int err, have = 0;

	if (s->size == 0)
		return ds_merkle_root(out, NULL, 0);
	for (level = 0; level < 64; level++) {
		if (!(s->size & ((uint64_t)1 << level)))
			continue;
		if (!have) {
			acc = s->node[level];
			have = 1;
		} else if ((err = ds_merkle_node_hash(&acc, &s->node[level], &acc)) < 0) {
			return err;
		}
	}
	*out = acc;
	return 0;
}
