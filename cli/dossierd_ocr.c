/* dossierd's OCR: one thread takes the `ocr` jobs of the catalog queue (one
 * per dossier that got pages) and runs them through the OCR worker pool
 * (ds_ocr_run, N threads each with its own Tesseract). The thread has its
 * own home handle (catalog connection, store, config), reopened after a
 * reload. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_daemon.h"
#include "dossierd.h"
#include "dossier/catalog_daemon.h"
#include "dossier/error.h"
#include "dossier/fs.h"
#include "dossier/inbox.h"

#include "cli_ocr.h"
#include "dossier/ocr.h"

struct dossierd_ocr {
	pthread_t th;
	int started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	char root[DS_PATH_MAX];
	int enabled, jobs, once;
	int wake, stop, drain, generation;
	int cancel;             /* SIGTERM: the pool stops after the pages in hand */
};

static void set_worker(ds_home *h, const char *state, const char *job)
{
	ds_cli_worker_set(h->catalog, "ocr", state, job);
}

/* Runs queued OCR jobs until none is left or a stop is asked. */
static void run_jobs(struct dossierd_ocr *o, ds_home *h, int jobs)
{
	struct ds_ocr_run_options ro;
	char tmp[DS_PATH_MAX];
	struct ds_job job;
	int err;

	if (!h)
		return;
	if (ds_cli_ocr_options(h, jobs, tmp, &ro) < 0) {
		ds_cli_log(DS_LOG_ERR, "OCR: %s", ds_error_last());
		return;
	}
	ro.actor = ds_config_get(h->config, "daemon", "actor", "dossierd");
	ro.cancel = &o->cancel;
	for (;;) {
		pthread_mutex_lock(&o->mu);
		int stop = o->stop && !o->drain;
		pthread_mutex_unlock(&o->mu);
		if (stop)
			break;
		if ((err = ds_catalog_job_claim(h->catalog, DS_JOB_OCR, &job)) == DS_ENOTFOUND)
			break;
		if (err < 0) {
			ds_cli_log(DS_LOG_ERR, "OCR queue: %s", ds_error_last());
			break;
		}
		/* a dossier whose OCR killed the daemon (a crash, or killed for
		 * taking too long) max_interruptions times is given up */
		long max_int = DS_INBOX_INTERRUPTED_DEFAULT;
		ds_config_get_int(h->config, "daemon", "max_interruptions",
				  DS_INBOX_INTERRUPTED_DEFAULT, 1, 1000000, &max_int);
		if (job.interrupted >= max_int) {
			char why[DS_REASON_MAX];
			snprintf(why, sizeof(why), "the daemon died %d times during its OCR (a crash, "
				 "or killed for taking too long); run dossier ocr to try again",
				 job.interrupted);
			ds_cli_log(DS_LOG_ERR, "%s: OCR given up: %s", job.subject, why);
			ds_catalog_job_finish(h->catalog, job.id, DS_JOB_FAILED, why);
			continue;
		}
		const char *codes[1] = { job.subject };
		struct ds_ocr_run_stats st;
		memset(&st, 0, sizeof(st));
		set_worker(h, "ocr", job.subject);
		ds_cli_log(DS_LOG_DEBUG, "%s: OCR (attempt %d, %d workers)", job.subject, job.attempts,
			   ro.jobs);
		err = ds_ocr_run(h->catalog, h->store, codes, 1, &ro, &st);
		if (err == 0 && st.cancelled) {
			/* pages done are kept; the rest waits for the next start */
			ds_cli_log(DS_LOG_NOTICE, "%s: OCR stopped after the pages in hand: %zu "
				   "recognised, the rest stays queued", job.subject, st.pages_done);
			ds_catalog_job_requeue(h->catalog, job.id, 1, "stopped by a signal");
			set_worker(h, "idle", NULL);
			break;
		}
		if (err < 0) {
			char why[DS_REASON_MAX];
			snprintf(why, sizeof(why), "%s", ds_error_last());
			ds_cli_log(DS_LOG_ERR, "%s: OCR failed: %s", job.subject, why);
			ds_catalog_job_finish(h->catalog, job.id, DS_JOB_FAILED, why);
		} else if (st.pages_failed || st.dossiers_incomplete) {
			char why[DS_REASON_MAX];
			snprintf(why, sizeof(why), "%zu page%s failed OCR; not digitized",
				 st.pages_failed, st.pages_failed == 1 ? "" : "s");
			ds_cli_log(DS_LOG_WARNING, "%s: %s", job.subject, why);
			ds_catalog_job_finish(h->catalog, job.id, DS_JOB_FAILED, why);
		} else {
			ds_cli_log(DS_LOG_INFO, "%s: OCR done: %zu pages recognised, %zu blank, %zu "
				   "before%s", job.subject, st.pages_done, st.pages_skipped,
				   st.pages_already, st.dossiers_digitized ? "; digitized" : "");
			ds_catalog_job_finish(h->catalog, job.id, DS_JOB_DONE, NULL);
		}
		set_worker(h, "idle", NULL);
	}
}

static void *thread_main(void *arg)
{
	struct dossierd_ocr *o = arg;
	ds_home *h = NULL;
	int gen = -1;

	for (;;) {
		pthread_mutex_lock(&o->mu);
		while (!o->wake && !o->stop)
			pthread_cond_wait(&o->cv, &o->mu);
		int stop = o->stop, drain = o->drain, enabled = o->enabled, jobs = o->jobs;
		int g = o->generation;
		o->wake = 0;
		pthread_mutex_unlock(&o->mu);
		if (stop && !drain)
			break;
		if (enabled) {
			if (g != gen) { /* a reload: read dossier.conf again */
				ds_home_free(h);
				h = NULL;
				if (ds_home_open(&h, o->root) < 0) {
					ds_cli_log(DS_LOG_ERR, "OCR: %s", ds_error_last());
					break;
				}
				gen = g;
			}
			run_jobs(o, h, jobs);
		}
		if (stop)
			break;
	}
	ds_home_free(h); /* the worker rows are cleared by the main thread */
	return NULL;
}

int dossierd_ocr_start(struct dossierd_ocr **out, ds_home *h, int enabled, int jobs, int once)
{
	struct dossierd_ocr *o;

	if (!(o = calloc(1, sizeof(*o))))
		return ds_error_set(DS_ENOMEM, "out of memory");
	pthread_mutex_init(&o->mu, NULL);
	pthread_cond_init(&o->cv, NULL);
	o->enabled = enabled;
	o->jobs = jobs;
	o->once = once;
	o->wake = 1; /* jobs left by the last run */
	memcpy(o->root, h->root, sizeof(o->root) < sizeof(h->root) ? sizeof(o->root) : sizeof(h->root));
	o->root[sizeof(o->root) - 1] = 0;
	{
		size_t n = 0;
		int err;
		/* an OCR job left running by a crash goes back to the queue */
		if ((err = ds_catalog_jobs_recover(h->catalog, DS_JOB_OCR, &n)) < 0) {
			free(o);
			return err;
		}
		if (n)
			ds_cli_log(DS_LOG_NOTICE, "resuming %zu OCR job%s", n, n == 1 ? "" : "s");
		if ((err = pthread_create(&o->th, NULL, thread_main, o)) != 0) {
			free(o);
			return ds_error_set_errno(DS_ERROR, err, "cannot start the OCR thread");
		}
		o->started = 1;
	}
	*out = o;
	return 0;
}

void dossierd_ocr_wake(struct dossierd_ocr *o)
{
	if (!o)
		return;
	pthread_mutex_lock(&o->mu);
	o->wake = 1;
	pthread_cond_signal(&o->cv);
	pthread_mutex_unlock(&o->mu);
}

void dossierd_ocr_configure(struct dossierd_ocr *o, int enabled, int jobs)
{
	if (!o)
		return;
	pthread_mutex_lock(&o->mu);
	o->enabled = enabled;
	o->jobs = jobs;
	o->generation++;
	o->wake = 1;
	pthread_cond_signal(&o->cv);
	pthread_mutex_unlock(&o->mu);
}

void dossierd_ocr_finish(struct dossierd_ocr *o, int drain)
{
	if (!o)
		return;
	pthread_mutex_lock(&o->mu);
	o->stop = 1;
	o->drain = drain;
	if (!drain)
		__atomic_store_n(&o->cancel, 1, __ATOMIC_RELEASE);
	o->wake = 1;
	pthread_cond_signal(&o->cv);
	pthread_mutex_unlock(&o->mu);
	if (o->started) {
		pthread_join(o->th, NULL);
		o->started = 0;
	}
}

void dossierd_ocr_free(struct dossierd_ocr *o)
{
	if (!o)
		return;
	dossierd_ocr_finish(o, 0);
	pthread_cond_destroy(&o->cv);
	pthread_mutex_destroy(&o->mu);
	free(o);
}
