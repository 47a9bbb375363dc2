/* Private to core/: the SQLite backend shared by the catalog's files.
 * Each area keeps its tables and queries in its own core/catalog_<area>.c
 * and its migration in ds_catalog__schema_<area> (applied in the order of
 * core/catalog.c's migration list). */
#ifndef DOSSIER_CATALOG_INT_H
#define DOSSIER_CATALOG_INT_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "dossier/catalog.h"

struct ds_catalog {
	sqlite3 *db;
	int in_tx;
	int version; /* the schema opened at (0 while migrating) */
	int readonly;  /* ds_catalog_open_readonly: nothing may be written */
	int immutable; /* … and read without locks (see there) */
	char path[4096];
	/* ds_catalog_set_identity: who writes this handle's events ("": as
	 * each call says) and on whose behalf ("": nobody's) */
	char actor[DS_ACTOR_MAX];
	char on_behalf_of[DS_ACTOR_MAX];
};

/* Sets the error message from SQLite's and returns a DS_* code
 * (DS_EBUSY for SQLITE_BUSY/LOCKED, DS_EEXISTS for constraint violations). */
int ds_catalog__err(ds_catalog *c, int rc, const char *what);
/* Steps `st` and gathers its rows (at most `max`, 0: all) into a malloc'd
 * array of `elem`-byte elements, each zeroed then filled by fill(). On
 * error *arr is NULL and *n 0. */
int ds_catalog__collect(ds_catalog *c, sqlite3_stmt *st, size_t elem, size_t max, void **arr,
			size_t *n, void (*fill)(sqlite3_stmt *, void *));

/* Binds text that enters the catalog (names, reasons, actors) as NFC
 * (ds_text_nfc): the one place where typed text is normalised. */
int ds_catalog__bind_nfc(sqlite3_stmt *st, int i, const char *s);

int ds_catalog__prepare(ds_catalog *c, sqlite3_stmt **st, const char *sql);
int ds_catalog__exec(ds_catalog *c, const char *sql);

/* Opens a transaction unless the caller already has one: *own tells
 * ds_catalog__tx_end whether to commit (err == 0) or roll back. */
int ds_catalog__tx_begin(ds_catalog *c, int *own);
int ds_catalog__tx_end(ds_catalog *c, int own, int err);

/* Copies column text into a fixed buffer (truncating safely; NULL gives ""). */
void ds_catalog__copy(char *dst, size_t n, const unsigned char *src);

/* The row id of a dossier; DS_ENOTFOUND naming the code. */
int ds_catalog__dossier_id(ds_catalog *c, const char *code, int64_t *id);

/* Migrations owned by other areas (each a SQL script; "" when none yet). */
extern const char ds_catalog__schema_ocr[];     /* v2: OCR, search index */
extern const char ds_catalog__schema_signer[];  /* v3: seals, approvers, attempts */
extern const char ds_catalog__schema_seallog[]; /* v4: seal log leaves, checkpoints */
extern const char ds_catalog__schema_archive[]; /* v5: bundles, results, reuse */
extern const char ds_catalog__schema_daemon[];  /* v6: inbox files, job queue */
extern const char ds_catalog__schema_daemon2[]; /* v7: jobs interrupted, estimated dpi */
extern const char ds_catalog__schema_chain[];   /* v8: event chain, checkpoints of events */
/* v8's hook: chains the events already there, recreates the event triggers. */
int ds_catalog__schema_chain_hook(ds_catalog *c);

/* Appends an event to the chain (core/catalog_events.c): takes the write
 * lock unless the caller holds it, links the event to the head. A catalog
 * opened below schema 8 (tools, migration tests) gets an unchained row, as
 * that schema had; the upgrade chains it. */
int ds_catalog__event_insert(ds_catalog *c, int64_t dossier_id, const char *actor,
			     const char *on_behalf_of, const char *action, const char *detail);

#endif
