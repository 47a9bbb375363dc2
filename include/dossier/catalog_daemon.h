/* dossier — catalog tables of dossierd (migration v6): the job queue and
 * the record of every inbox file taken.
 *
 * The queue lives in the catalog so that a restart resumes it: a job left
 * `running` by a process that died is put back by
 * ds_catalog_jobs_recover(). Every function sets the error message on
 * failure and runs in the caller's transaction when one is open.
 */
#ifndef DOSSIER_CATALOG_DAEMON_H
#define DOSSIER_CATALOG_DAEMON_H

#include <stddef.h>
#include <stdint.h>

#include "dossier/catalog.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DS_JOB_INGEST "ingest" /* subject: a file name in the inbox */
#define DS_JOB_OCR "ocr"       /* subject: a dossier code */

#define DS_JOB_QUEUED "queued"
#define DS_JOB_RUNNING "running"
#define DS_JOB_DONE "done"
#define DS_JOB_FAILED "failed"

#define DS_INBOX_NAME_MAX 256   /* a file name in the inbox, bytes incl. NUL */
#define DS_REASON_MAX 1024

struct ds_job {
	int64_t id;
	char kind[8];
	char subject[DS_INBOX_NAME_MAX];
	char state[8];
	int attempts;
	char error[DS_REASON_MAX];
	int64_t created_at, updated_at;
	int interrupted; /* times found running at a start (its process died) */
};

/* Queues a job unless one for the same kind and subject is already queued
 * or running (then *id_out is that job and *added 0). */
int ds_catalog_job_enqueue(ds_catalog *c, const char *kind, const char *subject,
			   int64_t *id_out, int *added);

/* Claims the oldest queued job of `kind`: state running, attempts + 1.
 * DS_ENOTFOUND when none is queued. */
int ds_catalog_job_claim(ds_catalog *c, const char *kind, struct ds_job *out);

/* Finishes a job: `state` done or failed, `error` may be NULL. */
int ds_catalog_job_finish(ds_catalog *c, int64_t id, const char *state, const char *error);

/* Puts a running job back in the queue; `refund` takes back the attempt
 * (a clean shutdown is not the job's fault). */
int ds_catalog_job_requeue(ds_catalog *c, int64_t id, int refund, const char *error);

/* At start: every running job of `kind` (NULL: any) goes back to queued
 * (its process died), its `interrupted` count + 1. *n gets how many. */
int ds_catalog_jobs_recover(ds_catalog *c, const char *kind, size_t *n);

/* Jobs in `state` (NULL: any) of `kind` (NULL: any), newest first, at
 * most `max`. *out is malloc'd; free() it. */
int ds_catalog_job_list(ds_catalog *c, const char *kind, const char *state, size_t max,
			struct ds_job **out, size_t *n);

/* How many jobs of `kind` are in `state`. */
int ds_catalog_job_count(ds_catalog *c, const char *kind, const char *state, int64_t *out);

/* ---- inbox files ---- */
#define DS_INBOX_STATE_INGESTED "ingested"
#define DS_INBOX_STATE_REJECTED "rejected"

struct ds_inbox_file {
	int64_t id;
	char name[DS_INBOX_NAME_MAX];   /* base name in the inbox */
	char sha256[65];
	int64_t size;
	char state[12];                 /* ingested or rejected */
	char dossiers[DS_REASON_MAX];   /* codes the pages went to, ' '-separated */
	int pages;
	char reason[DS_REASON_MAX];     /* why it was rejected */
	char dest[DS_INBOX_NAME_MAX];   /* name under done/ or rejected/ ("" when removed) */
	char sidecar[DS_INBOX_NAME_MAX];/* the sidecar's name in the inbox, "" when none */
	int moved;                      /* 1 once the file left the inbox */
	int64_t at;
};

/* Records a file taken from the inbox (moved = 0). An `ingested` row for a
 * sha256 that already has one is DS_EEXISTS: the same bytes cannot be
 * ingested twice. */
int ds_catalog_inbox_add(ds_catalog *c, const struct ds_inbox_file *f, int64_t *id_out);

/* The file left the inbox. */
int ds_catalog_inbox_moved(ds_catalog *c, int64_t id);

/* Rows whose file has not left the inbox yet (a crash came between the
 * commit and the move), oldest first. */
int ds_catalog_inbox_pending(ds_catalog *c, struct ds_inbox_file **out, size_t *n);

/* The dossiers an ingested file with this hash went to (first row);
 * DS_ENOTFOUND when none. */
int ds_catalog_inbox_find(ds_catalog *c, const char *sha256, struct ds_inbox_file *out);

/* The latest rows of `state` (NULL: any), newest first, at most `max`. */
int ds_catalog_inbox_list(ds_catalog *c, const char *state, size_t max,
			  struct ds_inbox_file **out, size_t *n);

/* How many rows of `state` (NULL: any). */
int ds_catalog_inbox_count(ds_catalog *c, const char *state, int64_t *out);

/* ---- workers (what `dossier status` shows) ---- */
struct ds_worker {
	char name[32];           /* "watcher", "ocr" */
	int64_t pid;
	char state[16];          /* idle, ingesting, ocr, stopping */
	char job[DS_INBOX_NAME_MAX];
	int64_t since;
	int64_t heartbeat;
};
int ds_catalog_worker_set(ds_catalog *c, const struct ds_worker *w);
int ds_catalog_worker_clear(ds_catalog *c, int64_t pid); /* 0: all */
int ds_catalog_worker_list(ds_catalog *c, struct ds_worker **out, size_t *n);

#ifdef __cplusplus
}
#endif
#endif
