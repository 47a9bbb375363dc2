/* Private to signer/'s seal log files. */
#ifndef DOSSIER_SEALLOG_INT_H
#define DOSSIER_SEALLOG_INT_H

#include <stddef.h>
#include <stdint.h>

#define DS_SEALLOG_KEYFILE_MAX (64u * 1024u)

/* Reads a regular file of at most `max` bytes (NUL-terminated; *len
 * excludes the NUL). With `private_key`, a file readable by group or others
 * is refused (DS_EPERM). Caller frees *out (wiping it when it held a key). */
int ds_seallog__read_file(const char *path, size_t max, int private_key, char **out,
			  size_t *len);

/* Strict standard base64 with padding; DS_EINVALID for anything else
 * (characters, length, non-zero trailing bits) and DS_ETOOBIG when the
 * decoded bytes would not fit in `cap`. */
int ds_seallog__b64_decode(unsigned char *out, size_t cap, size_t *out_len, const char *in,
			   size_t in_len);
/* NUL-terminated base64 of `len` bytes into out (DS_ETOOBIG when n is short). */
int ds_seallog__b64_encode(char *out, size_t n, const unsigned char *in, size_t len);

/* A decimal tree size or index: digits only, no leading zero unless "0",
 * at most DS_SEALLOG_SIZE_MAX. */
int ds_seallog__parse_u64(const char *s, size_t len, uint64_t *out);

/* Copies a short reason (never fails; truncates). */
void ds_seallog__reason(char *reason, size_t n, const char *msg);

#include "dossier/seallog.h"

/* Verifies a C2SP signed note whose text is in note[0..*text_len): at least
 * one signature line by `name` with `key`'s id, and every such line
 * verifies. Other keys' lines are skipped. */
int ds_seallog__note_verify(const char *note, size_t len, const ds_seallog_key *key,
			    const char *name, size_t *text_len, char *reason, size_t reason_n);
/* Signs `text` (ending in LF) as a note; *out malloc'd. */
int ds_seallog__note_sign(char **out, size_t *out_len, const char *text, size_t len,
			  const ds_seallog_key *key);
/* A private key from its 32-byte seed (tests and vectors). */
int ds_seallog__key_from_raw_private(ds_seallog_key **out, const unsigned char seed[32],
				     const char *name);

#endif
