/* Fuzz target: CAdES verification (ds_cades_verify) of an untrusted CMS
 * blob over a fixed manifest, with a fixed trust anchor. The seeds in
 * corpus/cades/ are B-B, B-T and B-LT signatures of that manifest made by
 * tests/signer/ds_signer_tool under the root below. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

#include "dossier/signer.h"

static const char root_pem[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBxTCCAWqgAwIBAgIQHRUMWBeGmss5O5q6kE/uzjAKBggqhkjOPQQDAjBCMQsw\n"
	"CQYDVQQGEwJWTjEfMB0GA1UECgwWVUJORCB04buJbmggQuG6r2MgTmluaDESMBAG\n"
	"A1UEAwwJRGVtbyBSb290MB4XDTI2MTEyNjE2NDA0MFoXDTM2MTEyMzE2NDA0MFow\n"
	"QjELMAkGA1UEBhMCVk4xHzAdBgNVBAoMFlVCTkQgdOG7iW5oIELhuq9jIE5pbmgx\n"
	"EjAQBgNVBAMMCURlbW8gUm9vdDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABORJ\n"
	"8r+pEGHkSWGUkbfttSXpWadfuOt2XgNxdSczwKKow+TfzsvwmompwH5gR3kLiVdI\n"
	"4I+j8irmFndt68AfiMqjQjBAMA8GA1UdEwEB/wQFMAMBAf8wDgYDVR0PAQH/BAQD\n"
	"AgEGMB0GA1UdDgQWBBS+XBX/gCglFz/DPkgfwsIayBlVtDAKBggqhkjOPQQDAgNJ\n"
	"ADBGAiEAoFuKVCTNWjNsBLoQjgyNj4xYtJKOsdraR6WPA+f6yO0CIQD17FzALOph\n"
	"Yend3HIRNaAEpqnsBmnp+aMXWS8ucJYLgg==\n"
	"-----END CERTIFICATE-----\n";

static char trust[64];

static void remove_trust(void)
{
	unlink(trust);
}

static const unsigned char manifest[] = "fuzz manifest\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a real file: the library opens certificates with O_NOFOLLOW, which
	 * /proc/self/fd links would fail */
	if (!trust[0]) {
		snprintf(trust, sizeof trust, "/tmp/ds-cades-fuzz-root-XXXXXX");
		int fd = mkstemp(trust);
		if (fd < 0 || write(fd, root_pem, sizeof root_pem - 1) != (ssize_t)(sizeof root_pem - 1))
			abort();
		close(fd);
		atexit(remove_trust);
	}
	struct ds_verify_opts vo = {.trust_pem_path = trust};
	struct ds_cades_report r;
	(void)ds_cades_verify(data, size, manifest, sizeof manifest - 1, &vo, &r);
	/* a broken copy of the input must never pass */
	if (size > 0) {
		unsigned char other[] = "fuzz manifesT\n";
		if (ds_cades_verify(data, size, other, sizeof other - 1, &vo, &r) == 0 &&
		    r.indication == DS_TOTAL_PASSED)
			__builtin_trap();
	}
	return 0;
}
