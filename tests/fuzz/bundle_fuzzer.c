/* Fuzz target: the bundle verifier on arbitrary bytes (end of central
 * directory, central directory walk, names, limits, libzip, manifests,
 * digests, dossier.json), with the CMS verifier of signer/ and no trust
 * roots, plus the bounded single-entry reader. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dossier/archive.h"
#include "dossier/signer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("bundle", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	struct ds_bundle_verify_opts o = {.cms_verify = ds_cades_verify};
	o.cades.trust_pem_path = "/nonexistent/roots.pem";
	struct ds_bundle_report *r = NULL;
	if (ds_bundle_verify(path, &o, &r) == 0) {
		char *j = NULL;
		if (ds_bundle_report_json(r, &j) == 0)
			free(j);
		free(r);
	}
	unsigned char *e = NULL;
	size_t len = 0;
	if (ds_bundle_read_entry(path, "dossier.json", 1 << 20, &e, &len) == 0)
		free(e);
	close(fd);
	return 0;
}
