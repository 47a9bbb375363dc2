/* dossier — catalog extension for OCR and full-text search (schema v2).
 *
 * Search runs on SQLite FTS5 over page text and over one metadata row per
 * dossier (code, applicant, procedure). Two indexes share the text: one
 * folds case and diacritics (unicode61 remove_diacritics 2, plus đ → d,
 * which Unicode does not decompose), one folds case only (for --exact).
 */
#ifndef DOSSIER_CATALOG_OCR_H
#define DOSSIER_CATALOG_OCR_H

#include <stddef.h>
#include <stdint.h>

#include "dossier/catalog.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DS_SEARCH_QUERY_MAX 512   /* bytes of a query */
#define DS_SEARCH_TERMS_MAX 16
#define DS_SEARCH_LIMIT_MAX 1000
#define DS_SNIPPET_MAX 1024

/* Codes of dossiers in state `received` that have at least one page of
 * kind "page" (OCR may be pending on them). *out is malloc'd. */
int ds_catalog_ocr_pending(ds_catalog *c, char (**out)[DS_CODE_MAX], size_t *n);

/* Records the OCR outcome of page `p->number` (kind "page") of `code`:
 * ocr_state, ocr_error, clean/text/hocr hashes, language, confidence,
 * rotation, skew, binarized, blank. With state "done" and `text` given,
 * the text is (re)indexed for search. */
int ds_catalog_ocr_page_set(ds_catalog *c, const char *code, const struct ds_page *p,
			    const char *text);

/* (Re)indexes the dossier's metadata: code, applicant name and id,
 * procedure code and name. */
int ds_catalog_ocr_index_meta(ds_catalog *c, const char *code);
/* Indexes the metadata of every dossier not yet indexed. */
int ds_catalog_ocr_index_meta_missing(ds_catalog *c);

/* The dossier's searchable PDF blob and its page count (pages_out may be
 * NULL). DS_ENOTFOUND when none. */
int ds_catalog_ocr_pdf_get(ds_catalog *c, const char *code, char sha256_out[65], int *pages_out);
int ds_catalog_ocr_pdf_set(ds_catalog *c, const char *code, const char *sha256, int pages);

/* When every page of kind "page" is done or skipped (and there is at least
 * one, and a PDF of that many pages is recorded), moves the dossier from `received` to
 * `digitized` with an event; *moved says whether it did. */
int ds_catalog_ocr_finish(ds_catalog *c, const char *code, const char *actor, int *moved);

struct ds_search_query {
	const char *text;       /* words; every one must match (AND) */
	const char *procedure;  /* NULL: any */
	const char *state;      /* NULL: any */
	int exact;              /* diacritics must match as typed */
	int limit;              /* 1..DS_SEARCH_LIMIT_MAX */
	const char *mark_open;  /* around matched words in the snippet */
	const char *mark_close;
};

struct ds_search_hit {
	char code[DS_CODE_MAX];
	int page;               /* 0: the dossier's metadata matched */
	char snippet[DS_SNIPPET_MAX];
	double score;           /* bm25: lower is better */
	char state[32];
	char procedure[DS_CODE_MAX];
};

/* Ranked by bm25. DS_EINVALID for an empty or oversized query. */
int ds_catalog_search(ds_catalog *c, const struct ds_search_query *q,
		      struct ds_search_hit **out, size_t *n);

#ifdef __cplusplus
}
#endif
#endif
