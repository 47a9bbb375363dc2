/* Fuzz target: the ASiCManifest XML parser of `verify` alone
 * (ds_archive__manifest_parse: libxml2 without DTD, entities or network,
 * then our shape checks). */
#include <stdint.h>
#include <string.h>

#include "archive/archive_int.h"
#include "dossier/archive.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ds_asic_manifest m;
	memset(&m, 0, sizeof m);
	if (ds_archive__manifest_parse(&m, data, size, "fuzz.xml") == 0) {
		if (!memchr(m.sigref, '\0', sizeof m.sigref))
			__builtin_trap();
		for (size_t i = 0; i < m.nrefs; i++) {
			const struct ds_asic_ref *r = &m.refs[i];
			if (!memchr(r->uri, '\0', sizeof r->uri) ||
			    r->digest_len != (r->sha512 ? 64u : 32u))
				__builtin_trap();
		}
	}
	ds_archive__manifest_clear(&m);
	return 0;
}
