/* ds-seallog-bench DIR N: figures for bench/seallog.sh, each with the
 * baseline measured in the same run:
 *  - a seal's catalog transaction with its log leaf vs the same transaction
 *    writing only the event (the leaf's cost on the seal path);
 *  - signing a checkpoint over N leaves vs hashing the same N leaf texts
 *    into a tree in memory (the cost of reading and re-verifying stored
 *    leaves);
 *  - an inclusion proof and the audit over N leaves. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dossier/catalog.h"
#include "dossier/error.h"
#include "dossier/seallog.h"
#include "signer/seallog_int.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "ds-seallog-bench: %s: %s\n", what, ds_error_last());
	exit(1);
}

static void leaf_of(long i, char code[32], char hex[65])
{
	if (snprintf(code, 32, "H00-251216-%06ld", i) < 0)
		abort();
	for (int j = 0; j < 64; j++)
		hex[j] = "0123456789abcdef"[(i * 7 + j * 3) % 16];
	hex[64] = 0;
}

int main(int argc, char **argv)
{
	char path[4096], code[32], hex[65], leaf[DS_SEALLOG_LEAF_MAX], *note = NULL, *end = NULL;
	unsigned char seed[32] = { 1, 2, 3 };
	ds_catalog *c = NULL;
	ds_seallog_key *key = NULL;
	struct ds_checkpoint cp;
	struct ds_seallog_proof proof;
	struct ds_merkle_hash *lh, root;
	long n, ntx = 300, i;
	uint64_t cnt = 0;
	size_t ncp = 0;
	double t0, t_event, t_leaf, t_tree, t_cp, t_prove, t_audit;

	if (argc != 3)
		return 64;
	n = strtol(argv[2], &end, 10);
	if (*end != '\0' || n < 2 * ntx || n > 10000000)
		return 64;
	if (snprintf(path, sizeof path, "%s/catalog.db", argv[1]) >= (int)sizeof path)
		return 64;
	if (ds_catalog_open(&c, path, 1) < 0)
		die("open");
	if (ds_seallog__key_from_raw_private(&key, seed, "bench/seal-log") < 0)
		die("key");

	/* The seal path: one transaction per seal (synchronous = FULL), the
	 * two kinds interleaved so that disk noise hits both alike. */
	t_event = t_leaf = 0;
	for (i = 0; i < ntx; i++) {
		leaf_of(i, code, hex);
		t0 = now();
		if (ds_catalog_begin(c) < 0 || ds_catalog_event_add(c, NULL, "bench", "seal", "x") < 0 ||
		    ds_catalog_commit(c) < 0)
			die("event");
		t_event += now() - t0;
		t0 = now();
		if (ds_catalog_begin(c) < 0 || ds_catalog_event_add(c, NULL, "bench", "seal", "x") < 0 ||
		    ds_seallog_append(c, code, "SEAL01", hex, 1765852267 + i, NULL) < 0 ||
		    ds_catalog_commit(c) < 0)
			die("event + leaf");
		t_leaf += now() - t0;
	}
	/* The rest of the N leaves in one transaction (not timed). */
	if (ds_catalog_begin(c) < 0)
		die("begin");
	for (; i < n; i++) {
		leaf_of(i, code, hex);
		if (ds_seallog_append(c, code, "SEAL01", hex, 1765852267 + i, NULL) < 0)
			die("append");
	}
	if (ds_catalog_commit(c) < 0)
		die("commit");

	/* Baseline: the same leaf texts hashed into a tree in memory. */
	if ((lh = malloc((size_t)n * sizeof *lh)) == NULL)
		return 1;
	t0 = now();
	for (i = 0; i < n; i++) {
		leaf_of(i, code, hex);
		if (ds_seallog_leaf_text(leaf, sizeof leaf, code, "SEAL01", hex, 1765852267 + i) < 0 ||
		    ds_merkle_leaf_hash(&lh[i], leaf, strlen(leaf)) < 0)
			die("hash");
	}
	if (ds_merkle_root(&root, lh, (uint64_t)n) < 0)
		die("root");
	t_tree = now() - t0;
	t0 = now();
	if (ds_seallog_checkpoint(c, key, "bench/seal-log", 1765852267, &note, &cp) < 0)
		die("checkpoint");
	t_cp = now() - t0;
	if (memcmp(cp.root.b, root.b, 32) != 0 || cp.size != (uint64_t)n) {
		fprintf(stderr, "ds-seallog-bench: checkpoint head differs from the in-memory tree\n");
		return 1;
	}
	t0 = now();
	leaf_of(n / 3, code, hex);
	if (ds_seallog_prove(c, code, NULL, 0, &proof, NULL) < 0)
		die("prove");
	t_prove = now() - t0;
	t0 = now();
	if (ds_seallog_audit(c, key, &cnt, &ncp) < 0)
		die("audit");
	t_audit = now() - t0;

	printf("seal_tx_event_only_ms %.3f\n", t_event * 1e3 / (double)ntx);
	printf("seal_tx_with_leaf_ms %.3f\n", t_leaf * 1e3 / (double)ntx);
	printf("seal_tx_ratio %.2f\n", t_leaf / t_event);
	printf("tree_in_memory_s %.3f\n", t_tree);
	printf("checkpoint_s %.3f\n", t_cp);
	printf("checkpoint_ratio %.2f\n", t_cp / t_tree);
	printf("prove_s %.3f\n", t_prove);
	printf("audit_s %.3f\n", t_audit);
	printf("leaves %ld\n", n);
	printf("proof_hashes %zu\n", proof.n);
	free(note);
	free(lh);
	ds_seallog_key_free(key);
	ds_catalog_free(c);
	return 0;
}
