/* Fuzz target: seal log checkpoints (C2SP signed notes): the body parser,
 * the signature-line parser and base64, and the Ed25519 check, with the key
 * of golang.org/x/mod/sumdb/note's example ("PeterNeumann"), which signed
 * the seed corpus. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dossier/error.h"
#include "dossier/seallog.h"
#include "signer/seallog_int.h"

static const unsigned char pub[32] = {
	0x1a, 0x5c, 0xd9, 0x07, 0x14, 0x3c, 0x38, 0x4c, 0x41, 0xe8, 0x30, 0xc5, 0xbc, 0xe1, 0x2a, 0xa8,
	0x81, 0x7e, 0xc5, 0x64, 0x9a, 0xaa, 0xbf, 0x2c, 0x31, 0x38, 0x8b, 0x35, 0xb2, 0xd7, 0x44, 0xd6,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static ds_seallog_key *named, *anon;
	struct ds_checkpoint cp;
	char reason[DS_SEALLOG_REASON_MAX];
	size_t tl = 0;
	/* An exact-size copy without a NUL, so any over-read is caught. */
	char *text = malloc(size ? size : 1);

	if (text == NULL)
		return 0;
	if (size > 0)
		memcpy(text, data, size);
	if (named == NULL && ds_seallog_key_from_raw_public(&named, pub, "PeterNeumann") < 0)
		abort();
	if (anon == NULL && ds_seallog_key_from_raw_public(&anon, pub, NULL) < 0)
		abort();
	(void)ds_checkpoint_parse(&cp, text, size, reason, sizeof reason);
	(void)ds_checkpoint_verify(&cp, text, size, named, reason, sizeof reason);
	(void)ds_checkpoint_verify(&cp, text, size, anon, reason, sizeof reason);
	(void)ds_seallog__note_verify(text, size, named, "PeterNeumann", &tl, reason, sizeof reason);
	ds_error_clear();
	free(text);
	return 0;
}
