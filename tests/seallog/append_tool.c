/* ds-seallog-append CATALOG CODE SEAL_ID SHA256_HEX UNIX_TIME: appends one
 * seal log leaf through the library, as `dossier seal` does, for the
 * end-to-end test of `dossier log` (tests/e2e/seallog.sh). */
#include <stdio.h>
#include <stdlib.h>

#include "dossier/catalog.h"
#include "dossier/error.h"
#include "dossier/seallog.h"

int main(int argc, char **argv)
{
	ds_catalog *c = NULL;
	uint64_t idx = 0;
	char *end = NULL;
	long long t;

	if (argc != 6) {
		fprintf(stderr, "usage: %s CATALOG CODE SEAL_ID SHA256_HEX UNIX_TIME\n", argv[0]);
		return 64;
	}
	t = strtoll(argv[5], &end, 10);
	if (*end != '\0')
		return 64;
	if (ds_catalog_open(&c, argv[1], 0) < 0 ||
	    ds_seallog_append(c, argv[2], argv[3], argv[4], t, &idx) < 0) {
		fprintf(stderr, "%s: %s\n", argv[0], ds_error_last());
		ds_catalog_free(c);
		return 1;
	}
	printf("%llu\n", (unsigned long long)idx);
	ds_catalog_free(c);
	return 0;
}
