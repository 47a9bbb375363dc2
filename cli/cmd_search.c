/* dossier search QUERY [--json] [--limit N] [--procedure CODE] [--state S] [--exact] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "dossier/catalog_ocr.h"
#include "dossier/error.h"

static int run(struct ds_cli *cli, int argc, char **argv);

const struct ds_cmd ds_cmd_search = {
	.name = "search",
	.usage = "QUERY… [--json] [--limit N] [--procedure CODE] [--state S] [--exact]",
	.summary = "full-text search of page text and dossier metadata, best matches first",
	.run = run,
};

static const char options[] =
	"  --limit N          at most N results (default 20, at most 1000)\n"
	"  --procedure CODE   only dossiers of this procedure\n"
	"  --state S          only dossiers in this state\n"
	"  --exact            diacritics must match as typed (case still folded)\n"
	"  --json             an array of {code, page, snippet, score, state, procedure}\n"
	"Every word must occur. Without --exact, `dang ky` and `ĐĂNG KÝ` both find\n"
	"`đăng ký`. Page 0 means the dossier's metadata matched (code, applicant,\n"
	"procedure). Matches in the snippet are marked [like this] ([…] in JSON too).\n";

static int run(struct ds_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"limit", required_argument, NULL, 'l'},
					     {"procedure", required_argument, NULL, 'p'},
					     {"state", required_argument, NULL, 's'},
					     {"exact", no_argument, NULL, 'e'},
					     {"json", no_argument, NULL, 'j'},
					     {"help", no_argument, NULL, 'h'},
					     {0}};
	struct ds_search_query q = {.limit = 20};
	struct ds_search_hit *hits = NULL;
	size_t n = 0, qlen = 0;
	char query[DS_SEARCH_QUERY_MAX + 1];
	int c, json = 0, err, rc = 0;
	ds_home *h = NULL;

	while ((c = ds_cli_getopt(cli, argc, argv, "h", opts)) != -1) {
		switch (c) {
		case 'l':
			if (ds_cli_opt_intv(cli, "--limit", optarg, 1, DS_SEARCH_LIMIT_MAX, &q.limit) != 0)
				return DS_EXIT_USAGE;
			break;
		case 'p': q.procedure = optarg; break;
		case 's': q.state = optarg; break;
		case 'e': q.exact = 1; break;
		case 'j': json = 1; break;
		case 'h': return ds_cli_help(&ds_cmd_search, options);
		default: return ds_cli_usage(cli, &ds_cmd_search);
		}
	}
	if (optind == argc)
		return ds_cli_usage(cli, &ds_cmd_search);
	if (q.state && !ds_state_valid(q.state))
		return ds_cli_failf(cli, DS_EXIT_USAGE, "--state '%s' is not a dossier state", q.state);
	/* The words may come as one argument or several. */
	query[0] = '\0';
	for (int i = optind; i < argc; i++) {
		size_t l = strlen(argv[i]);
		if (qlen + l + 1 > DS_SEARCH_QUERY_MAX)
			return ds_cli_failf(cli, DS_EXIT_DATAERR, "query longer than %d bytes",
					    DS_SEARCH_QUERY_MAX);
		if (qlen)
			query[qlen++] = ' ';
		memcpy(query + qlen, argv[i], l);
		qlen += l;
		query[qlen] = '\0';
	}
	q.text = query;
	int tty = !json && isatty(STDOUT_FILENO);
	q.mark_open = tty ? "\033[1m" : "[";
	q.mark_close = tty ? "\033[0m" : "]";
	if ((err = ds_cli_open_home(cli, &h)) < 0 ||
	    (err = ds_catalog_ocr_index_meta_missing(h->catalog)) < 0 ||
	    (err = ds_catalog_search(h->catalog, &q, &hits, &n)) < 0) {
		rc = ds_cli_fail(cli, err);
		goto done;
	}
	if (json) {
		json_t *a = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(a, json_pack("{s:s, s:i, s:s, s:f, s:s, s:s}",
							   "code", hits[i].code, "page", hits[i].page,
							   "snippet", hits[i].snippet, "score",
							   hits[i].score, "state", hits[i].state,
							   "procedure", hits[i].procedure));
		rc = ds_cli_print_json(a);
		json_decref(a);
	} else {
		ds_cli_none(json, n, "no dossier matches");
		for (size_t i = 0; i < n; i++) {
			/* One line per hit: newlines in the snippet become spaces. */
			for (char *p = hits[i].snippet; *p; p++)
				if (*p == '\n' || *p == '\r' || *p == '\f' || *p == '\t')
					*p = ' ';
			if (hits[i].page > 0)
				printf("%s  p.%-3d  %s\n", hits[i].code, hits[i].page, hits[i].snippet);
			else
				printf("%s  meta   %s\n", hits[i].code, hits[i].snippet);
		}
	}
done:
	free(hits);
	ds_home_free(h);
	return rc;
}
