/* dossierd's parts (cli/dossierd*.c). */
#ifndef DOSSIERD_H
#define DOSSIERD_H

#include "dossier/home.h"

/* The OCR workers: run the `ocr` jobs of the catalog queue. */
struct dossierd_ocr;

/* Whether this build has OCR (include/dossier/ocr.h). */

/* Starts the workers when `enabled` (else *out is a handle that does
 * nothing). `once`: stop when the queue is empty after finish(). Running
 * jobs left by a crash are queued again. */
int dossierd_ocr_start(struct dossierd_ocr **out, ds_home *h, int enabled, int jobs, int once);
/* New jobs may be queued. */
void dossierd_ocr_wake(struct dossierd_ocr *o);
/* After SIGHUP. */
void dossierd_ocr_configure(struct dossierd_ocr *o, int enabled, int jobs);
/* `drain`: finish every queued job first; otherwise finish the page in hand. */
void dossierd_ocr_finish(struct dossierd_ocr *o, int drain);
void dossierd_ocr_free(struct dossierd_ocr *o);

#endif
