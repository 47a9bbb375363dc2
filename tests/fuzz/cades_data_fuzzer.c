/* Fuzz target: ds_cades_verify on arbitrary CMS bytes (DER parsing of the
 * SignedData, the certificates, CRLs and timestamp token it carries, then
 * every check). Input: 4-byte big-endian length L, L bytes of p7s, the rest
 * is the signed content. Trust roots: tests/fuzz/data/root.pem, the root
 * of the seed bundles, so seeds reach the chain and timestamp checks. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dossier/signer.h"

#ifndef DS_FUZZ_DATA
#error "DS_FUZZ_DATA must name tests/fuzz/data"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ds_cades_report rep;
	struct ds_verify_opts o = {
		.trust_pem_path = DS_FUZZ_DATA "/root.pem",
		.now = DS_FUZZ_NOW,
	};
	if (size < 4)
		return 0;
	size_t l = (size_t)data[0] << 24 | (size_t)data[1] << 16 | (size_t)data[2] << 8 | data[3];
	if (l > size - 4)
		l = size - 4;
	memset(&rep, 0, sizeof rep);
	(void)ds_cades_verify(data + 4, l, data + 4 + l, size - 4 - l, &o, &rep);
	if (getenv("DS_FUZZ_VERBOSE")) /* to see what the seeds reach */
		fprintf(stderr, "%s %s\n", ds_indication_name(rep.indication), rep.sub_indication);
	if (!memchr(rep.signer_subject, '\0', sizeof rep.signer_subject) ||
	    rep.nchecks > DS_CHECKS_MAX)
		__builtin_trap();
	return 0;
}
