/* Shared CLI helpers: errors, exit codes, home, actor, JSON, progress. */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "cli.h"
#include "dossier/error.h"
#include "dossier/fs.h"
#include "dossier/pki.h"

int ds_cli_exit_code(int err)
{
	switch (err) {
	case 0: return DS_EXIT_OK;
	case DS_EINVALID:
	case DS_ETOOBIG:
	case DS_ECORRUPT:
	case DS_ESIG: return DS_EXIT_DATAERR;
	case DS_ENOTFOUND: return DS_EXIT_NOINPUT;
	case DS_EEXISTS: return DS_EXIT_CANTCREAT;
	case DS_EPERM:
	case DS_EAUTH: return DS_EXIT_NOPERM;
	case DS_EIO: return DS_EXIT_IOERR;
	case DS_EBUSY: return DS_EXIT_TEMPFAIL;
	case DS_ENOMEM:
	case DS_ECRYPTO: return DS_EXIT_SOFTWARE;
	default: return DS_EXIT_FAIL;
	}
}

int ds_cli_fail(struct ds_cli *cli, int err)
{
	const char *msg = ds_error_last();
	fprintf(stderr, "dossier %s: %s\n", cli && cli->verb ? cli->verb : "",
		*msg ? msg : ds_error_name(err));
	return ds_cli_exit_code(err);
}

int ds_cli_option_file(struct ds_cli *cli, const char *opt, const char *path, int want)
{
	int err = ds_file_kind_expect(path, (enum ds_file_kind)want);
	if (err == 0)
		return 0;
	if (err == DS_EINVALID || err == DS_ETOOBIG)
		return ds_cli_failf(cli, DS_EXIT_USAGE, "%s: %s", opt, ds_error_last());
	return ds_cli_failf(cli, ds_cli_exit_code(err), "%s: %s", opt, ds_error_last());
}

int ds_cli_failf(struct ds_cli *cli, int exit_code, const char *fmt, ...)
{
	va_list ap;
	(void)fprintf(stderr, "dossier %s: ", cli && cli->verb ? cli->verb : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	(void)fputc('\n', stderr);
	return exit_code;
}

int ds_cli_usage(struct ds_cli *cli, const struct ds_cmd *cmd)
{
	(void)cli;
	fprintf(stderr, "usage: dossier [--home DIR] %s %s\n", cmd->name, cmd->usage);
	return DS_EXIT_USAGE;
}

int ds_cli_help(const struct ds_cmd *cmd, const char *options_text)
{
	ds_cli_opts_dump();
	printf("usage: dossier [--home DIR] %s %s\n\n%s\n", cmd->name, cmd->usage, cmd->summary);
	printf("\n%s", options_text ? options_text : "");
	printf("  -h, --help                   this help (also: dossier help %s)\n", cmd->name);
	return 0;
}

/* Commands that only read: they work on a home that cannot be written (a
 * restored backup, read-only media, another user's home, a full disk).
 * `log checkpoint` and `check --remove-leftovers` write: where the home
 * cannot be written they fail at the write, naming it. */
static int reader(const char *verb)
{
	static const char *const verbs[] = {"list", "show", "search", "text", "verify",
					    "check", "export", "log", "status"};
	for (size_t i = 0; verb && i < sizeof verbs / sizeof verbs[0]; i++)
		if (strcmp(verb, verbs[i]) == 0)
			return 1;
	return 0;
}

int ds_cli_open_home(struct ds_cli *cli, ds_home **out)
{
	int err = reader(cli->verb) ? ds_home_open_read(out, cli->home_dir)
				    : ds_home_open(out, cli->home_dir);
	if (err < 0)
		return err;
	if ((err = ds_cli_zone_set((*out)->config)) < 0 ||
	    (err = ds_catalog_set_identity((*out)->catalog, ds_cli_actor(NULL),
					   cli->on_behalf_of)) < 0) {
		ds_home_free(*out);
		*out = NULL;
	}
	return err;
}

const char *ds_cli_actor(const char *ignored)
{
	static char buf[DS_ACTOR_MAX];
	(void)ignored;
	if (buf[0])
		return buf;
	/* not getlogin(): that is the terminal's login, not who runs this */
	struct passwd *pw = getpwuid(geteuid());
	if (pw && pw->pw_name && strlen(pw->pw_name) < sizeof buf) {
		memcpy(buf, pw->pw_name, strlen(pw->pw_name) + 1);
		return buf;
	}
	if (ds_fmt(buf, sizeof buf, "uid%u", (unsigned)geteuid()) < 0)
		return "unknown";
	return buf;
}

int ds_cli_print_json(struct json_t *v)
{
	char *s = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (!s)
		return DS_EXIT_SOFTWARE;
	puts(s);
	free(s);
	return 0;
}

static int progress_shown;

void ds_cli_progress(const char *label, size_t done, size_t total, double started)
{
	if (!isatty(STDERR_FILENO))
		return;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	double now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	double elapsed = now - started;
	double rate = elapsed > 0 ? (double)done / elapsed * 60.0 : 0;
	double eta = rate > 0 ? (double)(total - done) / rate * 60.0 : 0;
	int width = 30;
	int filled = total ? (int)((double)width * (double)done / (double)total) : 0;
	char bar[64];
	for (int i = 0; i < width; i++)
		bar[i] = i < filled ? '#' : '.';
	bar[width] = '\0';
	fprintf(stderr, "\r%s [%s] %zu/%zu  %.1f/min  ETA %02d:%02d ", label, bar, done, total, rate,
		(int)eta / 60, (int)eta % 60);
	fflush(stderr);
	progress_shown = 1;
}

void ds_cli_progress_end(void)
{
	if (progress_shown && isatty(STDERR_FILENO))
		fputc('\n', stderr);
	progress_shown = 0;
}

int ds_cli_read_secret(const char *path, char *out, size_t n)
{
	int fd = -1, err = 0;
	struct stat st;
	size_t got = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return ds_error_set_errno(errno == ENOENT ? DS_ENOTFOUND : DS_EIO, errno,
					  "%s: cannot open", path);
	if (fstat(fd, &st) != 0) {
		err = ds_error_set_errno(DS_EIO, errno, "%s: cannot stat", path);
		goto done;
	}
	if (S_ISREG(st.st_mode) && (st.st_mode & 077) != 0) {
		err = ds_error_set(DS_EPERM,
				   "%s: readable by group or others (mode %03o); chmod 600 it",
				   path, (unsigned)(st.st_mode & 0777));
		goto done;
	}
	while (got + 1 < n) {
		ssize_t r = read(fd, out + got, n - 1 - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = ds_error_set_errno(DS_EIO, errno, "%s: read failed", path);
			goto done;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	out[got] = '\0';
	char *nl = memchr(out, '\n', got);
	if (nl) {
		*nl = '\0';
		got = (size_t)(nl - out);
		if (got > 0 && out[got - 1] == '\r')
			out[--got] = '\0';
	} else if (got + 1 >= n) {
		err = ds_error_set(DS_ETOOBIG, "%s: secret longer than %zu bytes", path, n - 2);
		goto done;
	}
	if (got == 0)
		err = ds_error_set(DS_EINVALID, "%s: empty", path);
done:
	if (err < 0)
		OPENSSL_cleanse(out, n);
	close(fd);
	return err;
}

void ds_cli_omp_thread_limit(char **argv)
{
	if (getenv("OMP_THREAD_LIMIT") != NULL)
		return;
	if (setenv("OMP_THREAD_LIMIT", "1", 1) != 0)
		return;
	execv("/proc/self/exe", argv);
	/* exec failed: carry on, only slower */
}
