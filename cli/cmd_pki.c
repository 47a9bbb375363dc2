/* dossier pki init|issue|revoke|crl — the demo provincial PKI. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cli.h"
#include "cli_secret.h"
#include "cli_trust.h"
#include "dossier/catalog_signer.h"
#include "dossier/clock.h"
#include "dossier/error.h"
#include "dossier/fs.h"
#include "dossier/pki.h"
#include "dossier/seallog.h"

static int run(struct ds_cli *cli, int argc, char **argv);

const struct ds_cmd ds_cmd_pki = {
	.name = "pki",
	.usage = "init --name NAME | issue seal DEPT --seal-id ID [--pubkey FILE] | issue approver USER"
		 " --department DEPT [--full-name NAME] | revoke (SERIAL | --cert FILE) [--reason N]"
		 " [--at TIME] | crl | log-key   [--rsa] [--days N] [--passphrase-file FILE |"
		 " --passphrase-fd N] [--ca-passphrase-file FILE] [--json]",
	.summary = "demo provincial PKI: root CA, TSA, seal and approver certificates, CRL",
	.run = run,
};

static const char options[] =
	"  --name NAME               init: the root CA's name (O and CN of its subject)\n"
	"  --seal-id ID              issue seal: the seal's identifier (e.g. STNMT-1)\n"
	"  --department DEPT         issue approver: the approver's department\n"
	"  --full-name NAME          issue approver: the person's full name (CN; default USER)\n"
	"  --rsa                     issue RSA-3072 keys (RSASSA-PSS) instead of ECDSA P-256\n"
	"  --days N                  validity of the new certificate in days\n"
	"  --pubkey FILE             issue seal: certify this public key (from a token); no key file\n"
	"  --passphrase-file FILE    protects the new key (first line; file mode 0600)\n"
	"  --passphrase-fd N         the same, read from file descriptor N\n"
	"  --ca-passphrase-file FILE unlocks pki/root.key (default: the passphrase above);\n"
	"                            log-key: log.key's current passphrase (pki init's)\n"
	"  log-key                   give pki/log.key its own passphrase (--passphrase-file),\n"
	"                            for dossierd's unattended checkpoints\n"
	"  --cert FILE               revoke: the certificate to revoke\n"
	"  --reason N                revoke: CRL reason code (1 keyCompromise, 4 superseded, …)\n"
	"  --at TIME                 revoke: revocation time (RFC 3339; default now)\n"
	"  --json                    machine-readable output\n"
	"Secrets never come from argv or the environment: without a file or descriptor\n"
	"the passphrase is read from the terminal with echo off.\n"
	"Seal certificates get the department seal profile, approver certificates the\n"
	"personal profile (policy OIDs, QcType, EKU: docs/signer.md); `pki init` adds\n"
	"pki/root.pem to [pki] trust in dossier.conf.\n";

struct opts {
	const char *name, *seal_id, *department, *pubkey, *cert, *at, *full_name;
	struct ds_cli_secret pass, ca;
	int rsa, days, reason, json;
};

static int pki_path(ds_home *h, const char *rel, char *out, size_t n)
{
	char r[512];
	int err = ds_fmt(r, sizeof r, "pki/%s", rel);
	return err < 0 ? err : ds_home_path(h, r, out, n);
}

static int valid_id(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n >= max || s[0] == '.' || s[0] == '-')
		return 0;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		      ch == '-' || ch == '_' || ch == '.' || ch == '@'))
			return 0;
	}
	return 1;
}

/* Both secrets; the CA's defaults to the new key's. */
static int get_secrets(struct opts *o, char *pass, char *ca, int need_new)
{
	int err;
	if (need_new && (err = ds_cli_secret_get(&o->pass, "passphrase for the new key", pass,
						 DS_SECRET_MAX)) < 0)
		return err;
	if (o->ca.file)
		return ds_cli_secret_get(&o->ca, "passphrase of pki/root.key", ca, DS_SECRET_MAX);
	if (need_new) {
		memcpy(ca, pass, DS_SECRET_MAX);
		return 0;
	}
	return ds_cli_secret_get(&o->pass, "passphrase of pki/root.key", ca, DS_SECRET_MAX);
}

static int root_org(ds_home *h, char *o, size_t n)
{
	char p[DS_PATH_MAX];
	struct ds_cert_info ci;
	int err;
	if ((err = pki_path(h, "root.pem", p, sizeof p)) < 0 || (err = ds_cert_info_file(p, &ci)) < 0)
		return err;
	return ds_fmt(o, n, "%s", ci.o);
}

static int write_crl(ds_home *h, const char *ca_pass)
{
	struct ds_revocation *r = NULL;
	struct ds_revoked *list = NULL;
	size_t n = 0;
	char key[DS_PATH_MAX], cert[DS_PATH_MAX], crl[DS_PATH_MAX];
	int err;
	if ((err = pki_path(h, "root.key", key, sizeof key)) < 0 ||
	    (err = pki_path(h, "root.pem", cert, sizeof cert)) < 0 ||
	    (err = pki_path(h, "crl.pem", crl, sizeof crl)) < 0)
		return err;
	if ((err = ds_catalog_revocation_list(h->catalog, &r, &n)) < 0)
		return err;
	list = calloc(n ? n : 1, sizeof *list);
	if (!list) {
		err = ds_error_set(DS_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		memcpy(list[i].serial, r[i].serial, sizeof list[i].serial);
		list[i].revoked_at = r[i].revoked_at;
		list[i].reason = r[i].reason;
	}
	int64_t now = ds_now();
	/* the CRL number only grows: seconds since the epoch */
	err = ds_pki_crl(key, cert, ca_pass, strlen(ca_pass), list, n, (long)now, now, 0, crl);
done:
	free(r);
	free(list);
	return err;
}

static int cmd_init(struct ds_cli *cli, ds_home *h, struct opts *o)
{
	char pass[DS_SECRET_MAX], ca[DS_SECRET_MAX];
	char key[DS_PATH_MAX], cert[DS_PATH_MAX], tkey[DS_PATH_MAX], tcert[DS_PATH_MAX];
	char lkey[DS_PATH_MAX], lpub[DS_PATH_MAX], crl[DS_PATH_MAX];
	char tsa_cn[600];
	int err;

	if ((err = pki_path(h, "root.key", key, sizeof key)) < 0 ||
	    (err = pki_path(h, "root.pem", cert, sizeof cert)) < 0 ||
	    (err = pki_path(h, "tsa.key", tkey, sizeof tkey)) < 0 ||
	    (err = pki_path(h, "tsa.pem", tcert, sizeof tcert)) < 0 ||
	    (err = pki_path(h, "log.key", lkey, sizeof lkey)) < 0 ||
	    (err = pki_path(h, "log.pub", lpub, sizeof lpub)) < 0 ||
	    (err = pki_path(h, "crl.pem", crl, sizeof crl)) < 0)
		return ds_cli_fail(cli, err);
	if (access(cert, F_OK) == 0 || access(key, F_OK) == 0)
		return ds_cli_failf(cli, DS_EXIT_CANTCREAT, "%s already exists: the PKI is initialised",
				    cert);
	if ((err = get_secrets(o, pass, ca, 1)) < 0)
		goto done;
	struct ds_cert_req root = {.kind = DS_CERT_CA, .alg = o->rsa ? DS_KEY_RSA3072 : DS_KEY_P256,
				   .cn = o->name, .o = o->name, .days = o->days};
	if ((err = ds_pki_make_root(key, cert, &root, pass, strlen(pass))) < 0)
		goto done;
	if ((err = ds_fmt(tsa_cn, sizeof tsa_cn, "%s TSA", o->name)) < 0)
		goto done;
	struct ds_cert_req tsa = {.kind = DS_CERT_TSA, .alg = o->rsa ? DS_KEY_RSA3072 : DS_KEY_P256,
				  .cn = tsa_cn, .o = o->name};
	if ((err = ds_pki_issue(key, cert, pass, strlen(pass), &tsa, tkey, tcert, pass, strlen(pass),
				NULL)) < 0)
		goto done;
	if ((err = ds_pki_make_ed25519(lkey, lpub, pass, strlen(pass))) < 0)
		goto done;
	if ((err = write_crl(h, pass)) < 0)
		goto done;
	/* the new root is this home's enrolment anchor from now on */
	struct ds_cert_info rci;
	char detail[DS_DETAIL_MAX];
	if ((err = ds_cert_info_file(cert, &rci)) < 0 ||
	    (err = ds_cli_trust_add_conf(h, "pki/root.pem")) < 0 ||
	    (err = ds_fmt(detail, sizeof detail, "%s anchor %s", cert, rci.sha256)) < 0 ||
	    (err = ds_catalog_event_add(h->catalog, NULL, ds_cli_actor(NULL), "pki_init", detail)) < 0 ||
	    (err = ds_cli_profiles_switch(h)) < 0)
		goto done;
	printf("%s\n%s\n%s\n%s\n%s\n%s\n", tkey, tcert, lkey, lpub, crl, key);
	printf("%s\n", cert);
done:
	OPENSSL_cleanse(pass, sizeof pass);
	OPENSSL_cleanse(ca, sizeof ca);
	return err < 0 ? ds_cli_fail(cli, err) : 0;
}

static int cmd_issue(struct ds_cli *cli, ds_home *h, struct opts *o, const char *kind,
		     const char *subject)
{
	char pass[DS_SECRET_MAX] = "", ca[DS_SECRET_MAX] = "";
	char ckey[DS_PATH_MAX], ccert[DS_PATH_MAX], key[DS_PATH_MAX], cert[DS_PATH_MAX];
	char dir[DS_PATH_MAX], rel[512], org[256], cn[600], org_id[128];
	struct ds_department dept;
	char serial[DS_SERIAL_HEX_MAX] = "";
	int is_seal = strcmp(kind, "seal") == 0, err;
	const char *dept_code = is_seal ? subject : o->department;
	const char *id = is_seal ? o->seal_id : subject;

	if (!is_seal && strcmp(kind, "approver") != 0)
		return ds_cli_usage(cli, &ds_cmd_pki);
	if (!id || !dept_code)
		return ds_cli_failf(cli, DS_EXIT_USAGE, "issue %s needs %s", kind,
				    is_seal ? "--seal-id ID" : "--department DEPT");
	if (!valid_id(id, DS_CODE_MAX))
		return ds_cli_failf(cli, DS_EXIT_USAGE,
				    "'%s': 1-63 characters of A-Z a-z 0-9 . - _ @, not starting with . or -",
				    id);
	if (!is_seal && o->pubkey)
		return ds_cli_failf(cli, DS_EXIT_USAGE, "--pubkey is for seals on tokens");
	if (is_seal && o->full_name)
		return ds_cli_failf(cli, DS_EXIT_USAGE, "--full-name is for approvers");
	if ((err = ds_catalog_department_get(h->catalog, dept_code, &dept)) < 0)
		return ds_cli_fail(cli, err);
	if (is_seal) {
		struct ds_seal existing;
		if (ds_catalog_seal_get(h->catalog, id, &existing) == 0)
			return ds_cli_failf(cli, DS_EXIT_CANTCREAT, "seal %s already exists", id);
	}
	if ((err = pki_path(h, "root.key", ckey, sizeof ckey)) < 0 ||
	    (err = pki_path(h, "root.pem", ccert, sizeof ccert)) < 0 ||
	    (err = pki_path(h, is_seal ? "seals" : "approvers", dir, sizeof dir)) < 0 ||
	    (err = ds_fmt(rel, sizeof rel, "%s/%s.key", is_seal ? "seals" : "approvers", id)) < 0 ||
	    (err = pki_path(h, rel, key, sizeof key)) < 0 ||
	    (err = ds_fmt(rel, sizeof rel, "%s/%s.pem", is_seal ? "seals" : "approvers", id)) < 0 ||
	    (err = pki_path(h, rel, cert, sizeof cert)) < 0)
		return ds_cli_fail(cli, err);
	if ((err = root_org(h, org, sizeof org)) < 0)
		return ds_cli_fail(cli, err);
	if ((err = ds_mkdirs(dir, 0700)) < 0)
		return ds_cli_fail(cli, err);
	if ((err = get_secrets(o, pass, ca, o->pubkey == NULL)) < 0)
		goto done;
	if (is_seal)
		err = ds_fmt(cn, sizeof cn, "%s - %s", id, dept.name);
	else
		err = ds_fmt(cn, sizeof cn, "%s", o->full_name ? o->full_name : id);
	if (err < 0 || (err = ds_cli_seal_org_id(h->config, dept_code, org_id, sizeof org_id)) < 0)
		goto done;
	struct ds_cert_req req = {
		.kind = is_seal ? DS_CERT_SEAL : DS_CERT_APPROVER,
		.alg = o->rsa ? DS_KEY_RSA3072 : DS_KEY_P256,
		.cn = cn, .o = org, .ou = dept.name, .days = o->days,
		.pubkey_path = o->pubkey,
		.org_id = is_seal ? org_id : NULL,
		.policy_oid = ds_config_get(h->config, "pki", is_seal ? "seal_policy" : "approver_policy",
					    NULL)};
	if ((err = ds_pki_issue(ckey, ccert, ca, strlen(ca), &req, o->pubkey ? NULL : key, cert, pass,
				strlen(pass), serial)) < 0)
		goto done;
	if (is_seal && !o->pubkey) {
		struct ds_seal s = {0};
		struct ds_cert_info ci;
		char abs[PATH_MAX];
		if ((err = ds_cert_info_file(cert, &ci)) < 0)
			goto done;
		if ((err = ds_fmt(s.seal_id, sizeof s.seal_id, "%s", id)) < 0 ||
		    (err = ds_fmt(s.department, sizeof s.department, "%s", dept_code)) < 0 ||
		    (err = ds_fmt(s.store, sizeof s.store, "%s", DS_SEAL_STORE_FILE)) < 0 ||
		    (err = ds_fmt(s.key_path, sizeof s.key_path, "%s", key)) < 0 ||
		    (err = ds_fmt(s.cert_path, sizeof s.cert_path, "%s", cert)) < 0)
			goto done;
		/* the seal's passphrase file is recorded so `dossier seal` can use it */
		if (o->pass.file) {
			if (!realpath(o->pass.file, abs)) {
				err = ds_error_set_errno(DS_EIO, errno, "%s", o->pass.file);
				goto done;
			}
			if ((err = ds_fmt(s.secret_path, sizeof s.secret_path, "%s", abs)) < 0)
				goto done;
		}
		memcpy(s.cert_sha256, ci.sha256, sizeof s.cert_sha256);
		memcpy(s.cert_serial, ci.serial, sizeof s.cert_serial);
		s.not_after = ci.not_after;
		if ((err = ds_catalog_seal_add(h->catalog, &s)) < 0)
			goto done;
	}
	char detail[DS_DETAIL_MAX];
	if ((err = ds_fmt(detail, sizeof detail, "%s %s (%s) serial %s", kind, id, dept_code,
			  serial)) < 0 ||
	    (err = ds_catalog_event_add(h->catalog, NULL, ds_cli_actor(NULL), "pki_issue", detail)) < 0 ||
	    (err = ds_cli_profiles_switch(h)) < 0)
		goto done;
	if (o->json) {
		printf("{\"kind\": \"%s\", \"id\": \"%s\", \"serial\": \"%s\", \"key\": \"%s\"}\n", kind,
		       id, serial, o->pubkey ? "" : key);
	} else {
		if (!o->pubkey)
			printf("%s\n", key);
		printf("serial %s\n", serial);
	}
	printf("%s\n", cert);
done:
	OPENSSL_cleanse(pass, sizeof pass);
	OPENSSL_cleanse(ca, sizeof ca);
	return err < 0 ? ds_cli_fail(cli, err) : 0;
}

static int cmd_revoke(struct ds_cli *cli, ds_home *h, struct opts *o, const char *serial_arg)
{
	char ca[DS_SECRET_MAX] = "", unused[DS_SECRET_MAX];
	struct ds_revocation r = {0};
	int err;

	if (!!serial_arg == !!o->cert)
		return ds_cli_failf(cli, DS_EXIT_USAGE, "revoke takes a SERIAL or --cert FILE");
	if (o->cert) {
		struct ds_cert_info ci;
		if ((err = ds_cert_info_file(o->cert, &ci)) < 0)
			return ds_cli_fail(cli, err);
		memcpy(r.serial, ci.serial, sizeof r.serial);
		memcpy(r.cert_sha256, ci.sha256, sizeof r.cert_sha256);
		if ((err = ds_fmt(r.subject, sizeof r.subject, "%s", ci.subject)) < 0)
			return ds_cli_fail(cli, err);
	} else {
		size_t n = strlen(serial_arg);
		if (n == 0 || n >= sizeof r.serial)
			return ds_cli_failf(cli, DS_EXIT_DATAERR, "serial: 1 to %zu hex digits",
					    sizeof r.serial - 1);
		for (size_t i = 0; i < n; i++) {
			char ch = serial_arg[i];
			if (ch >= 'A' && ch <= 'F')
				ch = (char)(ch - 'A' + 'a');
			if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')))
				return ds_cli_failf(cli, DS_EXIT_DATAERR, "serial '%s' is not hex",
						    serial_arg);
			r.serial[i] = ch;
		}
	}
	r.revoked_at = ds_now();
	if (o->at && ds_time_parse(o->at, &r.revoked_at) < 0)
		return ds_cli_failf(cli, DS_EXIT_USAGE, "--at '%s' is not an RFC 3339 time", o->at);
	r.reason = o->reason;
	if ((err = ds_fmt(r.actor, sizeof r.actor, "%s", ds_cli_actor(NULL))) < 0)
		return ds_cli_fail(cli, err);
	if ((err = get_secrets(o, unused, ca, 0)) < 0)
		goto done;
	if ((err = ds_catalog_begin(h->catalog)) < 0)
		goto done;
	char detail[DS_DETAIL_MAX];
	if ((err = ds_catalog_revocation_add(h->catalog, &r)) < 0 ||
	    (err = ds_fmt(detail, sizeof detail, "serial %s reason %d %s", r.serial, r.reason,
			  r.subject)) < 0 ||
	    (err = ds_catalog_event_add(h->catalog, NULL, r.actor, "pki_revoke", detail)) < 0 ||
	    (err = write_crl(h, ca)) < 0) {
		ds_catalog_rollback(h->catalog);
		goto done;
	}
	if ((err = ds_catalog_commit(h->catalog)) < 0)
		goto done;
	char crl[DS_PATH_MAX];
	if ((err = pki_path(h, "crl.pem", crl, sizeof crl)) < 0)
		goto done;
	printf("revoked %s\n%s\n", r.serial, crl);
done:
	OPENSSL_cleanse(ca, sizeof ca);
	return err < 0 ? ds_cli_fail(cli, err) : 0;
}

static int cmd_crl(struct ds_cli *cli, ds_home *h, struct opts *o)
{
	char ca[DS_SECRET_MAX] = "", unused[DS_SECRET_MAX];
	char crl[DS_PATH_MAX];
	int err;
	if ((err = get_secrets(o, unused, ca, 0)) < 0 || (err = write_crl(h, ca)) < 0 ||
	    (err = pki_path(h, "crl.pem", crl, sizeof crl)) < 0)
		goto done;
	printf("%s\n", crl);
done:
	OPENSSL_cleanse(ca, sizeof ca);
	return err < 0 ? ds_cli_fail(cli, err) : 0;
}

/* The seal log's key gets a passphrase of its own: what dossierd needs to
 * sign checkpoints unattended, without the root's. */
static int cmd_log_key(struct ds_cli *cli, ds_home *h, struct opts *o)
{
	char pass[DS_SECRET_MAX], old[DS_SECRET_MAX], lkey[DS_PATH_MAX];
	int err;

	if ((err = pki_path(h, "log.key", lkey, sizeof lkey)) < 0)
		return ds_cli_fail(cli, err);
	if (!o->ca.file)
		return ds_cli_failf(cli, DS_EXIT_USAGE, "log-key needs --ca-passphrase-file (log.key's "
				    "current passphrase) and --passphrase-file (its new one)");
	if ((err = get_secrets(o, pass, old, 1)) < 0)
		goto done;
	if (strcmp(pass, old) == 0) {
		err = ds_error_set(DS_EINVALID, "%s: the new passphrase is the current one; the log "
				   "key's own must differ from the root's", lkey);
		goto done;
	}
	if ((err = ds_seallog_key_rewrap(lkey, old, strlen(old), pass, strlen(pass))) < 0)
		goto done;
	if ((err = ds_catalog_event_add(h->catalog, NULL, ds_cli_actor(NULL), "pki_log_key",
					"pki/log.key has its own passphrase")) < 0)
		goto done;
	printf("%s\n", lkey);
done:
	OPENSSL_cleanse(pass, sizeof pass);
	OPENSSL_cleanse(old, sizeof old);
	return err < 0 ? ds_cli_fail(cli, err) : 0;
}

static int run(struct ds_cli *cli, int argc, char **argv)
{
	static const struct option lopts[] = {
		{"name", required_argument, NULL, 'n'},
		{"seal-id", required_argument, NULL, 's'},
		{"department", required_argument, NULL, 'd'},
		{"full-name", required_argument, NULL, 'f'},
		{"rsa", no_argument, NULL, 'r'},
		{"days", required_argument, NULL, 'D'},
		{"pubkey", required_argument, NULL, 'k'},
		{"passphrase-file", required_argument, NULL, 'p'},
		{"passphrase-fd", required_argument, NULL, 'P'},
		{"ca-passphrase-file", required_argument, NULL, 'c'},
		{"cert", required_argument, NULL, 'C'},
		{"reason", required_argument, NULL, 'R'},
		{"at", required_argument, NULL, 'a'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{0}};
	struct opts o = {.pass = {.fd = -1}, .ca = {.fd = -1}, .reason = -1};
	ds_home *h = NULL;
	int c, rc, fd;

	while ((c = ds_cli_getopt(cli, argc, argv, "h", lopts)) != -1) {
		switch (c) {
		case 'n': o.name = optarg; break;
		case 's': o.seal_id = optarg; break;
		case 'd': o.department = optarg; break;
		case 'f':
			if (strlen(optarg) == 0 || strlen(optarg) > 200)
				return ds_cli_failf(cli, DS_EXIT_USAGE, "--full-name: 1-200 bytes");
			o.full_name = optarg;
			break;
		case 'r': o.rsa = 1; break;
		case 'D':
			if (ds_cli_opt_intv(cli, "--days", optarg, 1, 36500, &o.days) != 0)
				return DS_EXIT_USAGE;
			break;
		case 'k': o.pubkey = optarg; break;
		case 'p': o.pass.file = optarg; break;
		case 'P':
			if (ds_cli_opt_intv(cli, "--passphrase-fd", optarg, 0, INT_MAX, &fd) != 0)
				return DS_EXIT_USAGE;
			o.pass.fd = fd;
			break;
		case 'c': o.ca.file = optarg; break;
		case 'C': o.cert = optarg; break;
		case 'R':
			if (ds_cli_opt_intv(cli, "--reason", optarg, 0, 10, &o.reason) != 0)
				return DS_EXIT_USAGE;
			if (o.reason == 7)
				return ds_cli_failf(cli, DS_EXIT_USAGE, "--reason: a CRL reason code 0-10, not 7");
			break;
		case 'a': o.at = optarg; break;
		case 'j': o.json = 1; break;
		case 'h': return ds_cli_help(&ds_cmd_pki, options);
		default: return ds_cli_usage(cli, &ds_cmd_pki);
		}
	}
	if (optind >= argc)
		return ds_cli_usage(cli, &ds_cmd_pki);
	const char *sub = argv[optind];
	int nargs = argc - optind - 1;
	if ((strcmp(sub, "init") == 0 && (nargs != 0 || !o.name)) ||
	    (strcmp(sub, "issue") == 0 && nargs != 2) || (strcmp(sub, "revoke") == 0 && nargs > 1) ||
	    (strcmp(sub, "crl") == 0 && nargs != 0) || (strcmp(sub, "log-key") == 0 && nargs != 0))
		return ds_cli_usage(cli, &ds_cmd_pki);
	if (o.name && (strlen(o.name) == 0 || strlen(o.name) > 200))
		return ds_cli_failf(cli, DS_EXIT_DATAERR, "--name: 1 to 200 bytes");
	int err = ds_cli_open_home(cli, &h);
	if (err < 0)
		return ds_cli_fail(cli, err);
	if (strcmp(sub, "init") == 0)
		rc = cmd_init(cli, h, &o);
	else if (strcmp(sub, "issue") == 0)
		rc = cmd_issue(cli, h, &o, argv[optind + 1], argv[optind + 2]);
	else if (strcmp(sub, "revoke") == 0)
		rc = cmd_revoke(cli, h, &o, nargs == 1 ? argv[optind + 1] : NULL);
	else if (strcmp(sub, "crl") == 0)
		rc = cmd_crl(cli, h, &o);
	else if (strcmp(sub, "log-key") == 0)
		rc = cmd_log_key(cli, h, &o);
	else
		rc = ds_cli_usage(cli, &ds_cmd_pki);
	ds_home_free(h);
	return rc;
}
