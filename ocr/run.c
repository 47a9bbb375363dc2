/* The OCR worker pool: N threads, each with its own engine (its own
 * TessBaseAPIs, initialised once), taking page jobs in dossier order.
 * Catalog calls are serialised by the pool's lock (the catalog connection
 * is single-threaded); decoding, cleanup, recognition and the store's
 * reads and writes (which fsync) run in parallel. Each recognised page is
 * also rendered as a one-page PDF in TMPDIR/ocr-pages-CODE/, kept across
 * runs; when the dossier's last page has passed, qpdf joins them into the
 * searchable PDF and the folder goes. So a run that was interrupted
 * resumes without recognising its finished pages again. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <leptonica/allheaders.h>

#include "dossier/catalog_ocr.h"
#include "dossier/error.h"
#include "dossier/fs.h"
#include "dossier/ocr.h"
#include "dossier/scanner.h"
#include "ocr/ocr_int.h"

#define PAGE_BLOB_MAX ((size_t)1 << 30)

struct job {
	size_t dossier;      /* index in run.dossiers */
	size_t index;        /* position among the dossier's jobs */
	struct ds_page page; /* as listed before the run */
	int redo;            /* 0: already done (recognised again only when its
			      * page PDF is missing) */
};

struct dossier_run {
	char code[DS_CODE_MAX];
	size_t first, njobs;
	size_t passed;        /* jobs finished, in any order */
	int want_pdf;
	int failed;           /* a page failed: no PDF, not digitized */
	char why[256];        /* why the PDF could not be made */
	char pdf_dir[DS_PATH_MAX]; /* the page PDFs, kept until the dossier's PDF is stored */
};

struct run {
	ds_catalog *cat;
	ds_store *store;
	const struct ds_ocr_run_options *opt;
	struct ds_ocr_run_stats *stats;
	struct dossier_run *dossiers;
	size_t ndossiers;
	struct job *jobs;
	size_t njobs, next_job, finished;
	size_t progress_total, progress_done;
	pthread_mutex_t lock;
	pthread_cond_t turn;
	int fatal;            /* a worker could not start: stop taking jobs */
	int cancelled;        /* opt->cancel was seen: no more jobs taken */
	char fatal_msg[512];
	int fatal_code;
};

static int put_blob(struct run *r, const void *data, size_t len, char hex[65])
{
	return ds_store_put(r->store, data, len, hex);
}


#define PAGE_PDF_MAX ((size_t)1 << 30)

/* TMPDIR/ocr-pages-CODE/pNNNN-<sha256 prefix>.pdf */
static int page_pdf_path(const struct run *r, const struct job *j, char *out, size_t n)
{
	return ds_fmt(out, n, "%s/p%04d-%.16s.pdf", r->dossiers[j->dossier].pdf_dir, j->page.number,
		      j->page.sha256);
}

/* Renders the page last recognised by `e` as a one-page PDF, written under a
 * temporary name, synced and renamed, so that a finished page's PDF is
 * whole. Outside the lock. */
static int write_page_pdf(struct run *r, ds_ocr_engine *e, const struct job *j)
{
	char path[DS_PATH_MAX], base[DS_PATH_MAX], tmp[DS_PATH_MAX];
	ds_ocr_pdf *p = NULL;
	int err;

	if ((err = page_pdf_path(r, j, path, sizeof path)) < 0 ||
	    (err = ds_fmt(base, sizeof base, "%s.tmp-%ld", path, (long)pthread_self())) < 0 ||
	    (err = ds_fmt(tmp, sizeof tmp, "%s.pdf", base)) < 0)
		return err;
	if ((err = ds_ocr_pdf_new(&p, r->opt->ocr.tessdata, base, r->dossiers[j->dossier].code)) < 0)
		return err;
	if ((err = ds_ocr_pdf_add(p, e)) == 0)
		err = ds_ocr_pdf_finish(p);
	ds_ocr_pdf_free(p); /* closes the file */
	if (err == 0 && (err = ds_fsync_file(tmp)) == 0 && rename(tmp, path) != 0)
		err = ds_error_set_errno(DS_EIO, errno, "%s: cannot rename", tmp);
	if (err < 0)
		(void)unlink(tmp);
	return err;
}

/* Joins the page PDFs, stores and records the dossier's PDF, then tries to
 * move the dossier on. Called with the lock held once every job of the
 * dossier has passed. */
static void dossier_close(struct run *r, struct dossier_run *d)
{
	char sha[65], path[DS_PATH_MAX];
	char (*paths)[DS_PATH_MAX] = NULL;
	const char **inputs = NULL;
	size_t pages = 0;
	int err = 0, moved = 0;

	if (d->want_pdf && !d->failed) {
		paths = calloc(d->njobs, sizeof *paths);
		inputs = calloc(d->njobs, sizeof *inputs);
		if (!paths || !inputs)
			err = ds_error_set(DS_ENOMEM, "out of memory");
		for (size_t k = 0; err == 0 && k < d->njobs; k++) {
			err = page_pdf_path(r, &r->jobs[d->first + k], paths[k], sizeof paths[k]);
			inputs[k] = paths[k];
		}
		if (err == 0 && (err = ds_path_join(path, sizeof path, d->pdf_dir, "dossier.pdf")) == 0 &&
		    (err = ds_ocr_pdf_merge(inputs, d->njobs, d->code, path, PAGE_PDF_MAX, &pages)) == 0 &&
		    (err = ds_store_put_file(r->store, path, sha)) == 0 &&
		    (err = ds_catalog_ocr_pdf_set(r->cat, d->code, sha, (int)pages)) == 0)
			ds_ocr__remove_pdf_dir(d->pdf_dir);
		else if (err < 0 && err != DS_ENOMEM)
			/* a page PDF that does not read: the next run makes them all again */
			ds_ocr__remove_pdf_dir(d->pdf_dir);
		free(paths);
		free(inputs);
	}
	if (err == 0 && d->failed)
		err = ds_error_set(DS_ERROR, "%s", d->why[0] ? d->why : "a page failed");
	if (err == 0 && ds_catalog_ocr_index_meta(r->cat, d->code) == 0 &&
	    ds_catalog_ocr_finish(r->cat, d->code, r->opt->actor, &moved) == 0) {
		if (moved)
			r->stats->dossiers_digitized++;
		return;
	}
	d->failed = 1;
	r->stats->dossiers_incomplete++;
	ds_fmt(r->stats->last_error, sizeof r->stats->last_error, "%s: %s", d->code,
	       ds_error_last()); /* truncation is fine here */
}

static void record_failure(struct run *r, struct job *j, const char *why)
{
	struct ds_page p = j->page;
	memcpy(p.ocr_state, "failed", 7);
	ds_fmt(p.ocr_error, sizeof p.ocr_error, "%s", why); /* truncation is fine here */
	p.clean_sha256[0] = p.text_sha256[0] = p.hocr_sha256[0] = p.language[0] = '\0';
	p.ocr_confidence = 0;
	ds_catalog_ocr_page_set(r->cat, r->dossiers[j->dossier].code, &p, NULL);
	r->stats->pages_failed++;
	r->dossiers[j->dossier].failed = 1;
	ds_fmt(r->dossiers[j->dossier].why, sizeof r->dossiers[j->dossier].why,
	       "page %d failed: %s", j->page.number, why); /* truncation is fine here */
}

/* Decodes and cleans a page and recognises it. Outside the lock except for
 * the store read. */
static int process(struct run *r, ds_ocr_engine *e, struct job *j,
		   struct ds_ocr__prepared *prep, struct ds_ocr_result *res, int *recognised)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	struct Pix *pix = NULL;
	int err;

	*recognised = 0;
	if ((err = ds_store_get(r->store, j->page.sha256, PAGE_BLOB_MAX, &buf, &len)) < 0)
		goto done;
	if ((err = ds_page_decode(buf, len, &pix)) < 0)
		goto done;
	free(buf);
	buf = NULL;
	if ((err = ds_ocr__prepare(e, pix, prep)) < 0)
		goto done;
	if (prep->blank) {
		/* Nothing to read; the PDF still shows the page. */
		if (r->dossiers[j->dossier].want_pdf) {
			prep->pix = pixClone(pix);
			ds_ocr_engine_recognize(e, prep->pix, j->page.dpi, j->page.number, res);
			ds_ocr__result_drop(res);
		}
		goto done;
	}
	/* the decoded page is not needed any more: Tesseract reads the
	 * prepared one (a page near the budgets holds 144 MiB) */
	pixDestroy(&pix);
	/* a page downsampled for OCR has its resolution scaled with it */
	int dpi = prep->scale > 0 && prep->scale < 1 ? (int)lround(j->page.dpi * prep->scale)
						       : j->page.dpi;
	err = ds_ocr_engine_recognize(e, prep->pix, dpi, j->page.number, res);
	*recognised = ds_ocr__engine_last(e) != NULL;
done:
	free(buf);
	pixDestroy(&pix);
	return err;
}

/* Writes the cleaned page, text and hOCR blobs and fills `p` for the
 * catalog. Outside the lock: the store is safe to use from several threads
 * (random temp names, atomic renames), and its fsyncs are the slow part. */
static int store_blobs(struct run *r, struct job *j, struct ds_ocr__prepared *prep,
		       struct ds_ocr_result *res, struct ds_page *p)
{
	unsigned char *enc = NULL;
	size_t enclen = 0;
	int err = 0;

	*p = j->page;
	memset(p->ocr_error, 0, sizeof p->ocr_error);
	p->rotation = prep->rotation;
	p->skew = prep->skew;
	p->binarized = prep->binarized;
	p->blank = prep->blank;
	p->clean_sha256[0] = p->text_sha256[0] = p->hocr_sha256[0] = p->language[0] = '\0';
	p->ocr_confidence = 0;
	if (prep->blank) {
		memcpy(p->ocr_state, "skipped", 8);
		return 0;
	}
	if ((err = ds_page_encode(prep->pix, &enc, &enclen)) < 0 ||
	    (err = put_blob(r, enc, enclen, p->clean_sha256)) < 0 ||
	    (err = put_blob(r, res->text, strlen(res->text), p->text_sha256)) < 0 ||
	    (err = put_blob(r, res->hocr, strlen(res->hocr), p->hocr_sha256)) < 0)
		goto done;
	memcpy(p->ocr_state, "done", 5);
	ds_fmt(p->language, sizeof p->language, "%s", res->language);
	p->ocr_confidence = res->confidence;
done:
	free(enc);
	return err;
}

/* Records a page's results in the catalog (lock held). */
static int record_results(struct run *r, struct job *j, const struct ds_page *p,
			  struct ds_ocr_result *res)
{
	int blank = strcmp(p->ocr_state, "skipped") == 0;
	int err = ds_catalog_ocr_page_set(r->cat, r->dossiers[j->dossier].code, p,
					  blank ? NULL : res->text);
	if (err == 0) {
		if (blank)
			r->stats->pages_skipped++;
		else
			r->stats->pages_done++;
	}
	return err;
}

static void *worker(void *arg)
{
	struct run *r = arg;
	ds_ocr_engine *e = NULL;
	int err;

	if ((err = ds_ocr_engine_new(&e, &r->opt->ocr)) < 0) {
		pthread_mutex_lock(&r->lock);
		if (!r->fatal) {
			r->fatal = 1;
			r->fatal_code = err;
			ds_fmt(r->fatal_msg, sizeof r->fatal_msg, "%s", ds_error_last());
		}
		pthread_cond_broadcast(&r->turn);
		pthread_mutex_unlock(&r->lock);
		return NULL;
	}
	for (;;) {
		struct ds_ocr__prepared prep = {0};
		struct ds_ocr_result res = {0};
		struct job *j;
		struct dossier_run *d;
		int recognised = 0;

		pthread_mutex_lock(&r->lock);
		if (r->fatal || r->next_job >= r->njobs) {
			pthread_mutex_unlock(&r->lock);
			break;
		}
		if (r->opt->cancel && __atomic_load_n(r->opt->cancel, __ATOMIC_ACQUIRE)) {
			r->cancelled = 1;
			pthread_mutex_unlock(&r->lock);
			break;
		}
		j = &r->jobs[r->next_job++];
		d = &r->dossiers[j->dossier];
		pthread_mutex_unlock(&r->lock);

		struct ds_page page = {0};
		char why[sizeof page.ocr_error] = "", pdf[DS_PATH_MAX];
		int pdf_err = 0, again = 0;
		/* the process's memory for pages, until the page and its results
		 * are let go: OCR workers and ingest threads side by side stay
		 * within it (the weight from the catalog's row; r->lock not held) */
		uint64_t held = ds_page_memory_reserve(ds_page_memory_weight(
			(uint32_t)(j->page.width > 0 ? j->page.width : 0),
			(uint32_t)(j->page.height > 0 ? j->page.height : 0), j->page.bits));
		double t0 = ds_ocr__thread_cpu(), t_proc = t0, t_store = t0, t_pdf = t0;

		/* A page done earlier whose page PDF is there: nothing to do. */
		if (!j->redo && d->want_pdf && page_pdf_path(r, j, pdf, sizeof pdf) == 0 &&
		    access(pdf, R_OK) == 0) {
			err = 0;
		} else {
			err = process(r, e, j, &prep, &res, &recognised);
			t_proc = ds_ocr__thread_cpu();
			again = !j->redo;
			if (err == 0 && j->redo)
				err = store_blobs(r, j, &prep, &res, &page);
			t_store = ds_ocr__thread_cpu();
			if (err < 0)
				ds_fmt(why, sizeof why, "%s", ds_error_last()); /* truncation is fine */
			/* the page PDF before the catalog row: a page recorded as
			 * done always has its page PDF */
			if (err == 0 && d->want_pdf && ds_ocr__engine_last(e) && prep.pix &&
			    (pdf_err = write_page_pdf(r, e, j)) < 0)
				ds_fmt(why, sizeof why, "page %d: searchable PDF: %s", j->page.number,
				       ds_error_last());
			t_pdf = ds_ocr__thread_cpu();
		}

		pthread_mutex_lock(&r->lock);
		if (again)
			r->stats->pages_recognised_again++;
		if (j->redo) {
			if (err < 0)
				record_failure(r, j, why);
			else if (pdf_err == 0 && record_results(r, j, &page, &res) < 0)
				record_failure(r, j, ds_error_last());
			r->progress_done++;
			if (r->opt->progress)
				r->opt->progress(r->opt->progress_arg, r->progress_done,
						 r->progress_total);
		} else if (err < 0) {
			/* A page done earlier no longer reads: the PDF cannot be made. */
			d->failed = 1;
			ds_fmt(d->why, sizeof d->why, "page %d: %s", j->page.number, why);
		}
		if (pdf_err < 0) {
			/* the page stays to do; the disk, not the page, is at fault */
			d->failed = 1;
			ds_fmt(d->why, sizeof d->why, "%s", why);
		}
		/* the catalog row (above) counts with the blobs */
		double t_end = ds_ocr__thread_cpu();
		r->stats->cpu_prepare += t_proc - t0 - res.cpu_recognize - res.cpu_output;
		r->stats->cpu_recognize += res.cpu_recognize;
		r->stats->cpu_output += res.cpu_output;
		r->stats->cpu_store += (t_store - t_proc) + (t_end - t_pdf);
		r->stats->cpu_pdf += t_pdf - t_store;
		d->passed++;
		r->finished++;
		if (d->passed == d->njobs) {
			dossier_close(r, d);
			/* joining and storing the dossier's PDF (with its state
			 * moved), or only the catalog's part when it has none */
			double close = ds_ocr__thread_cpu() - t_end;
			if (d->want_pdf)
				r->stats->cpu_pdf += close;
			else
				r->stats->cpu_store += close;
		}
		pthread_mutex_unlock(&r->lock);
		(void)recognised;
		pixDestroy(&prep.pix);
		ds_ocr_result_clear(&res);
		ds_page_memory_release(held);
	}
	ds_ocr_engine_free(e);
	return NULL;
}

/* Lists the work of one dossier. */
static int plan_dossier(struct run *r, const char *code, size_t di)
{
	struct ds_dossier dos;
	struct ds_page *pages = NULL;
	size_t np = 0, todo = 0;
	char sha[65];
	int err, has_pdf, pdf_pages = 0;
	struct dossier_run *d = &r->dossiers[di];

	if ((err = ds_catalog_dossier_get(r->cat, code, &dos)) < 0)
		return err;
	if ((err = ds_fmt(d->code, sizeof d->code, "%s", code)) < 0)
		return err;
	if ((err = ds_catalog_page_list(r->cat, code, DS_PAGE_KIND_PAGE, &pages, &np)) < 0)
		return err;
	err = ds_catalog_ocr_pdf_get(r->cat, code, sha, &pdf_pages);
	if (err < 0 && err != DS_ENOTFOUND)
		goto done;
	err = 0;
	for (size_t i = 0; i < np; i++)
		if (strcmp(pages[i].ocr_state, "done") != 0 && strcmp(pages[i].ocr_state, "skipped") != 0)
			todo++;
	/* A PDF is current only when nothing is left to OCR and it holds
	 * every page (pages added later, e.g. a supplement, make it stale). */
	has_pdf = pdf_pages > 0 && (size_t)pdf_pages == np && todo == 0;
	r->stats->pages_total += np;
	r->stats->pages_already += np - todo;
	d->first = r->njobs;
	/* Only a dossier still `received` gets work. When its PDF is missing or
	 * stale, every page is a job: those done earlier only contribute their
	 * page PDF, recognised again only when that file is gone. */
	if (strcmp(dos.state, DS_STATE_RECEIVED) != 0 || np == 0)
		goto done;
	d->want_pdf = !has_pdf;
	if (todo == 0 && has_pdf) {
		/* Everything done before: only the state may be behind. */
		int moved = 0;
		if ((err = ds_catalog_ocr_finish(r->cat, code, r->opt->actor, &moved)) == 0 && moved)
			r->stats->dossiers_digitized++;
		goto done;
	}
	void *nj = realloc(r->jobs, (r->njobs + np) * sizeof *r->jobs);
	if (!nj) {
		err = ds_error_set(DS_ENOMEM, "out of memory");
		goto done;
	}
	r->jobs = nj;
	for (size_t i = 0; i < np; i++) {
		int redo = strcmp(pages[i].ocr_state, "done") != 0 &&
			   strcmp(pages[i].ocr_state, "skipped") != 0;
		if (!redo && !d->want_pdf)
			continue;
		struct job *j = &r->jobs[r->njobs++];
		memset(j, 0, sizeof *j);
		j->dossier = di;
		j->index = d->njobs++;
		j->page = pages[i];
		j->redo = redo;
		if (redo)
			r->progress_total++;
	}
done:
	free(pages);
	return err;
}

int ds_ocr_run(ds_catalog *c, ds_store *s, const char *const *codes, size_t ncodes,
	       const struct ds_ocr_run_options *opt, struct ds_ocr_run_stats *stats)
{
	struct run r = {0};
	pthread_t th[DS_OCR_JOBS_MAX];
	int nth = 0, err = 0, jobs = opt->jobs;

	memset(stats, 0, sizeof *stats);
	if (jobs < 1 || jobs > DS_OCR_JOBS_MAX)
		return ds_error_set(DS_EINVALID, "jobs must be 1..%d", DS_OCR_JOBS_MAX);
	if (!opt->tmpdir)
		return ds_error_set(DS_EINVALID, "no folder for temporary files");
	r.cat = c;
	r.store = s;
	r.opt = opt;
	r.stats = stats;
	pthread_mutex_init(&r.lock, NULL);
	pthread_cond_init(&r.turn, NULL);
	r.dossiers = calloc(ncodes ? ncodes : 1, sizeof *r.dossiers);
	if (!r.dossiers) {
		err = ds_error_set(DS_ENOMEM, "out of memory");
		goto done;
	}
	r.ndossiers = ncodes;
	for (size_t i = 0; i < ncodes; i++) {
		int dup = 0;
		for (size_t k = 0; k < i && !dup; k++)
			dup = strcmp(codes[k], codes[i]) == 0;
		if (dup) /* named twice: planned once */
			continue;
		if ((err = plan_dossier(&r, codes[i], i)) < 0)
			goto done;
	}
	for (size_t i = 0; i < ncodes; i++) {
		struct dossier_run *d = &r.dossiers[i];
		if (!d->want_pdf || d->njobs == 0)
			continue;
		if ((err = ds_fmt(d->pdf_dir, sizeof d->pdf_dir, "%s/ocr-pages-%s", opt->tmpdir,
				  d->code)) < 0 ||
		    (err = ds_mkdirs(d->pdf_dir, 0700)) < 0)
			goto done;
	}
	if (r.njobs == 0)
		goto done;
	if ((size_t)jobs > r.njobs)
		jobs = (int)r.njobs;
	if (opt->progress)
		opt->progress(opt->progress_arg, 0, r.progress_total);
	for (int i = 0; i < jobs; i++) {
		if (pthread_create(&th[nth], NULL, worker, &r) != 0)
			break;
		nth++;
	}
	if (nth == 0) {
		err = ds_error_set(DS_ERROR, "cannot start OCR workers");
		goto done;
	}
	for (int i = 0; i < nth; i++)
		pthread_join(th[i], NULL);
	if (r.fatal)
		err = ds_error_set(r.fatal_code, "%s", r.fatal_msg);
	stats->cancelled = r.cancelled;
done:
	/* the page PDFs of unfinished dossiers stay for the next run */
	free(r.dossiers);
	free(r.jobs);
	pthread_cond_destroy(&r.turn);
	pthread_mutex_destroy(&r.lock);
	return err;
}
