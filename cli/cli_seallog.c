/* CLI helpers for the seal log (shared by `dossier log` and `dossier verify`). */
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cli.h"
#include "cli_seallog.h"
#include "cli_secret.h"
#include "dossier/check.h"
#include "dossier/config.h"
#include "dossier/error.h"

const char *ds_cli_seallog_origin(const ds_home *h)
{
	return ds_config_get(h->config, "seal_log", "origin", DS_SEALLOG_DEFAULT_ORIGIN);
}

/* The key name is the origin, as C2SP tlog-checkpoint logs do: one name to
 * configure, and `dossier verify` (which passes NULL: the checkpoint's
 * origin) agrees with `dossier log` by construction. */
const char *ds_cli_seallog_key_name(const ds_home *h)
{
	return ds_cli_seallog_origin(h);
}

int ds_cli_seallog_pub_path(const ds_home *h, char *out, size_t n)
{
	return ds_home_path(h, "pki/log.pub", out, n);
}

int ds_cli_seallog_key_path(const ds_home *h, char *out, size_t n)
{
	return ds_home_path(h, "pki/log.key", out, n);
}

int ds_cli_seallog_load_private(const ds_home *h, const char *passphrase_file,
				ds_seallog_key **out)
{
	char path[4096], pass[1024];
	int err;

	*out = NULL;
	if ((err = ds_cli_seallog_key_path(h, path, sizeof path)) < 0)
		return err;
	if ((err = ds_cli_read_secret(passphrase_file, pass, sizeof pass)) < 0) {
		/* never the file's name: it may be the passphrase, misplaced */
		err = ds_error_set(err, "the log key's passphrase file: %s", ds_cli_secret_why(err));
		goto done;
	}
	err = ds_seallog_key_load_private(out, path, ds_cli_seallog_key_name(h), pass, strlen(pass));
done:
	OPENSSL_cleanse(pass, sizeof pass);
	return err;
}

int ds_cli_seallog_check(ds_home *h, const struct ds_check_opts *o)
{
	ds_seallog_key *key = NULL;
	char path[4096];
	int err;

	if (ds_cli_seallog_pub_path(h, path, sizeof path) == 0 && access(path, F_OK) == 0 &&
	    ds_seallog_key_load_public(&key, path, ds_cli_seallog_key_name(h)) < 0) {
		if (o->on_finding != NULL)
			o->on_finding(o->arg, DS_FINDING_CORRUPT, "seal log key", ds_error_last());
		return 0;
	}
	err = ds_seallog_audit(h->catalog, key, NULL, NULL);
	ds_seallog_key_free(key);
	if (err == DS_ECORRUPT) {
		if (o->on_finding != NULL)
			o->on_finding(o->arg, DS_FINDING_CORRUPT, "seal log", ds_error_last());
		return 0;
	}
	return err;
}
