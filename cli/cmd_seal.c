/* dossier seal CODE --seal SEAL_ID --approver USER --approver-passphrase-file FILE
 *              [--approver-key FILE|PKCS11-URI] [--approver-cert FILE] [--pkcs11-module SO]
 *              [--tsa URL] [--level B-B|B-T|B-LT] [--reseal] [--json]
 *
 * The approver signs with their own key and the department's seal is
 * applied, each over its own ASiCManifest; the seal policy decides first. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "cli.h"
#include "cli_pades.h"
#include "cli_secret.h"
#include "dossier/archive.h"
#include "dossier/catalog_signer.h"
#include "dossier/clock.h"
#include "dossier/error.h"
#include "dossier/fs.h"
#include "dossier/pki.h"
#include "dossier/signer.h"

static int run(struct ds_cli *cli, int argc, char **argv);

const struct ds_cmd ds_cmd_seal = {
	.name = "seal",
	.usage = "CODE --seal SEAL_ID --approver USER --approver-passphrase-file FILE "
		 "[--approver-key FILE|PKCS11-URI] [--approver-cert FILE] [--pkcs11-module SO] "
		 "[--tsa URL] [--level B-B|B-T|B-LT] [--seal-passphrase-fd N] [--reseal] [--actor NAME] "
		 "[--json]",
	.summary = "seal a digitized dossier: approver's signature + department seal, ASiC-E bundle",
	.run = run,
};

static const char options_text[] =
	"  --seal ID                    the department seal to apply (dossier seal-key list)\n"
	"  --seal-passphrase-fd N       the seal's passphrase or PIN from descriptor N, for a\n"
	"                               seal registered with --passphrase-fd (its secret is\n"
	"                               then not recorded); else the terminal is asked\n"
	"  --approver USER              the approver; must be listed for the seal\n"
	"  --approver-passphrase-file F the approver key's passphrase (or PIN), first line\n"
	"  --approver-key FILE|URI      default HOME/pki/approvers/USER.key; pkcs11:… for a token\n"
	"  --approver-cert FILE         default HOME/pki/approvers/USER.pem\n"
	"  --pkcs11-module SO           the PKCS#11 module for a pkcs11: key\n"
	"  --tsa URL                    RFC 3161 time-stamping authority (B-T, B-LT)\n"
	"  --level L                    B-B, B-T or B-LT; default B-LT when the issuer's CRL\n"
	"                               is at HOME/pki/crl.pem (chain and CRL inside, and a\n"
	"                               time-stamp with --tsa), else B-T with --tsa, else B-B\n"
	"  --reseal                     seal a sealed dossier again (the earlier bundle is kept)\n"
	"  --actor NAME                 done on behalf of NAME: recorded as on_behalf_of (the\n"
	"                               actor recorded is always the OS user running dossier)\n"
	"  --json                       print a JSON object; otherwise the bundle path is the\n"
	"                               last line\n";

struct signer_arg {
	ds_signer *s;
	struct ds_sign_opts opts;
};

static int sign_cb(void *arg, const unsigned char *data, size_t len, unsigned char **p7s,
		   size_t *p7s_len)
{
	struct signer_arg *a = arg;
	return ds_cades_sign(a->s, data, len, &a->opts, p7s, p7s_len);
}

static int exists(const char *p)
{
	return p && access(p, R_OK) == 0;
}

/* The seal's secret: the file recorded with the seal, else --seal-passphrase-fd,
 * else the terminal (no echo); the key through ds_signer_load_seal (which
 * refuses a disabled seal and loads a token's module only from the
 * allow-list). */
static int load_seal(ds_home *h, const struct ds_seal *seal, int seal_fd, ds_signer **out)
{
	char secret[DS_SECRET_MAX];
	int err = 0;
	if (seal->secret_path[0]) {
		if ((err = ds_cli_read_secret(seal->secret_path, secret, sizeof secret)) < 0)
			return err;
	} else {
		struct ds_cli_secret src = {.file = NULL, .fd = seal_fd};
		if ((err = ds_cli_secret_get(&src, "seal passphrase or PIN", secret, sizeof secret)) < 0)
			return err;
	}
	err = ds_signer_load_seal(out, seal, ds_config_get(h->config, "pkcs11", "modules", ""),
				  secret, strlen(secret));
	OPENSSL_cleanse(secret, sizeof secret);
	return err;
}

static int run(struct ds_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"seal", required_argument, NULL, 's'},
					     {"approver", required_argument, NULL, 'a'},
					     {"approver-passphrase-file", required_argument, NULL, 'P'},
					     {"approver-key", required_argument, NULL, 'K'},
					     {"approver-cert", required_argument, NULL, 'C'},
					     {"pkcs11-module", required_argument, NULL, 'M'},
					     {"tsa", required_argument, NULL, 'T'},
					     {"level", required_argument, NULL, 'L'},
					     {"reseal", no_argument, NULL, 'r'},
					     {"seal-passphrase-fd", required_argument, NULL, 'F'},
					     {"actor", required_argument, NULL, 'A'},
					     {"json", no_argument, NULL, 'j'},
					     {"help", no_argument, NULL, 'h'},
					     {0}};
	const char *seal_id = NULL, *user = NULL, *passfile = NULL, *akey = NULL, *acert = NULL;
	const char *module = NULL, *tsa = NULL, *level = NULL;
	int c, json = 0, reseal = 0, err = 0, rc = 0, seal_fd = -1, granted = 0;
	ds_home *h = NULL;
	ds_signer *seal_signer = NULL, *appr_signer = NULL;
	struct ds_seal seal;
	char keybuf[DS_PATH_MAX], certbuf[DS_PATH_MAX], root[DS_PATH_MAX], crl[DS_PATH_MAX];
	char reason[512] = "", pass[DS_SECRET_MAX], modbuf[DS_PATH_MAX];

	while ((c = ds_cli_getopt(cli, argc, argv, "h", opts)) != -1) {
		switch (c) {
		case 's': seal_id = optarg; break;
		case 'a': user = optarg; break;
		case 'P': passfile = optarg; break;
		case 'K': akey = optarg; break;
		case 'C': acert = optarg; break;
		case 'M': module = optarg; break;
		case 'T': tsa = optarg; break;
		case 'L': level = optarg; break;
		case 'r': reseal = 1; break;
		case 'F':
			if (ds_cli_opt_intv(cli, "--seal-passphrase-fd", optarg, 0, INT_MAX, &seal_fd) != 0)
				return DS_EXIT_USAGE;
			break;
		case 'A': break; /* cli->on_behalf_of (the parser keeps it) */
		case 'j': json = 1; break;
		case 'h': return ds_cli_help(&ds_cmd_seal, options_text);
		default: return ds_cli_usage(cli, &ds_cmd_seal);
		}
	}
	if (argc - optind != 1 || !seal_id || !user || !passfile)
		return ds_cli_usage(cli, &ds_cmd_seal);
	const char *code = argv[optind];
	if (level && strcmp(level, "B-B") != 0 && strcmp(level, "B-T") != 0 &&
	    strcmp(level, "B-LT") != 0)
		return ds_cli_failf(cli, DS_EXIT_USAGE, "--level must be B-B, B-T or B-LT");
	if (level && strcmp(level, "B-T") == 0 && !tsa)
		return ds_cli_failf(cli, DS_EXIT_USAGE, "--level %s needs --tsa URL", level);

	if ((err = ds_cli_open_home(cli, &h)) < 0)
		goto fail;
	if ((err = ds_catalog_seal_get(h->catalog, seal_id, &seal)) < 0)
		goto fail;
	if ((err = ds_home_path(h, "pki/root.pem", root, sizeof root)) < 0 ||
	    (err = ds_home_path(h, "pki/crl.pem", crl, sizeof crl)) < 0)
		goto fail;
	if (!akey) {
		if ((err = ds_fmt(certbuf, sizeof certbuf, "pki/approvers/%s.key", user)) < 0 ||
		    (err = ds_home_path(h, certbuf, keybuf, sizeof keybuf)) < 0)
			goto fail;
		akey = keybuf;
	}
	if (!acert) {
		char rel[DS_PATH_MAX];
		if ((err = ds_fmt(rel, sizeof rel, "pki/approvers/%s.pem", user)) < 0 ||
		    (err = ds_home_path(h, rel, certbuf, sizeof certbuf)) < 0)
			goto fail;
		acert = certbuf;
	}
	/* a token's module: only one the site allows (dossier.conf [pkcs11]) */
	if (strncmp(akey, "pkcs11:", 7) == 0 &&
	    (err = ds_pkcs11_module_resolve(ds_config_get(h->config, "pkcs11", "modules", ""),
					    module, modbuf, sizeof modbuf)) < 0)
		goto fail;
	/* the approver's secret is read before anything is decided, so a file
	 * that cannot be read leaves no event (and its name is not echoed: it
	 * may be a passphrase typed in the wrong place) */
	if ((err = ds_cli_read_secret(passfile, pass, sizeof pass)) < 0) {
		err = ds_error_set(err, "--approver-passphrase-file: %s", ds_cli_secret_why(err));
		goto fail;
	}
	if (!level)
		level = exists(crl) ? "B-LT" : tsa ? "B-T" : "B-B";
	struct ds_sign_opts so = {0};
	so.level = strcmp(level, "B-LT") == 0 ? DS_CADES_B_LT
		   : strcmp(level, "B-T") == 0 ? DS_CADES_B_T
					       : DS_CADES_B_B;
	so.tsa_url = tsa;
	so.chain_pem_path = exists(root) ? root : NULL;
	so.crl_pem_path = exists(crl) ? crl : NULL;
	so.tsa_ca_pem_path = exists(root) ? root : NULL;
	if (so.level == DS_CADES_B_LT && !so.crl_pem_path) {
		err = ds_error_set(DS_ENOTFOUND, "%s: B-LT needs the issuer's CRL", crl);
		goto fail;
	}
	/* the dossier's state before the policy; its department is the
	 * policy's to decide. Either refusal is one seal_refused event. */
	struct ds_archive_seal_opts pre = {.code = code, .seal_id = seal_id, .reseal = reseal};
	if ((err = ds_archive_seal_check(h, &pre)) < 0) {
		if (err != DS_ENOTFOUND) {
			char why[DS_DETAIL_MAX - 64], detail[DS_DETAIL_MAX];
			ds_fmt(why, sizeof why, "%s", ds_error_last()); /* truncation is fine */
			ds_fmt(detail, sizeof detail, "seal %s refused: %s", seal_id, why);
			if (ds_catalog_event_add(h->catalog, code, ds_cli_actor(NULL), "seal_refused",
						 detail) < 0)
				fprintf(stderr, "dossier seal: recording the refusal: %s\n",
					ds_error_last());
			ds_error_set(err, "%s", why);
		}
		goto fail;
	}
	/* the policy decides before any key is unlocked: department, seal state,
	 * approver listing; a refusal is one seal_refused event */
	if ((err = ds_seal_policy_check(h->catalog, code, seal_id, user, acert, ds_now(), reason,
					sizeof reason)) < 0)
		goto fail;
	granted = 1; /* from here on the outcome is an event: sealed or seal_failed */
	if (ds_fault("seal_after_grant"))
		raise(SIGKILL); /* tests: a crash between the grant and its outcome */
	if ((err = load_seal(h, &seal, seal_fd, &seal_signer)) < 0)
		goto fail;
	if (strncmp(akey, "pkcs11:", 7) == 0)
		err = ds_signer_load_pkcs11(&appr_signer, modbuf, akey, acert, pass, strlen(pass));
	else
		err = ds_signer_load_file(&appr_signer, akey, acert, pass, strlen(pass));
	OPENSSL_cleanse(pass, sizeof pass);
	if (err < 0)
		goto fail;

	struct ds_cert_info aci;
	if ((err = ds_cert_info_file(acert, &aci)) < 0)
		goto fail;
	struct signer_arg sa = {seal_signer, so}, aa = {appr_signer, so};
	struct ds_archive_seal_opts o = {
		.code = code,
		.seal_id = seal_id,
		.seal_department = seal.department,
		.seal_cert_sha256 = seal.cert_sha256[0] ? seal.cert_sha256 : NULL,
		.approver_cert_sha256 = aci.sha256,
		.approver = user,
		.level = level,
		.reseal = reseal,
		.actor = ds_cli_actor(NULL),
		.now = ds_now(),
		.seal_sign = sign_cb,
		.seal_arg = &sa,
		.approver_sign = sign_cb,
		.approver_arg = &aa,
	};
	sa.opts.signing_time = aa.opts.signing_time = o.now;
	/* result PDFs: PAdES B-T with a TSA, else B-B (B-LT's DSS is not written yet) */
	struct ds_cli_pades pa = {appr_signer, seal_signer, so, user, seal_id,
				  ds_config_utc_offset(h->config)};
	pa.opts.level = tsa ? DS_CADES_B_T : DS_CADES_B_B;
	pa.opts.signing_time = o.now;
	o.pdf_sign = ds_cli_pades_sign_cb;
	o.pdf_arg = &pa;
	struct ds_archive_seal_result res;
	if ((err = ds_archive_seal(h, &o, &res)) < 0)
		goto fail;
	if (json) {
		json_t *j = json_pack("{s:s, s:s, s:s, s:i, s:s, s:s, s:s, s:I}", "code", code, "path",
				      res.path, "relpath", res.relpath, "version", res.version,
				      "sha256", res.sha256, "level", level, "seal_p7s_sha256",
				      res.seal_p7s_sha256, "leaf_index", (json_int_t)res.leaf_index);
		ds_cli_print_json(j);
		json_decref(j);
	} else {
		printf("sealed %s with %s (%s), approver %s, version %d, seal log leaf %llu\n", code,
		       seal_id, level, user, res.version, (unsigned long long)res.leaf_index);
		printf("%s\n", res.path);
	}
	goto done;
fail:
	if (granted) {
		char why[DS_DETAIL_MAX - 64], detail[DS_DETAIL_MAX];
		ds_fmt(why, sizeof why, "%s", ds_error_last()); /* truncation is fine */
		ds_fmt(detail, sizeof detail, "seal %s granted but not applied: %s", seal_id, why);
		if (ds_catalog_event_add(h->catalog, code, ds_cli_actor(NULL), "seal_failed", detail) < 0)
			fprintf(stderr, "dossier seal: recording the failure: %s\n", ds_error_last());
		ds_error_set(err, "%s", why);
	}
	rc = ds_cli_fail(cli, err);
done:
	OPENSSL_cleanse(pass, sizeof pass);
	ds_signer_free(seal_signer);
	ds_signer_free(appr_signer);
	ds_home_free(h);
	return rc;
}
