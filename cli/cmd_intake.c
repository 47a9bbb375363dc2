/* dossier intake: register a dossier at the counter, with its scans. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_archive.h"
#include "cli_dossier.h"
#include "cli_ingest.h"
#include "dossier/archive.h"
#include "dossier/clock.h"
#include "dossier/error.h"
#include "dossier/fs.h"
#include "dossier/pki.h"

#define DS_INTAKE_REUSE_MAX 16

static int run(struct ds_cli *cli, int argc, char **argv);

const struct ds_cmd ds_cmd_intake = {
	.name = "intake",
	.usage = "--procedure CODE --applicant-id ID --applicant-name NAME [--actor NAME] [--reuse CODE]… [--trust ROOTS.pem] [FILE…]",
	.summary = "register a dossier (with its scans, or awaiting them); prints its code last",
	.run = run,
};

static const char options[] =
	"  --procedure CODE       the administrative procedure (mã TTHC)\n"
	"  --applicant-id ID      the applicant's citizen ID (CCCD) or organisation code\n"
	"  --applicant-name NAME  the applicant's name\n"
	"  --actor NAME           who receives it (default: the login name)\n"
	"  --reuse CODE           reference the sealed result of the applicant's earlier\n"
	"                         dossier CODE (repeatable); its bundle is verified now\n"
	"                         and the dossier is not registered if it does not pass\n"
	"  --trust ROOTS.pem      trusted roots for --reuse (default: HOME/pki/root.pem)\n"
	"FILE… are scans: TIFF (multi-page), PNG or JPEG. Without files the dossier\n"
	"awaits its scans (dossierd, or `dossier pages add`).\n";

static int run(struct ds_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"procedure", required_argument, NULL, 'p'},
					     {"applicant-id", required_argument, NULL, 'i'},
					     {"applicant-name", required_argument, NULL, 'n'},
					     {"actor", required_argument, NULL, 'a'},
					     {"reuse", required_argument, NULL, 'r'},
					     {"trust", required_argument, NULL, 'T'},
					     {"help", no_argument, NULL, 'h'},
					     {0}};
	const char *proc_code = NULL, *app_id = NULL, *app_name = NULL, *actor = NULL;
	const char *reuse[DS_INTAKE_REUSE_MAX], *trust = NULL;
	size_t nreuse = 0;
	struct ds_bundle_verify_opts vo = {0};
	struct ds_archive_reuse ru[DS_INTAKE_REUSE_MAX];
	char trust_buf[DS_PATH_MAX];
	ds_home *h = NULL;
	ds_ingest *in = NULL;
	struct ds_procedure proc;
	char code[DS_CODE_MAX];
	int c, err = 0, locked = 0;

	while ((c = ds_cli_getopt(cli, argc, argv, "h", opts)) != -1) {
		switch (c) {
		case 'p': proc_code = optarg; break;
		case 'i': app_id = optarg; break;
		case 'n': app_name = optarg; break;
		case 'a': actor = optarg; break;
		case 'r':
			if (nreuse == DS_INTAKE_REUSE_MAX)
				return ds_cli_fail(cli, ds_error_set(DS_EINVALID,
								     "at most %d --reuse options",
								     DS_INTAKE_REUSE_MAX));
			reuse[nreuse++] = optarg;
			break;
		case 'T': trust = optarg; break;
		case 'h': return ds_cli_help(&ds_cmd_intake, options);
		default: return ds_cli_usage(cli, &ds_cmd_intake);
		}
	}
	if (!proc_code || !app_id || !app_name)
		return ds_cli_usage(cli, &ds_cmd_intake);
	if (trust && (c = ds_cli_option_file(cli, "--trust", trust, DS_FILE_CERTS)) != 0)
		return c;
	if ((err = ds_cli_check_field("--applicant-id", app_id, DS_CODE_MAX)) < 0 ||
	    (err = ds_cli_check_field("--applicant-name", app_name, DS_NAME_MAX)) < 0 ||
	    (err = ds_cli_check_field("--procedure", proc_code, DS_CODE_MAX)) < 0)
		return ds_cli_fail(cli, err);
	actor = ds_cli_actor(actor);
	for (size_t i = 0; i < nreuse; i++)
		if ((err = ds_cli_check_field("--reuse", reuse[i], DS_CODE_MAX)) < 0)
			return ds_cli_fail(cli, err);
	if ((err = ds_cli_open_home(cli, &h)) < 0)
		return ds_cli_fail(cli, err);
	if (nreuse > 0 &&
	    (err = ds_cli_archive_vopts(cli, trust, NULL, &vo, trust_buf, sizeof trust_buf)) < 0)
		goto done;
	/* Check the procedure before decoding scans: a typo costs nothing. */
	if ((err = ds_catalog_procedure_get(h->catalog, proc_code, &proc)) < 0)
		goto done;
	if ((err = ds_cli_ingest_files(cli, h, argv + optind, argc - optind, &in)) < 0)
		goto done;
	/* Each earlier bundle is verified before the dossier is registered (and
	 * outside the catalog's write lock): one that does not verify leaves no
	 * dossier behind. */
	for (size_t i = 0; i < nreuse; i++)
		if ((err = ds_archive_reuse_verify(h, app_id, reuse[i], &vo, &ru[i])) < 0)
			goto done;

	size_t nh;
	const int32_t *hol = ds_config_holidays(h->config, &nh);
	int offset = ds_config_utc_offset(h->config);
	int64_t now = ds_now();
	struct ds_dossier_new dn = {
		.agency_id = ds_config_agency_id(h->config),
		.procedure = proc_code,
		.applicant_id = app_id,
		.applicant_name = app_name,
		.received_at = now,
		.due_at = ds_due_at(now, proc.days, offset, hol, nh),
		.utc_offset = offset,
		.actor = actor,
	};
	/* the store's lock, then the catalog's (see ds_ingest_lock) */
	if ((err = ds_ingest_lock(in)) < 0)
		goto done;
	locked = 1;
	if ((err = ds_catalog_begin(h->catalog)) < 0)
		goto done;
	if ((err = ds_catalog_dossier_create(h->catalog, &dn, code)) < 0 ||
	    (ds_ingest_page_count(in) > 0 &&
	     (err = ds_ingest_commit(in, h->catalog, code, actor)) < 0)) {
		ds_catalog_rollback(h->catalog);
		goto done;
	}
	for (size_t i = 0; i < nreuse; i++) {
		if ((err = ds_archive_reuse_record(h, code, &ru[i], actor)) < 0) {
			ds_catalog_rollback(h->catalog);
			goto done;
		}
	}
	if ((err = ds_catalog_commit(h->catalog)) < 0)
		goto done;
	ds_ingest_done(in);
	ds_ingest_unlock(in);
	locked = 0;
	char due[40];
	fprintf(stderr, "dossier %s: %zu pages from %d files; due %s\n", code,
		ds_ingest_page_count(in), argc - optind, ds_cli_time(h, dn.due_at, due, sizeof due));
	for (size_t i = 0; i < nreuse; i++)
		fprintf(stderr, "dossier %s reuses the sealed bundle of %s (verified)\n", code,
			reuse[i]);
	printf("%s\n", code);
done:
	if (locked)
		ds_ingest_unlock(in);
	if (h)
		ds_ingest_abort_unnamed(in, h->catalog);
	ds_ingest_free(in);
	ds_cli_archive_vopts_clear(&vo);
	ds_home_free(h);
	return err < 0 ? ds_cli_fail(cli, err) : 0;
}
