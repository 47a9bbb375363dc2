/* dossier — the catalog: departments, procedures, dossiers, pages, events.
 *
 * An interface with one backend today (SQLite, WAL, foreign keys on) and a
 * PostgreSQL backend planned for multi-machine sites, so no SQL leaves
 * core/. Every function sets the error message on failure. Functions that
 * write run inside the caller's transaction when one is open
 * (ds_catalog_begin), otherwise in their own.
 *
 * Times are Unix seconds (UTC). Text fields are UTF-8.
 */
#ifndef DOSSIER_CATALOG_H
#define DOSSIER_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DS_CODE_MAX 64          /* dossier code, procedure code, seal id */
#define DS_DEPT_CODE_MAX 32
#define DS_NAME_MAX 512         /* names and titles, bytes incl. NUL */
#define DS_ACTOR_MAX 128
#define DS_DETAIL_MAX 1024
#define DS_PROCEDURE_DAYS_MAX 3650
#define DS_DOSSIER_PAGES_MAX 2000

typedef struct ds_catalog ds_catalog;

/* The latest schema version this build knows (PRAGMA user_version). */
int ds_catalog_schema_latest(void);

/* Opens (and with `create`, creates) the catalog at `path`, applying forward
 * migrations. A catalog newer than this build is refused (DS_EUNSUPPORTED). */
int ds_catalog_open(ds_catalog **out, const char *path, int create);
/* Like ds_catalog_open, migrating only up to schema `version` (for
 * migration tests and tools). */
int ds_catalog_open_version(ds_catalog **out, const char *path, int create, int version);
/* Opens an existing catalog for reading only, where it cannot be written (a
 * read-only folder or medium, another user's home, a full disk): nothing is
 * created or migrated; a catalog at an older schema is refused
 * (DS_EUNSUPPORTED). Writing through it fails with DS_EPERM. */
int ds_catalog_open_readonly(ds_catalog **out, const char *path);
/* Whether `c` was opened with ds_catalog_open_readonly. */
int ds_catalog_readonly(const ds_catalog *c);
void ds_catalog_free(ds_catalog *c);
int ds_catalog_schema_version(ds_catalog *c, int *out);

/* BEGIN IMMEDIATE (takes the write lock at once; waits up to the busy
 * timeout), COMMIT, ROLLBACK. Nesting is not supported. */
int ds_catalog_begin(ds_catalog *c);
int ds_catalog_commit(ds_catalog *c);
int ds_catalog_rollback(ds_catalog *c);
/* Whether a transaction begun with ds_catalog_begin is open. */
int ds_catalog_in_transaction(const ds_catalog *c);

/* ---- departments and procedures ---- */
struct ds_department {
	char code[DS_DEPT_CODE_MAX];
	char name[DS_NAME_MAX];
};
struct ds_procedure {
	char code[DS_CODE_MAX];
	char name[DS_NAME_MAX];
	char department[DS_DEPT_CODE_MAX];
	int days; /* processing time in working days */
};

int ds_catalog_department_add(ds_catalog *c, const char *code, const char *name);
int ds_catalog_department_get(ds_catalog *c, const char *code, struct ds_department *out);
/* *out is a malloc'd array of *n entries; free() it. */
int ds_catalog_department_list(ds_catalog *c, struct ds_department **out, size_t *n);
int ds_catalog_procedure_add(ds_catalog *c, const struct ds_procedure *p);
int ds_catalog_procedure_get(ds_catalog *c, const char *code, struct ds_procedure *out);
int ds_catalog_procedure_list(ds_catalog *c, struct ds_procedure **out, size_t *n);

/* ---- dossiers ---- */
/* States, as stored. */
#define DS_STATE_RECEIVED "received"
#define DS_STATE_DIGITIZED "digitized"
#define DS_STATE_SEALED "sealed"
#define DS_STATE_RETURNED "returned"
#define DS_STATE_SUPPLEMENT "supplement_requested"
#define DS_STATE_REJECTED "rejected"
/* True for one of the six states above. */
int ds_state_valid(const char *state);

struct ds_dossier {
	int64_t id;
	char code[DS_CODE_MAX];
	char procedure[DS_CODE_MAX];
	char procedure_name[DS_NAME_MAX];
	char department[DS_DEPT_CODE_MAX];
	char applicant_id[DS_CODE_MAX];
	char applicant_name[DS_NAME_MAX];
	int64_t received_at;
	int64_t due_at;
	char state[32];
	int npages;
};

struct ds_dossier_new {
	const char *agency_id;      /* from config */
	const char *procedure;      /* must exist */
	const char *applicant_id;
	const char *applicant_name;
	int64_t received_at;
	int64_t due_at;
	int utc_offset;             /* seconds; picks the YYMMDD of the code */
	const char *actor;
};

/* Inserts a dossier in state `received`, generating its code
 * AGENCY-YYMMDD-XXXX (sequence per agency and local day, widened past 9999)
 * within the insert's transaction, and writes the `received` event.
 * `code_out` receives the code. */
int ds_catalog_dossier_create(ds_catalog *c, const struct ds_dossier_new *d,
			      char code_out[DS_CODE_MAX]);
int ds_catalog_dossier_get(ds_catalog *c, const char *code, struct ds_dossier *out);

struct ds_dossier_filter {
	const char *state;     /* NULL: any */
	const char *procedure; /* NULL: any */
	const char *applicant_id; /* NULL: any */
	int64_t due_before;    /* 0: any; else due_at < due_before (overdue query) */
	int not_closed;        /* exclude returned and rejected */
};
int ds_catalog_dossier_list(ds_catalog *c, const struct ds_dossier_filter *f,
			    struct ds_dossier **out, size_t *n);

/* Changes the state and writes an event (action = the new state unless
 * `action` is given). DS_ESTATE when the transition is not allowed. */
int ds_catalog_dossier_set_state(ds_catalog *c, const char *code, const char *state,
				 const char *actor, const char *action, const char *detail);

/* ---- events (append-only: the schema refuses UPDATE and DELETE) ---- */
struct ds_event {
	int64_t id;
	int64_t at;
	char actor[DS_ACTOR_MAX];
	char action[64];
	char detail[DS_DETAIL_MAX];
	char on_behalf_of[DS_ACTOR_MAX]; /* "" when the actor acted for nobody else */
};
/* Who writes the events of this handle from now on: every event records
 * `actor` (NULL or "": as each call says), and `on_behalf_of` (NULL or "":
 * nobody) is the person the actor acted for (an --actor name, a sidecar's
 * "actor"): never recorded as the actor. DS_EINVALID when a name is longer
 * than DS_ACTOR_MAX - 1 bytes or has control characters. */
int ds_catalog_set_identity(ds_catalog *c, const char *actor, const char *on_behalf_of);
/* `code` may be NULL for site-wide events (e.g. a refused seal attempt
 * for an unknown dossier). */
int ds_catalog_event_add(ds_catalog *c, const char *code, const char *actor,
			 const char *action, const char *detail);
/* The same, recording that `actor` acted for `on_behalf_of` (NULL or "":
 * for nobody else); both are in the event's chained bytes. */
int ds_catalog_event_add_for(ds_catalog *c, const char *code, const char *actor,
			     const char *on_behalf_of, const char *action, const char *detail);
int ds_catalog_event_list(ds_catalog *c, const char *code, struct ds_event **out, size_t *n);

/* ---- the event chain (docs/seallog.md, "The event chain") ----
 * Each event stores SHA-256(previous event's hash ‖ its canonical bytes);
 * the first links to 32 zero bytes. */
#define DS_EVENT_HASH_LEN 32
struct ds_event_head {
	int64_t id; /* the last event's id; 0 when there are none */
	unsigned char hash[DS_EVENT_HASH_LEN]; /* its chain hash; zeros when none */
};
/* Recomputes every link from the rows, in id order. 0 when the chain is
 * whole (a tail added since the last checkpoint is fine); DS_ECORRUPT with a
 * message naming the first broken link (an event changed, deleted, or
 * without its hash). *head and *nevents (may be NULL) get the recomputed
 * head and the number of events. */
int ds_catalog_event_chain_verify(ds_catalog *c, struct ds_event_head *head, uint64_t *nevents);
/* The stored head (no recomputation). */
int ds_catalog_event_head(ds_catalog *c, struct ds_event_head *out);
/* The stored chain hash of event `id` (id 0: 32 zero bytes); DS_ENOTFOUND
 * when there is no such event. */
int ds_catalog_event_hash(ds_catalog *c, int64_t id, unsigned char out[DS_EVENT_HASH_LEN]);
/* Events after `after_id`, not counting those of kind `except_kind` (may be
 * NULL). */
int ds_catalog_event_count_after(ds_catalog *c, int64_t after_id, const char *except_kind,
				 uint64_t *out);
/* The append-only triggers of the events and the seal log that are missing:
 * their names, comma-separated, in `missing`; returns how many (0: all there). */
int ds_catalog_event_triggers_check(ds_catalog *c, char *missing, size_t n);

/* ---- files and pages ---- */
/* An original file as received (kept as evidence). */
struct ds_file_new {
	const char *sha256;
	const char *name;  /* base name as received */
	int64_t size;
	int pages;
	const char *role;  /* "scan" or "result" */
	const char *title; /* for results; may be NULL */
};
int ds_catalog_file_add(ds_catalog *c, const char *code, const struct ds_file_new *f,
			int64_t *id_out);

#define DS_PAGE_KIND_PAGE "page"
#define DS_PAGE_KIND_COVER "cover"

struct ds_page {
	int64_t id;
	int number;                 /* from 1, per kind */
	char kind[8];               /* "page" or "cover" */
	char sha256[65];            /* the stored lossless page image */
	int64_t file_id;            /* the original it came from */
	int file_page;              /* index in the original, from 0 */
	int width, height, dpi, bits;
	/* filled by OCR (issue: OCR); empty/0 before */
	char ocr_state[12];         /* pending, done, failed, skipped */
	char ocr_error[256];
	char clean_sha256[65];
	char text_sha256[65];
	char hocr_sha256[65];
	char language[16];
	double ocr_confidence;
	int rotation;
	double skew;
	int binarized;
	int blank;
	int dpi_estimated;          /* 1: the scan gave no resolution; `dpi` was
	                             * estimated from the paper size */
};
/* Appends a page to the dossier; its number is the next of its kind.
 * Uses kind, sha256, file_id, file_page, width, height, dpi, bits. */
int ds_catalog_page_add(ds_catalog *c, const char *code, const struct ds_page *p,
			int *number_out);
/* Pages of a dossier of `kind` (NULL: both), ordered by kind then number. */
int ds_catalog_page_list(ds_catalog *c, const char *code, const char *kind,
			 struct ds_page **out, size_t *n);

/* Every blob hash the catalog references (for `dossier check`). */
int ds_catalog_blob_refs(ds_catalog *c, char (**out)[65], size_t *n);
/* Whether the catalog references the blob `sha256` (as ds_catalog_blob_refs
 * would list it): *yes 1 or 0. Scans the pages: for the rare removal of an
 * abandoned ingest's blobs, not for every page. */
int ds_catalog_blob_referenced(ds_catalog *c, const char *sha256, int *yes);

/* Whether an original with this hash was already ingested, and into which
 * dossier (for duplicate drops). DS_ENOTFOUND when not. */
int ds_catalog_file_find(ds_catalog *c, const char *sha256, char code_out[DS_CODE_MAX]);

#ifdef __cplusplus
}
#endif

/* Module catalog extensions live in their own headers. */
#endif
