/* dossier receipt CODE -o FILE.pdf|FILE.png: the receipt handed to the
 * citizen, whose QR code makes it the cover sheet of the dossier's scans. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dossier/error.h"
#include "dossier/fs.h"
#include "dossier/receipt.h"

static int run(struct ds_cli *cli, int argc, char **argv);

const struct ds_cmd ds_cmd_receipt = {
	.name = "receipt",
	.usage = "CODE -o FILE.pdf|FILE.png [--force]",
	.summary = "print the receipt (Giấy tiếp nhận hồ sơ và hẹn trả kết quả) with its QR cover code",
	.run = run,
};

static const char options[] =
	"  -o, --output FILE  write the receipt to FILE: .pdf (A4, vector) or .png (A4,\n"
	"                     300 dpi, grey); the QR code holds exactly the dossier code\n"
	"  --force            replace FILE if it exists (else refused, exit 73)\n"
	"The heading is [site] agency_name of dossier.conf (optional). Put the printed\n"
	"receipt on top of the dossier's papers when scanning: dossierd reads its QR code\n"
	"and files the pages that follow under this dossier.\n";

static int run(struct ds_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { { "output", required_argument, NULL, 'o' },
					      { "force", no_argument, NULL, 'f' },
					      { "help", no_argument, NULL, 'h' },
					      { 0 } };
	const char *out = NULL, *code;
	ds_home *h = NULL;
	struct ds_dossier d;
	struct ds_department dep;
	struct ds_event *ev = NULL;
	size_t nev = 0;
	enum ds_receipt_format fmt;
	unsigned char *buf = NULL;
	size_t len = 0;
	int c, err = 0, force = 0, rc;

	while ((c = ds_cli_getopt(cli, argc, argv, "o:h", opts)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'f': force = 1; break;
		case 'h': return ds_cli_help(&ds_cmd_receipt, options);
		default: return ds_cli_usage(cli, &ds_cmd_receipt);
		}
	}
	if (!out || optind != argc - 1)
		return ds_cli_usage(cli, &ds_cmd_receipt);
	code = argv[optind];
	if ((err = ds_receipt_format_from_path(&fmt, out)) < 0)
		return ds_cli_fail(cli, err);
	if ((rc = ds_cli_output_check(cli, out, force)) != 0)
		return rc;
	if ((err = ds_cli_open_home(cli, &h)) < 0)
		goto done;
	if ((err = ds_catalog_dossier_get(h->catalog, code, &d)) < 0)
		goto done;
	memset(&dep, 0, sizeof(dep));
	if (ds_catalog_department_get(h->catalog, d.department, &dep) < 0)
		dep.name[0] = 0;
	if ((err = ds_catalog_event_list(h->catalog, d.code, &ev, &nev)) < 0)
		goto done;
	{
		const char *clerk = NULL;
		for (size_t i = 0; i < nev; i++)
			if (strcmp(ev[i].action, "received") == 0) {
				/* who received it: the person the intake was
				 * done for when named (--actor), else the user */
				clerk = ev[i].on_behalf_of[0] ? ev[i].on_behalf_of : ev[i].actor;
				break;
			}
		struct ds_receipt r = {
			.code = d.code,
			.agency_name = ds_config_get(h->config, "site", "agency_name", NULL),
			.procedure_code = d.procedure,
			.procedure_name = d.procedure_name,
			.department_name = dep.name,
			.applicant_id = d.applicant_id,
			.applicant_name = d.applicant_name,
			.received_at = d.received_at,
			.due_at = d.due_at,
			.utc_offset = ds_config_utc_offset(h->config),
			.clerk = clerk,
		};
		if ((err = ds_receipt_render(&buf, &len, &r, fmt)) < 0)
			goto done;
	}
	if ((rc = ds_cli_output_write(cli, out, buf, len, force)) == 0)
		fprintf(stderr, "receipt for %s written to %s\n", d.code, out);
done:
	free(buf);
	free(ev);
	ds_home_free(h);
	return err < 0 ? ds_cli_fail(cli, err) : rc;
}
