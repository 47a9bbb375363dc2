/* Where a command takes its passphrase or PIN from (cli/cli_secret.c). */
#ifndef DOSSIER_CLI_SECRET_H
#define DOSSIER_CLI_SECRET_H

#include <stddef.h>

#define DS_SECRET_MAX 1024

struct ds_cli_secret {
	const char *file; /* --passphrase-file / --pin-file */
	int fd;           /* --passphrase-fd; -1 when not given */
};

/* Reads the secret from the file, else the descriptor, else the terminal
 * with echo off (prompting with `prompt`). Wipe `out` with OPENSSL_cleanse
 * after use. */
int ds_cli_secret_get(const struct ds_cli_secret *src, const char *prompt, char *out, size_t n);

/* Why a secret file could not be read (an error of ds_cli_read_secret),
 * without its name: a file name given for a secret may be the secret itself,
 * typed in the wrong place, and must not be printed or recorded. */
const char *ds_cli_secret_why(int err);

#endif
