/* Fuzz target: the PDF signature reader and verifier (ds_pades_verify) on
 * an untrusted PDF: bounded qpdf reading, the AcroForm walk, /ByteRange
 * checks against the bytes, the CMS. Seeds in corpus/pades/: PDFs signed by
 * approver and seal (classic xref, xref streams) under data/pades_root.pem,
 * made by tests/archive/ds_pades_tool at PADES_NOW - 1 h, an unsigned one
 * and a truncated one. A signed input that passes must fail once a byte it
 * covers is changed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dossier/pades.h"

#define PADES_NOW 1796541058LL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ds_verify_opts vo = {.trust_pem_path = DS_FUZZ_DATA "/pades_root.pem",
				    .now = PADES_NOW};
	struct ds_pades_report *r = NULL;
	if (ds_pades_verify("fuzz.pdf", data, size, &vo, &r) < 0)
		return 0;
	if (r->indication == DS_TOTAL_PASSED && r->nsigs > 0) {
		/* a byte inside the last signature's first range, changed */
		size_t at = (size_t)r->sigs[r->nsigs - 1].range[1] / 2;
		unsigned char *copy = malloc(size);
		if (!copy)
			abort();
		memcpy(copy, data, size);
		copy[at] ^= 0x20;
		struct ds_pades_report *r2 = NULL;
		if (ds_pades_verify("fuzz.pdf", copy, size, &vo, &r2) == 0 &&
		    r2->indication == DS_TOTAL_PASSED)
			__builtin_trap();
		free(r2);
		free(copy);
	}
	free(r);
	return 0;
}
