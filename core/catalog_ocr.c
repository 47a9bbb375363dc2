/* Catalog tables and queries for the ocr area: per-page OCR results, the
 * dossier's searchable PDF, and the FTS5 search index. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "core/catalog_int.h"
#include "dossier/catalog_ocr.h"
#include "dossier/clock.h"
#include "dossier/error.h"
#include "dossier/fs.h"

/* search_docs holds the indexed text (page 0 = the dossier's metadata);
 * the two FTS5 tables index it as external content and are kept in step
 * by the functions below (not by triggers: trusted_schema is off). */
const char ds_catalog__schema_ocr[] =
	"CREATE TABLE dossier_pdf("
	"  dossier INTEGER PRIMARY KEY REFERENCES dossiers(id),"
	"  sha256 TEXT NOT NULL CHECK(length(sha256) = 64),"
	"  pages INTEGER NOT NULL,"
	"  created_at INTEGER NOT NULL);"
	"CREATE TABLE search_docs("
	"  id INTEGER PRIMARY KEY,"
	"  dossier INTEGER NOT NULL REFERENCES dossiers(id),"
	"  page INTEGER NOT NULL CHECK(page >= 0),"
	"  body TEXT NOT NULL,"
	"  UNIQUE(dossier, page));"
	"CREATE VIRTUAL TABLE search_fold USING fts5(body, content='search_docs',"
	"  content_rowid='id', tokenize='dsfold');"
	"CREATE VIRTUAL TABLE search_exact USING fts5(body, content='search_docs',"
	"  content_rowid='id', tokenize='unicode61 remove_diacritics 0');"
	"CREATE INDEX pages_ocr ON pages(dossier, kind, ocr_state);";

/* ---- the dsfold tokenizer: unicode61 (case and diacritics folded) + đ→d ---- */

struct fold_tok {
	fts5_tokenizer inner;
	Fts5Tokenizer *inner_tok;
};

struct fold_ctx {
	void *ctx;
	int (*token)(void *, int, const char *, int, int, int);
};

static int fold_create(void *arg, const char **argv, int argc, Fts5Tokenizer **out)
{
	fts5_api *api = arg;
	void *ud = NULL;
	struct fold_tok *t;
	const char *args[] = {"remove_diacritics", "2"};
	int rc;

	(void)argv;
	(void)argc;
	t = sqlite3_malloc(sizeof *t);
	if (!t)
		return SQLITE_NOMEM;
	memset(t, 0, sizeof *t);
	rc = api->xFindTokenizer(api, "unicode61", &ud, &t->inner);
	if (rc == SQLITE_OK)
		rc = t->inner.xCreate(ud, args, 2, &t->inner_tok);
	if (rc != SQLITE_OK) {
		sqlite3_free(t);
		return rc;
	}
	*out = (Fts5Tokenizer *)t;
	return SQLITE_OK;
}

static void fold_delete(Fts5Tokenizer *p)
{
	struct fold_tok *t = (struct fold_tok *)p;
	if (!t)
		return;
	if (t->inner_tok)
		t->inner.xDelete(t->inner_tok);
	sqlite3_free(t);
}

/* unicode61 has already lowercased the token (Đ → đ) and removed the
 * combining marks; đ (U+0111, C4 91) has none, so map it here. The result
 * is never longer than the token. */
static int fold_token(void *arg, int flags, const char *tok, int n, int start, int end)
{
	struct fold_ctx *fc = arg;
	char buf[256];
	char *out = buf;
	int m = 0, rc;

	if (n <= 0 || !memchr(tok, 0xC4, (size_t)n))
		return fc->token(fc->ctx, flags, tok, n, start, end);
	if ((size_t)n > sizeof buf) {
		out = sqlite3_malloc(n);
		if (!out)
			return SQLITE_NOMEM;
	}
	for (int i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)tok[i];
		if (ch == 0xC4 && i + 1 < n &&
		    ((unsigned char)tok[i + 1] == 0x91 || (unsigned char)tok[i + 1] == 0x90)) {
			out[m++] = 'd';
			i++;
		} else {
			out[m++] = (char)ch;
		}
	}
	rc = fc->token(fc->ctx, flags, out, m, start, end);
	if (out != buf)
		sqlite3_free(out);
	return rc;
}

static int fold_tokenize(Fts5Tokenizer *p, void *ctx, int flags, const char *text, int n,
			 int (*token)(void *, int, const char *, int, int, int))
{
	struct fold_tok *t = (struct fold_tok *)p;
	struct fold_ctx fc = {ctx, token};
	return t->inner.xTokenize(t->inner_tok, &fc, flags, text, n, fold_token);
}

static fts5_api *fts5_api_get(sqlite3 *db)
{
	fts5_api *api = NULL;
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
		sqlite3_step(st);
	}
	sqlite3_finalize(st);
	return api;
}

static int fold_register(sqlite3 *db, char **errmsg, const struct sqlite3_api_routines *r)
{
	(void)errmsg;
	(void)r;
	fts5_api *api = fts5_api_get(db);
	fts5_tokenizer tok = {fold_create, fold_delete, fold_tokenize};
	if (!api)
		return SQLITE_OK; /* no FTS5: the migration will say so */
	return api->xCreateTokenizer(api, "dsfold", api, &tok, NULL);
}

/* The tokenizer must exist on every connection before the schema is read
 * (the migration creates a table using it), and core/catalog.c opens the
 * connection: register it for every connection of the process. This file
 * is always linked (it holds migration v2). */
__attribute__((constructor)) static void fold_auto_extension(void)
{
	sqlite3_auto_extension((void (*)(void))fold_register);
}

/* ---- queries ---- */

int ds_catalog_ocr_pending(ds_catalog *c, char (**out)[DS_CODE_MAX], size_t *n)
{
	sqlite3_stmt *st = NULL;
	char (*v)[DS_CODE_MAX] = NULL;
	size_t cnt = 0, cap = 0;
	int err, rc;

	*out = NULL;
	*n = 0;
	err = ds_catalog__prepare(c, &st,
				  "SELECT d.code FROM dossiers d WHERE d.state = 'received' AND"
				  " EXISTS(SELECT 1 FROM pages p WHERE p.dossier = d.id AND p.kind = 'page')"
				  " ORDER BY d.id");
	if (err < 0)
		return err;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (cnt == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			void *nv = realloc(v, ncap * sizeof *v);
			if (!nv) {
				err = ds_error_set(DS_ENOMEM, "out of memory");
				goto done;
			}
			v = nv;
			cap = ncap;
		}
		ds_catalog__copy(v[cnt++], DS_CODE_MAX, sqlite3_column_text(st, 0));
	}
	if (rc != SQLITE_DONE) {
		err = ds_catalog__err(c, rc, "listing dossiers pending OCR");
		goto done;
	}
	*out = v;
	*n = cnt;
	v = NULL; /* transferred */
done:
	free(v);
	sqlite3_finalize(st);
	return err;
}

/* Replaces the indexed body of (dossier, page) in search_docs and both FTS
 * tables. Runs inside the caller's transaction. */
static int index_body(ds_catalog *c, int64_t dossier, int page, const char *body)
{
	sqlite3_stmt *st = NULL;
	int64_t old_id = 0;
	char *old_body = NULL;
	int err = 0, rc;
	static const char *const del[] = {
		"INSERT INTO search_fold(search_fold, rowid, body) VALUES('delete', ?1, ?2)",
		"INSERT INTO search_exact(search_exact, rowid, body) VALUES('delete', ?1, ?2)",
		"DELETE FROM search_docs WHERE id = ?1",
	};
	static const char *const ins[] = {
		"INSERT INTO search_fold(rowid, body) VALUES(?1, ?2)",
		"INSERT INTO search_exact(rowid, body) VALUES(?1, ?2)",
	};

	if ((err = ds_catalog__prepare(c, &st, "SELECT id, body FROM search_docs"
					       " WHERE dossier = ? AND page = ?")) < 0)
		return err;
	sqlite3_bind_int64(st, 1, dossier);
	sqlite3_bind_int(st, 2, page);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		old_id = sqlite3_column_int64(st, 0);
		const unsigned char *b = sqlite3_column_text(st, 1);
		old_body = strdup(b ? (const char *)b : "");
		if (!old_body) {
			err = ds_error_set(DS_ENOMEM, "out of memory");
			goto done;
		}
	} else if (rc != SQLITE_DONE) {
		err = ds_catalog__err(c, rc, "reading the search index");
		goto done;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (old_id) {
		for (size_t i = 0; i < sizeof del / sizeof del[0]; i++) {
			if ((err = ds_catalog__prepare(c, &st, del[i])) < 0)
				goto done;
			sqlite3_bind_int64(st, 1, old_id);
			if (i < 2)
				sqlite3_bind_text(st, 2, old_body, -1, SQLITE_STATIC);
			if ((rc = sqlite3_step(st)) != SQLITE_DONE) {
				err = ds_catalog__err(c, rc, "updating the search index");
				goto done;
			}
			sqlite3_finalize(st);
			st = NULL;
		}
	}
	if (!body)
		goto done;
	if ((err = ds_catalog__prepare(c, &st, "INSERT INTO search_docs(dossier, page, body)"
					       " VALUES(?, ?, ?)")) < 0)
		goto done;
	sqlite3_bind_int64(st, 1, dossier);
	sqlite3_bind_int(st, 2, page);
	sqlite3_bind_text(st, 3, body, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) != SQLITE_DONE) {
		err = ds_catalog__err(c, rc, "indexing text");
		goto done;
	}
	int64_t id = sqlite3_last_insert_rowid(c->db);
	sqlite3_finalize(st);
	st = NULL;
	for (size_t i = 0; i < sizeof ins / sizeof ins[0]; i++) {
		if ((err = ds_catalog__prepare(c, &st, ins[i])) < 0)
			goto done;
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, body, -1, SQLITE_STATIC);
		if ((rc = sqlite3_step(st)) != SQLITE_DONE) {
			err = ds_catalog__err(c, rc, "indexing text");
			goto done;
		}
		sqlite3_finalize(st);
		st = NULL;
	}
done:
	sqlite3_finalize(st);
	free(old_body);
	return err;
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *s)
{
	if (s && *s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

int ds_catalog_ocr_page_set(ds_catalog *c, const char *code, const struct ds_page *p,
			    const char *text)
{
	sqlite3_stmt *st = NULL;
	int64_t did;
	int own = 0, err, rc;

	if (!code || !p)
		return ds_error_set(DS_EINVALID, "no page to record");
	if ((err = ds_catalog__tx_begin(c, &own)) < 0)
		return err;
	if ((err = ds_catalog__dossier_id(c, code, &did)) < 0)
		goto done;
	err = ds_catalog__prepare(c, &st,
		"UPDATE pages SET ocr_state = ?1, ocr_error = ?2, clean_sha256 = ?3,"
		" text_sha256 = ?4, hocr_sha256 = ?5, language = ?6, ocr_confidence = ?7,"
		" rotation = ?8, skew = ?9, binarized = ?10, blank = ?11"
		" WHERE dossier = ?12 AND kind = 'page' AND number = ?13");
	if (err < 0)
		goto done;
	sqlite3_bind_text(st, 1, p->ocr_state, -1, SQLITE_STATIC);
	bind_text_or_null(st, 2, p->ocr_error);
	bind_text_or_null(st, 3, p->clean_sha256);
	bind_text_or_null(st, 4, p->text_sha256);
	bind_text_or_null(st, 5, p->hocr_sha256);
	bind_text_or_null(st, 6, p->language);
	if (strcmp(p->ocr_state, "done") == 0)
		sqlite3_bind_double(st, 7, p->ocr_confidence);
	else
		sqlite3_bind_null(st, 7);
	sqlite3_bind_int(st, 8, p->rotation);
	sqlite3_bind_double(st, 9, p->skew);
	sqlite3_bind_int(st, 10, p->binarized ? 1 : 0);
	sqlite3_bind_int(st, 11, p->blank ? 1 : 0);
	sqlite3_bind_int64(st, 12, did);
	sqlite3_bind_int(st, 13, p->number);
	if ((rc = sqlite3_step(st)) != SQLITE_DONE) {
		err = ds_catalog__err(c, rc, "recording OCR of a page");
		goto done;
	}
	if (sqlite3_changes(c->db) != 1) {
		err = ds_error_set(DS_ENOTFOUND, "%s: no page %d", code, p->number);
		goto done;
	}
	if (strcmp(p->ocr_state, "done") == 0 && text)
		err = index_body(c, did, p->number, text);
	else
		err = index_body(c, did, p->number, NULL);
done:
	sqlite3_finalize(st);
	return ds_catalog__tx_end(c, own, err);
}

static int index_meta_id(ds_catalog *c, int64_t did)
{
	sqlite3_stmt *st = NULL;
	char *body = NULL;
	int err, rc;

	err = ds_catalog__prepare(c, &st,
		"SELECT d.code || ' ' || d.applicant_name || ' ' || d.applicant_id || ' ' ||"
		" d.procedure || ' ' || COALESCE(p.name, '')"
		" FROM dossiers d LEFT JOIN procedures p ON p.code = d.procedure WHERE d.id = ?");
	if (err < 0)
		return err;
	sqlite3_bind_int64(st, 1, did);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		err = rc == SQLITE_DONE ? ds_error_set(DS_ENOTFOUND, "no dossier %lld", (long long)did)
					: ds_catalog__err(c, rc, "reading dossier metadata");
		goto done;
	}
	body = strdup((const char *)sqlite3_column_text(st, 0));
	if (!body) {
		err = ds_error_set(DS_ENOMEM, "out of memory");
		goto done;
	}
	sqlite3_finalize(st);
	st = NULL;
	err = index_body(c, did, 0, body);
done:
	sqlite3_finalize(st);
	free(body);
	return err;
}

int ds_catalog_ocr_index_meta(ds_catalog *c, const char *code)
{
	int64_t did;
	int own = 0, err;
	if ((err = ds_catalog__tx_begin(c, &own)) < 0)
		return err;
	if ((err = ds_catalog__dossier_id(c, code, &did)) == 0)
		err = index_meta_id(c, did);
	return ds_catalog__tx_end(c, own, err);
}

int ds_catalog_ocr_index_meta_missing(ds_catalog *c)
{
	sqlite3_stmt *st = NULL;
	int64_t *ids = NULL;
	size_t n = 0, cap = 0;
	int own = 0, err, rc;

	if (c->readonly) /* a read-only home: searched as it was indexed */
		return 0;
	if ((err = ds_catalog__prepare(c, &st,
		"SELECT d.id FROM dossiers d WHERE NOT EXISTS("
		"SELECT 1 FROM search_docs s WHERE s.dossier = d.id AND s.page = 0)")) < 0)
		return err;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			void *nv = realloc(ids, ncap * sizeof *ids);
			if (!nv) {
				err = ds_error_set(DS_ENOMEM, "out of memory");
				goto done;
			}
			ids = nv;
			cap = ncap;
		}
		ids[n++] = sqlite3_column_int64(st, 0);
	}
	if (rc != SQLITE_DONE) {
		err = ds_catalog__err(c, rc, "listing dossiers to index");
		goto done;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (n == 0)
		goto done;
	if ((err = ds_catalog__tx_begin(c, &own)) < 0)
		goto done;
	for (size_t i = 0; i < n && err == 0; i++)
		err = index_meta_id(c, ids[i]);
	err = ds_catalog__tx_end(c, own, err);
done:
	sqlite3_finalize(st);
	free(ids);
	return err;
}

int ds_catalog_ocr_pdf_get(ds_catalog *c, const char *code, char sha256_out[65], int *pages_out)
{
	sqlite3_stmt *st = NULL;
	int err, rc;

	sha256_out[0] = '\0';
	if (pages_out)
		*pages_out = 0;
	err = ds_catalog__prepare(c, &st, "SELECT f.sha256, f.pages FROM dossier_pdf f JOIN dossiers d"
					  " ON d.id = f.dossier WHERE d.code = ?");
	if (err < 0)
		return err;
	sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		ds_catalog__copy(sha256_out, 65, sqlite3_column_text(st, 0));
		if (pages_out)
			*pages_out = sqlite3_column_int(st, 1);
	} else if (rc == SQLITE_DONE)
		err = ds_error_set(DS_ENOTFOUND, "%s: no searchable PDF yet", code);
	else
		err = ds_catalog__err(c, rc, "reading the PDF of a dossier");
	sqlite3_finalize(st);
	return err;
}

int ds_catalog_ocr_pdf_set(ds_catalog *c, const char *code, const char *sha256, int pages)
{
	sqlite3_stmt *st = NULL;
	int64_t did;
	int own = 0, err, rc;

	if ((err = ds_catalog__tx_begin(c, &own)) < 0)
		return err;
	if ((err = ds_catalog__dossier_id(c, code, &did)) < 0)
		goto done;
	if ((err = ds_catalog__prepare(c, &st, "INSERT OR REPLACE INTO dossier_pdf(dossier, sha256,"
					       " pages, created_at) VALUES(?, ?, ?, ?)")) < 0)
		goto done;
	sqlite3_bind_int64(st, 1, did);
	sqlite3_bind_text(st, 2, sha256, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, pages);
	sqlite3_bind_int64(st, 4, ds_now());
	if ((rc = sqlite3_step(st)) != SQLITE_DONE)
		err = ds_catalog__err(c, rc, "recording the PDF of a dossier");
done:
	sqlite3_finalize(st);
	return ds_catalog__tx_end(c, own, err);
}

int ds_catalog_ocr_finish(ds_catalog *c, const char *code, const char *actor, int *moved)
{
	sqlite3_stmt *st = NULL;
	struct ds_dossier d;
	int64_t did;
	int own = 0, err, rc, total = 0, finished = 0, has_pdf = 0;
	char detail[128];

	*moved = 0;
	if ((err = ds_catalog__tx_begin(c, &own)) < 0)
		return err;
	if ((err = ds_catalog_dossier_get(c, code, &d)) < 0 ||
	    (err = ds_catalog__dossier_id(c, code, &did)) < 0)
		goto done;
	if (strcmp(d.state, DS_STATE_RECEIVED) != 0)
		goto done;
	if ((err = ds_catalog__prepare(c, &st,
		"SELECT count(*), sum(ocr_state IN ('done','skipped')),"
		" (SELECT pages FROM dossier_pdf WHERE dossier = ?1)"
		" FROM pages WHERE dossier = ?1 AND kind = 'page'")) < 0)
		goto done;
	sqlite3_bind_int64(st, 1, did);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		err = ds_catalog__err(c, rc, "counting OCR'd pages");
		goto done;
	}
	total = sqlite3_column_int(st, 0);
	finished = sqlite3_column_int(st, 1);
	has_pdf = sqlite3_column_int(st, 2);
	sqlite3_finalize(st);
	st = NULL;
	/* The PDF must hold every page (pages are only ever appended). */
	if (total == 0 || finished != total || has_pdf != total)
		goto done;
	if ((err = ds_fmt(detail, sizeof detail, "%d pages OCRed, searchable PDF stored", total)) < 0)
		goto done;
	if ((err = ds_catalog_dossier_set_state(c, code, DS_STATE_DIGITIZED, actor, NULL,
						detail)) < 0)
		goto done;
	*moved = 1;
done:
	sqlite3_finalize(st);
	return ds_catalog__tx_end(c, own, err);
}

/* ---- search ---- */

/* Builds an FTS5 expression from the user's words: each word becomes a
 * quoted string (quotes doubled), so no FTS5 syntax reaches the parser. */
static int build_match(const char *q, char *out, size_t n)
{
	size_t o = 0, terms = 0;
	const char *p = q;

	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (!*p)
			break;
		if (++terms > DS_SEARCH_TERMS_MAX)
			return ds_error_set(DS_ETOOBIG, "query: more than %d words",
					    DS_SEARCH_TERMS_MAX);
		if (o + 3 >= n)
			return ds_error_set(DS_ETOOBIG, "query too long");
		if (o)
			out[o++] = ' ';
		out[o++] = '"';
		while (*p && !(*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) {
			if (o + 3 >= n)
				return ds_error_set(DS_ETOOBIG, "query too long");
			if (*p == '"')
				out[o++] = '"';
			out[o++] = *p++;
		}
		out[o++] = '"';
	}
	if (terms == 0)
		return ds_error_set(DS_EINVALID, "empty query");
	out[o] = '\0';
	return 0;
}

/* Ranking first, snippets after: a snippet re-reads and re-tokenizes its
 * document, so it is made only for the rows returned, not for every match
 * (SQLite would evaluate it for each row fed to the sorter). Without
 * filters the ranking query is on the FTS table alone, where FTS5's own
 * ORDER BY rank LIMIT path applies. */
int ds_catalog_search(ds_catalog *c, const struct ds_search_query *q,
		      struct ds_search_hit **out, size_t *n)
{
	sqlite3_stmt *st = NULL, *sn = NULL;
	struct ds_search_hit *v = NULL;
	int64_t *ids = NULL;
	char match[DS_SEARCH_QUERY_MAX * 2 + 64];
	char sql[1024];
	size_t cnt = 0;
	int err, rc;
	const char *tab = q->exact ? "search_exact" : "search_fold";
	int filtered = (q->procedure && *q->procedure) || (q->state && *q->state);

	*out = NULL;
	*n = 0;
	if (!q->text || strlen(q->text) > DS_SEARCH_QUERY_MAX)
		return ds_error_set(DS_EINVALID, "query missing or longer than %d bytes",
				    DS_SEARCH_QUERY_MAX);
	if (q->limit < 1 || q->limit > DS_SEARCH_LIMIT_MAX)
		return ds_error_set(DS_EINVALID, "limit must be 1..%d", DS_SEARCH_LIMIT_MAX);
	/* the index holds NFC (core/text.c); so does the query */
	char *qn = NULL;
	if ((err = ds_text_nfc(&qn, q->text, strlen(q->text))) < 0)
		return err;
	err = build_match(qn, match, sizeof match);
	free(qn);
	if (err < 0)
		return err;
	v = calloc((size_t)q->limit, sizeof *v);
	ids = calloc((size_t)q->limit, sizeof *ids);
	if (!v || !ids) {
		err = ds_error_set(DS_ENOMEM, "out of memory");
		goto done;
	}
	if (filtered)
		err = ds_fmt(sql, sizeof sql,
			     "SELECT f.rowid, f.rank FROM %s f JOIN search_docs s ON s.id = f.rowid"
			     " JOIN dossiers d ON d.id = s.dossier WHERE %s MATCH ?1"
			     " AND (?2 IS NULL OR d.procedure = ?2) AND (?3 IS NULL OR d.state = ?3)"
			     " ORDER BY f.rank LIMIT ?4", tab, tab);
	else
		err = ds_fmt(sql, sizeof sql,
			     "SELECT rowid, rank FROM %s WHERE %s MATCH ?1 ORDER BY rank LIMIT ?4",
			     tab, tab);
	if (err < 0 || (err = ds_catalog__prepare(c, &st, sql)) < 0)
		goto done;
	sqlite3_bind_text(st, 1, match, -1, SQLITE_STATIC);
	if (filtered) {
		bind_text_or_null(st, 2, q->procedure);
		bind_text_or_null(st, 3, q->state);
	}
	sqlite3_bind_int(st, 4, q->limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && cnt < (size_t)q->limit) {
		ids[cnt] = sqlite3_column_int64(st, 0);
		v[cnt].score = sqlite3_column_double(st, 1);
		cnt++;
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		err = ds_catalog__err(c, rc, "searching");
		goto done;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (cnt == 0)
		goto found;
	if ((err = ds_fmt(sql, sizeof sql,
			  "SELECT snippet(%s, 0, ?2, ?3, '…', 16), d.code, s.page, d.state, d.procedure"
			  " FROM %s JOIN search_docs s ON s.id = %s.rowid"
			  " JOIN dossiers d ON d.id = s.dossier WHERE %s MATCH ?1 AND %s.rowid = ?4",
			  tab, tab, tab, tab, tab)) < 0 ||
	    (err = ds_catalog__prepare(c, &sn, sql)) < 0)
		goto done;
	for (size_t i = 0; i < cnt; i++) {
		struct ds_search_hit *h = &v[i];
		sqlite3_reset(sn);
		sqlite3_bind_text(sn, 1, match, -1, SQLITE_STATIC);
		sqlite3_bind_text(sn, 2, q->mark_open ? q->mark_open : "[", -1, SQLITE_STATIC);
		sqlite3_bind_text(sn, 3, q->mark_close ? q->mark_close : "]", -1, SQLITE_STATIC);
		sqlite3_bind_int64(sn, 4, ids[i]);
		if ((rc = sqlite3_step(sn)) != SQLITE_ROW) {
			err = ds_catalog__err(c, rc, "making a snippet");
			goto done;
		}
		ds_catalog__copy(h->snippet, sizeof h->snippet, sqlite3_column_text(sn, 0));
		ds_catalog__copy(h->code, sizeof h->code, sqlite3_column_text(sn, 1));
		h->page = sqlite3_column_int(sn, 2);
		ds_catalog__copy(h->state, sizeof h->state, sqlite3_column_text(sn, 3));
		ds_catalog__copy(h->procedure, sizeof h->procedure, sqlite3_column_text(sn, 4));
	}
found:
	*out = v;
	*n = cnt;
	v = NULL; /* transferred */
done:
	sqlite3_finalize(st);
	sqlite3_finalize(sn);
	free(ids);
	free(v);
	return err;
}
