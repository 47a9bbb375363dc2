/* dossierd: watches the scanner drop folder and ingests every scan into its
 * dossier (see docs/daemon.md). The main thread watches and ingests, and
 * [daemon] ingest_threads - 1 more threads ingest beside it (each file is
 * one job claimed by one thread; the catalog's write lock orders the
 * commits); OCR runs in its own workers (dossierd_ocr.c) from jobs queued
 * in the catalog. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cli_daemon.h"
#include "dossierd.h"
#include "dossier/catalog_daemon.h"
#include "dossier/clock.h"
#include "dossier/error.h"
#include "dossier/fs.h"
#include "dossier/inbox.h"

/* Set by the signal handler (in whichever thread the signal lands), read by
 * every thread: atomic loads and stores. */
static volatile sig_atomic_t stop_flag, reload_flag;
#define STOPPING() __atomic_load_n(&stop_flag, __ATOMIC_RELAXED)
#define RELOADING() __atomic_load_n(&reload_flag, __ATOMIC_RELAXED)
static int wake_pipe[2] = { -1, -1 };

static void on_signal(int sig)
{
	int saved = errno;
	if (sig == SIGHUP)
		__atomic_store_n(&reload_flag, 1, __ATOMIC_RELAXED);
	else
		__atomic_store_n(&stop_flag, 1, __ATOMIC_RELAXED);
	if (wake_pipe[1] >= 0) {
		ssize_t k = write(wake_pipe[1], "x", 1);
		(void)k; /* a full pipe already wakes the loop */
	}
	errno = saved;
}

static const char usage_text[] =
	"usage: dossierd [--home DIR] [--once] [--jobs N] [--poll]\n";
static const char help_text[] =
	"Watches the inbox (HOME/inbox, or [daemon] inbox) and ingests every scan\n"
	"into its dossier: routed by a sidecar NAME.json, by receipt QR codes, or by a\n"
	"file name that is a dossier code. See docs/daemon.md.\n\n"
	"  --home DIR   the dossier home (default: $DOSSIER_HOME, else .)\n"
	"  --once       take every file present, finish every job it causes, exit\n"
	"  --jobs N     OCR workers (default: [ocr] jobs, 0 = the number of cores)\n"
	"  --poll       poll the folder instead of inotify (network shares)\n"
	"  -h, --help   this help\n"
	"  --version    the version\n"
	"Signals: TERM/INT finish the page in hand and exit; HUP reloads dossier.conf.\n";

/* ---- settings from dossier.conf [daemon] ---- */

struct settings {
	char inbox[DS_PATH_MAX];
	int poll;              /* watch = poll */
	long poll_ms;          /* polling: how often the folder is listed */
	long rescan_ms;        /* inotify: a listing now and then anyway */
	long settle_ms;        /* a file closed and unchanged this long is complete */
	int remove_done;       /* after = remove */
	int ocr;
	long jobs;
	long ingest_threads;   /* files ingested side by side */
	long max_attempts;
	long max_interruptions; /* deaths of the daemon while ingesting one file */
	enum ds_log_level level;
};

static int load_settings(ds_home *h, struct settings *s, int force_poll, long jobs_opt)
{
	const char *v;
	int err;

	memset(s, 0, sizeof(*s));
	if ((err = ds_cli_daemon_inbox(h, s->inbox, sizeof(s->inbox))) < 0)
		return err;
	v = ds_config_get(h->config, "daemon", "watch", "inotify");
	if (strcmp(v, "poll") == 0)
		s->poll = 1;
	else if (strcmp(v, "inotify") != 0)
		return ds_error_set(DS_EINVALID, "[daemon] watch = %s: use inotify or poll", v);
	if (force_poll)
		s->poll = 1;
	v = ds_config_get(h->config, "daemon", "after_ingest", "move");
	if (strcmp(v, "remove") == 0)
		s->remove_done = 1;
	else if (strcmp(v, "move") != 0)
		return ds_error_set(DS_EINVALID, "[daemon] after_ingest = %s: use move or remove", v);
	long poll_s = 0, jobs = 0;
	if ((err = ds_config_get_int(h->config, "daemon", "poll_seconds", 0, 0, 86400, &poll_s)) < 0 ||
	    (err = ds_config_get_int(h->config, "daemon", "settle_ms", DS_INBOX_SETTLE_MS_DEFAULT,
				     0, 3600000, &s->settle_ms)) < 0 ||
	    (err = ds_config_get_int(h->config, "daemon", "max_interruptions",
				     DS_INBOX_INTERRUPTED_DEFAULT, 1, 1000000,
				     &s->max_interruptions)) < 0 ||
	    (err = ds_config_get_int(h->config, "ocr", "jobs", 0, 0, 64, &jobs)) < 0 ||
	    (err = ds_config_get_int(h->config, "daemon", "max_attempts", DS_INBOX_ATTEMPTS_DEFAULT,
				     1, 1000000, &s->max_attempts)) < 0 ||
	    (err = ds_config_get_int(h->config, "daemon", "ingest_threads", 0, 0, 16,
				     &s->ingest_threads)) < 0 ||
	    (err = ds_config_get_bool(h->config, "daemon", "ocr", 1, &s->ocr)) < 0)
		return err;
	/* inotify sees the folder; a listing every poll_seconds as well (0: only
	 * at start and when the kernel's queue overflowed). Polling alone lists
	 * every poll_seconds, 2 s when unset. */
	s->poll_ms = poll_s ? poll_s * 1000 : 2000;
	s->rescan_ms = poll_s ? poll_s * 1000 : 24L * 3600 * 1000;
	if (jobs == 0) {
		long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		jobs = ncpu > 0 ? (ncpu > 64 ? 64 : ncpu) : 1;
	}
	if (s->ingest_threads == 0) {
		/* two: decoding one file while the other commits fills two cores;
		 * more only wait for the catalog's write lock */
		long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		s->ingest_threads = ncpu >= 2 ? 2 : 1;
	}
	s->jobs = jobs;
	if (jobs_opt > 0)
		s->jobs = jobs_opt;
	if ((err = ds_cli_log_level_parse(ds_config_get(h->config, "daemon", "log_level", "info"),
					  &s->level)) < 0)
		return err;
	return 0;
}

/* ---- the folder: inotify, or listings with a settle time ---- */

struct seen {
	char name[DS_INBOX_NAME_MAX];
	int64_t size, mtime_ns;
	int64_t changed_ms; /* when we last saw it change */
	int queued;
	int present;
};

struct watcher {
	ds_inbox *ib;
	ds_catalog *cat;
	const struct settings *s;
	int ifd, wd;
	struct seen *seen;
	size_t nseen, capseen;
	int unsettled; /* files (and lone sidecars) waiting to settle after the last listing */
	int64_t last_list_ms;
};

/* An ingest found its file open for writing again (DS_INBOX_BUSY, in any
 * ingest thread): the watcher forgets what it queued and settles it anew. */
static int requeue_busy;

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static struct seen *seen_get(struct watcher *w, const char *name)
{
	for (size_t i = 0; i < w->nseen; i++)
		if (strcmp(w->seen[i].name, name) == 0)
			return &w->seen[i];
	if (w->nseen == w->capseen) {
		size_t cap = w->capseen ? w->capseen * 2 : 64;
		struct seen *n = realloc(w->seen, cap * sizeof(*n));
		if (!n)
			return NULL;
		w->seen = n;
		w->capseen = cap;
	}
	struct seen *e = &w->seen[w->nseen++];
	memset(e, 0, sizeof(*e));
	memcpy(e->name, name, strlen(name) + 1);
	e->size = -1;
	return e;
}

static int enqueue(struct watcher *w, const char *name, const char *why)
{
	int added = 0, err;

	if ((err = ds_inbox_enqueue(w->ib, name, &added)) < 0) {
		ds_cli_log(DS_LOG_ERR, "%s: cannot queue: %s", name, ds_error_last());
		return err;
	}
	if (added)
		ds_cli_log(DS_LOG_DEBUG, "%s: queued (%s)", name, why);
	return 0;
}

/* Lists the folder: a file is queued when it has not changed for
 * settle_ms (or is older than that at first sight). */
static int list_folder(struct watcher *w)
{
	struct ds_inbox_entry *e = NULL;
	size_t n = 0;
	int64_t now = mono_ms(), wall = wall_ns();
	int err;

	w->last_list_ms = now;
	if ((err = ds_inbox_list(w->ib, &e, &n)) < 0) {
		ds_cli_log(DS_LOG_ERR, "%s", ds_error_last());
		return err;
	}
	for (size_t i = 0; i < w->nseen; i++)
		w->seen[i].present = 0;
	w->unsettled = 0;
	/* one transaction for the whole listing: 1,000 files dropped at once
	 * cost one commit, not 1,000 */
	int tx = n > 1 && ds_catalog_begin(w->cat) == 0;
	for (size_t i = 0; i < n; i++) {
		struct seen *s = seen_get(w, e[i].name);
		int first;
		if (!s) {
			err = ds_error_set(DS_ENOMEM, "out of memory");
			if (tx)
				ds_catalog_rollback(w->cat);
			goto done;
		}
		first = s->size < 0;
		s->present = 1;
		if (s->size != e[i].size || s->mtime_ns != e[i].mtime_ns) {
			s->size = e[i].size;
			s->mtime_ns = e[i].mtime_ns;
			s->changed_ms = now;
			s->queued = 0;
		}
		if (s->queued)
			continue;
		/* complete: unchanged for settle_ms (at first sight: its mtime
		 * that old), and no writer on this machine holds it open */
		int64_t age_ms = (wall - e[i].mtime_ns) / 1000000;
		if ((first && age_ms >= w->s->settle_ms) || (!first && now - s->changed_ms >= w->s->settle_ms) ||
		    w->s->settle_ms == 0) {
			if (ds_inbox_writing(w->ib, s->name) == 1) {
				s->changed_ms = now;
				w->unsettled++;
				ds_cli_log(DS_LOG_DEBUG, "%s: still open for writing", s->name);
			} else if (enqueue(w, s->name, "settled") == 0) {
				s->queued = 1;
			}
		} else {
			w->unsettled++;
		}
	}
	if (tx && ds_catalog_commit(w->cat) < 0) {
		ds_cli_log(DS_LOG_ERR, "queueing: %s", ds_error_last());
		ds_catalog_rollback(w->cat);
		for (size_t i = 0; i < w->nseen; i++)
			w->seen[i].queued = 0; /* the next listing tries again */
	}
	/* sidecars whose scan never came: rejected once settle_ms has passed,
	 * waited for until then */
	{
		size_t waiting = 0;
		if (ds_inbox_sidecars(w->ib, wall, &waiting, NULL) < 0)
			ds_cli_log(DS_LOG_ERR, "sidecars: %s", ds_error_last());
		w->unsettled += (int)waiting;
	}
	/* forget files that left */
	for (size_t i = 0; i < w->nseen;) {
		if (!w->seen[i].present)
			w->seen[i] = w->seen[--w->nseen];
		else
			i++;
	}
done:
	free(e);
	return err;
}

static void watch_close(struct watcher *w)
{
	if (w->ifd >= 0)
		close(w->ifd);
	w->ifd = -1;
	w->wd = -1;
}

static void watch_open(struct watcher *w)
{
	watch_close(w);
	if (w->s->poll)
		return;
	if ((w->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0) {
		ds_cli_log(DS_LOG_WARNING, "inotify: %s; polling instead", strerror(errno));
		return;
	}
	w->wd = inotify_add_watch(w->ifd, w->s->inbox,
				  IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF |
					  IN_ONLYDIR);
	if (w->wd < 0) {
		ds_cli_log(DS_LOG_WARNING, "inotify on %s: %s; polling instead", w->s->inbox,
			   strerror(errno));
		watch_close(w);
	}
}

/* Reads the pending inotify events: each closed-after-write or moved-in
 * file is complete and queued at once. */
static void read_events(struct watcher *w)
{
	char buf[65536] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t k;
	int relist = 0;

	if (w->ifd < 0)
		return;
	while ((k = read(w->ifd, buf, sizeof(buf))) > 0) {
		/* the events of one read in one transaction */
		int tx = ds_catalog_begin(w->cat) == 0;
		for (char *p = buf; p < buf + k;) {
			const struct inotify_event *ev = (const struct inotify_event *)(void *)p;
			p += sizeof(*ev) + ev->len;
			if (ev->mask & IN_Q_OVERFLOW) {
				ds_cli_log(DS_LOG_WARNING, "inotify queue overflowed; listing the inbox");
				relist = 1;
				continue;
			}
			if (ev->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF)) {
				ds_cli_log(DS_LOG_ERR, "the inbox %s was removed or moved; polling for it",
					   w->s->inbox);
				if (tx && ds_catalog_commit(w->cat) < 0)
					ds_catalog_rollback(w->cat);
				watch_close(w);
				return;
			}
			if (ev->len && ev->name[0] != '.' && strlen(ev->name) > 5 &&
			    strcmp(ev->name + strlen(ev->name) - 5, ".json") == 0) {
				/* a sidecar: listed until its scan comes, or it is
				 * rejected for having none (ds_inbox_sidecars) */
				w->unsettled++;
				continue;
			}
			if (!ev->len || !ds_inbox_name_candidate(ev->name))
				continue;
			struct seen *s = seen_get(w, ev->name);
			struct stat st;
			char path[DS_PATH_MAX];
			if (s && ds_path_join(path, sizeof(path), w->s->inbox, ev->name) == 0 &&
			    lstat(path, &st) == 0) {
				s->size = st.st_size;
				s->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
				s->changed_ms = mono_ms();
				s->present = 1;
			}
			/* a close is not the end: a writer may open it again (network
			 * scanners write in sessions); it is taken once it has stayed
			 * closed and unchanged for settle_ms (the next listings) */
			if (w->s->settle_ms > 0 || !s || ds_inbox_writing(w->ib, ev->name) == 1) {
				if (s)
					s->queued = 0;
				w->unsettled++;
				continue;
			}
			if (enqueue(w, ev->name, ev->mask & IN_MOVED_TO ? "moved in" : "written") == 0)
				s->queued = 1;
		}
		if (tx && ds_catalog_commit(w->cat) < 0) {
			ds_cli_log(DS_LOG_ERR, "queueing: %s; listing the inbox", ds_error_last());
			ds_catalog_rollback(w->cat);
			for (size_t i = 0; i < w->nseen; i++)
				w->seen[i].queued = 0;
			relist = 1;
		}
	}
	if (relist)
		list_folder(w);
}

/* ---- the daemon ---- */

struct daemon {
	struct ds_cli cli;
	ds_home *h;
	struct settings s;
	ds_inbox *ib;
	struct watcher w;
	struct dossierd_ocr *ocr;
	struct dossierd_cp *cp; /* unattended seal-log checkpoints */
	int once, force_poll;
	long jobs_opt;
	int lock_fd;
	size_t ingested, rejected, retried; /* under ingest_mu */
	int64_t worker_state_ms;
	char worker_state[16];
	struct ingester *helpers;
	size_t nhelpers;
};

/* ---- more ingest threads ----
 *
 * The main thread watches the folder and ingests; [daemon] ingest_threads
 * - 1 more threads ingest beside it, each with its own home (catalog
 * connection) and inbox handle. Decoding, the receipt test, encoding and
 * storing run side by side; the catalog's write lock orders the commits,
 * and a job is claimed by one thread only. */
struct ingester {
	struct daemon *d;
	pthread_t th;
	int started, index;
	ds_home *h;
	ds_inbox *ib;
};

static void helpers_stop(struct daemon *d);
static int helpers_start(struct daemon *d);

static pthread_mutex_t ingest_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ingest_cv = PTHREAD_COND_INITIALIZER;
static unsigned ingest_gen; /* bumped when there may be files to take */
static int ingest_quit;
static int ingest_failed; /* a helper's catalog error (under ingest_mu) */

static void worker_state(struct daemon *d, const char *state, const char *job)
{
	int64_t now = mono_ms();

	/* a row write per state change, at most one a second while busy */
	if (strcmp(d->worker_state, state) == 0 && now - d->worker_state_ms < 1000)
		return;
	if (ds_cli_worker_set(d->h->catalog, "watcher", state, job) == 0) {
		snprintf(d->worker_state, sizeof(d->worker_state), "%s", state);
		d->worker_state_ms = now;
	}
}

static void inbox_opts(struct daemon *d, struct ds_inbox_opts *out)
{
	size_t nh = 0;
	const int32_t *hol = ds_config_holidays(d->h->config, &nh);
	struct ds_inbox_opts o = {
		.dir = d->s.inbox,
		.remove_done = d->s.remove_done,
		.max_attempts = (int)d->s.max_attempts,
		.max_interrupted = (int)d->s.max_interruptions,
		.settle_ms = d->s.settle_ms,
		.queue_ocr = d->s.ocr,
		.actor = ds_config_get(d->h->config, "daemon", "actor", "dossierd"),
		.agency_id = ds_config_agency_id(d->h->config),
		.utc_offset = ds_config_utc_offset(d->h->config),
		.holidays = hol,
		.nholidays = nh,
		.stop = &stop_flag,
		.log = ds_cli_log_line,
	};
	*out = o;
}

static int open_inbox(struct daemon *d)
{
	struct ds_inbox_opts o;
	ds_inbox *ib = NULL;
	int err;

	inbox_opts(d, &o);
	if ((err = ds_mkdirs(d->s.inbox, 0770)) < 0 || (err = ds_inbox_new(&ib, d->h->catalog, d->h->store, &o)) < 0)
		return err;
	ds_inbox_free(d->ib);
	d->ib = ib;
	d->w.ib = ib;
	d->w.cat = d->h->catalog;
	d->w.s = &d->s;
	return 0;
}

static int take_lock(struct daemon *d)
{
	char path[DS_PATH_MAX], pid[32];
	int err;

	if ((err = ds_cli_daemon_lock_path(d->h, path, sizeof(path))) < 0)
		return err;
	if ((d->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644)) < 0)
		return ds_error_set_errno(DS_EIO, errno, "%s", path);
	if (flock(d->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		ssize_t k = pread(d->lock_fd, pid, sizeof(pid) - 1, 0);
		pid[k > 0 ? k : 0] = 0;
		return ds_error_set(DS_EBUSY, "another dossierd (pid %ld) is running on %s",
				    strtol(pid, NULL, 10), d->h->root);
	}
	snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(d->lock_fd, 0) != 0 || pwrite(d->lock_fd, pid, strlen(pid), 0) < 0)
		return ds_error_set_errno(DS_EIO, errno, "%s", path);
	return 0;
}

static void reload(struct daemon *d)
{
	char path[DS_PATH_MAX];
	ds_config *cfg = NULL, *old;
	struct settings s;

	__atomic_store_n(&reload_flag, 0, __ATOMIC_RELAXED);
	if (ds_home_path(d->h, "dossier.conf", path, sizeof(path)) < 0 ||
	    ds_config_load(&cfg, path) < 0 || ds_config_validate(cfg, path) < 0) {
		ds_cli_log(DS_LOG_ERR, "reload: %s; keeping the running configuration", ds_error_last());
		ds_config_free(cfg);
		return;
	}
	ds_cli_zone_apply(cfg); /* [site] timezone: taken at start */
	old = d->h->config;
	d->h->config = cfg;
	if (load_settings(d->h, &s, d->force_poll, d->jobs_opt) < 0) {
		ds_cli_log(DS_LOG_ERR, "reload: %s: %s; keeping the running configuration", path,
			   ds_error_last());
		d->h->config = old;
		ds_config_free(cfg);
		return;
	}
	helpers_stop(d);
	d->s = s;
	ds_cli_log_set_level(s.level);
	if (open_inbox(d) < 0)
		ds_cli_log(DS_LOG_ERR, "reload: %s", ds_error_last());
	if (helpers_start(d) < 0)
		ds_cli_log(DS_LOG_ERR, "reload: ingest threads: %s", ds_error_last());
	ds_config_free(old);
	watch_open(&d->w);
	d->w.nseen = 0; /* list afresh: the folder may have changed */
	list_folder(&d->w);
	dossierd_ocr_configure(d->ocr, d->s.ocr, (int)d->s.jobs);
	if (dossierd_cp_configure(d->cp) < 0)
		ds_cli_log(DS_LOG_ERR, "reload: [seal_log]: %s", ds_error_last());
	ds_cli_log(DS_LOG_NOTICE, "reloaded %s: inbox %s, %s, OCR %s", path, d->s.inbox,
		   d->w.ifd >= 0 ? "inotify" : "polling", d->s.ocr ? "on" : "off");
}

static void count_outcome(struct daemon *d, const struct ds_inbox_outcome *o)
{
	pthread_mutex_lock(&ingest_mu);
	if (o->result == DS_INBOX_INGESTED)
		d->ingested++;
	else if (o->result == DS_INBOX_REJECTED)
		d->rejected++;
	else if (o->result == DS_INBOX_RETRY)
		d->retried++;
	pthread_mutex_unlock(&ingest_mu);
	if (o->result == DS_INBOX_BUSY)
		__atomic_store_n(&requeue_busy, 1, __ATOMIC_RELAXED);
	if (o->result == DS_INBOX_INGESTED)
		dossierd_ocr_wake(d->ocr);
}

static void helper_state(struct ingester *g, const char *state)
{
	char name[32];
	snprintf(name, sizeof(name), "ingest-%d", g->index);
	ds_cli_worker_set(g->h->catalog, name, state, NULL);
}

static void *helper_main(void *arg)
{
	struct ingester *g = arg;
	unsigned seen = 0;

	helper_state(g, "idle");
	for (;;) {
		pthread_mutex_lock(&ingest_mu);
		while (!ingest_quit && !STOPPING() && ingest_gen == seen)
			pthread_cond_wait(&ingest_cv, &ingest_mu);
		int quit = ingest_quit || STOPPING();
		seen = ingest_gen;
		pthread_mutex_unlock(&ingest_mu);
		if (quit)
			break;
		size_t did = 0;
		int err = 0;
		while (!STOPPING() && !__atomic_load_n(&ingest_quit, __ATOMIC_RELAXED)) {
			struct ds_inbox_outcome o;
			if ((err = ds_inbox_run_one(g->ib, &o)) < 0) {
				ds_cli_log(DS_LOG_ERR, "ingest-%d: catalog: %s", g->index,
					   ds_error_last());
				break;
			}
			if (o.result == DS_INBOX_NONE)
				break;
			if (did++ == 0)
				helper_state(g, "ingesting");
			count_outcome(g->d, &o);
			if (o.result == DS_INBOX_RETRY)
				usleep(200 * 1000);
		}
		if (err < 0) {
			/* as on the main thread, a catalog failure ends the daemon:
			 * the job it held is taken up again at the next start */
			pthread_mutex_lock(&ingest_mu);
			if (!ingest_failed)
				ingest_failed = err;
			pthread_mutex_unlock(&ingest_mu);
		}
		if (did)
			helper_state(g, "idle");
		/* the main loop may be waiting for the queue to empty (--once), or
		 * must learn of a failure; nothing done, nothing to tell (an idle
		 * kick must not wake the main loop back) */
		if (did || err < 0) {
			ssize_t k = write(wake_pipe[1], "x", 1);
			(void)k;
		}
		if (err < 0)
			break;
	}
	return NULL;
}

/* Tells the helpers that files may be waiting. */
static void helpers_kick(void)
{
	pthread_mutex_lock(&ingest_mu);
	ingest_gen++;
	pthread_cond_broadcast(&ingest_cv);
	pthread_mutex_unlock(&ingest_mu);
}

static void helpers_stop(struct daemon *d)
{
	pthread_mutex_lock(&ingest_mu);
	__atomic_store_n(&ingest_quit, 1, __ATOMIC_RELAXED);
	pthread_cond_broadcast(&ingest_cv);
	pthread_mutex_unlock(&ingest_mu);
	for (size_t i = 0; i < d->nhelpers; i++) {
		struct ingester *g = &d->helpers[i];
		if (g->started)
			pthread_join(g->th, NULL);
		/* its moves made durable and marked, as the main thread's are */
		if (g->ib && ds_inbox_flush(g->ib) < 0)
			ds_cli_log(DS_LOG_ERR, "ingest-%d: %s", g->index, ds_error_last());
		ds_inbox_free(g->ib);
		ds_home_free(g->h);
	}
	free(d->helpers);
	d->helpers = NULL;
	d->nhelpers = 0;
	__atomic_store_n(&ingest_quit, 0, __ATOMIC_RELAXED);
}

static int helpers_start(struct daemon *d)
{
	size_t n = d->s.ingest_threads > 1 ? (size_t)d->s.ingest_threads - 1 : 0;
	struct ds_inbox_opts o;
	int err;

	if (!n)
		return 0;
	if (!(d->helpers = calloc(n, sizeof(*d->helpers))))
		return ds_error_set(DS_ENOMEM, "out of memory");
	d->nhelpers = n;
	inbox_opts(d, &o);
	for (size_t i = 0; i < n; i++) {
		struct ingester *g = &d->helpers[i];
		g->d = d;
		g->index = (int)i + 2;
		if ((err = ds_home_open(&g->h, d->h->root)) < 0)
			goto fail;
		ds_cli_zone_apply(g->h->config);
		if ((err = ds_inbox_new(&g->ib, g->h->catalog, g->h->store, &o)) < 0)
			goto fail;
		/* signals go to the main thread: the helpers start with them blocked */
		sigset_t all, old;
		sigfillset(&all);
		pthread_sigmask(SIG_BLOCK, &all, &old);
		int rc = pthread_create(&g->th, NULL, helper_main, g);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (rc != 0) {
			err = ds_error_set(DS_ERROR, "cannot start an ingest thread");
			goto fail;
		}
		g->started = 1;
	}
	return 0;
fail:
	helpers_stop(d);
	return err;
}

/* Ingests every queued file; returns < 0 only when the catalog fails. */
static int drain(struct daemon *d)
{
	struct ds_inbox_outcome o;
	int err;

	while (!STOPPING()) {
		if (RELOADING())
			reload(d);
		/* the helpers are woken only when there is work: an idle kick
		 * would cost them a claim and the main loop a wake-up */
		int64_t queued = 0;
		if (d->nhelpers &&
		    ds_catalog_job_count(d->h->catalog, DS_JOB_INGEST, DS_JOB_QUEUED, &queued) == 0 &&
		    queued > 0)
			helpers_kick();
		if ((err = ds_inbox_run_one(d->ib, &o)) < 0) {
			ds_cli_log(DS_LOG_ERR, "catalog: %s", ds_error_last());
			return err;
		}
		if (o.result == DS_INBOX_NONE)
			break;
		worker_state(d, "ingesting", o.name);
		count_outcome(d, &o);
		/* give a busy catalog or a full disk a moment */
		if (o.result == DS_INBOX_RETRY)
			usleep(200 * 1000);
		read_events(&d->w); /* keep the kernel's event queue short */
	}
	worker_state(d, STOPPING() ? "stopping" : "idle", NULL);
	return 0;
}

static int queued_ingest(struct daemon *d)
{
	int64_t q = 0, r = 0;
	if (ds_catalog_job_count(d->h->catalog, DS_JOB_INGEST, DS_JOB_QUEUED, &q) < 0 ||
	    ds_catalog_job_count(d->h->catalog, DS_JOB_INGEST, DS_JOB_RUNNING, &r) < 0)
		return 1;
	return q + r > 0;
}

static int run(struct daemon *d)
{
	int err;
	int64_t next_list;

	if (load_settings(d->h, &d->s, d->force_poll, d->jobs_opt) < 0 ||
	    dossierd_cp_start(&d->cp, d->h) < 0) {
		ds_cli_log(DS_LOG_ERR, "%s", ds_error_last());
		return DS_EXIT_FAIL;
	}
	ds_cli_log_set_level(d->s.level);
	if ((err = take_lock(d)) < 0) {
		ds_cli_log(DS_LOG_ERR, "%s", ds_error_last());
		return ds_cli_exit_code(err);
	}
	if ((err = open_inbox(d)) < 0) {
		ds_cli_log(DS_LOG_ERR, "%s", ds_error_last());
		return ds_cli_exit_code(err);
	}
	ds_catalog_worker_clear(d->h->catalog, 0);
	/* a stop in the middle of anything is finished here */
	if (ds_inbox_recover(d->ib) < 0)
		ds_cli_log(DS_LOG_ERR, "recovery: %s", ds_error_last());
	if ((err = dossierd_ocr_start(&d->ocr, d->h, d->s.ocr, (int)d->s.jobs, d->once)) < 0) {
		ds_cli_log(DS_LOG_ERR, "OCR: %s", ds_error_last());
		return ds_cli_exit_code(err);
	}
	if ((err = helpers_start(d)) < 0) {
		ds_cli_log(DS_LOG_ERR, "ingest threads: %s", ds_error_last());
		dossierd_ocr_finish(d->ocr, 0);
		dossierd_ocr_free(d->ocr);
		d->ocr = NULL;
		return ds_cli_exit_code(err);
	}
	if (!d->once)
		watch_open(&d->w);
	ds_cli_log(DS_LOG_NOTICE, "watching %s (%s%s), OCR %s, %ld ingest thread%s", d->s.inbox,
		   d->once ? "once" : d->w.ifd >= 0 ? "inotify" : "polling",
		   d->s.remove_done ? ", ingested files removed" : "",
		   d->s.ocr ? "on" : "off", d->s.ingest_threads,
		   d->s.ingest_threads == 1 ? "" : "s");
	worker_state(d, "idle", NULL);
	list_folder(&d->w);

	while (!STOPPING()) {
		if (RELOADING())
			reload(d);
		if ((err = drain(d)) < 0)
			break;
		pthread_mutex_lock(&ingest_mu);
		err = ingest_failed;
		pthread_mutex_unlock(&ingest_mu);
		if (err < 0)
			break;
		if (STOPPING())
			break;
		if (d->once && d->w.unsettled == 0 && !queued_ingest(d))
			break;
		/* sleep until an event, a signal, or the next listing */
		int64_t now = mono_ms();
		long every = (d->w.ifd >= 0 && !d->w.unsettled) ? d->s.rescan_ms : d->s.poll_ms;
		if (d->w.unsettled && d->s.settle_ms < every)
			every = d->s.settle_ms > 50 ? d->s.settle_ms / 2 : 25;
		next_list = d->w.last_list_ms + every;
		int64_t wake = next_list < dossierd_cp_due_ms(d->cp) ? next_list : dossierd_cp_due_ms(d->cp);
		int timeout = wake > now ? (int)(wake - now) : 0;
		struct pollfd pf[2] = { { .fd = wake_pipe[0], .events = POLLIN },
					{ .fd = d->w.ifd, .events = POLLIN } };
		int np = d->w.ifd >= 0 ? 2 : 1;
		if (poll(pf, (nfds_t)np, timeout) < 0 && errno != EINTR) {
			ds_cli_log(DS_LOG_ERR, "poll: %s", strerror(errno));
			break;
		}
		if (pf[0].revents & POLLIN) {
			char b[64];
			while (read(wake_pipe[0], b, sizeof(b)) > 0)
				;
		}
		if (np == 2 && (pf[1].revents & POLLIN))
			read_events(&d->w);
		if (__atomic_exchange_n(&requeue_busy, 0, __ATOMIC_RELAXED)) {
			/* a file queued was found open for writing: settle all anew */
			for (size_t i = 0; i < d->w.nseen; i++) {
				d->w.seen[i].queued = 0;
				d->w.seen[i].changed_ms = mono_ms();
			}
			d->w.unsettled++;
			next_list = 0;
		}
		if (mono_ms() >= next_list) {
			if (!d->once && d->w.ifd < 0 && !d->s.poll)
				watch_open(&d->w); /* the inbox may be back */
			list_folder(&d->w);
		}
		dossierd_cp_tick(d->cp, 0);
	}

	helpers_stop(d);
	/* --once: the OCR the ingests caused */
	dossierd_ocr_finish(d->ocr, STOPPING() ? 0 : d->once);
	dossierd_ocr_free(d->ocr);
	d->ocr = NULL;
	/* --once: what this run recorded is pinned before it ends */
	if (d->once && !STOPPING() && err >= 0)
		dossierd_cp_tick(d->cp, 1);
	dossierd_cp_free(d->cp);
	d->cp = NULL;
	ds_catalog_worker_clear(d->h->catalog, getpid());
	ds_cli_log(DS_LOG_NOTICE, "%s: %zu ingested, %zu rejected, %zu retries",
		   STOPPING() ? "stopped" : "done", d->ingested, d->rejected, d->retried);
	if (err < 0)
		return ds_cli_exit_code(err);
	if (d->once && !STOPPING()) {
		struct ds_inbox_entry *e = NULL;
		size_t n = 0;
		int64_t pending = 0;
		struct ds_inbox_file *rows = NULL;
		size_t nrows = 0;
		if (ds_inbox_list(d->ib, &e, &n) == 0 && n) {
			ds_cli_log(DS_LOG_ERR, "%zu file%s still in the inbox (first: %s)", n,
				   n == 1 ? "" : "s", e[0].name);
			pending = 1;
		}
		free(e);
		if (ds_catalog_inbox_pending(d->h->catalog, &rows, &nrows) == 0 && nrows)
			pending = 1;
		free(rows);
		if (pending)
			return DS_EXIT_FAIL;
	}
	return DS_EXIT_OK;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = { { "home", required_argument, NULL, 'H' },
					      { "once", no_argument, NULL, 'o' },
					      { "jobs", required_argument, NULL, 'j' },
					      { "poll", no_argument, NULL, 'p' },
					      { "help", no_argument, NULL, 'h' },
					      { "version", no_argument, NULL, 'V' },
					      { 0 } };
	struct daemon d;
	struct sigaction sa;
	const char *fixed, *fault;
	int c, rc;
	int64_t t;

	ds_cli_omp_thread_limit(argv);
	memset(&d, 0, sizeof(d));
	d.lock_fd = -1;
	d.w.ifd = -1;
	d.w.wd = -1;
	d.cli.verb = "dossierd";
	d.cli.home_dir = getenv("DOSSIER_HOME");
	ds_cli_getopt_reset();
	while ((c = ds_cli_getopt(&d.cli, argc, argv, "h", opts)) != -1) {
		switch (c) {
		case 'H': d.cli.home_dir = optarg; break;
		case 'o': d.once = 1; break;
		case 'p': d.force_poll = 1; break;
		case 'j': {
			long long v;
			if (ds_cli_opt_int(&d.cli, "--jobs", optarg, 1, 64, &v) != 0)
				return DS_EXIT_USAGE;
			d.jobs_opt = (long)v;
			break;
		}
		case 'h':
			ds_cli_opts_dump();
			printf("%s\n%s", usage_text, help_text);
			return 0;
		case 'V': printf("dossierd %s\n", DS_VERSION); return 0;
		default: fputs(usage_text, stderr); return DS_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fputs(usage_text, stderr);
		return DS_EXIT_USAGE;
	}
	if (!d.cli.home_dir || !*d.cli.home_dir)
		d.cli.home_dir = ".";
	if ((fixed = getenv("DOSSIER_NOW")) && ds_time_parse(fixed, &t) == 0)
		ds_clock_fix(t);
	if ((fault = getenv("DS_FAULT")))
		ds_fault_configure(fault);
	ds_cli_log_setup(DS_LOG_INFO, getenv("JOURNAL_STREAM") != NULL);

	if (pipe2(wake_pipe, O_NONBLOCK | O_CLOEXEC) != 0) {
		fprintf(stderr, "dossierd: pipe: %s\n", strerror(errno));
		return DS_EXIT_SOFTWARE;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* the inbox asks for a read lease to learn whether a local writer holds
	 * a file open; a lease broken meanwhile is signalled with SIGIO */
	signal(SIGIO, SIG_IGN);

	/* not ds_cli_open_home: the daemon's events keep its own actor ([daemon] actor) */
	if ((rc = ds_home_open(&d.h, d.cli.home_dir)) < 0) {
		ds_cli_log(DS_LOG_ERR, "%s", ds_error_last());
		return ds_cli_exit_code(rc);
	}
	rc = run(&d);
	dossierd_cp_free(d.cp); /* run() frees it on its way out; not on an early return */
	watch_close(&d.w);
	free(d.w.seen);
	ds_inbox_free(d.ib);
	ds_home_free(d.h);
	if (d.lock_fd >= 0)
		close(d.lock_fd);
	close(wake_pipe[0]);
	close(wake_pipe[1]);
	return rc;
}
