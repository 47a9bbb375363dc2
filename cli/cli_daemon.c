/* Shared pieces of dossierd and `dossier status`. */
#include "cli_daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "dossier/error.h"
#include "dossier/fs.h"

int ds_cli_daemon_inbox(const ds_home *h, char *out, size_t n)
{
	const char *dir = ds_config_get(h->config, "daemon", "inbox", "inbox");
	if (!*dir)
		dir = "inbox";
	if (dir[0] == '/')
		return ds_fmt(out, n, "%s", dir);
	return ds_home_path(h, dir, out, n); /* relative paths are under the home */
}

int ds_cli_daemon_lock_path(const ds_home *h, char *out, size_t n)
{
	return ds_home_path(h, "dossierd.lock", out, n);
}

int ds_cli_daemon_running(const ds_home *h, pid_t *pid)
{
	char path[DS_PATH_MAX], buf[32];
	int fd, running = 0;
	ssize_t k;

	*pid = 0;
	if (ds_cli_daemon_lock_path(h, path, sizeof(path)) < 0)
		return 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return 0;
	if (flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK)
		running = 1;
	if (running && (k = pread(fd, buf, sizeof(buf) - 1, 0)) > 0) {
		buf[k] = 0;
		*pid = (pid_t)strtol(buf, NULL, 10);
	}
	close(fd);
	return running;
}

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static enum ds_log_level log_max = DS_LOG_INFO;
static int log_journal;

static const char *const level_names[] = { [DS_LOG_ERR] = "err", [DS_LOG_WARNING] = "warning",
					   [DS_LOG_NOTICE] = "notice", [DS_LOG_INFO] = "info",
					   [DS_LOG_DEBUG] = "debug" };

void ds_cli_log_setup(enum ds_log_level max, int journal)
{
	log_max = max;
	log_journal = journal;
}

void ds_cli_log_set_level(enum ds_log_level max)
{
	log_max = max;
}

int ds_cli_log_level_parse(const char *s, enum ds_log_level *out)
{
	for (int i = DS_LOG_ERR; i <= DS_LOG_DEBUG; i++)
		if (s && strcmp(s, level_names[i]) == 0) {
			*out = (enum ds_log_level)i;
			return 0;
		}
	if (s && strcmp(s, "error") == 0) {
		*out = DS_LOG_ERR;
		return 0;
	}
	return ds_error_set(DS_EINVALID, "log level '%s': use err, warning, notice, info or debug",
			    s ? s : "");
}

void ds_cli_log_line(void *arg, enum ds_log_level lv, const char *raw)
{
	char when[32] = "", line[8192];
	(void)arg;
	if (lv > log_max || lv < DS_LOG_ERR)
		return;
	/* lines name files from the inbox, sidecars' contents, libraries'
	 * messages: escaped here, once, whoever wrote them */
	ds_text_escape(line, sizeof(line), raw);
	pthread_mutex_lock(&log_mu);
	if (log_journal) {
		fprintf(stderr, "<%d>%s\n", (int)lv, line);
	} else {
		/* for people: the site's zone, offset written */
		ds_cli_time_at((int64_t)time(NULL), when, sizeof(when));
		fprintf(stderr, "%s dossierd[%ld] %s: %s\n", when, (long)getpid(), level_names[lv],
			line);
	}
	fflush(stderr);
	pthread_mutex_unlock(&log_mu);
}

void ds_cli_log(enum ds_log_level lv, const char *fmt, ...)
{
	char line[2048];
	va_list ap;

	if (lv > log_max)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap); /* a long line is cut, never overrun */
	va_end(ap);
	ds_cli_log_line(NULL, lv, line);
}

int ds_cli_worker_set(ds_catalog *c, const char *name, const char *state, const char *job)
{
	struct ds_worker w;
	memset(&w, 0, sizeof(w));
	snprintf(w.name, sizeof(w.name), "%s", name);
	w.pid = getpid();
	snprintf(w.state, sizeof(w.state), "%s", state);
	snprintf(w.job, sizeof(w.job), "%s", job ? job : "");
	return ds_catalog_worker_set(c, &w);
}
