/* Fuzz target: seal log proof files (`dossier log prove` output) and the
 * RFC 9162 verifiers fed with whatever index, size and hashes they hold,
 * as inclusion and as consistency proofs. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dossier/error.h"
#include "dossier/seallog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ds_seallog_proof *p = malloc(sizeof *p);
	char *text = malloc(size ? size : 1), *again = NULL;
	char reason[DS_SEALLOG_REASON_MAX];

	if (p == NULL || text == NULL)
		goto done;
	if (size > 0)
		memcpy(text, data, size);
	if (ds_seallog_proof_parse(p, text, size, reason, sizeof reason) == 0) {
		struct ds_merkle_hash leaf, root;
		memset(&leaf, 0, sizeof leaf);
		root = p->n > 0 ? p->hash[p->n - 1] : leaf;
		(void)ds_merkle_inclusion_verify(&leaf, p->index, p->size, p->hash, p->n, &root);
		(void)ds_merkle_consistency_verify(p->index, p->size, &leaf, &root, p->hash, p->n);
		/* What parses formats back to something that parses the same. */
		if (ds_seallog_proof_format(&again, p) == 0) {
			struct ds_seallog_proof *q = malloc(sizeof *q);
			if (q != NULL) {
				if (ds_seallog_proof_parse(q, again, strlen(again), NULL, 0) != 0 ||
				    q->index != p->index || q->size != p->size || q->n != p->n ||
				    memcmp(q->hash, p->hash, p->n * sizeof p->hash[0]) != 0)
					abort();
				free(q);
			}
		}
	}
	{
		/* The same bytes as a consistency proof file. */
		struct ds_seallog_cproof *c = malloc(sizeof *c);
		if (c != NULL && ds_seallog_cproof_parse(c, text, size, NULL, 0) == 0) {
			struct ds_merkle_hash z;
			memset(&z, 0, sizeof z);
			(void)ds_merkle_consistency_verify(c->old_size, c->new_size, &z,
							   c->n ? &c->hash[0] : &z, c->hash, c->n);
		}
		free(c);
	}
	ds_error_clear();
done:
	free(again);
	free(text);
	free(p);
	return 0;
}
