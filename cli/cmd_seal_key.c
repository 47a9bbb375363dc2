/* dossier seal-key add|list — seals whose keys come from outside the demo
 * PKI: a PKCS#12 file, a PKCS#11 token (RFC 7512 URI), or a PEM key file. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "cli.h"
#include "cli_secret.h"
#include "cli_trust.h"
#include "dossier/catalog_signer.h"
#include "dossier/clock.h"
#include "dossier/error.h"
#include "dossier/fs.h"
#include "dossier/pki.h"
#include "dossier/signer.h"

static int run(struct ds_cli *cli, int argc, char **argv);

const struct ds_cmd ds_cmd_seal_key = {
	.name = "seal-key",
	.usage = "add SEAL_ID --department DEPT (--pkcs12 FILE | --pkcs11-uri URI --cert FILE"
		 " | --key FILE --cert FILE) [--passphrase-file FILE | --pin-file FILE]"
		 " [--pkcs11-module SO] [--trust FILE] | list [--department DEPT] [--json]",
	.summary = "register a seal whose key is in a PKCS#12 file, on a PKCS#11 token or in a key file",
	.run = run,
};

static const char options[] =
	"  --department DEPT      the department the seal belongs to\n"
	"  --pkcs12 FILE          key and certificate in a PKCS#12 file\n"
	"  --pkcs11-uri URI       key on a token, e.g. 'pkcs11:token=SEAL;object=stnmt-1'\n"
	"  --pkcs11-module SO     the PKCS#11 module: one of dossier.conf [pkcs11] modules (a\n"
	"                         path or file name; default: the only one listed there)\n"
	"  --key FILE             an encrypted PKCS#8 PEM key file\n"
	"  --cert FILE            the seal's certificate (PEM), for --pkcs11-uri and --key\n"
	"  --passphrase-file FILE passphrase of the PKCS#12 or key file (recorded for `dossier seal`)\n"
	"  --pin-file FILE        the token's user PIN (recorded for `dossier seal`)\n"
	"  --passphrase-fd N      read the passphrase/PIN from descriptor N (then not recorded)\n"
	"  --trust FILE           narrow the anchors to this file's: each must be a configured one\n"
	"  --json                 machine-readable output (list)\n"
	"The key is opened once (proving the secret and that the certificate matches it)\n"
	"before the seal is recorded. The certificate must chain to a trust anchor of\n"
	"[pki] trust in dossier.conf (else 77) and have the department seal profile and\n"
	"the department's name in OU (else 65).\n";

static int abs_path(const char *in, char *out, size_t n)
{
	char buf[PATH_MAX];
	if (!realpath(in, buf))
		return ds_error_set_errno(errno == ENOENT ? DS_ENOTFOUND : DS_EIO, errno, "%s", in);
	return ds_fmt(out, n, "%s", buf);
}

static int cmd_add(struct ds_cli *cli, ds_home *h, const char *seal_id, const char *dept,
		   const char *p12, const char *uri, const char *module, const char *key,
		   const char *cert, struct ds_cli_secret *sec, const char *trust)
{
	struct ds_seal s = {0};
	struct ds_department d;
	struct ds_cert_info ci;
	char secret[DS_SECRET_MAX] = "", reason[512], tmp[DS_PATH_MAX];
	ds_signer *signer = NULL;
	ds_trust *t = NULL;
	struct ds_trust_result tr;
	int err, code = 0;

	if ((err = ds_catalog_department_get(h->catalog, dept, &d)) < 0)
		goto done;
	if ((err = ds_fmt(s.seal_id, sizeof s.seal_id, "%s", seal_id)) < 0 ||
	    (err = ds_fmt(s.department, sizeof s.department, "%s", dept)) < 0)
		goto done;
	if (p12) {
		if ((err = ds_fmt(s.store, sizeof s.store, "%s", DS_SEAL_STORE_PKCS12)) < 0 ||
		    (err = abs_path(p12, s.key_path, sizeof s.key_path)) < 0)
			goto done;
	} else if (uri) {
		if ((err = ds_fmt(s.store, sizeof s.store, "%s", DS_SEAL_STORE_PKCS11)) < 0 ||
		    (err = ds_fmt(s.pkcs11_uri, sizeof s.pkcs11_uri, "%s", uri)) < 0 ||
		    (err = ds_pkcs11_module_resolve(ds_config_get(h->config, "pkcs11", "modules", ""),
						    module, s.pkcs11_module,
						    sizeof s.pkcs11_module)) < 0 ||
		    (err = abs_path(cert, s.cert_path, sizeof s.cert_path)) < 0)
			goto done;
	} else {
		if ((err = ds_fmt(s.store, sizeof s.store, "%s", DS_SEAL_STORE_FILE)) < 0 ||
		    (err = abs_path(key, s.key_path, sizeof s.key_path)) < 0 ||
		    (err = abs_path(cert, s.cert_path, sizeof s.cert_path)) < 0)
			goto done;
	}
	if (sec->file && (err = abs_path(sec->file, s.secret_path, sizeof s.secret_path)) < 0) {
		/* not the name: it may be the secret itself, typed in the wrong place */
		err = ds_error_set(err, "the passphrase or PIN file: %s", ds_cli_secret_why(err));
		goto done;
	}
	s.active = 1;
	if ((err = ds_cli_secret_get(sec, uri ? "token PIN" : "passphrase", secret, sizeof secret)) < 0)
		goto done;
	/* open it once: the secret is right and the certificate matches the key */
	if ((err = ds_signer_load_seal(&signer, &s,
				       ds_config_get(h->config, "pkcs11", "modules", ""), secret,
				       strlen(secret))) < 0)
		goto done;
	if ((err = ds_signer_cert_info(signer, &ci)) < 0)
		goto done;
	/* the certificate must chain to a configured anchor and be valid now */
	if ((err = ds_cli_trust_enrol(cli, h, trust, &t)) < 0 ||
	    (err = ds_trust_check_signer(t, signer, NULL, ds_now(), &tr, reason, sizeof reason)) < 0)
		goto done;
	struct ds_revocation rv;
	if (ds_catalog_revocation_get(h->catalog, ci.serial, &rv) == 0) {
		err = ds_error_set(DS_EPERM, "%s: the certificate is revoked", seal_id);
		goto done;
	}
	/* the profile of the role: 65, one line naming what is missing */
	if (!tr.fits_seal) {
		code = ds_cli_failf(cli, DS_EXIT_DATAERR,
				    "%s: not a department seal certificate: missing %s", seal_id,
				    tr.seal_missing);
		goto done;
	}
	if (strcmp(ci.ou, d.code) != 0 && strcmp(ci.ou, d.name) != 0) {
		code = ds_cli_failf(cli, DS_EXIT_DATAERR,
				    "%s: missing department: OU '%s' is not %s (%s)", seal_id, ci.ou,
				    d.code, d.name);
		goto done;
	}
	memcpy(s.cert_sha256, ci.sha256, sizeof s.cert_sha256);
	memcpy(s.cert_serial, ci.serial, sizeof s.cert_serial);
	s.not_after = ci.not_after;
	if ((err = ds_catalog_seal_add(h->catalog, &s)) < 0)
		goto done;
	if ((err = ds_fmt(tmp, sizeof tmp, "seal %s (%s) %s %s anchor %s", seal_id, dept, s.store,
			  ci.subject, tr.anchor_sha256)) < 0 ||
	    (err = ds_catalog_event_add(h->catalog, NULL, ds_cli_actor(NULL), "seal_key_add", tmp)) < 0 ||
	    (err = ds_cli_profiles_switch(h)) < 0)
		goto done;
	printf("%s %s %s\n", seal_id, s.store, ci.sha256);
done:
	OPENSSL_cleanse(secret, sizeof secret);
	ds_signer_free(signer);
	ds_trust_free(t);
	return code ? code : err < 0 ? ds_cli_fail(cli, err) : 0;
}

static int cmd_list(struct ds_cli *cli, ds_home *h, const char *dept, int json)
{
	struct ds_seal *s = NULL;
	size_t n = 0;
	int err = ds_catalog_seal_list(h->catalog, dept, &s, &n), rc = 0;
	if (err < 0)
		return ds_cli_fail(cli, err);
	if (json) {
		json_t *a = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(
				a, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:b}", "seal_id",
					     s[i].seal_id, "department", s[i].department, "store",
					     s[i].store, "key", s[i].key_path, "cert", s[i].cert_path,
					     "pkcs11_uri", s[i].pkcs11_uri, "cert_sha256",
					     s[i].cert_sha256, "not_after", (json_int_t)s[i].not_after,
					     "active", s[i].active));
		rc = ds_cli_print_json(a);
		json_decref(a);
	} else {
		for (size_t i = 0; i < n; i++)
			printf("%-16s %-10s %-7s %s\n", s[i].seal_id, s[i].department, s[i].store,
			       strcmp(s[i].store, DS_SEAL_STORE_PKCS11) == 0 ? s[i].pkcs11_uri
									       : s[i].key_path);
	}
	free(s);
	return rc;
}

static int run(struct ds_cli *cli, int argc, char **argv)
{
	static const struct option lopts[] = {
		{"department", required_argument, NULL, 'd'},
		{"pkcs12", required_argument, NULL, '2'},
		{"pkcs11-uri", required_argument, NULL, 'u'},
		{"pkcs11-module", required_argument, NULL, 'm'},
		{"key", required_argument, NULL, 'k'},
		{"cert", required_argument, NULL, 'c'},
		{"passphrase-file", required_argument, NULL, 'p'},
		{"pin-file", required_argument, NULL, 'P'},
		{"passphrase-fd", required_argument, NULL, 'F'},
		{"trust", required_argument, NULL, 't'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{0}};
	const char *dept = NULL, *p12 = NULL, *uri = NULL, *module = NULL, *key = NULL, *cert = NULL,
		   *trust = NULL;
	struct ds_cli_secret sec = {.fd = -1};
	int c, json = 0, err, rc;
	ds_home *h = NULL;

	while ((c = ds_cli_getopt(cli, argc, argv, "h", lopts)) != -1) {
		switch (c) {
		case 'd': dept = optarg; break;
		case '2': p12 = optarg; break;
		case 'u': uri = optarg; break;
		case 'm': module = optarg; break;
		case 'k': key = optarg; break;
		case 'c': cert = optarg; break;
		case 'p':
		case 'P': sec.file = optarg; break;
		case 'F':
			if (ds_cli_opt_intv(cli, "--passphrase-fd", optarg, 0, INT_MAX, &sec.fd) != 0)
				return DS_EXIT_USAGE;
			break;
		case 't': trust = optarg; break;
		case 'j': json = 1; break;
		case 'h': return ds_cli_help(&ds_cmd_seal_key, options);
		default: return ds_cli_usage(cli, &ds_cmd_seal_key);
		}
	}
	if (optind >= argc)
		return ds_cli_usage(cli, &ds_cmd_seal_key);
	const char *sub = argv[optind];
	if (strcmp(sub, "add") == 0) {
		if (optind + 2 != argc || !dept)
			return ds_cli_usage(cli, &ds_cmd_seal_key);
		int kinds = !!p12 + !!uri + !!key;
		if (kinds != 1)
			return ds_cli_failf(cli, DS_EXIT_USAGE,
					    "give exactly one of --pkcs12, --pkcs11-uri, --key");
		if ((uri || key) && !cert)
			return ds_cli_failf(cli, DS_EXIT_USAGE, "--cert FILE is needed with %s",
					    uri ? "--pkcs11-uri" : "--key");
		const char *id = argv[optind + 1];
		if (strlen(id) == 0 || strlen(id) >= DS_CODE_MAX)
			return ds_cli_failf(cli, DS_EXIT_DATAERR, "seal id: 1 to %d bytes", DS_CODE_MAX - 1);
		if ((err = ds_cli_open_home(cli, &h)) < 0)
			return ds_cli_fail(cli, err);
		rc = cmd_add(cli, h, id, dept, p12, uri, module, key, cert, &sec, trust);
	} else if (strcmp(sub, "list") == 0) {
		if (optind + 1 != argc)
			return ds_cli_usage(cli, &ds_cmd_seal_key);
		if ((err = ds_cli_open_home(cli, &h)) < 0)
			return ds_cli_fail(cli, err);
		rc = cmd_list(cli, h, dept, json);
	} else {
		rc = ds_cli_usage(cli, &ds_cmd_seal_key);
	}
	ds_home_free(h);
	return rc;
}
