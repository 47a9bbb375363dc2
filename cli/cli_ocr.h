/* OCR settings from dossier.conf, shared by `dossier ocr` and dossierd. */
#ifndef DOSSIER_CLI_OCR_H
#define DOSSIER_CLI_OCR_H

#include "dossier/home.h"
#include "dossier/ocr.h"

/* Fills `out` from [ocr] languages, jobs (0 = cores) and tessdata, with
 * `jobs` > 0 overriding the config. tmpdir is HOME/tmp (created). The
 * strings point into the config and `tmp` (DS_PATH_MAX bytes), which must
 * outlive `out`. */
int ds_cli_ocr_options(const ds_home *h, int jobs, char *tmp, struct ds_ocr_run_options *out);

#endif
