/* OCR settings from dossier.conf, shared by `dossier ocr` and dossierd. */
#include <string.h>
#include <unistd.h>

#include "cli_ocr.h"
#include "dossier/error.h"
#include "dossier/fs.h"

int ds_cli_ocr_options(const ds_home *h, int jobs, char *tmp, struct ds_ocr_run_options *out)
{
	long cfg_jobs = 0;
	int err;

	memset(out, 0, sizeof *out);
	out->ocr.languages = ds_config_get(h->config, "ocr", "languages", "auto");
	if (out->ocr.languages && !*out->ocr.languages)
		out->ocr.languages = "auto";
	if ((err = ds_ocr_languages_valid(out->ocr.languages)) < 0)
		return ds_error_set(err, "dossier.conf: [ocr] languages: %s", ds_error_last());
	out->ocr.tessdata = ds_config_get(h->config, "ocr", "tessdata", NULL);
	if (out->ocr.tessdata && !*out->ocr.tessdata)
		out->ocr.tessdata = NULL;
	if ((err = ds_config_get_int(h->config, "ocr", "jobs", 0, 0, DS_OCR_JOBS_MAX, &cfg_jobs)) < 0)
		return err;
	if (jobs <= 0)
		jobs = (int)cfg_jobs;
	if (jobs <= 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		jobs = n < 1 ? 1 : n > DS_OCR_JOBS_MAX ? DS_OCR_JOBS_MAX : (int)n;
	}
	out->jobs = jobs;
	if ((err = ds_home_path(h, "tmp", tmp, DS_PATH_MAX)) < 0 || (err = ds_mkdirs(tmp, 0700)) < 0)
		return err;
	out->tmpdir = tmp;
	return 0;
}
