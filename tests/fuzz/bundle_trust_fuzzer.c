/* Fuzz target: `dossier verify` end to end on arbitrary bytes: the bytes go
 * to a memfd and ds_bundle_verify() reads it by /proc/self/fd path (our ZIP
 * precheck, libzip, entry names and limits, the ASiCManifest XML, digests,
 * dossier.json, and each signature through ds_cades_verify against
 * tests/fuzz/data/root.pem), then the report is rendered as JSON. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dossier/archive.h"
#include "dossier/signer.h"

#ifndef DS_FUZZ_DATA
#error "DS_FUZZ_DATA must name tests/fuzz/data"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64], *json = NULL;
	struct ds_bundle_report *r = NULL;
	struct ds_bundle_verify_opts o = {
		.cades = {.trust_pem_path = DS_FUZZ_DATA "/root.pem", .now = DS_FUZZ_NOW},
		.cms_verify = ds_cades_verify,
	};
	int fd = memfd_create("bundle", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	size_t off = 0;
	while (off < size) {
		ssize_t w = write(fd, data + off, size - off);
		if (w <= 0)
			goto done;
		off += (size_t)w;
	}
	if (snprintf(path, sizeof path, "/proc/self/fd/%d", fd) >= (int)sizeof path)
		goto done;
	if (ds_bundle_verify(path, &o, &r) == 0) {
		if (r->nchecks > DS_BUNDLE_CHECKS_MAX || r->nsigs > DS_BUNDLE_SIGS_MAX)
			__builtin_trap();
		if (ds_bundle_report_json(r, &json) == 0 && json[0] != '{')
			__builtin_trap();
		if (getenv("DS_FUZZ_VERBOSE")) /* to see what the seeds reach */
			fprintf(stderr, "%s %s\n", ds_indication_name(r->indication),
				r->sub_indication);
	}
done:
	free(json);
	free(r);
	close(fd);
	return 0;
}
