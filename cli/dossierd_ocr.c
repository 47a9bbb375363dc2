/* dossierd's OCR workers. OCR (include/dossier/ocr.h) is not merged in this
 * build yet: the jobs stay queued and `dossier status` shows them. */
#include <stdlib.h>

#include "dossierd.h"
#include "dossier/error.h"

struct dossierd_ocr {
	int enabled;
};

int dossierd_ocr_available(void)
{
	return 0;
}

int dossierd_ocr_start(struct dossierd_ocr **out, ds_home *h, int enabled, int jobs, int once)
{
	(void)h;
	(void)jobs;
	(void)once;
	if (!(*out = calloc(1, sizeof(**out))))
		return ds_error_set(DS_ENOMEM, "out of memory");
	(*out)->enabled = enabled;
	return 0;
}

void dossierd_ocr_wake(struct dossierd_ocr *o)
{
	(void)o;
}

void dossierd_ocr_configure(struct dossierd_ocr *o, int enabled, int jobs)
{
	(void)jobs;
	if (o)
		o->enabled = enabled;
}

void dossierd_ocr_finish(struct dossierd_ocr *o, int drain)
{
	(void)o;
	(void)drain;
}

void dossierd_ocr_free(struct dossierd_ocr *o)
{
	free(o);
}
