/* RFC 9162 hashing: the RFC 6962 reference vectors, and inclusion and
 * consistency proofs for every index and size up to 70 leaves, with forged
 * proofs (flipped bits, wrong index, wrong size, forked trees) rejected. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dossier/error.h"
#include "dossier/seallog.h"

#define NMAX 70

static const char *const ref_leaves_hex[8] = {
	"", "00", "10", "2021", "3031", "40414243", "5051525354555657",
	"606162636465666768696a6b6c6d6e6f",
};
/* Tree heads of the first n reference leaves (RFC 6962 test vectors). */
static const char *const ref_roots[9] = {
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
	"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
	"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
	"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
	"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

static void unhex(const char *s, unsigned char *out, size_t *n)
{
	size_t l = strlen(s), i;
	for (i = 0; i < l / 2; i++) {
		unsigned v;
		char b[3] = { s[2 * i], s[2 * i + 1], 0 };
		v = (unsigned)strtoul(b, NULL, 16);
		out[i] = (unsigned char)v;
	}
	*n = l / 2;
}

static void hash_of(const char *hex, struct ds_merkle_hash *h)
{
	size_t n;
	unhex(hex, h->b, &n);
	assert_int_equal(n, 32);
}

static void ref_tree(struct ds_merkle_hash *lh)
{
	for (int i = 0; i < 8; i++) {
		unsigned char b[32];
		size_t n;
		unhex(ref_leaves_hex[i], b, &n);
		assert_int_equal(ds_merkle_leaf_hash(&lh[i], b, n), 0);
	}
}

/* NMAX leaves: the 8 reference leaves, then "leaf-<i>". */
static void big_tree(struct ds_merkle_hash *lh)
{
	ref_tree(lh);
	for (int i = 8; i < NMAX; i++) {
		char b[32];
		int w = snprintf(b, sizeof b, "leaf-%d", i);
		assert_true(w > 0);
		assert_int_equal(ds_merkle_leaf_hash(&lh[i], b, (size_t)w), 0);
	}
}

static void test_reference_roots(void **state)
{
	struct ds_merkle_hash lh[8], root, want;
	struct ds_merkle_stream st;
	(void)state;
	ref_tree(lh);
	memset(&st, 0, sizeof st);
	for (uint64_t n = 0; n <= 8; n++) {
		hash_of(ref_roots[n], &want);
		assert_int_equal(ds_merkle_root(&root, lh, n), 0);
		assert_memory_equal(root.b, want.b, 32);
		assert_int_equal(ds_merkle_stream_root(&st, &root), 0);
		assert_memory_equal(root.b, want.b, 32);
		if (n < 8)
			assert_int_equal(ds_merkle_stream_append(&st, &lh[n]), 0);
	}
}

struct vec {
	uint64_t a, n;
	size_t np;
	const char *h[3];
};

static void test_reference_proofs(void **state)
{
	/* Inclusion PATH(a, D[n]) and consistency PROOF(a, D[n]) of the
	 * RFC 6962 test vectors. */
	static const struct vec incl[] = {
		{ 0, 8, 3, { "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
			     "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
			     "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4" } },
		{ 5, 8, 3, { "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
			     "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
			     "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" } },
		{ 2, 3, 1, { "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125" } },
		{ 1, 5, 3, { "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
			     "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
			     "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b" } },
	};
	static const struct vec cons[] = {
		{ 1, 8, 3, { "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
			     "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
			     "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4" } },
		{ 6, 8, 3, { "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
			     "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
			     "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" } },
		{ 2, 5, 2, { "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
			     "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b" } },
	};
	struct ds_merkle_hash lh[8], p[DS_SEALLOG_PROOF_MAX], want, r1, r2;
	size_t np, i, j;
	(void)state;
	ref_tree(lh);
	for (i = 0; i < sizeof incl / sizeof incl[0]; i++) {
		assert_int_equal(ds_merkle_inclusion_proof(p, &np, lh, incl[i].n, incl[i].a), 0);
		assert_int_equal(np, incl[i].np);
		for (j = 0; j < np; j++) {
			hash_of(incl[i].h[j], &want);
			assert_memory_equal(p[j].b, want.b, 32);
		}
		assert_int_equal(ds_merkle_root(&r1, lh, incl[i].n), 0);
		assert_int_equal(ds_merkle_inclusion_verify(&lh[incl[i].a], incl[i].a, incl[i].n, p, np, &r1), 0);
	}
	for (i = 0; i < sizeof cons / sizeof cons[0]; i++) {
		assert_int_equal(ds_merkle_consistency_proof(p, &np, lh, cons[i].n, cons[i].a), 0);
		assert_int_equal(np, cons[i].np);
		for (j = 0; j < np; j++) {
			hash_of(cons[i].h[j], &want);
			assert_memory_equal(p[j].b, want.b, 32);
		}
		assert_int_equal(ds_merkle_root(&r1, lh, cons[i].a), 0);
		assert_int_equal(ds_merkle_root(&r2, lh, cons[i].n), 0);
		assert_int_equal(ds_merkle_consistency_verify(cons[i].a, cons[i].n, &r1, &r2, p, np), 0);
	}
}

static void test_inclusion_all(void **state)
{
	static struct ds_merkle_hash lh[NMAX], fork[NMAX], roots[NMAX + 2], froots[NMAX + 1];
	struct ds_merkle_hash p[DS_SEALLOG_PROOF_MAX], q[DS_SEALLOG_PROOF_MAX];
	struct ds_merkle_stream st;
	size_t np, k;
	unsigned long checked = 0;
	(void)state;
	big_tree(lh);
	memset(&st, 0, sizeof st);
	for (uint64_t n = 0; n <= NMAX; n++) {
		struct ds_merkle_hash sr;
		assert_int_equal(ds_merkle_root(&roots[n], lh, n), 0);
		assert_int_equal(ds_merkle_stream_root(&st, &sr), 0);
		assert_memory_equal(sr.b, roots[n].b, 32);
		if (n < NMAX)
			assert_int_equal(ds_merkle_stream_append(&st, &lh[n]), 0);
	}
	for (uint64_t n = 1; n <= NMAX; n++) {
		for (uint64_t i = 0; i < n; i++) {
			assert_int_equal(ds_merkle_inclusion_proof(p, &np, lh, n, i), 0);
			assert_true(np <= 7);
			assert_int_equal(ds_merkle_inclusion_verify(&lh[i], i, n, p, np, &roots[n]), 0);
			checked++;
			/* Every bit of every proof hash matters. */
			for (k = 0; k < np; k++) {
				for (int bit = 0; bit < 256; bit += 37) {
					memcpy(q, p, np * sizeof p[0]);
					q[k].b[bit / 8] ^= (unsigned char)(1u << (bit % 8));
					assert_int_equal(ds_merkle_inclusion_verify(&lh[i], i, n, q, np, &roots[n]),
							 DS_ESIG);
				}
			}
			/* A flipped bit in the leaf or the root. */
			{
				struct ds_merkle_hash bad = lh[i];
				bad.b[31] ^= 1;
				assert_int_equal(ds_merkle_inclusion_verify(&bad, i, n, p, np, &roots[n]), DS_ESIG);
				bad = roots[n];
				bad.b[0] ^= 0x80;
				assert_int_equal(ds_merkle_inclusion_verify(&lh[i], i, n, p, np, &bad), DS_ESIG);
			}
			/* The proof of i does not place the leaf at any other index. */
			for (uint64_t j = 0; j < n + 2; j++) {
				if (j == i)
					continue;
				assert_int_equal(ds_merkle_inclusion_verify(&lh[i], j, n, p, np, &roots[n]), DS_ESIG);
			}
			/* Nor in a tree of another size (with that tree's true root). */
			if (n > 1)
				assert_int_equal(ds_merkle_inclusion_verify(&lh[i], i, n - 1, p, np, &roots[n - 1]),
						 DS_ESIG);
			if (n < NMAX)
				assert_int_equal(ds_merkle_inclusion_verify(&lh[i], i, n + 1, p, np, &roots[n + 1]),
						 DS_ESIG);
			/* Dropping or adding a hash breaks it. */
			if (np > 0)
				assert_int_equal(ds_merkle_inclusion_verify(&lh[i], i, n, p, np - 1, &roots[n]), DS_ESIG);
			p[np] = p[0];
			assert_int_equal(ds_merkle_inclusion_verify(&lh[i], i, n, p, np + 1, &roots[n]), DS_ESIG);
		}
	}
	/* Forked tree: one leaf replaced; proofs from the real tree fail
	 * against the fork's head, except for the replaced leaf's own subtree
	 * none, and the forked leaf is not provable against the real head. */
	memcpy(fork, lh, sizeof fork);
	assert_int_equal(ds_merkle_leaf_hash(&fork[20], "forged", 6), 0);
	for (uint64_t n = 21; n <= NMAX; n++) {
		assert_int_equal(ds_merkle_root(&froots[n], fork, n), 0);
		for (uint64_t i = 0; i < n; i++) {
			assert_int_equal(ds_merkle_inclusion_proof(p, &np, lh, n, i), 0);
			assert_int_equal(ds_merkle_inclusion_verify(&lh[i], i, n, p, np, &froots[n]), DS_ESIG);
			assert_int_equal(ds_merkle_inclusion_proof(p, &np, fork, n, i), 0);
			assert_int_equal(ds_merkle_inclusion_verify(&fork[i], i, n, p, np, &roots[n]), DS_ESIG);
		}
	}
	/* Impossible arguments. */
	assert_int_equal(ds_merkle_inclusion_proof(p, &np, lh, 5, 5), DS_EINVALID);
	assert_int_equal(ds_merkle_inclusion_verify(&lh[0], 0, 0, p, 0, &roots[0]), DS_ESIG);
	assert_int_equal(ds_merkle_inclusion_verify(&lh[0], 0, 1, p, DS_SEALLOG_PROOF_MAX + 1, &roots[1]),
			 DS_ESIG);
	print_message("inclusion proofs checked: %lu\n", checked);
}

static void test_consistency_all(void **state)
{
	static struct ds_merkle_hash lh[NMAX], fork[NMAX], roots[NMAX + 1], froots[NMAX + 1];
	struct ds_merkle_hash p[DS_SEALLOG_PROOF_MAX + 1], q[DS_SEALLOG_PROOF_MAX + 1];
	size_t np, k;
	unsigned long checked = 0;
	(void)state;
	big_tree(lh);
	memcpy(fork, lh, sizeof fork);
	assert_int_equal(ds_merkle_leaf_hash(&fork[3], "forged", 6), 0);
	for (uint64_t n = 0; n <= NMAX; n++) {
		assert_int_equal(ds_merkle_root(&roots[n], lh, n), 0);
		assert_int_equal(ds_merkle_root(&froots[n], fork, n), 0);
	}
	for (uint64_t n = 0; n <= NMAX; n++) {
		for (uint64_t m = 0; m <= n; m++) {
			assert_int_equal(ds_merkle_consistency_proof(p, &np, lh, n, m), 0);
			assert_int_equal(ds_merkle_consistency_verify(m, n, &roots[m], &roots[n], p, np), 0);
			checked++;
			for (k = 0; k < np; k++) {
				for (int bit = 0; bit < 256; bit += 53) {
					memcpy(q, p, np * sizeof p[0]);
					q[k].b[bit / 8] ^= (unsigned char)(1u << (bit % 8));
					assert_int_equal(ds_merkle_consistency_verify(m, n, &roots[m], &roots[n], q, np),
							 DS_ESIG);
				}
			}
			/* Wrong sizes, with the true heads of those sizes. */
			if (m + 1 < n)
				assert_int_equal(ds_merkle_consistency_verify(m + 1, n, &roots[m + 1], &roots[n], p, np),
						 DS_ESIG);
			if (m > 0 && m < n)
				assert_int_equal(ds_merkle_consistency_verify(m - 1, n, &roots[m - 1], &roots[n], p, np),
						 DS_ESIG);
			if (n < NMAX && m > 0 && m < n)
				assert_int_equal(ds_merkle_consistency_verify(m, n + 1, &roots[m], &roots[n + 1], p, np),
						 DS_ESIG);
			/* A forked history: an old head of the fork (leaf 3 replaced)
			 * with the real new head, and the other way round. */
			if (m > 3 && m < n) {
				assert_int_equal(ds_merkle_consistency_verify(m, n, &froots[m], &roots[n], p, np),
						 DS_ESIG);
				assert_int_equal(ds_merkle_consistency_verify(m, n, &roots[m], &froots[n], p, np),
						 DS_ESIG);
				assert_int_equal(ds_merkle_consistency_proof(q, &k, fork, n, m), 0);
				assert_int_equal(ds_merkle_consistency_verify(m, n, &roots[m], &froots[n], q, k),
						 DS_ESIG);
			}
			/* A truncated or padded proof. */
			if (np > 0)
				assert_int_equal(ds_merkle_consistency_verify(m, n, &roots[m], &roots[n], p, np - 1),
						 DS_ESIG);
			if (m > 0) {
				p[np] = roots[n];
				assert_int_equal(ds_merkle_consistency_verify(m, n, &roots[m], &roots[n], p, np + 1),
						 DS_ESIG);
			}
		}
	}
	/* Equal sizes with different heads (a fork at the same size). */
	assert_int_equal(ds_merkle_consistency_verify(10, 10, &roots[10], &froots[10], p, 0), DS_ESIG);
	/* The empty tree must have the empty head. */
	assert_int_equal(ds_merkle_consistency_verify(0, 5, &roots[1], &roots[5], p, 0), DS_ESIG);
	assert_int_equal(ds_merkle_consistency_verify(5, 4, &roots[5], &roots[4], p, 0), DS_EINVALID);
	assert_int_equal(ds_merkle_consistency_proof(p, &np, lh, 4, 5), DS_EINVALID);
	print_message("consistency proofs checked: %lu\n", checked);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference_roots),
		cmocka_unit_test(test_reference_proofs),
		cmocka_unit_test(test_inclusion_all),
		cmocka_unit_test(test_consistency_all),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
