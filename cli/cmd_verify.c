/* dossier verify BUNDLE… [--trust ROOTS.pem] [--crl FILE]
 *                 [--checkpoint FILE --proof FILE [--log-key FILE]] [--json] [--verbose]
 *
 * Offline verification for auditors: needs no catalog, only the bundles and
 * the trusted roots. Exit 0 when every bundle is TOTAL_PASSED; else 1 if
 * any is TOTAL_FAILED, else 66 if any could not be read, else 2. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "cli_archive.h"
#include "cli_pades.h"
#include "dossier/archive.h"
#include "dossier/clock.h"
#include "dossier/error.h"
#include "dossier/fs.h"
#include "dossier/pki.h"
#include "dossier/seallog.h"

static int run(struct ds_cli *cli, int argc, char **argv);

const struct ds_cmd ds_cmd_verify = {
	.name = "verify",
	.usage = "(BUNDLE|FILE.pdf)… [--trust ROOTS.pem] [--crl FILE] [--checkpoint FILE --proof FILE "
		 "[--log-key FILE]] [--at TIME] [--json] [--verbose]",
	.summary = "verify sealed bundles and signed PDFs offline (ASiC-E, digests, CAdES/PAdES, seal log)",
	.run = run,
};

static const char options_text[] =
	"  --trust FILE        trusted root certificates, PEM (default HOME/pki/root.pem)\n"
	"  --crl FILE          extra CRLs, PEM (besides those the bundle carries)\n"
	"  --checkpoint FILE   a signed seal log checkpoint (with --proof, one bundle)\n"
	"  --proof FILE        the inclusion proof printed by `dossier log prove CODE`\n"
	"  --log-key FILE      the seal log's public key (default HOME/pki/log.pub)\n"
	"  --at TIME           verify as of TIME (RFC 3339) instead of now\n"
	"  --json              a JSON array with one report per bundle or PDF\n"
	"  -v, --verbose       list passed checks too\n"
	"exit: 0 all TOTAL_PASSED, 1 some TOTAL_FAILED, 66 some unreadable, 2 INDETERMINATE,\n"
	"      64 usage (also a file of the wrong kind given to an option)\n";

struct logarg {
	char *cp, *proof;
	size_t cp_len, proof_len;
	const char *key;
};

static int log_check(void *arg, const char *leaf, size_t leaf_len)
{
	struct logarg *a = arg;
	char reason[256] = "";
	int err = ds_seallog_verify_inclusion(a->cp, a->cp_len, a->key, NULL, a->proof, a->proof_len,
					      leaf, leaf_len, reason, sizeof reason);
	if (err < 0)
		return ds_error_set(err, "seal log: %s", reason[0] ? reason : ds_error_last());
	return 0;
}

static int run(struct ds_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"trust", required_argument, NULL, 't'},
					     {"crl", required_argument, NULL, 'c'},
					     {"checkpoint", required_argument, NULL, 'k'},
					     {"proof", required_argument, NULL, 'p'},
					     {"log-key", required_argument, NULL, 'l'},
					     {"at", required_argument, NULL, 'T'},
					     {"json", no_argument, NULL, 'j'},
					     {"verbose", no_argument, NULL, 'v'},
					     {"help", no_argument, NULL, 'h'},
					     {0}};
	const char *trust = NULL, *crl = NULL, *cp = NULL, *proof = NULL, *logkey = NULL;
	int64_t at = 0;
	int c, json = 0, verbose = 0, err, rc = DS_EXIT_OK;
	int any_failed = 0, any_unreadable = 0, any_indet = 0;
	char trust_buf[DS_PATH_MAX], key_buf[DS_PATH_MAX];
	struct ds_bundle_verify_opts vo = {0};
	struct logarg la = {0};
	json_t *arr = NULL;

	while ((c = ds_cli_getopt(cli, argc, argv, "hv", opts)) != -1) {
		switch (c) {
		case 't': trust = optarg; break;
		case 'c': crl = optarg; break;
		case 'k': cp = optarg; break;
		case 'p': proof = optarg; break;
		case 'l': logkey = optarg; break;
		case 'T':
			if (ds_time_parse(optarg, &at) < 0 || at <= 0)
				return ds_cli_failf(cli, DS_EXIT_USAGE, "--at: not an RFC 3339 time: %s",
						    optarg);
			break;
		case 'j': json = 1; break;
		case 'v': verbose = 1; break;
		case 'h': return ds_cli_help(&ds_cmd_verify, options_text);
		default: return ds_cli_usage(cli, &ds_cmd_verify);
		}
	}
	if (optind >= argc || (!cp) != (!proof) || (cp && argc - optind != 1))
		return ds_cli_usage(cli, &ds_cmd_verify);
	/* A wrong file given as an option is a usage error, not a verdict. */
	const struct {
		const char *opt, *path;
		enum ds_file_kind want;
	} files[] = {{"--trust", trust, DS_FILE_CERTS},	  {"--crl", crl, DS_FILE_CRLS},
		     {"--checkpoint", cp, DS_FILE_CHECKPOINT}, {"--proof", proof, DS_FILE_PROOF},
		     {"--log-key", logkey, DS_FILE_LOG_KEY}};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
		if (files[i].path &&
		    (rc = ds_cli_option_file(cli, files[i].opt, files[i].path, files[i].want)) != 0)
			return rc;
	if ((err = ds_cli_archive_vopts(cli, trust, crl, &vo, trust_buf, sizeof trust_buf)) < 0)
		return ds_cli_fail(cli, err);
	vo.cades.now = at;
	if (cp) {
		unsigned char *b = NULL;
		if (!logkey) {
			if ((err = ds_path_join(key_buf, sizeof key_buf, cli->home_dir, "pki/log.pub")) < 0) {
				rc = ds_cli_fail(cli, err);
				goto done;
			}
			logkey = key_buf;
		}
		if ((err = ds_file_read(cp, DS_SEALLOG_NOTE_MAX, &b, &la.cp_len)) < 0) {
			rc = ds_cli_fail(cli, err);
			goto done;
		}
		la.cp = (char *)b;
		if ((err = ds_file_read(proof, DS_SEALLOG_PROOF_TEXT_MAX, &b, &la.proof_len)) < 0) {
			rc = ds_cli_fail(cli, err);
			goto done;
		}
		la.proof = (char *)b;
		la.key = logkey;
		vo.log_check = log_check;
		vo.log_arg = &la;
	}
	if (json)
		arr = json_array();
	for (int i = optind; i < argc; i++) {
		struct ds_bundle_report *r = NULL;
		if (ds_cli_is_pdf_path(argv[i])) {
			enum ds_indication ind = DS_TOTAL_PASSED;
			int unreadable = 0;
			if ((err = ds_cli_verify_pdf(argv[i], &vo.cades, arr, verbose, &ind, &unreadable)) < 0) {
				rc = ds_cli_fail(cli, err);
				goto done;
			}
			any_unreadable |= unreadable;
			any_failed |= !unreadable && ind == DS_TOTAL_FAILED;
			any_indet |= !unreadable && ind == DS_INDETERMINATE;
			continue;
		}
		if ((err = ds_bundle_verify(argv[i], &vo, &r)) < 0) {
			rc = ds_cli_fail(cli, err);
			goto done;
		}
		if (r->unreadable)
			any_unreadable = 1;
		else if (r->indication == DS_TOTAL_FAILED)
			any_failed = 1;
		else if (r->indication == DS_INDETERMINATE)
			any_indet = 1;
		if (json) {
			char *t = NULL;
			json_error_t je;
			if ((err = ds_bundle_report_json(r, &t)) < 0) {
				free(r);
				rc = ds_cli_fail(cli, err);
				goto done;
			}
			json_array_append_new(arr, json_loads(t, 0, &je));
			free(t);
		} else {
			ds_cli_print_report(r, verbose);
		}
		free(r);
	}
	if (json)
		ds_cli_print_json(arr);
	rc = any_failed ? DS_EXIT_FAIL
	     : any_unreadable ? DS_EXIT_NOINPUT
	     : any_indet ? DS_EXIT_INDETERMINATE
			 : DS_EXIT_OK;
done:
	ds_cli_archive_vopts_clear(&vo);
	json_decref(arr);
	free(la.cp);
	free(la.proof);
	return rc;
}
