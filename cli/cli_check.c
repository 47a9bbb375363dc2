/* Module checks gathered for `dossier check`. */
#include "cli_check.h"

int ds_cli_check_modules(ds_home *h, const struct ds_check_opts *o)
{
	(void)h;
	(void)o;
	return 0; /* archive and seal log checks are added as those modules land */
}
