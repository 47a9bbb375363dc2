/* The daemon's catalog queue and inbox records, sidecars, file names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <cmocka.h>

#include <leptonica/allheaders.h>

#include "dossier/catalog.h"
#include "dossier/catalog_daemon.h"
#include "dossier/error.h"
#include "dossier/fs.h"
#include "dossier/inbox.h"
#include "dossier/intake.h"
#include "dossier/store.h"
#include "testutil.h"

static int parse(const char *json, struct ds_sidecar *sc)
{
	return ds_sidecar_parse(sc, "sidecar a.json", (const unsigned char *)json, strlen(json));
}

static void test_sidecar(void **state)
{
	struct ds_sidecar sc;
	(void)state;

	assert_int_equal(parse("{\"dossier\": \"000.00.53.H48-220921-0099\"}", &sc), 0);
	assert_string_equal(sc.dossier, "000.00.53.H48-220921-0099");
	assert_int_equal(parse("{\"procedure\": \"1.004227\", \"applicant_id\": \"001\", "
			       "\"applicant_name\": \"Nguyễn Văn An\", \"actor\": \"clerk\"}", &sc), 0);
	assert_string_equal(sc.dossier, "");
	assert_string_equal(sc.applicant_name, "Nguyễn Văn An");
	assert_string_equal(sc.actor, "clerk");

	/* refused: each names the sidecar and the reason */
	assert_int_equal(parse("{\"dossier\": \"X-1\"}", &sc), DS_EINVALID);
	assert_non_null(strstr(ds_error_last(), "not a dossier code"));
	assert_int_equal(parse("{\"dossier\": \"A-251126-0001\", \"dossier\": \"A-251126-0002\"}", &sc),
			 DS_EINVALID);
	assert_non_null(strstr(ds_error_last(), "sidecar a.json"));
	assert_int_equal(parse("{\"dossier\": \"A-251126-0001\", \"extra\": 1}", &sc), DS_EINVALID);
	assert_non_null(strstr(ds_error_last(), "unknown key \"extra\""));
	assert_int_equal(parse("{\"dossier\": 5}", &sc), DS_EINVALID);
	assert_int_equal(parse("[\"A-251126-0001\"]", &sc), DS_EINVALID);
	assert_int_equal(parse("{\"dossier\": \"A-251126-0001\"", &sc), DS_EINVALID);
	assert_int_equal(parse("{}", &sc), DS_EINVALID);
	assert_int_equal(parse("{\"procedure\": \"1.004227\", \"applicant_id\": \"001\"}", &sc),
			 DS_EINVALID);
	assert_int_equal(parse("{\"dossier\": \"A-251126-0001\", \"procedure\": \"1.004227\"}", &sc),
			 DS_EINVALID);
	assert_int_equal(parse("{\"procedure\": \"1.004227\", \"applicant_id\": \"0\\u00001\", "
			       "\"applicant_name\": \"x\"}", &sc), DS_EINVALID);
	assert_int_equal(parse("{\"procedure\": \"1.004227\", \"applicant_id\": \"001\", "
			       "\"applicant_name\": \"a\\nb\"}", &sc), DS_EINVALID);
	assert_int_equal(parse("{\"dossier\": \"\"}", &sc), DS_EINVALID);
	{
		/* too long a field, too big a file */
		char *big = malloc(DS_SIDECAR_BYTES_MAX + 64);
		int n = snprintf(big, 64, "{\"applicant_name\": \"");
		memset(big + n, 'a', DS_NAME_MAX + 10);
		memcpy(big + n + DS_NAME_MAX + 10, "\"}", 3);
		assert_int_equal(parse(big, &sc), DS_ETOOBIG);
		memset(big, ' ', DS_SIDECAR_BYTES_MAX + 10);
		big[DS_SIDECAR_BYTES_MAX + 10] = 0;
		assert_int_equal(ds_sidecar_parse(&sc, "s", (unsigned char *)big, strlen(big)), DS_ETOOBIG);
		free(big);
	}
}

static void test_names(void **state)
{
	(void)state;
	assert_true(ds_inbox_name_candidate("scan0001.tif"));
	assert_true(ds_inbox_name_candidate("000.00.53.H48-220921-0099.png"));
	assert_false(ds_inbox_name_candidate(".scan.tif"));
	assert_false(ds_inbox_name_candidate("scan.tif.json"));
	assert_false(ds_inbox_name_candidate("scan.tif.error.txt"));
	assert_false(ds_inbox_name_candidate("scan.tif.part"));
	assert_false(ds_inbox_name_candidate("scan.TMP"));
	assert_false(ds_inbox_name_candidate("scan.tif~"));
	assert_false(ds_inbox_name_candidate("a/b.tif"));
	assert_false(ds_inbox_name_candidate(""));
	assert_false(ds_inbox_name_candidate(NULL));
}

/* One escaping for names from outside (issue 14 item 4). */
static void test_escape(void **state)
{
	char out[256];
	(void)state;
	assert_string_equal(ds_text_escape(out, sizeof(out), "\033[2J\033[31mFAKE OK"),
			    "\\x1b[2J\\x1b[31mFAKE OK");
	assert_string_equal(ds_text_escape(out, sizeof(out), "Hồ sơ số 1.tif"), "Hồ sơ số 1.tif");
	assert_string_equal(ds_text_escape(out, sizeof(out), "a\\b\tc\nd\x7f"),
			    "a\\\\b\\x09c\\x0ad\\x7f");
	/* not UTF-8, a C1 CSI (U+009B), a right-to-left override (U+202E) */
	assert_string_equal(ds_text_escape(out, sizeof(out), "x\xff\xc3" "("), "x\\xff\\xc3(");
	assert_string_equal(ds_text_escape(out, sizeof(out), "\xc2\x9b" "31m"), "\\u{009b}31m");
	assert_string_equal(ds_text_escape(out, sizeof(out), "fdp.\xe2\x80\xae" "exe"),
			    "fdp.\\u{202e}exe");
	/* cut before an escape that does not fit, never inside one */
	assert_string_equal(ds_text_escape(out, 6, "ab\033cd"), "ab");
	assert_string_equal(ds_text_escape(out, 7, "ab\033cd"), "ab\\x1b");
	assert_string_equal(ds_text_escape(out, 5, "aồb"), "aồ"); /* ồ: 3 bytes */
	assert_string_equal(ds_text_escape(out, 4, "aồb"), "a");
	assert_string_equal(ds_text_escape(out, sizeof(out), NULL), "");
}

/* A local writer holding an inbox file open is seen, by a lease (SIGIO
 * ignored, as in dossierd) and by /proc (SIGIO left to its default). */
static void test_writing(void **state)
{
	char *dir = ds_test_tmpdir(), path[4200];
	ds_inbox *ib = NULL;
	struct ds_inbox_opts o = { 0 };
	(void)state;
	o.dir = dir;
	assert_int_equal(ds_inbox_new(&ib, NULL, NULL, &o), 0);
	snprintf(path, sizeof(path), "%s/scan.tif", dir);
	for (int lease = 0; lease < 2; lease++) {
		void (*old)(int) = signal(SIGIO, lease ? SIG_IGN : SIG_DFL);
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, "II*\0", 4), 4);
		assert_int_equal(ds_inbox_writing(ib, "scan.tif"), 1);
		close(fd);
		assert_int_equal(ds_inbox_writing(ib, "scan.tif"), 0);
		fd = open(path, O_RDONLY); /* a reader is no writer */
		assert_int_equal(ds_inbox_writing(ib, "scan.tif"), 0);
		close(fd);
		assert_int_equal(ds_inbox_writing(ib, "gone.tif"), -1);
		signal(SIGIO, old);
	}
	ds_inbox_free(ib);
	ds_test_rm_rf(dir);
	free(dir);
}

static void test_queue(void **state)
{
	char *dir = ds_test_tmpdir(), path[4200];
	ds_catalog *c = NULL;
	struct ds_job j;
	int64_t id1 = 0, id2 = 0, n = 0;
	int added = 0;
	size_t k = 0;
	(void)state;

	snprintf(path, sizeof(path), "%s/catalog.db", dir);
	assert_int_equal(ds_catalog_open(&c, path, 1), 0);
	/* an event seen twice queues one job */
	assert_int_equal(ds_catalog_job_enqueue(c, DS_JOB_INGEST, "a.tif", &id1, &added), 0);
	assert_int_equal(added, 1);
	assert_int_equal(ds_catalog_job_enqueue(c, DS_JOB_INGEST, "a.tif", &id2, &added), 0);
	assert_int_equal(added, 0);
	assert_int_equal(id1, id2);
	assert_int_equal(ds_catalog_job_enqueue(c, DS_JOB_INGEST, "b.tif", NULL, &added), 0);
	assert_int_equal(ds_catalog_job_enqueue(c, "print", "x", NULL, NULL), DS_EINVALID);
	assert_int_equal(ds_catalog_job_enqueue(c, DS_JOB_OCR, "", NULL, NULL), DS_EINVALID);

	/* oldest first; a claimed job is running with its attempt counted */
	assert_int_equal(ds_catalog_job_claim(c, DS_JOB_INGEST, &j), 0);
	assert_string_equal(j.subject, "a.tif");
	assert_int_equal(j.attempts, 1);
	assert_int_equal(ds_catalog_job_enqueue(c, DS_JOB_INGEST, "a.tif", NULL, &added), 0);
	assert_int_equal(added, 0); /* running counts as live */
	assert_int_equal(ds_catalog_job_claim(c, DS_JOB_INGEST, &j), 0);
	assert_string_equal(j.subject, "b.tif");
	assert_int_equal(ds_catalog_job_claim(c, DS_JOB_INGEST, &j), DS_ENOTFOUND);
	assert_int_equal(ds_catalog_job_claim(c, DS_JOB_OCR, &j), DS_ENOTFOUND);

	/* a crash: both go back, the attempts stay counted */
	assert_int_equal(ds_catalog_jobs_recover(c, DS_JOB_INGEST, &k), 0);
	assert_int_equal(k, 2);
	assert_int_equal(ds_catalog_job_claim(c, DS_JOB_INGEST, &j), 0);
	assert_int_equal(j.attempts, 2);
	assert_int_equal(j.interrupted, 1); /* the process died holding it */
	/* a clean stop refunds the attempt, and is no interruption */
	assert_int_equal(ds_catalog_job_requeue(c, j.id, 1, "stopped"), 0);
	assert_int_equal(ds_catalog_job_claim(c, DS_JOB_INGEST, &j), 0);
	assert_int_equal(j.attempts, 2);
	assert_int_equal(j.interrupted, 1);
	assert_string_equal(j.error, "stopped");
	assert_int_equal(ds_catalog_job_finish(c, j.id, DS_JOB_DONE, NULL), 0);
	assert_int_equal(ds_catalog_job_finish(c, j.id, "queued", NULL), DS_EINVALID);
	assert_int_equal(ds_catalog_job_finish(c, 999, DS_JOB_DONE, NULL), DS_ENOTFOUND);
	/* a finished subject may come again (a reused file name) */
	assert_int_equal(ds_catalog_job_enqueue(c, DS_JOB_INGEST, j.subject, NULL, &added), 0);
	assert_int_equal(added, 1);
	assert_int_equal(ds_catalog_job_count(c, DS_JOB_INGEST, DS_JOB_QUEUED, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(ds_catalog_job_count(c, NULL, NULL, &n), 0);
	assert_int_equal(n, 3);

	/* inbox records: the same bytes are ingested once */
	struct ds_inbox_file f, g, *rows = NULL;
	memset(&f, 0, sizeof(f));
	snprintf(f.name, sizeof(f.name), "a.tif");
	memset(f.sha256, 'a', 64);
	snprintf(f.state, sizeof(f.state), DS_INBOX_STATE_INGESTED);
	snprintf(f.dossiers, sizeof(f.dossiers), "A-251126-0001 A-251126-0002");
	snprintf(f.dest, sizeof(f.dest), "a.tif");
	assert_int_equal(ds_catalog_inbox_add(c, &f, &id1), 0);
	assert_int_equal(ds_catalog_inbox_add(c, &f, &id2), DS_EEXISTS);
	snprintf(f.state, sizeof(f.state), DS_INBOX_STATE_REJECTED);
	snprintf(f.reason, sizeof(f.reason), "already ingested as A-251126-0001");
	assert_int_equal(ds_catalog_inbox_add(c, &f, &id2), 0);
	assert_int_equal(ds_catalog_inbox_add(c, &f, NULL), 0); /* rejections may repeat */
	snprintf(f.state, sizeof(f.state), "lost");
	assert_int_equal(ds_catalog_inbox_add(c, &f, NULL), DS_EINVALID);
	assert_int_equal(ds_catalog_inbox_find(c, f.sha256, &g), 0);
	assert_int_equal(g.id, id1);
	assert_string_equal(g.dossiers, "A-251126-0001 A-251126-0002");
	char other[65];
	memset(other, 'b', 64);
	other[64] = 0;
	assert_int_equal(ds_catalog_inbox_find(c, other, &g), DS_ENOTFOUND);
	assert_int_equal(ds_catalog_inbox_pending(c, &rows, &k), 0);
	assert_int_equal(k, 3);
	free(rows);
	assert_int_equal(ds_catalog_inbox_moved(c, id1), 0);
	assert_int_equal(ds_catalog_inbox_pending(c, &rows, &k), 0);
	assert_int_equal(k, 2);
	assert_int_equal(rows[0].id, id2);
	free(rows);
	assert_int_equal(ds_catalog_inbox_list(c, DS_INBOX_STATE_REJECTED, 1, &rows, &k), 0);
	assert_int_equal(k, 1);
	assert_string_equal(rows[0].reason, "already ingested as A-251126-0001");
	free(rows);
	assert_int_equal(ds_catalog_inbox_count(c, NULL, &n), 0);
	assert_int_equal(n, 3);

	/* workers */
	struct ds_worker w, *ws = NULL;
	memset(&w, 0, sizeof(w));
	snprintf(w.name, sizeof(w.name), "watcher");
	w.pid = 42;
	snprintf(w.state, sizeof(w.state), "idle");
	assert_int_equal(ds_catalog_worker_set(c, &w), 0);
	snprintf(w.state, sizeof(w.state), "ingesting");
	assert_int_equal(ds_catalog_worker_set(c, &w), 0);
	assert_int_equal(ds_catalog_worker_list(c, &ws, &k), 0);
	assert_int_equal(k, 1);
	assert_string_equal(ws[0].state, "ingesting");
	free(ws);
	assert_int_equal(ds_catalog_worker_clear(c, 42), 0);
	assert_int_equal(ds_catalog_worker_list(c, &ws, &k), 0);
	assert_int_equal(k, 0);
	free(ws);

	ds_catalog_free(c);
	ds_test_rm_rf(dir);
	free(dir);
}

/* Two ingests side by side (dossierd's ingest threads) store the same page
 * from two different files: the second finds the blob there and does not
 * count it as its own. (1) The first gives up before the second commits:
 * the blob goes, and the second notices before it commits rows that name
 * it (ds_ingest_stored). (2) The second commits first: the first, giving
 * up, keeps the blob the catalog now names and removes only its own file.
 * Both under the store's lock (ds_ingest_lock, ds_ingest_abort_unnamed),
 * which a second handle on the same store must wait for. */
static void test_same_page_twice(void **state)
{
	char *dir = ds_test_tmpdir(), path[4200], f1[4200], f2[4200], code[DS_CODE_MAX];
	ds_store *st = NULL;
	ds_catalog *c = NULL;
	ds_ingest *a = NULL, *b = NULL;
	(void)state;

	snprintf(f1, sizeof(f1), "%s/one.tif", dir);
	snprintf(f2, sizeof(f2), "%s/two.png", dir);
	PIX *pix = pixCreate(320, 200, 1);
	assert_non_null(pix);
	pixSetResolution(pix, 200, 200);
	pixRasterop(pix, 20, 20, 120, 30, PIX_SET, NULL, 0, 0);
	/* LZW: the file differs from the page blob (G4) that both ingests store */
	assert_int_equal(pixWrite(f1, pix, IFF_TIFF_LZW), 0);
	assert_int_equal(pixWrite(f2, pix, IFF_PNG), 0);
	pixDestroy(&pix);

	/* (1) */
	snprintf(path, sizeof(path), "%s/store1", dir);
	assert_int_equal(ds_store_open(&st, path, 1), 0);
	assert_int_equal(ds_ingest_new(&a, st, NULL), 0);
	assert_int_equal(ds_ingest_add_file(a, f1, "one.tif"), 0);
	assert_int_equal(ds_ingest_new(&b, st, NULL), 0);
	assert_int_equal(ds_ingest_add_file(b, f2, "two.png"), 0);
	assert_int_equal(ds_ingest_page_count(b), 1);
	assert_int_equal(ds_ingest_stored(a), 0);
	assert_int_equal(ds_ingest_stored(b), 0);
	ds_ingest_free(a);
	assert_int_equal(ds_ingest_stored(b), DS_ENOTFOUND);
	assert_non_null(strstr(ds_error_last(), "no longer in the store"));
	ds_ingest_free(b);
	ds_store_free(st);

	/* (2) */
	snprintf(path, sizeof(path), "%s/store2", dir);
	assert_int_equal(ds_store_open(&st, path, 1), 0);
	snprintf(path, sizeof(path), "%s/catalog.db", dir);
	assert_int_equal(ds_catalog_open(&c, path, 1), 0);
	struct ds_procedure p = {.code = "1.000001", .name = "Thủ tục", .department = "B", .days = 5};
	assert_int_equal(ds_catalog_department_add(c, "B", "Sở"), 0);
	assert_int_equal(ds_catalog_procedure_add(c, &p), 0);
	struct ds_dossier_new dn = {.agency_id = "000.00.24.H05", .procedure = "1.000001",
				    .applicant_id = "1", .applicant_name = "Nguyễn Văn An",
				    .received_at = 1764000000, .due_at = 1764800000,
				    .utc_offset = 25200, .actor = "test"};
	assert_int_equal(ds_catalog_dossier_create(c, &dn, code), 0);
	assert_int_equal(ds_ingest_new(&a, st, NULL), 0);
	assert_int_equal(ds_ingest_add_file(a, f1, "one.tif"), 0);
	assert_int_equal(ds_ingest_new(&b, st, NULL), 0);
	assert_int_equal(ds_ingest_add_file(b, f2, "two.png"), 0);
	assert_int_equal(ds_ingest_commit(b, c, code, "test"), 0);
	ds_ingest_done(b);
	ds_ingest_abort_unnamed(a, c);
	assert_int_equal(ds_ingest_stored(b), 0);         /* the shared page stays */
	assert_int_equal(ds_ingest_stored(a), DS_ENOTFOUND); /* one.tif's own blob went */
	ds_ingest_free(a);
	ds_ingest_free(b);

	/* the lock: held through one handle, another handle waits (flock) */
	ds_store *other = NULL;
	snprintf(path, sizeof(path), "%s/store2", dir);
	assert_int_equal(ds_store_open(&other, path, 0), 0);
	assert_int_equal(ds_store_lock(st), 0);
	snprintf(path, sizeof(path), "%s/store2/.lock", dir);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), -1); /* busy */
	ds_store_unlock(st);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
	close(fd);
	assert_int_equal(ds_store_lock(other), 0);
	ds_store_unlock(other);
	ds_store_free(other);
	ds_catalog_free(c);
	ds_store_free(st);
	ds_test_rm_rf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sidecar),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_writing),
		cmocka_unit_test(test_queue),
		cmocka_unit_test(test_same_page_twice),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
