/* Module checks gathered for `dossier check`. */
#include "cli_check.h"
#include "cli_seallog.h"
#include "dossier/archive.h"
#include "dossier/ocr.h"

int ds_cli_check_modules(ds_home *h, const struct ds_check_opts *o)
{
	int err;
	if ((err = ds_cli_seallog_check(h, o)) < 0 || (err = ds_archive_check(h, o, NULL)) < 0 ||
	    (err = ds_ocr_check(h, o, NULL)) < 0)
		return err;
	return 0;
}
