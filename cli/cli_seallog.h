/* CLI helpers for the seal log (cli/cli_seallog.c): where the log's keys,
 * origin and key name come from, shared by `dossier log` and `dossier verify`. */
#ifndef DOSSIER_CLI_SEALLOG_H
#define DOSSIER_CLI_SEALLOG_H

#include <stddef.h>

#include "dossier/home.h"
#include "dossier/seallog.h"

/* [seal_log] origin (default DS_SEALLOG_DEFAULT_ORIGIN). Borrowed. */
const char *ds_cli_seallog_origin(const ds_home *h);
/* The key name of the signature lines: the origin. Borrowed. */
const char *ds_cli_seallog_key_name(const ds_home *h);

/* HOME/pki/log.pub, HOME/pki/log.key. */
int ds_cli_seallog_pub_path(const ds_home *h, char *out, size_t n);
int ds_cli_seallog_key_path(const ds_home *h, char *out, size_t n);

/* Loads HOME/pki/log.key with the passphrase read from `passphrase_file`
 * (wiped after use). */
int ds_cli_seallog_load_private(const ds_home *h, const char *passphrase_file,
				ds_seallog_key **out);

#endif
