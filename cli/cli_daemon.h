/* Shared by dossierd and `dossier status`: where the inbox and the lock
 * are, and the daemon's log lines. */
#ifndef DOSSIER_CLI_DAEMON_H
#define DOSSIER_CLI_DAEMON_H

#include <stddef.h>
#include <sys/types.h>

#include "dossier/catalog_daemon.h"
#include "dossier/home.h"
#include "dossier/inbox.h"

/* [daemon] inbox, else HOME/inbox. */
int ds_cli_daemon_inbox(const ds_home *h, char *out, size_t n);

/* HOME/dossierd.lock */
int ds_cli_daemon_lock_path(const ds_home *h, char *out, size_t n);

/* Whether a dossierd holds the lock of this home; *pid from the lock file
 * (0 when unknown). */
int ds_cli_daemon_running(const ds_home *h, pid_t *pid);

/* This process's row `name` in the workers table (`dossier status`):
 * state and the job in hand (NULL: none). As ds_catalog_worker_set. */
int ds_cli_worker_set(ds_catalog *c, const char *name, const char *state, const char *job);

/* Log lines on stderr, one per event: with a syslog "<N>" prefix when
 * stderr is the journal (JOURNAL_STREAM set), otherwise with the UTC time
 * and the level's name. Thread-safe. */
void ds_cli_log_setup(enum ds_log_level max, int journal);
void ds_cli_log_set_level(enum ds_log_level max);
void ds_cli_log(enum ds_log_level lv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The shape of ds_inbox_opts.log. */
void ds_cli_log_line(void *arg, enum ds_log_level lv, const char *line);
/* "err", "warning", "notice", "info", "debug" → level; DS_EINVALID otherwise. */
int ds_cli_log_level_parse(const char *s, enum ds_log_level *out);

#endif
