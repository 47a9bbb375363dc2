/* dossier approver add|remove|list — who may apply which seal. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "cli_trust.h"
#include "dossier/catalog_signer.h"
#include "dossier/clock.h"
#include "dossier/error.h"
#include "dossier/fs.h"
#include "dossier/pki.h"

static int run(struct ds_cli *cli, int argc, char **argv);

const struct ds_cmd ds_cmd_approver = {
	.name = "approver",
	.usage = "add USER --cert FILE --seal SEAL_ID [--trust FILE] | remove USER [--seal SEAL_ID]"
		 " | list [--seal SEAL_ID] [--json]",
	.summary = "list the approvers allowed to apply each seal",
	.run = run,
};

static const char options[] =
	"  --cert FILE    the approver's certificate (their personal signing key's)\n"
	"  --seal ID      the seal they may apply (remove: only this one; default all)\n"
	"  --trust FILE   narrow the anchors to this file's: each must be a configured one\n"
	"  --json         machine-readable output (list)\n"
	"A certificate is accepted only if it chains to a trust anchor of [pki] trust in\n"
	"dossier.conf, is valid now, is not revoked, has the personal (approver)\n"
	"profile and names the seal's department (OU). Refusals: 77 when it does not\n"
	"chain to a configured anchor, 65 when its profile or department does not fit.\n";

static int cmd_add(struct ds_cli *cli, ds_home *h, const char *user, const char *cert,
		   const char *seal_id, const char *trust)
{
	struct ds_approver a = {0};
	struct ds_cert_info ci;
	struct ds_revocation rv;
	struct ds_seal seal;
	struct ds_department dept;
	struct ds_trust_result tr;
	ds_trust *t = NULL;
	char reason[512], abs[PATH_MAX], detail[DS_DETAIL_MAX];
	int err;

	if ((err = ds_catalog_seal_get(h->catalog, seal_id, &seal)) < 0 ||
	    (err = ds_catalog_department_get(h->catalog, seal.department, &dept)) < 0)
		return ds_cli_fail(cli, err);
	if ((err = ds_cert_info_file(cert, &ci)) < 0)
		return ds_cli_fail(cli, err);
	if ((err = ds_cli_trust_enrol(cli, h, trust, &t)) < 0)
		return ds_cli_fail(cli, err);
	err = ds_trust_check_cert(t, cert, NULL, ds_now(), &tr, reason, sizeof reason);
	ds_trust_free(t);
	if (err < 0)
		return ds_cli_fail(cli, err);
	/* pki/crl.pem is written from the catalog's revocations: checked here */
	if (ds_catalog_revocation_get(h->catalog, ci.serial, &rv) == 0)
		return ds_cli_failf(cli, DS_EXIT_NOPERM, "%s: certificate %s is revoked", cert,
				    ci.serial);
	if (!tr.fits_approver)
		return ds_cli_failf(cli, DS_EXIT_DATAERR,
				    "%s: not an approver (personal) certificate: missing %s", cert,
				    tr.approver_missing);
	if (strcmp(ci.ou, dept.code) != 0 && strcmp(ci.ou, dept.name) != 0)
		return ds_cli_failf(cli, DS_EXIT_DATAERR,
				    "%s: missing department: OU '%s' is not %s (%s) of seal %s", cert,
				    ci.ou, dept.code, dept.name, seal_id);
	if (!realpath(cert, abs))
		return ds_cli_fail(cli, ds_error_set_errno(DS_EIO, errno, "%s", cert));
	if ((err = ds_fmt(a.user, sizeof a.user, "%s", user)) < 0 ||
	    (err = ds_fmt(a.seal_id, sizeof a.seal_id, "%s", seal_id)) < 0 ||
	    (err = ds_fmt(a.cert_path, sizeof a.cert_path, "%s", abs)) < 0 ||
	    (err = ds_fmt(a.subject, sizeof a.subject, "%s", ci.subject)) < 0)
		return ds_cli_fail(cli, err);
	memcpy(a.cert_sha256, ci.sha256, sizeof a.cert_sha256);
	memcpy(a.cert_serial, ci.serial, sizeof a.cert_serial);
	a.not_after = ci.not_after;
	if ((err = ds_catalog_begin(h->catalog)) < 0)
		return ds_cli_fail(cli, err);
	if ((err = ds_catalog_approver_add(h->catalog, &a)) < 0 ||
	    (err = ds_fmt(detail, sizeof detail, "%s may apply seal %s (certificate %s, anchor %s)",
			  user, seal_id, ci.serial, tr.anchor_sha256)) < 0 ||
	    (err = ds_catalog_event_add(h->catalog, NULL, ds_cli_actor(NULL), "approver_add",
					detail)) < 0) {
		ds_catalog_rollback(h->catalog);
		return ds_cli_fail(cli, err);
	}
	if ((err = ds_catalog_commit(h->catalog)) < 0 || (err = ds_cli_profiles_switch(h)) < 0)
		return ds_cli_fail(cli, err);
	printf("%s %s %s\n", user, seal_id, ci.sha256);
	return 0;
}

static int cmd_remove(struct ds_cli *cli, ds_home *h, const char *user, const char *seal_id)
{
	char detail[DS_DETAIL_MAX];
	int err;
	if ((err = ds_catalog_begin(h->catalog)) < 0)
		return ds_cli_fail(cli, err);
	if ((err = ds_catalog_approver_remove(h->catalog, user, seal_id)) < 0 ||
	    (err = ds_fmt(detail, sizeof detail, "%s may no longer apply %s%s", user,
			  seal_id ? "seal " : "any seal", seal_id ? seal_id : "")) < 0 ||
	    (err = ds_catalog_event_add(h->catalog, NULL, ds_cli_actor(NULL), "approver_remove",
					detail)) < 0) {
		ds_catalog_rollback(h->catalog);
		return ds_cli_fail(cli, err);
	}
	if ((err = ds_catalog_commit(h->catalog)) < 0)
		return ds_cli_fail(cli, err);
	printf("%s\n", user);
	return 0;
}

static int cmd_list(struct ds_cli *cli, ds_home *h, const char *seal_id, int json)
{
	struct ds_approver *a = NULL;
	size_t n = 0;
	int rc = 0, err = ds_catalog_approver_list(h->catalog, NULL, seal_id, &a, &n);
	if (err < 0)
		return ds_cli_fail(cli, err);
	if (json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(
				arr, json_pack("{s:s, s:s, s:s, s:s, s:s, s:I}", "user", a[i].user,
					       "seal_id", a[i].seal_id, "cert", a[i].cert_path,
					       "cert_sha256", a[i].cert_sha256, "subject", a[i].subject,
					       "not_after", (json_int_t)a[i].not_after));
		rc = ds_cli_print_json(arr);
		json_decref(arr);
	} else {
		for (size_t i = 0; i < n; i++)
			printf("%-16s %-20s %s\n", a[i].seal_id, a[i].user, a[i].subject);
	}
	free(a);
	return rc;
}

static int run(struct ds_cli *cli, int argc, char **argv)
{
	static const struct option lopts[] = {{"cert", required_argument, NULL, 'c'},
					      {"seal", required_argument, NULL, 's'},
					      {"trust", required_argument, NULL, 't'},
					      {"json", no_argument, NULL, 'j'},
					      {"help", no_argument, NULL, 'h'},
					      {0}};
	const char *cert = NULL, *seal = NULL, *trust = NULL;
	int c, json = 0, err, rc;
	ds_home *h = NULL;

	while ((c = ds_cli_getopt(cli, argc, argv, "h", lopts)) != -1) {
		switch (c) {
		case 'c': cert = optarg; break;
		case 's': seal = optarg; break;
		case 't': trust = optarg; break;
		case 'j': json = 1; break;
		case 'h': return ds_cli_help(&ds_cmd_approver, options);
		default: return ds_cli_usage(cli, &ds_cmd_approver);
		}
	}
	if (optind >= argc)
		return ds_cli_usage(cli, &ds_cmd_approver);
	const char *sub = argv[optind];
	int nargs = argc - optind - 1;
	if (strcmp(sub, "add") == 0 && (nargs != 1 || !cert || !seal))
		return ds_cli_usage(cli, &ds_cmd_approver);
	if (strcmp(sub, "remove") == 0 && nargs != 1)
		return ds_cli_usage(cli, &ds_cmd_approver);
	if (strcmp(sub, "list") == 0 && nargs != 0)
		return ds_cli_usage(cli, &ds_cmd_approver);
	if (nargs == 1 && (strlen(argv[optind + 1]) == 0 ||
			   strlen(argv[optind + 1]) >= DS_ACTOR_MAX))
		return ds_cli_failf(cli, DS_EXIT_DATAERR, "user name: 1 to %d bytes", DS_ACTOR_MAX - 1);
	if ((err = ds_cli_open_home(cli, &h)) < 0)
		return ds_cli_fail(cli, err);
	if (strcmp(sub, "add") == 0)
		rc = cmd_add(cli, h, argv[optind + 1], cert, seal, trust);
	else if (strcmp(sub, "remove") == 0)
		rc = cmd_remove(cli, h, argv[optind + 1], seal);
	else if (strcmp(sub, "list") == 0)
		rc = cmd_list(cli, h, seal, json);
	else
		rc = ds_cli_usage(cli, &ds_cmd_approver);
	ds_home_free(h);
	return rc;
}
