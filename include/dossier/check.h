/* dossier — consistency checks for `dossier check`: the catalog against the
 * store (and, through their own modules, the archive and the seal log). */
#ifndef DOSSIER_CHECK_H
#define DOSSIER_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "dossier/home.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Severity of a finding. LOSS and CORRUPT make `dossier check` fail;
 * LEFTOVER is what an interrupted operation leaves (unreferenced blobs,
 * temp files): harmless, removable. */
/* unfinished: an act begun and never closed (a seal_granted event with no
 * sealed or seal_failed after it: the seal was interrupted) */
enum ds_finding_kind { DS_FINDING_LOSS, DS_FINDING_CORRUPT, DS_FINDING_LEFTOVER, DS_FINDING_UNFINISHED };
#define DS_FINDING_KINDS 4
const char *ds_finding_kind_name(enum ds_finding_kind k);

struct ds_check_report;
typedef void (*ds_finding_fn)(void *arg, enum ds_finding_kind kind, const char *what,
			      const char *detail);

struct ds_check_opts {
	int remove_leftovers;      /* delete unreferenced blobs and temp files … */
	int64_t leftover_min_age;  /* … older than this many seconds (in-flight ingests are younger) */
	ds_finding_fn on_finding;
	void *arg;
};

/* SQLite integrity and foreign keys; every blob the catalog names present and
 * intact; blobs and temp files nobody names. Returns 0 when it could run
 * (findings go to on_finding), < 0 when it could not. */
int ds_check_catalog_store(ds_home *h, const struct ds_check_opts *o, size_t *nfindings);

#ifdef __cplusplus
}
#endif
#endif
