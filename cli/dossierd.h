/* dossierd's parts (cli/dossierd*.c). */
#ifndef DOSSIERD_H
#define DOSSIERD_H

#include <stdint.h>

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

/* Unattended seal-log checkpoints ([seal_log] checkpoint_every,
 * passphrase_file; cli/dossierd_checkpoint.c). Only pki/log.key is opened. */
struct dossierd_cp;
int dossierd_cp_start(struct dossierd_cp **out, ds_home *h);
/* After SIGHUP (h's configuration replaced). */
int dossierd_cp_configure(struct dossierd_cp *cp);
/* Monotonic ms of the next attempt; INT64_MAX when off (no passphrase_file,
 * or checkpoint_every = 0). */
int64_t dossierd_cp_due_ms(const struct dossierd_cp *cp);
/* Signs one when due (or `force`) and something was sealed or recorded
 * since the latest; a failure is logged, never fatal. */
void dossierd_cp_tick(struct dossierd_cp *cp, int force);
void dossierd_cp_free(struct dossierd_cp *cp);

#endif
