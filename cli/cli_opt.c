/* The one option parser of dossier and dossierd.
 *
 * getopt_long's interface (the same struct option tables, optind and optarg,
 * options may follow operands, "--" ends the options) without its two
 * dangers: it accepts any unambiguous abbreviation of a long option (so
 * `--approver-passphrase SECRET` was taken as `--approver-passphrase-file`
 * and the secret ended up in an event), and its own messages echo what was
 * typed (`unrecognized option '--x-passphrase=SECRET'`). Here a long option
 * matches only by its full name, glibc's messages are off, and every message
 * names the option only, never a value. An unknown option that looks like a
 * secret (a passphrase, PIN or password) gets the secrets rule as its
 * message. Integers given as options are parsed here too. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* State between calls; reset by ds_cli_getopt_reset (optind = 0). */
static int opt_end;     /* argv index where the options end (after permuting) */
static const struct option *opt_table; /* the last table parsed with, for --help */
static const char *opt_short;
static int opt_cluster; /* position inside a cluster of short options, e.g. -hv */

void ds_cli_getopt_reset(void)
{
	optind = 0;
	opterr = 0; /* glibc's messages echo values: never let them print */
	opt_end = 0;
	opt_cluster = 0;
}

static void opt_msg(const struct ds_cli *cli, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void opt_msg(const struct ds_cli *cli, const char *fmt, ...)
{
	va_list ap;
	const char *verb = cli && cli->verb ? cli->verb : "";
	if (strcmp(verb, "dossierd") == 0)
		(void)fprintf(stderr, "dossierd: ");
	else if (*verb)
		(void)fprintf(stderr, "dossier %s: ", verb);
	else
		(void)fprintf(stderr, "dossier: ");
	va_start(ap, fmt);
	(void)vfprintf(stderr, fmt, ap);
	va_end(ap);
	(void)fputc('\n', stderr);
}

/* The name of a long option as typed, without "--" and without "=value",
 * in `out` (cut to fit, and only printable ASCII kept). */
static void opt_name(const char *arg, char *out, size_t n)
{
	size_t i = 0;
	const char *p = arg + 2;
	while (*p && *p != '=' && i + 1 < n) {
		unsigned char ch = (unsigned char)*p++;
		out[i++] = (ch > 0x20 && ch < 0x7f) ? (char)ch : '?';
	}
	out[i] = '\0';
}

/* Does one dash-separated word of `name` look like a secret's? */
static int word_is_secret(const char *w, size_t len)
{
	static const char *const starts[] = {"pas", "pin", "pw", "secr", "matkhau", "mat-khau", NULL};
	static const char *const inside[] = {"phrase", "word", "passwd", NULL};
	char buf[64];
	if (len == 0 || len >= sizeof buf)
		return 0;
	for (size_t i = 0; i < len; i++)
		buf[i] = (char)(w[i] >= 'A' && w[i] <= 'Z' ? w[i] - 'A' + 'a' : w[i]);
	buf[len] = '\0';
	for (const char *const *s = starts; *s; s++)
		if (strncmp(buf, *s, strlen(*s)) == 0)
			return 1;
	for (const char *const *s = inside; *s; s++)
		if (strstr(buf, *s))
			return 1;
	return 0;
}

int ds_cli_opt_is_secret(const char *name)
{
	const char *p = name;
	while (*p) {
		const char *q = p;
		while (*q && *q != '-' && *q != '_')
			q++;
		if (word_is_secret(p, (size_t)(q - p)))
			return 1;
		p = *q ? q + 1 : q;
	}
	return 0;
}

/* Lower-case letters, digits and dashes, at most 32: a name worth showing. */
static int plain_name(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > 32)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
		      name[i] == '-'))
			return 0;
	return 1;
}

/* Is `name` secret-looking? Then `shown` gets its start up to the end of the
 * first secret word, when that start is a plain name (else ""). */
static int secret_prefix(const char *name, char *shown, size_t n)
{
	const char *p = name;
	shown[0] = '\0';
	while (*p) {
		const char *q = p;
		while (*q && *q != '-' && *q != '_')
			q++;
		if (word_is_secret(p, (size_t)(q - p))) {
			size_t len = (size_t)(q - name);
			if (len < n) {
				memcpy(shown, name, len);
				shown[len] = '\0';
				if (!plain_name(shown))
					shown[0] = '\0';
			}
			return 1;
		}
		p = *q ? q + 1 : q;
	}
	return 0;
}

/* An unknown option that is the start of a secret option the command takes
 * (`--approver-pass` for `--approver-passphrase-file`) counts as a secret. */
static int prefix_of_secret(const char *name, const struct option *opts)
{
	size_t n = strlen(name);
	if (n == 0)
		return 0;
	for (const struct option *o = opts; o && o->name; o++)
		if (strncmp(o->name, name, n) == 0 && ds_cli_opt_is_secret(o->name))
			return 1;
	return 0;
}

static const struct option *long_find(const struct option *opts, const char *name, size_t len)
{
	for (const struct option *o = opts; o && o->name; o++)
		if (strlen(o->name) == len && memcmp(o->name, name, len) == 0)
			return o;
	return NULL;
}

/* Does the short option `ch` exist, and does it take a value? -1: unknown. */
static int short_find(const char *shortopts, int ch)
{
	if (ch == ':' || !shortopts)
		return -1;
	const char *p = strchr(shortopts, ch);
	if (!p)
		return -1;
	return p[1] == ':' ? 1 : 0;
}

/* How many argv words does the option at argv[i] use (1 or 2)? Only used to
 * move options ahead of operands; errors are reported when it is parsed. */
static int words_of(char **argv, int i, int argc, const char *shortopts, const struct option *opts)
{
	const char *a = argv[i];
	if (a[1] == '-') {
		const char *eq = strchr(a + 2, '=');
		size_t len = eq ? (size_t)(eq - (a + 2)) : strlen(a + 2);
		const struct option *o = long_find(opts, a + 2, len);
		if (o && o->has_arg == required_argument && !eq && i + 1 < argc)
			return 2;
		return 1;
	}
	for (const char *p = a + 1; *p; p++) {
		int t = short_find(shortopts, (unsigned char)*p);
		if (t < 0)
			return 1;
		if (t == 1)
			return p[1] == '\0' && i + 1 < argc ? 2 : 1;
	}
	return 1;
}

static int is_option(const char *a)
{
	return a[0] == '-' && a[1] != '\0';
}

/* Moves every option (with its value) ahead of the operands, keeping the
 * order within each; a "--" stays between them. Sets opt_end. */
static void permute(int argc, char **argv, const char *shortopts, const struct option *opts)
{
	char *tmp[argc > 0 ? argc : 1];
	int nopt = 0, nops = 0, i = 1, dashdash = -1;
	char *ops[argc > 0 ? argc : 1];

	while (i < argc) {
		if (strcmp(argv[i], "--") == 0) {
			dashdash = i;
			break;
		}
		if (is_option(argv[i])) {
			int w = words_of(argv, i, argc, shortopts, opts);
			for (int k = 0; k < w; k++)
				tmp[nopt++] = argv[i + k];
			i += w;
		} else {
			ops[nops++] = argv[i++];
		}
	}
	int j = 1;
	for (int k = 0; k < nopt; k++)
		argv[j++] = tmp[k];
	opt_end = j;
	if (dashdash >= 0) {
		argv[j++] = (char *)"--";
		for (int k = 0; k < nops; k++)
			argv[j++] = ops[k];
		/* the words after "--" are already in place */
	} else {
		for (int k = 0; k < nops; k++)
			argv[j++] = ops[k];
	}
}

int ds_cli_getopt(struct ds_cli *cli, int argc, char **argv, const char *shortopts,
		  const struct option *opts)
{
	optarg = NULL;
	if (optind <= 0) {
		opt_table = opts;
		opt_short = shortopts;
		permute(argc, argv, shortopts, opts);
		optind = 1;
		opt_cluster = 0;
	}
	if (optind >= opt_end) {
		if (optind < argc && strcmp(argv[optind], "--") == 0)
			optind++;
		return -1;
	}
	const char *a = argv[optind];
	if (!opt_cluster && a[0] == '-' && a[1] == '-') {
		char name[64];
		const char *eq = strchr(a + 2, '=');
		size_t len = eq ? (size_t)(eq - (a + 2)) : strlen(a + 2);
		const struct option *o = long_find(opts, a + 2, len);
		opt_name(a, name, sizeof name);
		optind++;
		if (!o) {
			/* the name is shown only when it cannot be a value typed in
			 * the wrong place (lower case, short), and for a secret only
			 * up to the word that made it one */
			char shown[64] = "";
			int secret = secret_prefix(name, shown, sizeof shown) || prefix_of_secret(name, opts);
			if (!secret && plain_name(name))
				opt_msg(cli, "unknown option --%s", name);
			else if (!secret)
				opt_msg(cli, "unknown option (not shown)");
			else if (*shown || plain_name(name))
				opt_msg(cli, "--%s: secrets are read from a file or a descriptor, "
					     "never from the command line", *shown ? shown : name);
			else
				opt_msg(cli, "secrets are read from a file or a descriptor, "
					     "never from the command line");
			return '?';
		}
		if (o->has_arg == no_argument && eq) {
			opt_msg(cli, "option --%s takes no value", name);
			return '?';
		}
		if (o->has_arg == required_argument) {
			if (eq) {
				optarg = (char *)eq + 1;
			} else if (optind < opt_end) {
				optarg = argv[optind++];
			} else {
				opt_msg(cli, "option --%s needs a value", name);
				return '?';
			}
		} else if (o->has_arg == optional_argument && eq) {
			optarg = (char *)eq + 1;
		}
		if (cli && optarg && strcmp(o->name, "actor") == 0)
			cli->on_behalf_of = optarg; /* on whose behalf: never the actor */
		if (o->flag) {
			*o->flag = o->val;
			return 0;
		}
		return o->val;
	}
	/* short options, possibly clustered (-hv) or with the value attached (-oF) */
	if (!opt_cluster)
		opt_cluster = 1;
	unsigned char ch = (unsigned char)a[opt_cluster++];
	int t = short_find(shortopts, ch);
	int last = a[opt_cluster] == '\0';
	if (t < 0) {
		opt_msg(cli, "unknown option -%c", ch > 0x20 && ch < 0x7f ? ch : '?');
		optind++;
		opt_cluster = 0;
		return '?';
	}
	if (t == 1) {
		if (!last) {
			optarg = (char *)a + opt_cluster;
			optind++;
		} else if (optind + 1 < opt_end) {
			optarg = argv[optind + 1];
			optind += 2;
		} else {
			opt_msg(cli, "option -%c needs a value", ch);
			optind++;
			opt_cluster = 0;
			return '?';
		}
		opt_cluster = 0;
		return ch;
	}
	if (last) {
		optind++;
		opt_cluster = 0;
	}
	return ch;
}

int ds_cli_opt_int(struct ds_cli *cli, const char *opt, const char *s, long long lo, long long hi,
		   long long *out)
{
	char *end = NULL;
	long long v;
	errno = 0;
	if (!s || !*s || (s[0] != '-' && (s[0] < '0' || s[0] > '9')))
		goto bad;
	v = strtoll(s, &end, 10);
	if (errno || *end != '\0' || v < lo || v > hi)
		goto bad;
	*out = v;
	return 0;
bad:
	opt_msg(cli, "%s: not a whole number from %lld to %lld", opt, lo, hi);
	return DS_EXIT_USAGE;
}

int ds_cli_opt_intv(struct ds_cli *cli, const char *opt, const char *s, int lo, int hi, int *out)
{
	long long v;
	int rc = ds_cli_opt_int(cli, opt, s, lo, hi, &v);
	if (rc == 0)
		*out = (int)v;
	return rc;
}

void ds_cli_opts_dump(void)
{
	/* tests (tests/e2e/cli_help.sh): every option the parser accepts must be
	 * in the command's help; this lists them on stderr, one a line */
	const char *want = getenv("DS_CLI_OPTIONS");
	if (!want || strcmp(want, "1") != 0)
		return;
	for (const struct option *o = opt_table; o && o->name; o++)
		(void)fprintf(stderr, "--%s\n", o->name);
	for (const char *p = opt_short; p && *p; p++)
		if (*p != ':')
			(void)fprintf(stderr, "-%c\n", *p);
}
