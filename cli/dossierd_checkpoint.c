/* dossierd's unattended seal-log checkpoints ([seal_log] checkpoint_every).
 *
 * Every checkpoint_every seconds, when something was sealed or an event
 * recorded since the latest checkpoint, the daemon signs one with the log's
 * own key (pki/log.key under its own passphrase, `dossier pki log-key`),
 * the passphrase read from [seal_log] passphrase_file, a file only the
 * daemon's user may read. It never opens pki/root.key or any other key: the
 * log key signs checkpoints and nothing else. [seal_log] publish_dir gets a
 * copy of each new checkpoint. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cli_daemon.h"
#include "cli_seallog.h"
#include "dossier/catalog_seallog.h"
#include "dossier/clock.h"
#include "dossier/config.h"
#include "dossier/error.h"
#include "dossier/fs.h"
#include "dossier/seallog.h"
#include "dossierd.h"

struct dossierd_cp {
	ds_home *h;
	long every_s;            /* 0: off */
	char pass_file[DS_PATH_MAX];
	char publish_dir[DS_PATH_MAX]; /* "" : none */
	int64_t next_ms;         /* monotonic time of the next attempt */
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int configure(struct dossierd_cp *cp)
{
	const char *pf;
	int err;

	if ((err = ds_config_get_int(cp->h->config, "seal_log", "checkpoint_every", 3600, 0,
				     31L * 86400, &cp->every_s)) < 0)
		return err;
	cp->pass_file[0] = '\0';
	pf = ds_config_get(cp->h->config, "seal_log", "passphrase_file", "");
	if (*pf && (err = ds_fmt(cp->pass_file, sizeof cp->pass_file, "%s", pf)) < 0)
		return err;
	cp->publish_dir[0] = '\0';
	pf = ds_config_get(cp->h->config, "seal_log", "publish_dir", "");
	if (*pf && (err = ds_fmt(cp->publish_dir, sizeof cp->publish_dir, "%s", pf)) < 0)
		return err;
	cp->next_ms = now_ms() + cp->every_s * 1000;
	return 0;
}

int dossierd_cp_start(struct dossierd_cp **out, ds_home *h)
{
	struct dossierd_cp *cp = calloc(1, sizeof *cp);
	int err;

	*out = NULL;
	if (cp == NULL)
		return ds_error_set(DS_ENOMEM, "out of memory");
	cp->h = h;
	if ((err = configure(cp)) < 0) {
		free(cp);
		return err;
	}
	*out = cp;
	return 0;
}

int dossierd_cp_configure(struct dossierd_cp *cp)
{
	return cp ? configure(cp) : 0;
}

int64_t dossierd_cp_due_ms(const struct dossierd_cp *cp)
{
	if (cp == NULL || cp->every_s == 0 || cp->pass_file[0] == '\0')
		return INT64_MAX;
	return cp->next_ms;
}

/* Whether anything was sealed or recorded since the latest checkpoint
 * (other than the events that record checkpoints). */
static int anything_new(ds_catalog *c, int *yes)
{
	struct ds_seallog_checkpoint_row *row = malloc(sizeof *row);
	uint64_t size = 0, newer = 0;
	int err;

	*yes = 1;
	if (row == NULL)
		return ds_error_set(DS_ENOMEM, "out of memory");
	err = ds_catalog_seallog_checkpoint_latest(c, row);
	if (err == DS_ENOTFOUND) {
		ds_error_clear();
		err = 0; /* none yet: one is due */
		goto done;
	}
	if (err < 0 || (err = ds_catalog_seallog_size(c, &size)) < 0)
		goto done;
	if (!row->has_events || size != row->size)
		goto done;
	if ((err = ds_catalog_event_count_after(c, (int64_t)row->events, "log_checkpoint",
						&newer)) < 0)
		goto done;
	*yes = newer > 0;
done:
	free(row);
	return err;
}

/* The passphrase file must be the daemon user's alone: a regular file it
 * owns, no access for group or others. */
static int pass_file_ok(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return ds_error_set_errno(errno == ENOENT ? DS_ENOTFOUND : DS_EIO, errno,
					  "[seal_log] passphrase_file %s", path);
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077) != 0)
		return ds_error_set(DS_EPERM, "[seal_log] passphrase_file %s: must be a file of "
				    "dossierd's user (uid %u) readable by it alone (mode 0600); it is "
				    "uid %u mode %03o", path, (unsigned)geteuid(), (unsigned)st.st_uid,
				    (unsigned)(st.st_mode & 0777));
	return 0;
}

void dossierd_cp_tick(struct dossierd_cp *cp, int force)
{
	ds_seallog_key *key = NULL;
	struct ds_checkpoint out;
	char *note = NULL, detail[256], hex[65];
	int err, yes = 0;

	if (dossierd_cp_due_ms(cp) == INT64_MAX || (!force && now_ms() < cp->next_ms))
		return;
	cp->next_ms = now_ms() + cp->every_s * 1000;
	if ((err = anything_new(cp->h->catalog, &yes)) < 0 || !yes)
		goto done;
	if ((err = pass_file_ok(cp->pass_file)) < 0 ||
	    (err = ds_cli_seallog_load_private(cp->h, cp->pass_file, &key)) < 0 ||
	    (err = ds_seallog_checkpoint(cp->h->catalog, key, ds_cli_seallog_origin(cp->h), ds_now(),
					 &note, &out)) < 0)
		goto done;
	ds_hex(out.root.b, sizeof out.root.b, hex);
	if ((err = ds_fmt(detail, sizeof detail, "size %llu root %s events %llu",
			  (unsigned long long)out.size, hex, (unsigned long long)out.events)) < 0 ||
	    (err = ds_catalog_event_add(cp->h->catalog, NULL,
					ds_config_get(cp->h->config, "daemon", "actor", "dossierd"),
					"log_checkpoint", detail)) < 0)
		goto done;
	ds_cli_log(DS_LOG_NOTICE, "seal log checkpoint: %llu leaves, events to %llu",
		   (unsigned long long)out.size, (unsigned long long)out.events);
	if (cp->publish_dir[0]) {
		/* a copy where the catalog's writers cannot reach it (another
		 * machine's share): what a rollback is later measured against */
		char path[DS_PATH_MAX], name[96];
		if (ds_fmt(name, sizeof name, "checkpoint-%llu-%llu", (unsigned long long)out.events,
			   (unsigned long long)out.size) < 0 ||
		    ds_path_join(path, sizeof path, cp->publish_dir, name) < 0 ||
		    ds_file_write_atomic(path, note, strlen(note), 0644) < 0)
			ds_cli_log(DS_LOG_ERR, "seal log checkpoint signed but not copied to "
				   "[seal_log] publish_dir: %s", ds_error_last());
		else
			ds_cli_log(DS_LOG_INFO, "seal log checkpoint copied to %s", path);
	}
done:
	if (err < 0)
		ds_cli_log(DS_LOG_ERR, "seal log checkpoint not signed: %s", ds_error_last());
	free(note);
	ds_seallog_key_free(key);
}

void dossierd_cp_free(struct dossierd_cp *cp)
{
	free(cp);
}
