/* dossier — the scanner drop folder ("inbox") that dossierd empties.
 *
 * A scan file in the inbox becomes pages of one or more dossiers, routed
 * (first match wins) by a sidecar NAME.json, by the QR codes of receipt
 * pages (each receipt starts a new dossier segment of a batch), or by a
 * file name that is a dossier code. The file leaves the inbox only after
 * the catalog rows naming its pages are committed: to done/ (or removed,
 * per options), or to rejected/ beside DEST.error.txt stating the reason.
 *
 * Exactly once across crashes: the job queue and the record of each file
 * taken live in the catalog; the record (with the destination name) is
 * committed in the same transaction as the pages, and the move that follows
 * is redone by ds_inbox_recover() when a crash came in between.
 *
 * The library never prints: events go to the `log` callback, one line each.
 */
#ifndef DOSSIER_INBOX_H
#define DOSSIER_INBOX_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "dossier/catalog.h"
#include "dossier/catalog_daemon.h"
#include "dossier/scanner.h"
#include "dossier/store.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DS_SIDECAR_BYTES_MAX (64u * 1024u)
#define DS_INBOX_ATTEMPTS_DEFAULT 5
#define DS_INBOX_INTERRUPTED_DEFAULT 2
#define DS_INBOX_SETTLE_MS_DEFAULT 5000

/* Log levels (syslog's numbers, so journald understands them). */
enum ds_log_level { DS_LOG_ERR = 3, DS_LOG_WARNING = 4, DS_LOG_NOTICE = 5, DS_LOG_INFO = 6,
		    DS_LOG_DEBUG = 7 };

struct ds_inbox_opts {
	const char *dir;          /* the inbox; done/ and rejected/ are made inside */
	int remove_done;          /* remove ingested files instead of moving them to done/ */
	int max_attempts;         /* a file whose ingest was interrupted this often is
				     rejected (0: DS_INBOX_ATTEMPTS_DEFAULT) */
	int max_interrupted;      /* a file the daemon died ingesting this often (a crash,
				     a kill for taking too long) is rejected
				     (0: DS_INBOX_INTERRUPTED_DEFAULT) */
	int64_t settle_ms;        /* a sidecar alone this long is rejected */
	int queue_ocr;            /* queue an OCR job for every dossier that got pages */
	const char *actor;        /* for events (NULL: "dossierd") */
	/* for dossiers registered by a sidecar */
	const char *agency_id;
	int utc_offset;
	const int32_t *holidays;
	size_t nholidays;
	const struct ds_scan_limits *limits; /* NULL: defaults */
	/* When *stop becomes non-zero, an ingest in progress is abandoned after
	 * the page in hand (the file stays queued, the attempt is refunded). */
	volatile sig_atomic_t *stop;
	/* One line per event. Lines hold names and reasons from outside as they
	 * are: the sink escapes them (ds_text_escape) before showing them. */
	void (*log)(void *arg, enum ds_log_level level, const char *line);
	void *log_arg;
};

typedef struct ds_inbox ds_inbox;

/* Creates done/ and rejected/ under opts->dir. The catalog and store stay
 * the caller's; the options' strings must outlive the handle. */
int ds_inbox_new(ds_inbox **out, ds_catalog *c, ds_store *s, const struct ds_inbox_opts *opts);
void ds_inbox_free(ds_inbox *ib);

/* Whether `name` may be a scan: not hidden, not a sidecar (.json), not an
 * .error.txt, not a partial download (.part .tmp .crdownload ~). */
int ds_inbox_name_candidate(const char *name);

struct ds_inbox_entry {
	char name[DS_INBOX_NAME_MAX];
	int64_t size;
	int64_t mtime_ns;
};
/* The candidate regular files now in the inbox, sorted by name. *out is
 * malloc'd; free() it. */
int ds_inbox_list(ds_inbox *ib, struct ds_inbox_entry **out, size_t *n);

/* At start, before anything else: running jobs go back to the queue, and
 * files recorded but not yet moved are moved. Also safe to call at any
 * time when no job is running (it then only finishes pending moves). */
int ds_inbox_recover(ds_inbox *ib);

/* Moves the files recorded but not yet moved (a move that failed, e.g. a
 * full disk, is retried here). Called by ds_inbox_recover. */
int ds_inbox_finish_pending(ds_inbox *ib);

/* Marks the files moved out since the last commit (done by
 * ds_inbox_run_one when the queue is empty, and by ds_inbox_free). */
int ds_inbox_flush(ds_inbox *ib);

/* Whether a process on this machine holds inbox file `name` open for
 * writing (a read lease when SIGIO is ignored, else /proc): 1 yes, 0 no,
 * -1 cannot tell (gone, or no way to look: a writer on another machine is
 * only told by the settle time). */
int ds_inbox_writing(ds_inbox *ib, const char *name);

/* Sidecars (NAME.json) without a scan beside them (NAME, or NAME.EXT):
 * one alone for opts.settle_ms (by its mtime, against `now_ns`, wall
 * clock) is rejected: recorded, moved to rejected/ beside its .error.txt,
 * so that it cannot route the next scan of that name. *waiting gets those
 * alone for less time; *rejected (may be NULL) those rejected now. */
int ds_inbox_sidecars(ds_inbox *ib, int64_t now_ns, size_t *waiting, size_t *rejected);

/* Queues the ingest of `name` (once: a queued or running job for it is
 * kept). *added tells whether a job was created. */
int ds_inbox_enqueue(ds_inbox *ib, const char *name, int *added);

enum ds_inbox_result {
	DS_INBOX_NONE = 0,   /* no job was queued */
	DS_INBOX_INGESTED,
	DS_INBOX_REJECTED,
	DS_INBOX_RETRY,      /* a transient failure; queued again */
	DS_INBOX_STOPPED,    /* abandoned because *stop was set; queued again */
	DS_INBOX_GONE,       /* the file was no longer there */
	DS_INBOX_BUSY        /* still open for writing: left for the watcher to queue
				again once it has settled */
};

struct ds_inbox_outcome {
	enum ds_inbox_result result;
	char name[DS_INBOX_NAME_MAX];
	char dossiers[DS_REASON_MAX]; /* ' '-separated codes */
	int pages;                    /* pages and covers stored */
	int covers;
	char reason[DS_REASON_MAX];   /* for rejected, retry */
};

/* Takes the oldest queued ingest job and carries it through. Returns 0
 * with out->result telling what happened (DS_INBOX_NONE: nothing queued),
 * or a negative code when the catalog itself failed (the job is then left
 * for ds_inbox_recover). */
int ds_inbox_run_one(ds_inbox *ib, struct ds_inbox_outcome *out);

/* Reads a sidecar (bounded, strict): {"dossier": CODE} or the fields of a
 * new intake {"procedure", "applicant_id", "applicant_name"[, "actor"]}.
 * Unknown keys, duplicate keys and wrong types are refused. */
struct ds_sidecar {
	char dossier[DS_CODE_MAX];          /* "" for a new intake */
	char procedure[DS_CODE_MAX];
	char applicant_id[DS_CODE_MAX];
	char applicant_name[DS_NAME_MAX];
	char actor[DS_ACTOR_MAX];
};
int ds_sidecar_parse(struct ds_sidecar *out, const char *what, const unsigned char *buf,
		     size_t len);

#ifdef __cplusplus
}
#endif
#endif
