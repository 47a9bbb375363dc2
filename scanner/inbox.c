/* The inbox: taking scan files, routing their pages to dossiers, and
 * moving them out only after the catalog has committed (see inbox.h). */
#include "dossier/inbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dossier/clock.h"
#include "dossier/error.h"
#include "dossier/fs.h"
#include "dossier/intake.h"
#include "dossier/qr.h"

struct ds_inbox {
	ds_catalog *c;
	ds_store *s;
	struct ds_inbox_opts o;
	char dir[DS_PATH_MAX];
	char done[DS_PATH_MAX];
	char rejected[DS_PATH_MAX];
	int pending_moves; /* a finalize failed: retry before the next job */
	/* files moved out whose rows are not marked moved yet: the folders are
	 * fsynced and the rows marked with the next commit (ds_inbox_flush), so
	 * that a busy inbox pays one commit and two folder fsyncs per batch,
	 * not per file. A crash before that is finished by the recovery. */
	int64_t *moved;
	size_t nmoved, capmoved;
	int moved_done, moved_rejected; /* which folders got files since */
};

/* Moves marked with the job's own commit once this many are waiting. */
#define MOVED_BATCH 64

/* ---- small helpers ---- */

/* The crash test's fixed points (DS_FAULT=daemon_kill_<where>:N): the
 * process dies there as under kill -9. Inert unless the test asks. */
static void crash_point(const char *where)
{
	if (ds_fault(where))
		raise(SIGKILL);
}

static void say(ds_inbox *ib, enum ds_log_level lv, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void say(ds_inbox *ib, enum ds_log_level lv, const char *fmt, ...)
{
	char line[2048];
	va_list ap;

	if (!ib->o.log)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap); /* a log line may be cut, never overrun */
	va_end(ap);
	ib->o.log(ib->o.log_arg, lv, line);
}

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcasecmp(s + a - b, suffix) == 0;
}

int ds_inbox_name_candidate(const char *name)
{
	static const char *const skip[] = { ".json", ".error.txt", ".part", ".tmp", ".crdownload",
					    ".partial", "~" };
	if (!name || !*name || name[0] == '.' || strchr(name, '/') ||
	    strlen(name) >= DS_INBOX_NAME_MAX)
		return 0;
	for (size_t i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
		if (ends_with(name, skip[i]))
			return 0;
	return 1;
}

int ds_inbox_new(ds_inbox **out, ds_catalog *c, ds_store *s, const struct ds_inbox_opts *opts)
{
	ds_inbox *ib = NULL;
	int err;

	*out = NULL;
	if (!opts || !opts->dir)
		return ds_error_set(DS_EINVALID, "inbox: no folder");
	if (!(ib = calloc(1, sizeof(*ib))))
		return ds_error_set(DS_ENOMEM, "out of memory");
	ib->c = c;
	ib->s = s;
	ib->o = *opts;
	if (!ib->o.actor)
		ib->o.actor = "dossierd";
	if (ib->o.max_attempts <= 0)
		ib->o.max_attempts = DS_INBOX_ATTEMPTS_DEFAULT;
	if (ib->o.max_interrupted <= 0)
		ib->o.max_interrupted = DS_INBOX_INTERRUPTED_DEFAULT;
	if ((err = ds_fmt(ib->dir, sizeof(ib->dir), "%s", opts->dir)) < 0 ||
	    (err = ds_path_join(ib->done, sizeof(ib->done), ib->dir, "done")) < 0 ||
	    (err = ds_path_join(ib->rejected, sizeof(ib->rejected), ib->dir, "rejected")) < 0)
		goto done;
	if ((err = ds_mkdirs(ib->done, 0750)) < 0 || (err = ds_mkdirs(ib->rejected, 0750)) < 0)
		goto done;
	*out = ib;
	ib = NULL; /* transferred */
done:
	free(ib);
	return err;
}

void ds_inbox_free(ds_inbox *ib)
{
	if (!ib)
		return;
	ds_inbox_flush(ib);
	free(ib->moved);
	free(ib);
}

/* Inside the caller's transaction: makes the moves durable and marks them. */
static int mark_moved(ds_inbox *ib)
{
	int err;

	if (!ib->nmoved)
		return 0;
	if ((err = ds_fsync_dir(ib->dir)) < 0 ||
	    (ib->moved_done && (err = ds_fsync_dir(ib->done)) < 0) ||
	    (ib->moved_rejected && (err = ds_fsync_dir(ib->rejected)) < 0))
		return err;
	for (size_t i = 0; i < ib->nmoved; i++)
		if ((err = ds_catalog_inbox_moved(ib->c, ib->moved[i])) < 0)
			return err;
	return 0;
}

int ds_inbox_flush(ds_inbox *ib)
{
	int err;

	if (!ib || !ib->nmoved)
		return 0;
	if ((err = ds_catalog_begin(ib->c)) < 0)
		return err;
	if ((err = mark_moved(ib)) < 0) {
		ds_catalog_rollback(ib->c);
		return err;
	}
	if ((err = ds_catalog_commit(ib->c)) < 0)
		return err;
	ib->nmoved = 0;
	ib->moved_done = ib->moved_rejected = 0;
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct ds_inbox_entry *)a)->name,
		      ((const struct ds_inbox_entry *)b)->name);
}

int ds_inbox_list(ds_inbox *ib, struct ds_inbox_entry **out, size_t *n)
{
	DIR *d = NULL;
	struct dirent *e;
	struct ds_inbox_entry *arr = NULL;
	size_t cnt = 0, cap = 0;
	int err = 0;

	*out = NULL;
	*n = 0;
	if (!(d = opendir(ib->dir)))
		return ds_error_set_errno(DS_EIO, errno, "%s: cannot read the inbox", ib->dir);
	while ((errno = 0, e = readdir(d))) {
		struct stat st;
		if (!ds_inbox_name_candidate(e->d_name))
			continue;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
		    S_ISDIR(st.st_mode))
			continue;
		if (cnt == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct ds_inbox_entry *na = realloc(arr, ncap * sizeof(*na));
			if (!na) {
				err = ds_error_set(DS_ENOMEM, "out of memory listing the inbox");
				goto done;
			}
			arr = na;
			cap = ncap;
		}
		memcpy(arr[cnt].name, e->d_name, strlen(e->d_name) + 1);
		arr[cnt].size = st.st_size;
		arr[cnt].mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
		cnt++;
	}
	if (errno) {
		err = ds_error_set_errno(DS_EIO, errno, "%s: cannot read the inbox", ib->dir);
		goto done;
	}
	if (cnt)
		qsort(arr, cnt, sizeof(*arr), cmp_entry);
	*out = arr;
	*n = cnt;
	arr = NULL; /* transferred */
done:
	free(arr);
	closedir(d);
	return err;
}

int ds_inbox_enqueue(ds_inbox *ib, const char *name, int *added)
{
	if (!ds_inbox_name_candidate(name))
		return ds_error_set(DS_EINVALID, "inbox: '%s' is not a scan file name", name);
	return ds_catalog_job_enqueue(ib->c, DS_JOB_INGEST, name, NULL, added);
}

/* ---- moving files out ---- */

static int exists_in(const char *dir, const char *name, const char *suffix)
{
	char p[DS_PATH_MAX];
	struct stat st;
	if (ds_fmt(p, sizeof(p), "%s/%s%s", dir, name, suffix) < 0)
		return 1; /* too long: never pick it */
	return lstat(p, &st) == 0;
}

/* A name under `dir` not used yet by a file, its .error.txt or its .json:
 * NAME, else STEM-1.EXT, STEM-2.EXT … (scanners reuse their file names). */
static int unique_dest(const char *dir, const char *name, char *out, size_t n)
{
	const char *dot = strrchr(name, '.');
	size_t stem = (dot && dot != name) ? (size_t)(dot - name) : strlen(name);
	int err;

	if ((err = ds_fmt(out, n, "%s", name)) < 0)
		return err;
	for (int i = 1; i <= 100000; i++) {
		if (!exists_in(dir, out, "") && !exists_in(dir, out, ".error.txt") &&
		    !exists_in(dir, out, ".json"))
			return 0;
		if ((err = ds_fmt(out, n, "%.*s-%d%s", (int)stem, name, i, name + stem)) < 0)
			return err;
	}
	return ds_error_set(DS_EEXISTS, "%s: no free name for %s", dir, name);
}

static int move_noreplace(const char *src, const char *dst)
{
	if (renameat2(AT_FDCWD, src, AT_FDCWD, dst, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno == EINVAL || errno == ENOSYS) { /* a file system without it */
		struct stat st;
		if (lstat(dst, &st) == 0)
			return ds_error_set(DS_EEXISTS, "%s: already exists", dst);
		if (rename(src, dst) == 0)
			return 0;
	}
	return ds_error_set_errno(DS_EIO, errno, "cannot move %s to %s", src, dst);
}

/* Whether the inbox file `path` still holds the bytes recorded. */
static int same_file(const char *path, const struct ds_inbox_file *f)
{
	char hex[65];
	struct stat st;

	if (lstat(path, &st) != 0)
		return 0;
	if (!f->sha256[0]) /* rejected before it could be hashed (a link, a device…) */
		return !S_ISREG(st.st_mode);
	if (!S_ISREG(st.st_mode) || ds_sha256_file_hex(path, hex) < 0)
		return 0;
	return strcmp(hex, f->sha256) == 0;
}

/* Takes the file recorded in `f` out of the inbox (idempotent: a crash
 * anywhere in here is finished by the next call), then marks it moved. */
static int finalize(ds_inbox *ib, const struct ds_inbox_file *f, int verify, int defer)
{
	const int rejected = strcmp(f->state, DS_INBOX_STATE_REJECTED) == 0;
	const char *sub = rejected ? ib->rejected : ib->done;
	char src[DS_PATH_MAX], dst[DS_PATH_MAX];
	struct stat st;
	int err;

	if ((err = ds_path_join(src, sizeof(src), ib->dir, f->name)) < 0)
		return err;
	if (rejected) {
		/* read with cat by the operator: the name and the reason escaped */
		char txt[DS_PATH_MAX], body[5 * DS_REASON_MAX + 8];
		char ename[4 * DS_INBOX_NAME_MAX], ereason[4 * DS_REASON_MAX];
		ds_text_escape(ename, sizeof(ename), f->name);
		ds_text_escape(ereason, sizeof(ereason), f->reason);
		if ((err = ds_fmt(txt, sizeof(txt), "%s/%s.error.txt", sub, f->dest)) < 0 ||
		    (err = ds_fmt(body, sizeof(body), "%s: %s\n", ename, ereason)) < 0 ||
		    (err = ds_file_write_atomic(txt, body, strlen(body), 0640)) < 0)
			return err;
	}
	/* the sidecar first: a sidecar is never seen in the inbox without its
	 * scan once the scan is taken (see ds_inbox_sidecars) */
	if (f->sidecar[0]) {
		char ssrc[DS_PATH_MAX], sdst[DS_PATH_MAX];
		if ((err = ds_path_join(ssrc, sizeof(ssrc), ib->dir, f->sidecar)) < 0)
			return err;
		if (lstat(ssrc, &st) == 0) {
			if (!rejected && !f->dest[0]) {
				if (unlink(ssrc) != 0)
					return ds_error_set_errno(DS_EIO, errno, "cannot remove %s", ssrc);
			} else if ((err = ds_fmt(sdst, sizeof(sdst), "%s/%s.json", sub, f->dest)) < 0 ||
				   ((err = move_noreplace(ssrc, sdst)) < 0 && err != DS_EEXISTS)) {
				return err;
			}
		}
	}
	if (lstat(src, &st) == 0 && (!verify || same_file(src, f))) {
		if (!rejected && !f->dest[0]) {
			if (unlink(src) != 0)
				return ds_error_set_errno(DS_EIO, errno, "cannot remove %s", src);
		} else {
			if ((err = ds_path_join(dst, sizeof(dst), sub, f->dest)) < 0 ||
			    (err = move_noreplace(src, dst)) < 0)
				return err;
		}
		crash_point("daemon_kill_after_move");
	}
	if (defer) {
		if (ib->nmoved == ib->capmoved) {
			size_t cap = ib->capmoved ? ib->capmoved * 2 : 64;
			int64_t *n = realloc(ib->moved, cap * sizeof(*n));
			if (!n)
				return ds_error_set(DS_ENOMEM, "out of memory");
			ib->moved = n;
			ib->capmoved = cap;
		}
		ib->moved[ib->nmoved++] = f->id;
		if (rejected)
			ib->moved_rejected = 1;
		else if (f->dest[0])
			ib->moved_done = 1;
		return 0;
	}
	if ((err = ds_fsync_dir(ib->dir)) < 0 || (err = ds_fsync_dir(sub)) < 0)
		return err;
	return ds_catalog_inbox_moved(ib->c, f->id);
}

int ds_inbox_finish_pending(ds_inbox *ib)
{
	struct ds_inbox_file *rows = NULL;
	size_t n = 0;
	int err, first = 0;

	if ((err = ds_catalog_inbox_pending(ib->c, &rows, &n)) < 0)
		return err;
	for (size_t i = 0; i < n; i++) {
		if ((err = finalize(ib, &rows[i], 1, 0)) < 0) {
			say(ib, DS_LOG_ERR, "%s: still in the inbox although %s: %s", rows[i].name,
			    rows[i].state, ds_error_last());
			if (!first)
				first = err;
			continue;
		}
		say(ib, DS_LOG_NOTICE, "%s: finished moving it out of the inbox (%s)", rows[i].name,
		    rows[i].state);
	}
	free(rows);
	return first;
}

int ds_inbox_recover(ds_inbox *ib)
{
	size_t n = 0;
	int err;

	if ((err = ds_catalog_jobs_recover(ib->c, DS_JOB_INGEST, &n)) < 0)
		return err;
	if (n)
		say(ib, DS_LOG_NOTICE, "resuming %zu ingest job%s interrupted by a stop", n,
		    n == 1 ? "" : "s");
	return ds_inbox_finish_pending(ib);
}

/* ---- files still being written ---- */

/* Whether a process on this machine holds the file open for writing:
 * 1 yes, 0 no, -1 cannot tell. A read lease is refused (EAGAIN) while
 * anyone has the file open for writing; it needs the file's owner (or
 * CAP_LEASE) and a local file system, and its break is signalled with
 * SIGIO, so it is tried only when SIGIO is not left to kill the process
 * (dossierd ignores it). Otherwise /proc/PID/fdinfo tells, for the
 * processes whose descriptors we may look at. */
static int writer_open(int fd, const struct stat *st)
{
	struct sigaction sa;
	DIR *proc = NULL;
	struct dirent *pe;
	int found = 0;

	if (sigaction(SIGIO, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN) {
		if (fcntl(fd, F_SETLEASE, F_RDLCK) == 0) {
			fcntl(fd, F_SETLEASE, F_UNLCK);
			return 0;
		}
		if (errno == EAGAIN)
			return 1;
	}
	if (!(proc = opendir("/proc")))
		return -1;
	while (!found && (pe = readdir(proc))) {
		char dpath[64], lpath[96], ipath[96], buf[256];
		DIR *fds;
		struct dirent *fe;
		if (pe->d_name[0] < '1' || pe->d_name[0] > '9')
			continue;
		if (ds_fmt(dpath, sizeof(dpath), "/proc/%s/fd", pe->d_name) < 0 || !(fds = opendir(dpath)))
			continue;
		while (!found && (fe = readdir(fds))) {
			struct stat ls;
			ssize_t k;
			int ifd;
			if (fe->d_name[0] < '0' || fe->d_name[0] > '9')
				continue;
			if (ds_fmt(lpath, sizeof(lpath), "%s/%s", dpath, fe->d_name) < 0 ||
			    stat(lpath, &ls) != 0 || ls.st_dev != st->st_dev || ls.st_ino != st->st_ino)
				continue;
			if (ds_fmt(ipath, sizeof(ipath), "/proc/%s/fdinfo/%s", pe->d_name, fe->d_name) < 0 ||
			    (ifd = open(ipath, O_RDONLY | O_CLOEXEC)) < 0)
				continue;
			k = read(ifd, buf, sizeof(buf) - 1);
			close(ifd);
			if (k <= 0)
				continue;
			buf[k] = 0;
			const char *fl = strstr(buf, "flags:");
			if (fl) {
				unsigned long flags = strtoul(fl + 6, NULL, 8);
				if ((flags & O_ACCMODE) != O_RDONLY)
					found = 1;
			}
		}
		closedir(fds);
	}
	closedir(proc);
	return found;
}

int ds_inbox_writing(ds_inbox *ib, const char *name)
{
	char path[DS_PATH_MAX];
	struct stat st;
	int fd, r;

	if (ds_path_join(path, sizeof(path), ib->dir, name) < 0)
		return -1;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)) < 0)
		return -1;
	r = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? writer_open(fd, &st) : -1;
	close(fd);
	return r;
}

/* ---- sidecars without a scan ---- */

/* Whether `entry` may be the scan a sidecar for `base` (its name without
 * .json) came with: named `base`, or `base.ANYTHING` (scan.tif, and
 * scan.tif.part while it is on its way). */
static int scan_of(const char *entry, const char *base)
{
	size_t bl = strlen(base);
	if (ends_with(entry, ".json"))
		return 0;
	return strncmp(entry, base, bl) == 0 && (entry[bl] == 0 || entry[bl] == '.');
}

int ds_inbox_sidecars(ds_inbox *ib, int64_t now_ns, size_t *waiting, size_t *rejected)
{
	DIR *d = NULL;
	struct dirent *e;
	char (*names)[DS_INBOX_NAME_MAX] = NULL;
	size_t n = 0, cap = 0;
	int err = 0;

	*waiting = 0;
	if (rejected)
		*rejected = 0;
	if (!(d = opendir(ib->dir)))
		return ds_error_set_errno(DS_EIO, errno, "%s: cannot read the inbox", ib->dir);
	while ((errno = 0, e = readdir(d))) {
		if (e->d_name[0] == '.' || strlen(e->d_name) >= DS_INBOX_NAME_MAX)
			continue;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			char(*nn)[DS_INBOX_NAME_MAX] = realloc(names, nc * sizeof(*nn));
			if (!nn) {
				err = ds_error_set(DS_ENOMEM, "out of memory listing the inbox");
				goto done;
			}
			names = nn;
			cap = nc;
		}
		memcpy(names[n++], e->d_name, strlen(e->d_name) + 1);
	}
	for (size_t i = 0; i < n; i++) {
		char base[DS_INBOX_NAME_MAX], path[DS_PATH_MAX];
		struct stat st;
		size_t bl = strlen(names[i]);
		int has = 0;
		if (bl <= 5 || !ends_with(names[i], ".json"))
			continue;
		memcpy(base, names[i], bl - 5);
		base[bl - 5] = 0;
		for (size_t k = 0; k < n && !has; k++)
			has = scan_of(names[k], base);
		if (has)
			continue;
		if (ds_path_join(path, sizeof(path), ib->dir, names[i]) < 0 ||
		    fstatat(dirfd(d), names[i], &st, AT_SYMLINK_NOFOLLOW) != 0 || S_ISDIR(st.st_mode))
			continue;
		int64_t age_ms = (now_ns - ((int64_t)st.st_mtim.tv_sec * 1000000000 +
					    st.st_mtim.tv_nsec)) / 1000000;
		if (age_ms < ib->o.settle_ms) {
			(*waiting)++;
			continue;
		}
		/* alone for longer than a scan takes to settle: it would route the
		 * next scan of that name, whoever's it is */
		struct ds_inbox_file f;
		memset(&f, 0, sizeof(f));
		memcpy(f.name, names[i], bl + 1);
		memcpy(f.state, DS_INBOX_STATE_REJECTED, sizeof(DS_INBOX_STATE_REJECTED));
		f.size = st.st_size;
		f.at = ds_now();
		if ((err = ds_fmt(f.reason, sizeof(f.reason),
				  "a sidecar without its scan: no %s nor %s.* came within %lld ms",
				  base, base, (long long)ib->o.settle_ms)) < 0 ||
		    (err = unique_dest(ib->rejected, f.name, f.dest, sizeof(f.dest))) < 0)
			goto done;
		if ((err = ds_catalog_begin(ib->c)) < 0)
			goto done;
		if ((err = ds_catalog_inbox_add(ib->c, &f, &f.id)) < 0) {
			ds_catalog_rollback(ib->c);
			goto done;
		}
		if ((err = ds_catalog_commit(ib->c)) < 0)
			goto done;
		say(ib, DS_LOG_WARNING, "%s: rejected: %s", f.name, f.reason);
		if (rejected)
			(*rejected)++;
		if (finalize(ib, &f, 0, 1) < 0) {
			say(ib, DS_LOG_ERR, "%s: rejected but not moved: %s", f.name, ds_error_last());
			ib->pending_moves = 1;
		}
	}
done:
	free(names);
	closedir(d);
	return err;
}

/* ---- one file ---- */

struct job_ctx {
	ds_inbox *ib;
	struct ds_job job;
	struct ds_inbox_outcome *out;
	char pname[DS_INBOX_NAME_MAX];
	char sha256[65];
	int64_t size;
	char sidecar[DS_INBOX_NAME_MAX];
	/* per page: the dossier code of a receipt, "" for an ordinary page */
	char (*codes)[DS_CODE_MAX];
	size_t ncodes;
	int stopped;
};

/* The error message, with the /proc/self/fd path we read through replaced
 * by the file's name wherever it appears (libtiff repeats it). */
static void reason_from_error(struct job_ctx *x, const char *fdpath, char *out, size_t n)
{
	const char *m = ds_error_last(), *hit;
	size_t k = strlen(fdpath), o = 0;

	out[0] = 0;
	while (*m && o + 1 < n) {
		size_t take;
		if (k && (hit = strstr(m, fdpath)) != NULL)
			take = (size_t)(hit - m);
		else
			take = strlen(m), hit = NULL;
		if (take > n - 1 - o)
			take = n - 1 - o;
		memcpy(out + o, m, take);
		o += take;
		m += take;
		out[o] = 0;
		if (hit && m == hit) {
			size_t pl = strlen(x->pname);
			if (pl > n - 1 - o)
				pl = n - 1 - o;
			memcpy(out + o, x->pname, pl);
			o += pl;
			out[o] = 0;
			m += k;
		}
	}
}

static int reject(struct job_ctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int reject(struct job_ctx *x, const char *fmt, ...)
{
	ds_inbox *ib = x->ib;
	struct ds_inbox_file f;
	va_list ap;
	int err;

	memset(&f, 0, sizeof(f));
	va_start(ap, fmt);
	vsnprintf(f.reason, sizeof(f.reason), fmt, ap);
	va_end(ap);
	memcpy(f.name, x->job.subject, sizeof(f.name));
	memcpy(f.sha256, x->sha256, sizeof(f.sha256));
	memcpy(f.state, DS_INBOX_STATE_REJECTED, sizeof(DS_INBOX_STATE_REJECTED));
	memcpy(f.sidecar, x->sidecar, sizeof(f.sidecar));
	f.size = x->size;
	f.at = ds_now();
	if ((err = unique_dest(ib->rejected, f.name, f.dest, sizeof(f.dest))) < 0)
		return err;
	if ((err = ds_catalog_begin(ib->c)) < 0)
		return err;
	int marked = ib->nmoved >= MOVED_BATCH;
	if ((marked && (err = mark_moved(ib)) < 0) || (err = ds_catalog_inbox_add(ib->c, &f, &f.id)) < 0 ||
	    (err = ds_catalog_job_finish(ib->c, x->job.id, DS_JOB_FAILED, f.reason)) < 0) {
		ds_catalog_rollback(ib->c);
		return err;
	}
	if ((err = ds_catalog_commit(ib->c)) < 0)
		return err;
	if (marked) {
		ib->nmoved = 0;
		ib->moved_done = ib->moved_rejected = 0;
	}
	crash_point("daemon_kill_after_reject_commit");
	x->out->result = DS_INBOX_REJECTED;
	memcpy(x->out->reason, f.reason, sizeof(f.reason));
	say(ib, DS_LOG_WARNING, "%s: rejected: %s", x->pname, f.reason);
	if (finalize(ib, &f, 0, 1) < 0) {
		say(ib, DS_LOG_ERR, "%s: rejected but not moved: %s", x->pname, ds_error_last());
		ib->pending_moves = 1;
	}
	return 0;
}

/* A transient failure: back in the queue, the attempt counted. */
static int retry(struct job_ctx *x, const char *why)
{
	int err = ds_catalog_job_requeue(x->ib->c, x->job.id, 0, why);
	x->out->result = DS_INBOX_RETRY;
	snprintf(x->out->reason, sizeof(x->out->reason), "%s", why);
	say(x->ib, DS_LOG_WARNING, "%s: will retry (attempt %d of %d): %s", x->pname,
	    x->job.attempts, x->ib->o.max_attempts, why);
	return err;
}

static int transient(int err)
{
	return err == DS_ENOMEM || err == DS_EIO || err == DS_EBUSY || err == DS_ERROR;
}

static int on_page(void *arg, size_t page_index, size_t file_index, struct Pix *pix)
{
	struct job_ctx *x = arg;
	int err;

	(void)file_index;
	crash_point("daemon_kill_mid_ingest");
	if (x->ib->o.stop && __atomic_load_n(x->ib->o.stop, __ATOMIC_RELAXED)) {
		x->stopped = 1;
		return ds_error_set(DS_EBUSY, "stopping");
	}
	if (page_index >= x->ncodes) {
		size_t ncap = x->ncodes ? x->ncodes * 2 : 16;
		char(*nc)[DS_CODE_MAX];
		while (ncap <= page_index)
			ncap *= 2;
		if (!(nc = realloc(x->codes, ncap * sizeof(*nc))))
			return ds_error_set(DS_ENOMEM, "out of memory");
		memset(nc + x->ncodes, 0, (ncap - x->ncodes) * sizeof(*nc));
		x->codes = nc;
		x->ncodes = ncap;
	}
	err = ds_qr_page_code(x->codes[page_index], DS_CODE_MAX, pix);
	if (err == DS_ENOTFOUND) {
		x->codes[page_index][0] = 0;
		return 0;
	}
	if (err < 0) {
		char m[512];
		snprintf(m, sizeof(m), "%s", ds_error_last());
		return ds_error_set(err, "page %zu: %s", page_index + 1, m);
	}
	return 0;
}

/* The sidecar of `name` if there is one (NAME.json, else STEM.json): its
 * name into out (else ""). Looked for before anything else is done with
 * the scan, so that whatever becomes of the scan, its sidecar goes with it
 * (a sidecar left behind would route the next scan of the same name). */
static void find_sidecar(ds_inbox *ib, const char *name, char out[DS_INBOX_NAME_MAX])
{
	const char *dot = strrchr(name, '.');
	char cand[2][DS_INBOX_NAME_MAX], path[DS_PATH_MAX];
	struct stat st;

	out[0] = 0;
	if (ds_fmt(cand[0], sizeof(cand[0]), "%s.json", name) < 0)
		cand[0][0] = 0;
	if (!dot || dot == name || ds_fmt(cand[1], sizeof(cand[1]), "%.*s.json",
					  (int)(dot - name), name) < 0)
		cand[1][0] = 0;
	for (int i = 0; i < 2; i++) {
		if (!cand[i][0] || ds_path_join(path, sizeof(path), ib->dir, cand[i]) < 0 ||
		    lstat(path, &st) != 0)
			continue;
		memcpy(out, cand[i], DS_INBOX_NAME_MAX);
		return;
	}
}

/* Reads the sidecar found by find_sidecar, if any. */
static int read_sidecar(struct job_ctx *x, struct ds_sidecar *sc, int *have)
{
	ds_inbox *ib = x->ib;
	const char *side = x->sidecar;
	char path[DS_PATH_MAX];
	unsigned char *buf = NULL;
	size_t len = 0;
	int err = 0, fd = -1;
	ssize_t k;
	struct stat st;

	*have = 0;
	if (!side[0])
		return 0;
	*have = 1;
	if ((err = ds_path_join(path, sizeof(path), ib->dir, side)) < 0)
		goto done;
	if (lstat(path, &st) != 0) {
		err = ds_error_set(DS_EINVALID, "sidecar %s: removed while its scan was read", side);
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		err = ds_error_set(DS_EINVALID, "sidecar %s: not a regular file", side);
		goto done;
	}
	if (st.st_size > (off_t)DS_SIDECAR_BYTES_MAX) {
		err = ds_error_set(DS_ETOOBIG, "sidecar %s: larger than %u bytes", side,
				   DS_SIDECAR_BYTES_MAX);
		goto done;
	}
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) < 0) {
		err = ds_error_set_errno(DS_EIO, errno, "sidecar %s", side);
		goto done;
	}
	if (!(buf = malloc(DS_SIDECAR_BYTES_MAX + 1))) {
		err = ds_error_set(DS_ENOMEM, "out of memory");
		goto done;
	}
	while (len <= DS_SIDECAR_BYTES_MAX &&
	       (k = read(fd, buf + len, DS_SIDECAR_BYTES_MAX + 1 - len)) != 0) {
		if (k < 0) {
			if (errno == EINTR)
				continue;
			err = ds_error_set_errno(DS_EIO, errno, "sidecar %s", side);
			goto done;
		}
		len += (size_t)k;
	}
	{
		char what[DS_INBOX_NAME_MAX + 16];
		if ((err = ds_fmt(what, sizeof(what), "sidecar %s", side)) == 0)
			err = ds_sidecar_parse(sc, what, buf, len);
	}
done:
	if (fd >= 0)
		close(fd);
	free(buf);
	return err;
}

struct segment {
	char code[DS_CODE_MAX];
	size_t first, count;
};

/* The dossier code a file name stands for: CODE.ext, CODE, or CODE_anything. */
static int code_from_name(const char *name, char code[DS_CODE_MAX])
{
	char tmp[DS_INBOX_NAME_MAX];
	char *cut;

	if (ds_fmt(tmp, sizeof(tmp), "%s", name) < 0)
		return 0;
	if (ds_qr_code_valid(tmp) && strlen(tmp) < DS_CODE_MAX)
		goto found;
	if ((cut = strchr(tmp, '_')))
		*cut = 0;
	else if ((cut = strrchr(tmp, '.')))
		*cut = 0;
	if (!ds_qr_code_valid(tmp) || strlen(tmp) >= DS_CODE_MAX)
		return 0;
found:
	memcpy(code, tmp, strlen(tmp) + 1);
	return 1;
}

static int append_code(char *list, size_t n, const char *code)
{
	size_t k = strlen(list);
	/* once per code, in order */
	for (const char *p = list; (p = strstr(p, code)); p += strlen(code)) {
		if ((p == list || p[-1] == ' ') && (p[strlen(code)] == ' ' || !p[strlen(code)]))
			return 0;
	}
	return ds_fmt(list + k, n - k, "%s%s", k ? " " : "", code);
}

static int run_job(struct job_ctx *x)
{
	ds_inbox *ib = x->ib;
	const char *name = x->job.subject;
	struct ds_ingest_opts io = { .limits = ib->o.limits, .on_page = on_page, .arg = x };
	struct ds_sidecar sc = {0};
	struct segment *seg = NULL;
	size_t nseg = 0, npages, ncovers = 0;
	ds_ingest *in = NULL;
	struct ds_inbox_file f;
	char path[DS_PATH_MAX], fdpath[64] = "", reason[DS_REASON_MAX], code[DS_CODE_MAX];
	int err = 0, fd = -1, have_sc = 0, new_intake = 0, in_tx = 0, locked = 0;
	struct stat st;

	memset(&f, 0, sizeof(f));
	find_sidecar(ib, name, x->sidecar);
	if (x->job.interrupted >= ib->o.max_interrupted)
		return reject(x, "the daemon died %d times while ingesting it (a crash, or killed "
			      "for taking too long); last error: %s", x->job.interrupted,
			      x->job.error[0] ? x->job.error : "none");
	if (x->job.attempts > ib->o.max_attempts)
		return reject(x, "gave up after %d attempts (the daemon stopped while ingesting "
			      "it); last error: %s", x->job.attempts - 1,
			      x->job.error[0] ? x->job.error : "none");
	if (!ds_text_valid(name, strlen(name)))
		return reject(x, "the file name is not UTF-8 text");
	if (ds_path_join(path, sizeof(path), ib->dir, name) < 0)
		return reject(x, "the file name is too long");
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) < 0) {
		if (errno == ENOENT) {
			x->out->result = DS_INBOX_GONE;
			say(ib, DS_LOG_INFO, "%s: gone before it was taken", x->pname);
			return ds_catalog_job_finish(ib->c, x->job.id, DS_JOB_DONE, "gone");
		}
		if (errno == ELOOP)
			return reject(x, "a symbolic link: only regular files are taken");
		snprintf(reason, sizeof(reason), "cannot open: %s", strerror(errno));
		return retry(x, reason);
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		err = reject(x, "not a regular file");
		goto done;
	}
	/* a local writer took it up again after it was queued: wait for it
	 * (the watcher queues it again once it has settled) */
	if (writer_open(fd, &st) == 1) {
		x->out->result = DS_INBOX_BUSY;
		say(ib, DS_LOG_DEBUG, "%s: still open for writing; left for later", x->pname);
		err = ds_catalog_job_finish(ib->c, x->job.id, DS_JOB_DONE, "still being written");
		goto done;
	}
	x->size = st.st_size;
	/* bytes per file, from the size, before a byte is read (a sparse file
	 * of 3 GB would otherwise be hashed first) */
	{
		struct ds_scan_limits dl;
		const struct ds_scan_limits *lim = ib->o.limits;
		if (!lim) {
			ds_scan_limits_default(&dl);
			lim = &dl;
		}
		if ((uint64_t)st.st_size > lim->file_bytes_max) {
			err = reject(x, "%lld bytes, more than the %llu bytes a scan file may have",
				     (long long)st.st_size, (unsigned long long)lim->file_bytes_max);
			goto done;
		}
	}
	if ((err = ds_fmt(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd)) < 0)
		goto done;
	if (ds_sha256_file_hex(fdpath, x->sha256) < 0) {
		reason_from_error(x, fdpath, reason, sizeof(reason));
		err = retry(x, reason);
		goto done;
	}

	/* the same bytes twice: a duplicate drop */
	if ((err = ds_catalog_inbox_find(ib->c, x->sha256, &f)) == 0) {
		char *sp = strchr(f.dossiers, ' ');
		if (sp)
			*sp = 0;
		err = reject(x, "already ingested as %s", f.dossiers);
		goto done;
	}
	if (err != DS_ENOTFOUND)
		goto done;
	if ((err = ds_catalog_file_find(ib->c, x->sha256, code)) == 0) {
		err = reject(x, "already ingested as %s", code);
		goto done;
	}
	if (err != DS_ENOTFOUND)
		goto done;

	if ((err = read_sidecar(x, &sc, &have_sc)) < 0) {
		if (transient(err)) {
			err = retry(x, ds_error_last());
			goto done;
		}
		err = reject(x, "%s", ds_error_last());
		goto done;
	}

	/* decode, read receipts, store the pages (no catalog lock held) */
	if ((err = ds_ingest_new(&in, ib->s, &io)) < 0)
		goto done;
	if ((err = ds_ingest_add_file(in, fdpath, name)) < 0) {
		if (x->stopped) {
			x->out->result = DS_INBOX_STOPPED;
			say(ib, DS_LOG_NOTICE, "%s: stopping; the file stays queued", x->pname);
			err = ds_catalog_job_requeue(ib->c, x->job.id, 1, "stopped");
			goto done;
		}
		reason_from_error(x, fdpath, reason, sizeof(reason));
		err = transient(err) ? retry(x, reason) : reject(x, "%s", reason);
		goto done;
	}
	if (strcmp(ds_ingest_file_sha256(in, 0), x->sha256) != 0) {
		err = retry(x, "the file changed while it was read");
		goto done;
	}
	npages = ds_ingest_page_count(in);
	if (npages == 0) {
		err = reject(x, "no pages");
		goto done;
	}
	if (!(seg = calloc(npages, sizeof(*seg)))) {
		err = ds_error_set(DS_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < npages && i < x->ncodes; i++) {
		if (x->codes[i][0]) {
			ncovers++;
			if ((err = ds_ingest_set_kind(in, i, DS_PAGE_KIND_COVER)) < 0)
				goto done;
		}
	}

	/* route: sidecar, then receipts, then the file name */
	if (have_sc && sc.dossier[0]) {
		struct ds_dossier d;
		if ((err = ds_catalog_dossier_get(ib->c, sc.dossier, &d)) == DS_ENOTFOUND) {
			err = reject(x, "sidecar %s names dossier %s, which the catalog does not know",
				     x->sidecar, sc.dossier);
			goto done;
		}
		if (err < 0)
			goto done;
		memcpy(seg[0].code, sc.dossier, sizeof(sc.dossier));
		seg[0].count = npages;
		nseg = 1;
	} else if (have_sc) {
		struct ds_procedure p;
		if ((err = ds_catalog_procedure_get(ib->c, sc.procedure, &p)) == DS_ENOTFOUND) {
			err = reject(x, "sidecar %s: procedure %s is not in the catalog", x->sidecar,
				     sc.procedure);
			goto done;
		}
		if (err < 0)
			goto done;
		new_intake = 1;
		seg[0].count = npages;
		nseg = 1;
	} else if (ncovers) {
		char later[256] = "";
		if (!x->codes[0][0]) {
			for (size_t i = 0, k = 0; i < npages && i < x->ncodes; i++) {
				if (x->codes[i][0] && k < 6) {
					size_t l = strlen(later);
					snprintf(later + l, sizeof(later) - l, "%s%zu", k ? ", " : "",
						 i + 1);
					k++;
				}
			}
			err = reject(x, "page 1 is not a receipt, but page%s %s %s: a batch with "
				     "receipts must start with one",
				     ncovers > 1 ? "s" : "", later, ncovers > 1 ? "are" : "is");
			goto done;
		}
		for (size_t i = 0; i < npages; i++) {
			if (i < x->ncodes && x->codes[i][0]) {
				struct ds_dossier d;
				if ((err = ds_catalog_dossier_get(ib->c, x->codes[i], &d)) ==
				    DS_ENOTFOUND) {
					err = reject(x, "the receipt on page %zu names dossier %s, "
						     "which the catalog does not know",
						     i + 1, x->codes[i]);
					goto done;
				}
				if (err < 0)
					goto done;
				memcpy(seg[nseg].code, x->codes[i], DS_CODE_MAX);
				seg[nseg].first = i;
				nseg++;
			}
			seg[nseg - 1].count++;
		}
	} else if (code_from_name(name, code)) {
		struct ds_dossier d;
		if ((err = ds_catalog_dossier_get(ib->c, code, &d)) == DS_ENOTFOUND) {
			err = reject(x, "the file name names dossier %s, which the catalog does "
				     "not know", code);
			goto done;
		}
		if (err < 0)
			goto done;
		memcpy(seg[0].code, code, sizeof(code));
		seg[0].count = npages;
		nseg = 1;
	} else {
		err = reject(x, "cannot tell which dossier the pages belong to: no sidecar "
			     "NAME.json, no receipt with a QR code, and the file name is not a "
			     "dossier code");
		goto done;
	}

	/* commit: the pages, the record of the file and the job, together */
	memcpy(f.name, name, strlen(name) + 1);
	memcpy(f.sha256, x->sha256, sizeof(f.sha256));
	memcpy(f.state, DS_INBOX_STATE_INGESTED, sizeof(DS_INBOX_STATE_INGESTED));
	memcpy(f.sidecar, x->sidecar, sizeof(f.sidecar));
	f.dossiers[0] = 0;
	f.reason[0] = 0;
	f.size = x->size;
	f.pages = (int)npages;
	f.moved = 0;
	f.at = ds_now();
	f.dest[0] = 0;
	if (!ib->o.remove_done && (err = unique_dest(ib->done, name, f.dest, sizeof(f.dest))) < 0)
		goto done;
	/* the store's lock, then the catalog's: see ds_ingest_lock */
	if (ds_ingest_lock(in) < 0) {
		err = retry(x, ds_error_last());
		goto done;
	}
	locked = 1;
	if ((err = ds_catalog_begin(ib->c)) < 0)
		goto commit_failed;
	in_tx = 1;
	/* the sidecar's "actor" is whom the scan was received for, never the
	 * actor (that is dossierd's [daemon] actor) */
	if (sc.actor[0] && (err = ds_catalog_set_identity(ib->c, NULL, sc.actor)) < 0)
		goto commit_failed;
	if (new_intake) {
		struct ds_procedure p;
		int64_t now = ds_now();
		if ((err = ds_catalog_procedure_get(ib->c, sc.procedure, &p)) < 0)
			goto commit_failed;
		struct ds_dossier_new dn = {
			.agency_id = ib->o.agency_id,
			.procedure = sc.procedure,
			.applicant_id = sc.applicant_id,
			.applicant_name = sc.applicant_name,
			.received_at = now,
			.due_at = ds_due_at(now, p.days, ib->o.utc_offset, ib->o.holidays,
					    ib->o.nholidays),
			.utc_offset = ib->o.utc_offset,
			.actor = ib->o.actor,
		};
		if ((err = ds_catalog_dossier_create(ib->c, &dn, seg[0].code)) < 0)
			goto commit_failed;
	}
	for (size_t i = 0; i < nseg; i++) {
		if ((err = ds_ingest_commit_range(in, ib->c, seg[i].code, seg[i].first, seg[i].count,
						  ib->o.actor)) < 0 ||
		    (err = append_code(f.dossiers, sizeof(f.dossiers), seg[i].code)) < 0)
			goto commit_failed;
		if (ib->o.queue_ocr &&
		    (err = ds_catalog_job_enqueue(ib->c, DS_JOB_OCR, seg[i].code, NULL, NULL)) < 0)
			goto commit_failed;
	}
	int marked = ib->nmoved >= MOVED_BATCH;
	if ((marked && (err = mark_moved(ib)) < 0) || (err = ds_catalog_inbox_add(ib->c, &f, &f.id)) < 0 ||
	    (err = ds_catalog_job_finish(ib->c, x->job.id, DS_JOB_DONE, NULL)) < 0)
		goto commit_failed;
	crash_point("daemon_kill_before_commit");
	if ((err = ds_catalog_commit(ib->c)) < 0)
		goto commit_failed;
	in_tx = 0;
	if (marked) {
		ib->nmoved = 0;
		ib->moved_done = ib->moved_rejected = 0;
	}
	ds_ingest_done(in);
	ds_ingest_unlock(in);
	locked = 0;
	crash_point("daemon_kill_after_commit");

	x->out->result = DS_INBOX_INGESTED;
	x->out->pages = (int)npages;
	x->out->covers = (int)ncovers;
	memcpy(x->out->dossiers, f.dossiers, sizeof(f.dossiers));
	say(ib, DS_LOG_INFO, "%s: ingested %zu page%s (%zu receipt%s) into %s%s", x->pname,
	    npages - ncovers, npages - ncovers == 1 ? "" : "s", ncovers, ncovers == 1 ? "" : "s",
	    f.dossiers, new_intake ? " (new dossier from the sidecar)" : "");
	if (finalize(ib, &f, 0, 1) < 0) {
		say(ib, DS_LOG_ERR, "%s: ingested but still in the inbox: %s", x->pname,
		    ds_error_last());
		ib->pending_moves = 1;
	}
	err = 0;
	goto done;

commit_failed:
	reason_from_error(x, fdpath, reason, sizeof(reason));
	if (in_tx)
		ds_catalog_rollback(ib->c);
	in_tx = 0;
	if (err == DS_EEXISTS && ds_catalog_inbox_find(ib->c, x->sha256, &f) == 0) {
		err = reject(x, "already ingested as %s", f.dossiers);
	} else if (transient(err)) {
		err = retry(x, reason);
	} else {
		err = reject(x, "%s", reason);
	}
done:
	if (in_tx)
		ds_catalog_rollback(ib->c);
	(void)ds_catalog_set_identity(ib->c, NULL, NULL);
	if (locked)
		ds_ingest_unlock(in);
	/* the blobs it stored, unless committed, or named by another's rows */
	ds_ingest_abort_unnamed(in, ib->c);
	ds_ingest_free(in);
	free(seg);
	if (fd >= 0)
		close(fd);
	return err;
}

int ds_inbox_run_one(ds_inbox *ib, struct ds_inbox_outcome *out)
{
	struct job_ctx x;
	int err;

	memset(out, 0, sizeof(*out));
	memset(&x, 0, sizeof(x));
	x.ib = ib;
	x.out = out;
	/* a move that failed before (a full disk) goes first, so that its file
	 * is not taken for a duplicate of itself */
	if (ib->pending_moves && ds_inbox_finish_pending(ib) == 0)
		ib->pending_moves = 0;
	if ((err = ds_catalog_job_claim(ib->c, DS_JOB_INGEST, &x.job)) == DS_ENOTFOUND) {
		out->result = DS_INBOX_NONE;
		return ds_inbox_flush(ib);
	}
	if (err < 0)
		return err;
	memcpy(out->name, x.job.subject, sizeof(out->name));
	memcpy(x.pname, x.job.subject, sizeof(x.pname));
	say(ib, DS_LOG_DEBUG, "%s: taking it (attempt %d)", x.pname, x.job.attempts);
	err = run_job(&x);
	free(x.codes);
	return err;
}
