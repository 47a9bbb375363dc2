/* dossier reuse --applicant-id ID [--json]
 * dossier reuse --attach SOURCE_CODE --to CODE [--trust ROOTS.pem] [--crl FILE]
 *
 * Lists an applicant's sealed bundles (procedure, date, seal, results), or
 * attaches one to a new dossier by reference after verifying it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "cli_archive.h"
#include "dossier/archive.h"
#include "dossier/catalog_archive.h"
#include "dossier/clock.h"
#include "dossier/config.h"
#include "dossier/error.h"
#include "dossier/fs.h"
#include "dossier/pki.h"

static int run(struct ds_cli *cli, int argc, char **argv);

const struct ds_cmd ds_cmd_reuse = {
	.name = "reuse",
	.usage = "--applicant-id ID [--json] | --attach SOURCE_CODE --to CODE [--trust ROOTS.pem] "
		 "[--crl FILE] [--actor NAME]",
	.summary = "list an applicant's sealed results for reuse, or attach one to a dossier",
	.run = run,
};

static const char options_text[] =
	"  --applicant-id ID    list the applicant's sealed bundles, newest first\n"
	"  --json               as a JSON array\n"
	"  --attach SOURCE      verify SOURCE's latest bundle and reference it from --to CODE\n"
	"  --trust, --crl       as for `dossier verify`\n"
	"  --actor NAME         done on behalf of NAME: recorded as on_behalf_of (the actor\n"
	"                       recorded is always the OS user running the command)\n";

static int list(struct ds_cli *cli, ds_home *h, const char *applicant, int json)
{
	struct ds_applicant_bundle *a = NULL;
	size_t n = 0;
	int err;
	int off = ds_config_utc_offset(h->config);
	json_t *arr = json_array();

	if ((err = ds_catalog_bundles_by_applicant(h->catalog, applicant, &a, &n)) < 0)
		goto done;
	for (size_t i = 0; i < n; i++) {
		struct ds_result_row *res = NULL;
		size_t nr = 0;
		char when[40], path[DS_PATH_MAX];
		if ((err = ds_catalog_result_list(h->catalog, a[i].dossier.code, &res, &nr)) < 0 ||
		    (err = ds_time_iso(a[i].bundle.sealed_at, off, 0, when, sizeof when)) < 0 ||
		    (err = ds_home_path(h, a[i].bundle.path, path, sizeof path)) < 0) {
			free(res);
			goto done;
		}
		json_t *jr = json_array();
		for (size_t k = 0; k < nr; k++)
			json_array_append_new(jr, json_pack("{s:s, s:s, s:s}", "title", res[k].title,
							    "name", res[k].name, "sha256", res[k].sha256));
		json_array_append_new(
			arr, json_pack("{s:s, s:{s:s, s:s}, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:o}",
				       "code", a[i].dossier.code, "procedure", "code",
				       a[i].dossier.procedure, "name", a[i].dossier.procedure_name,
				       "department", a[i].dossier.department, "state",
				       a[i].dossier.state, "sealed_at", when, "seal_id",
				       a[i].bundle.seal_id, "version", a[i].bundle.version, "bundle",
				       path, "sha256", a[i].bundle.sha256, "results", jr));
		if (!json) {
			printf("%s  %s  %s  %s  seal %s  v%d\n", a[i].dossier.code, when,
			       a[i].dossier.procedure, a[i].dossier.procedure_name, a[i].bundle.seal_id,
			       a[i].bundle.version);
			for (size_t k = 0; k < nr; k++)
				printf("    result: %s (%s)\n", res[k].title, res[k].name);
		}
		free(res);
	}
	if (json)
		ds_cli_print_json(arr);
	else if (n == 0)
		printf("no sealed bundles for applicant %s\n", applicant);
done:
	json_decref(arr);
	free(a);
	return err < 0 ? ds_cli_fail(cli, err) : 0;
}

static int run(struct ds_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"applicant-id", required_argument, NULL, 'i'},
					     {"attach", required_argument, NULL, 'A'},
					     {"to", required_argument, NULL, 't'},
					     {"trust", required_argument, NULL, 'T'},
					     {"crl", required_argument, NULL, 'c'},
					     {"actor", required_argument, NULL, 'a'},
					     {"json", no_argument, NULL, 'j'},
					     {"help", no_argument, NULL, 'h'},
					     {0}};
	const char *applicant = NULL, *source = NULL, *to = NULL, *trust = NULL, *crl = NULL,
		   *actor = NULL;
	int c, json = 0, err, rc = 0;
	ds_home *h = NULL;
	char trust_buf[DS_PATH_MAX];
	struct ds_bundle_verify_opts vo = {0};

	while ((c = ds_cli_getopt(cli, argc, argv, "h", opts)) != -1) {
		switch (c) {
		case 'i': applicant = optarg; break;
		case 'A': source = optarg; break;
		case 't': to = optarg; break;
		case 'T': trust = optarg; break;
		case 'c': crl = optarg; break;
		case 'a': actor = optarg; break;
		case 'j': json = 1; break;
		case 'h': return ds_cli_help(&ds_cmd_reuse, options_text);
		default: return ds_cli_usage(cli, &ds_cmd_reuse);
		}
	}
	if (optind != argc || (!applicant) == (!source) || (!source) != (!to))
		return ds_cli_usage(cli, &ds_cmd_reuse);
	if ((trust && (rc = ds_cli_option_file(cli, "--trust", trust, DS_FILE_CERTS)) != 0) ||
	    (crl && (rc = ds_cli_option_file(cli, "--crl", crl, DS_FILE_CRLS)) != 0))
		return rc;
	if ((err = ds_cli_open_home(cli, &h)) < 0) {
		rc = ds_cli_fail(cli, err);
		goto done;
	}
	if (applicant) {
		rc = list(cli, h, applicant, json);
		goto done;
	}
	if ((err = ds_cli_archive_vopts(cli, trust, crl, &vo, trust_buf, sizeof trust_buf)) < 0 ||
	    (err = ds_archive_reuse_attach(h, to, source, &vo, ds_cli_actor(actor))) < 0) {
		rc = ds_cli_fail(cli, err);
		goto done;
	}
	printf("%s reuses the sealed bundle of %s\n", to, source);
done:
	ds_cli_archive_vopts_clear(&vo);
	ds_home_free(h);
	return rc;
}
