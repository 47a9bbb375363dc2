/* Fuzz target: the ASiCManifest parser (libxml2 without network, entities
 * or DTDs; the shape of FORMATS.md; base64 digests). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "archive/archive_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an exact-size copy, so any over-read is caught */
	unsigned char *b = malloc(size ? size : 1);
	struct ds_asic_manifest m;
	if (!b)
		return 0;
	if (size)
		memcpy(b, data, size);
	if (ds_archive__manifest_parse(&m, b, size, "fuzz") == 0)
		ds_archive__manifest_clear(&m);
	free(b);
	return 0;
}
