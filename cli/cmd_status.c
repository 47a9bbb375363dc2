/* dossier status [--json]: the daemon, its queue, its workers, the last
 * errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "cli_daemon.h"
#include "cli_dossier.h"
#include "dossier/catalog_daemon.h"
#include "dossier/error.h"
#include "dossier/fs.h"
#include "dossier/inbox.h"

static int run(struct ds_cli *cli, int argc, char **argv);

const struct ds_cmd ds_cmd_status = {
	.name = "status",
	.usage = "[--errors N] [--json]",
	.summary = "show dossierd: running or not, the job queue, the workers, the last errors",
	.run = run,
};

static const char options[] =
	"  --errors N  how many of the last rejected files and failed jobs to show (default 10)\n"
	"  --json      machine-readable output\n";

/* A name from outside as a JSON string: as it is when it is UTF-8 (JSON
 * escapes its control characters), else escaped (jansson takes UTF-8 only). */
static json_t *outside_str(const char *s)
{
	char esc[4 * DS_REASON_MAX];
	json_t *j = json_string(s ? s : "");
	if (j)
		return j;
	return json_string(ds_text_escape(esc, sizeof(esc), s));
}

/* Prints a name from outside for a person: escaped (a file named with
 * terminal escape sequences must not repaint the operator's screen). */
static const char *shown(json_t *v, char *buf, size_t n)
{
	return ds_text_escape(buf, n, json_is_string(v) ? json_string_value(v) : "");
}

static json_t *time_or_null(const ds_home *h, int64_t t)
{
	char buf[64];
	return t ? json_string(ds_cli_time(h, t, buf, sizeof(buf))) : json_null();
}

static int counts(ds_catalog *c, const char *kind, json_t *o)
{
	static const char *const states[] = { DS_JOB_QUEUED, DS_JOB_RUNNING, DS_JOB_DONE,
					      DS_JOB_FAILED };
	for (size_t i = 0; i < 4; i++) {
		int64_t n = 0;
		int err = ds_catalog_job_count(c, kind, states[i], &n);
		if (err < 0)
			return err;
		json_object_set_new(o, states[i], json_integer(n));
	}
	return 0;
}

static int build(ds_home *h, size_t nerr, json_t **out)
{
	json_t *o = json_object(), *q = json_object(), *ing = json_object(), *ocr = json_object();
	json_t *workers = json_array(), *errors = json_array(), *inbox = json_object();
	struct ds_worker *w = NULL;
	struct ds_inbox_file *rows = NULL;
	struct ds_job *jobs = NULL;
	size_t nw = 0, nrows = 0, njobs = 0;
	char dir[4096];
	pid_t pid = 0;
	int running, err, ocr_on = 1;
	int64_t n;

	running = ds_cli_daemon_running(h, &pid);
	json_object_set_new(o, "running", json_boolean(running));
	json_object_set_new(o, "pid", running && pid ? json_integer(pid) : json_null());
	if ((err = ds_cli_daemon_inbox(h, dir, sizeof(dir))) < 0)
		goto done;
	ds_config_get_bool(h->config, "daemon", "ocr", 1, &ocr_on);
	json_object_set_new(o, "ocr", json_boolean(ocr_on));
	json_object_set_new(inbox, "folder", json_string(dir));
	{
		/* files waiting in the folder, as the daemon would see them */
		struct ds_inbox_opts io = { .dir = dir };
		ds_inbox *ib = NULL;
		struct ds_inbox_entry *e = NULL;
		size_t ne = 0;
		if (ds_inbox_new(&ib, h->catalog, h->store, &io) == 0 && ds_inbox_list(ib, &e, &ne) == 0)
			json_object_set_new(inbox, "waiting", json_integer((json_int_t)ne));
		else
			json_object_set_new(inbox, "waiting", json_null());
		free(e);
		ds_inbox_free(ib);
	}
	if ((err = ds_catalog_inbox_count(h->catalog, DS_INBOX_STATE_INGESTED, &n)) < 0)
		goto done;
	json_object_set_new(inbox, "ingested", json_integer(n));
	if ((err = ds_catalog_inbox_count(h->catalog, DS_INBOX_STATE_REJECTED, &n)) < 0)
		goto done;
	json_object_set_new(inbox, "rejected", json_integer(n));
	json_object_set_new(o, "inbox", inbox);
	inbox = NULL;
	if ((err = counts(h->catalog, DS_JOB_INGEST, ing)) < 0 ||
	    (err = counts(h->catalog, DS_JOB_OCR, ocr)) < 0)
		goto done;
	json_object_set_new(q, "ingest", ing);
	json_object_set_new(q, "ocr", ocr);
	ing = ocr = NULL;
	{
		/* what is waiting, oldest first */
		json_t *waiting = json_array();
		if ((err = ds_catalog_job_list(h->catalog, NULL, DS_JOB_QUEUED, 0, &jobs, &njobs)) < 0) {
			json_decref(waiting);
			goto done;
		}
		for (size_t i = njobs; i-- > 0 && json_array_size(waiting) < 50;)
			json_array_append_new(waiting,
					      json_pack("{s:s, s:o, s:i, s:o}", "kind", jobs[i].kind,
							"subject", outside_str(jobs[i].subject), "attempts",
							jobs[i].attempts, "since",
							time_or_null(h, jobs[i].created_at)));
		json_object_set_new(q, "waiting", waiting);
		free(jobs);
		jobs = NULL;
	}
	json_object_set_new(o, "queue", q);
	q = NULL;
	if (running) {
		if ((err = ds_catalog_worker_list(h->catalog, &w, &nw)) < 0)
			goto done;
		for (size_t i = 0; i < nw; i++)
			json_array_append_new(workers,
					      json_pack("{s:s, s:I, s:s, s:o, s:o}", "name", w[i].name,
							"pid", (json_int_t)w[i].pid, "state", w[i].state, "job",
							outside_str(w[i].job), "since", time_or_null(h, w[i].since)));
	}
	json_object_set_new(o, "workers", workers);
	workers = NULL;
	if ((err = ds_catalog_inbox_list(h->catalog, DS_INBOX_STATE_REJECTED, nerr, &rows, &nrows)) < 0)
		goto done;
	for (size_t i = 0; i < nrows; i++)
		json_array_append_new(errors, json_pack("{s:s, s:o, s:o, s:o, s:o}", "what", "file",
							"name", outside_str(rows[i].name), "reason",
							outside_str(rows[i].reason), "moved_to",
							outside_str(rows[i].dest), "at",
							time_or_null(h, rows[i].at)));
	if ((err = ds_catalog_job_list(h->catalog, DS_JOB_OCR, DS_JOB_FAILED, nerr, &jobs, &njobs)) < 0)
		goto done;
	for (size_t i = 0; i < njobs; i++)
		json_array_append_new(errors, json_pack("{s:s, s:s, s:s, s:o}", "what", "ocr", "name",
							jobs[i].subject, "reason", jobs[i].error,
							"at", time_or_null(h, jobs[i].updated_at)));
	json_object_set_new(o, "last_errors", errors);
	errors = NULL;
	*out = o;
	o = NULL; /* transferred */
done:
	free(w);
	free(rows);
	free(jobs);
	json_decref(o);
	json_decref(q);
	json_decref(ing);
	json_decref(ocr);
	json_decref(workers);
	json_decref(errors);
	json_decref(inbox);
	return err;
}

static void print_text(json_t *o)
{
	json_t *q = json_object_get(o, "queue"), *ib = json_object_get(o, "inbox"), *v;
	char a[4 * DS_REASON_MAX], b[4 * DS_REASON_MAX];
	size_t i;

	if (json_is_true(json_object_get(o, "running")))
		printf("dossierd:  running (pid %lld)\n",
		       (long long)json_integer_value(json_object_get(o, "pid")));
	else
		printf("dossierd:  not running\n");
	printf("inbox:     %s\n", shown(json_object_get(ib, "folder"), a, sizeof(a)));
	printf("           %lld waiting, %lld ingested, %lld rejected so far\n",
	       (long long)json_integer_value(json_object_get(ib, "waiting")),
	       (long long)json_integer_value(json_object_get(ib, "ingested")),
	       (long long)json_integer_value(json_object_get(ib, "rejected")));
	for (int k = 0; k < 2; k++) {
		const char *kind = k ? "ocr" : "ingest";
		json_t *c = json_object_get(q, kind);
		printf("%-10s %lld queued, %lld running, %lld done, %lld failed%s\n",
		       k ? "ocr jobs:" : "ingest:",
		       (long long)json_integer_value(json_object_get(c, "queued")),
		       (long long)json_integer_value(json_object_get(c, "running")),
		       (long long)json_integer_value(json_object_get(c, "done")),
		       (long long)json_integer_value(json_object_get(c, "failed")),
		       k && !json_is_true(json_object_get(o, "ocr")) ? "  (OCR off)" : "");
	}
	json_array_foreach(json_object_get(q, "waiting"), i, v)
		printf("  queued   %-6s %s (attempts %lld)\n",
		       json_string_value(json_object_get(v, "kind")),
		       shown(json_object_get(v, "subject"), a, sizeof(a)),
		       (long long)json_integer_value(json_object_get(v, "attempts")));
	if (json_array_size(json_object_get(o, "workers")))
		printf("workers:\n");
	json_array_foreach(json_object_get(o, "workers"), i, v)
		printf("  %-8s %-10s %s\n", json_string_value(json_object_get(v, "name")),
		       json_string_value(json_object_get(v, "state")),
		       shown(json_object_get(v, "job"), a, sizeof(a)));
	if (json_array_size(json_object_get(o, "last_errors")))
		printf("last errors:\n");
	json_array_foreach(json_object_get(o, "last_errors"), i, v) {
		json_t *at = json_object_get(v, "at");
		printf("  %s  %s: %s\n", json_is_string(at) ? json_string_value(at) : "",
		       shown(json_object_get(v, "name"), a, sizeof(a)),
		       shown(json_object_get(v, "reason"), b, sizeof(b)));
	}
}

static int run(struct ds_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { { "errors", required_argument, NULL, 'e' },
					      { "json", no_argument, NULL, 'j' },
					      { "help", no_argument, NULL, 'h' },
					      { 0 } };
	ds_home *h = NULL;
	json_t *o = NULL;
	long nerr = 10;
	int c, err = 0;

	while ((c = ds_cli_getopt(cli, argc, argv, "h", opts)) != -1) {
		switch (c) {
		case 'e': {
			long long v;
			if (ds_cli_opt_int(cli, "--errors", optarg, 0, 1000, &v) != 0)
				return DS_EXIT_USAGE;
			nerr = (long)v;
			break;
		}
		case 'j': cli->json = 1; break;
		case 'h': return ds_cli_help(&ds_cmd_status, options);
		default: return ds_cli_usage(cli, &ds_cmd_status);
		}
	}
	if (optind != argc)
		return ds_cli_usage(cli, &ds_cmd_status);
	if ((err = ds_cli_open_home(cli, &h)) < 0)
		goto done;
	if ((err = build(h, (size_t)nerr, &o)) < 0)
		goto done;
	if (cli->json)
		ds_cli_print_json(o);
	else
		print_text(o);
done:
	json_decref(o);
	ds_home_free(h);
	return err < 0 ? ds_cli_fail(cli, err) : 0;
}
