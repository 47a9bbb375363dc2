/* dossier — the command line: global options, then one subcommand from the
 * generated table (one cli/cmd_<verb>.c per subcommand). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "dossier/clock.h"
#include "dossier/fs.h"
#include "cmd_table.h"

static void usage_all(FILE *f)
{
	fprintf(f, "usage: dossier [--home DIR] COMMAND [ARGS…]\n\ncommands:\n");
	for (const struct ds_cmd *const *c = ds_cmd_table; *c; c++)
		fprintf(f, "  %-12s %s\n", (*c)->name, (*c)->summary);
	fprintf(f, "\n`dossier COMMAND --help` shows a command's options; see dossier(1).\n");
}

int main(int argc, char **argv)
{
	struct ds_cli cli = {0};
	int i = 1;

	ds_cli_omp_thread_limit(argv);
	const char *fixed = getenv("DOSSIER_NOW"); /* tests: a fixed clock, RFC 3339 */
	int64_t t;
	if (fixed && ds_time_parse(fixed, &t) == 0)
		ds_clock_fix(t);
	const char *fault = getenv("DS_FAULT");
	if (fault)
		ds_fault_configure(fault);

	cli.home_dir = getenv("DOSSIER_HOME");
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--home") == 0 && i + 1 < argc) {
			cli.home_dir = argv[++i];
		} else if (strncmp(argv[i], "--home=", 7) == 0) {
			cli.home_dir = argv[i] + 7;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage_all(stdout);
			return 0;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("dossier %s\n", DS_VERSION);
			return 0;
		} else {
			/* the parser's message: the option's name only, never its value */
			char *one[] = {argv[0], argv[i], NULL};
			ds_cli_getopt_reset();
			static const struct option none[] = {{0}};
			(void)ds_cli_getopt(&cli, 2, one, "", none);
			usage_all(stderr);
			return DS_EXIT_USAGE;
		}
	}
	if (!cli.home_dir || !*cli.home_dir)
		cli.home_dir = ".";
	if (i >= argc) {
		usage_all(stderr);
		return DS_EXIT_USAGE;
	}
	ds_cli_zone_default(cli.home_dir); /* times for people: the site's zone */
	if (strcmp(argv[i], "help") == 0) {
		if (i + 1 >= argc) {
			usage_all(stdout);
			return 0;
		}
		/* `dossier help CMD` is `dossier CMD --help` */
		if (i + 2 != argc) {
			usage_all(stderr);
			return DS_EXIT_USAGE;
		}
		static char help_opt[] = "--help";
		argv[i] = argv[i + 1];
		argv[i + 1] = help_opt;
	}
	for (const struct ds_cmd *const *c = ds_cmd_table; *c; c++) {
		if (strcmp((*c)->name, argv[i]) == 0) {
			cli.verb = (*c)->name;
			ds_cli_getopt_reset();
			int rc = (*c)->run(&cli, argc - i, argv + i);
			if (fflush(stdout) != 0 && rc == 0) {
				fprintf(stderr, "dossier %s: writing output: %s\n", cli.verb,
					strerror(errno));
				rc = DS_EXIT_IOERR;
			}
			return rc;
		}
	}
	/* shown only when it cannot be something typed in the wrong place */
	size_t n = strspn(argv[i], "abcdefghijklmnopqrstuvwxyz-");
	if (n > 0 && n <= 32 && argv[i][n] == '\0')
		fprintf(stderr, "dossier: unknown command '%s'\n", argv[i]);
	else
		fprintf(stderr, "dossier: unknown command (not shown)\n");
	usage_all(stderr);
	return DS_EXIT_USAGE;
}
