/* dossier CLI — shared pieces of the `dossier` subcommands and `dossierd`.
 * Only cli/ prints, exits or reads the environment. */
#ifndef DOSSIER_CLI_H
#define DOSSIER_CLI_H

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>

#include "dossier/home.h"

/* Exit codes (documented in docs/dossier.1). */
enum {
	DS_EXIT_OK = 0,
	DS_EXIT_FAIL = 1,        /* the operation failed (refused, wrong state, …) */
	DS_EXIT_INDETERMINATE = 2, /* verify: no bundle failed, some indeterminate */
	DS_EXIT_USAGE = 64,      /* bad command line */
	DS_EXIT_DATAERR = 65,    /* bad input data: a corrupt scan, a bad file */
	DS_EXIT_NOINPUT = 66,    /* an input or a dossier that does not exist */
	DS_EXIT_SOFTWARE = 70,   /* internal error */
	DS_EXIT_CANTCREAT = 73,
	DS_EXIT_IOERR = 74,
	DS_EXIT_TEMPFAIL = 75,   /* busy; try again */
	DS_EXIT_NOPERM = 77      /* refused by policy, wrong passphrase */
};

struct ds_cli {
	const char *home_dir; /* from --home or DOSSIER_HOME, else "." */
	const char *verb;
	int json;             /* set by commands that take --json */
	const char *on_behalf_of; /* --actor NAME (the parser keeps it): recorded as
				   * on_behalf_of, never as the actor */
};

struct ds_cmd {
	const char *name;
	const char *usage;   /* "CODE [--json]": after "dossier [--home DIR] <name> " */
	const char *summary; /* one line for `dossier help` */
	int (*run)(struct ds_cli *cli, int argc, char **argv); /* argv[0] is the verb */
};

/* Prints "dossier VERB: <message>" on stderr and returns the exit code for
 * the library error `err`. */
int ds_cli_fail(struct ds_cli *cli, int err);

/* Prints "dossier VERB: <formatted message>" on stderr; returns `exit_code`. */
int ds_cli_failf(struct ds_cli *cli, int exit_code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prints the usage line on stderr and returns DS_EXIT_USAGE. */
int ds_cli_usage(struct ds_cli *cli, const struct ds_cmd *cmd);

/* Prints usage and options on stdout for --help; returns 0. */
int ds_cli_help(const struct ds_cmd *cmd, const char *options_text);

/* Checks that the file given to option `opt` (e.g. "--trust") holds what
 * the option takes (dossier/pki.h, ds_file_kind): 0, or prints "OPT: PATH
 * holds X, not Y" and returns DS_EXIT_USAGE (DS_EXIT_NOINPUT when the file
 * does not exist). A wrong file is the caller's mistake, never a verdict on
 * what is being verified. */
int ds_cli_option_file(struct ds_cli *cli, const char *opt, const char *path, int want);

/* Maps a library error code to an exit code. */
int ds_cli_exit_code(int err);

/* Opens the home (errors printed by the caller via ds_cli_fail); every
 * event written through it records the OS user running the command as the
 * actor and --actor (cli->on_behalf_of) as on_behalf_of. */
int ds_cli_open_home(struct ds_cli *cli, ds_home **out);

/* The actor of every CLI event: the OS user running the command
 * (getpwuid(geteuid())), else "uidN". `ignored` (an --actor value) is not
 * the actor: it is recorded as on_behalf_of (ds_cli_open_home). */
const char *ds_cli_actor(const char *ignored);

/* OpenMP in Debian's Tesseract reads OMP_THREAD_LIMIT when the library
 * loads, before main(); setting it later has no effect. dossier and dossierd
 * call this first: unless it is set, it sets OMP_THREAD_LIMIT=1 and
 * re-executes the program, so that each OCR worker stays single-threaded. */
void ds_cli_omp_thread_limit(char **argv);

/* The one option parser (cli/cli_opt.c): getopt_long's interface and
 * tables (optind, optarg; options may follow operands; "--" ends them), but
 * a long option matches only by its full name, glibc's messages are off and
 * its own one-line messages never echo a value. An unknown option that looks
 * like a secret (passphrase, PIN, password, or the start of a secret option
 * the command takes) gets "secrets are read from a file or a descriptor,
 * never from the command line". Returns the option's val, -1 at the end, '?'
 * after printing the reason (the caller prints its usage; exit 64). */
int ds_cli_getopt(struct ds_cli *cli, int argc, char **argv, const char *shortopts,
		  const struct option *opts);

/* Resets the parser for a subcommand. */
void ds_cli_getopt_reset(void);

/* With DS_CLI_OPTIONS=1 in the environment, lists on stderr every option
 * of the last table parsed (called by --help; for tests). */
void ds_cli_opts_dump(void);

/* Does an option name (without "--") look like it carries a secret? */
int ds_cli_opt_is_secret(const char *name);

/* Parses the value `s` of option `opt` as a whole number in [lo, hi]:
 * returns 0, or prints "OPT: not a whole number from LO to HI" (never the
 * value) and returns DS_EXIT_USAGE. */
int ds_cli_opt_int(struct ds_cli *cli, const char *opt, const char *s, long long lo, long long hi,
		   long long *out);
int ds_cli_opt_intv(struct ds_cli *cli, const char *opt, const char *s, int lo, int hi, int *out);

/* Writes a JSON value (jansson json_t *) to stdout, indented, with a newline. */
struct json_t;
int ds_cli_print_json(struct json_t *v);

/* Progress on a terminal only: "label  done/total  rate/min  ETA". */
void ds_cli_progress(const char *label, size_t done, size_t total, double started);
void ds_cli_progress_end(void);

/* Reads a secret (passphrase, PIN) from a file: the first line, without the
 * newline; refuses a file readable by group or others. Wipe with
 * OPENSSL_cleanse after use. */
int ds_cli_read_secret(const char *path, char *out, size_t n);

/* Files the user names (receipt -o, export DEST, log -o): one rule. An
 * existing file is refused (exit 73, naming it) unless `force`; with force it
 * is replaced by a temporary file renamed over it, never left half-written.
 * Each returns 0 or the exit code, the error printed. ds_cli_output_check
 * refuses early, before the work; the write refuses again if the file
 * appeared meanwhile. */
int ds_cli_output_check(struct ds_cli *cli, const char *path, int force);
int ds_cli_output_write(struct ds_cli *cli, const char *path, const void *buf, size_t len,
			int force);
int ds_cli_output_copy(struct ds_cli *cli, const char *src, const char *path, int force);

/* Times for people (cli_time.c): in the site's zone, the offset written.
 * ds_cli_zone_set takes it from a home's config ([site] timezone, an IANA
 * name, else [site] utc_offset) and gives the library the zone's offset of
 * now; DS_EINVALID for a name not in the tz database. ds_cli_open_home calls
 * it; ds_cli_zone_default (main) reads HOME/dossier.conf, if any, for
 * commands that open no home; without one, the machine's zone. */
struct ds_config;
int ds_cli_zone_set(struct ds_config *cfg);
void ds_cli_zone_default(const char *home_dir);
/* Gives another config of the same home (dossierd's helpers, a reload) the
 * zone's offset of now, without changing the zone (threads may read it). */
void ds_cli_zone_apply(struct ds_config *cfg);
int ds_cli_zone_offset(int64_t t);
/* "2026-12-06T10:19:11+07:00" into buf. */
const char *ds_cli_time_at(int64_t t, char *buf, size_t n);
/* An RFC 3339 time (as a bundle records it) shown in the site's zone; the
 * text itself when it does not parse. */
const char *ds_cli_when(const char *rfc3339, char *buf, size_t n);

/* An empty result on a terminal says so ("no dossier matches"); nothing in
 * JSON (which prints []) or into a pipe. */
void ds_cli_none(int json, size_t n, const char *what);

#endif
