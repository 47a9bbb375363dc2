#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dossier/catalog.h"
#include "dossier/clock.h"
#include "dossier/error.h"
#include "testutil.h"

struct fixture {
	char *dir;
	char db[4200];
	ds_catalog *c;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	f->dir = ds_test_tmpdir();
	snprintf(f->db, sizeof f->db, "%s/catalog.db", f->dir);
	if (ds_catalog_open(&f->c, f->db, 1) < 0)
		return -1;
	struct ds_procedure p = {.code = "1.004227", .name = "Cấp giấy chứng nhận quyền sử dụng đất",
				 .department = "STNMT", .days = 15};
	if (ds_catalog_department_add(f->c, "STNMT", "Sở Tài nguyên và Môi trường") < 0 ||
	    ds_catalog_procedure_add(f->c, &p) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	ds_catalog_free(f->c);
	ds_test_rm_rf(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static struct ds_dossier_new newd(int64_t t)
{
	struct ds_dossier_new d = {.agency_id = "000.00.24.H05", .procedure = "1.004227",
				   .applicant_id = "001090000001", .applicant_name = "Nguyễn Văn An",
				   .received_at = t, .due_at = t + 86400, .utc_offset = 25200,
				   .actor = "clerk1"};
	return d;
}

static void test_schema_version_and_refusal(void **state)
{
	struct fixture *f = *state;
	int v;
	assert_int_equal(ds_catalog_schema_version(f->c, &v), 0);
	assert_int_equal(v, ds_catalog_schema_latest());
	/* A catalog from a newer dossier is refused, not silently used. */
	sqlite3 *db;
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	char sql[64];
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", ds_catalog_schema_latest() + 1);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	ds_catalog *c2 = NULL;
	assert_int_equal(ds_catalog_open(&c2, f->db, 0), DS_EUNSUPPORTED);
	assert_non_null(strstr(ds_error_last(), "newer"));
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", ds_catalog_schema_latest());
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* A version-1 catalog (as the first release wrote it) migrates forward,
 * keeping its rows. */
static void test_forward_migration(void **state)
{
	struct fixture *f = *state;
	char path[4300], code[DS_CODE_MAX];
	snprintf(path, sizeof path, "%s/old.db", f->dir);
	ds_catalog *c = NULL;
	assert_int_equal(ds_catalog_open_version(&c, path, 1, 1), 0);
	int v;
	assert_int_equal(ds_catalog_schema_version(c, &v), 0);
	assert_int_equal(v, 1);
	struct ds_procedure p = {.code = "1.000894", .name = "x", .department = "TP", .days = 3};
	assert_int_equal(ds_catalog_department_add(c, "TP", "Sở Tư pháp"), 0);
	assert_int_equal(ds_catalog_procedure_add(c, &p), 0);
	struct ds_dossier_new d = newd(ds_now());
	d.procedure = "1.000894";
	assert_int_equal(ds_catalog_dossier_create(c, &d, code), 0);
	ds_catalog_free(c);
	assert_int_equal(ds_catalog_open(&c, path, 0), 0);
	assert_int_equal(ds_catalog_schema_version(c, &v), 0);
	assert_int_equal(v, ds_catalog_schema_latest());
	struct ds_dossier got;
	assert_int_equal(ds_catalog_dossier_get(c, code, &got), 0);
	assert_string_equal(got.procedure, "1.000894");
	/* v8 chained the event already there and recorded that it did. */
	struct ds_event_head head;
	uint64_t nev = 0;
	assert_int_equal(ds_catalog_event_chain_verify(c, &head, &nev), 0);
	assert_int_equal(nev, 2);
	assert_int_equal(head.id, 2);
	struct ds_event *ev = NULL;
	size_t n = 0;
	assert_int_equal(ds_catalog_event_list(c, NULL, &ev, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(ev[0].action, "events_chained");
	assert_non_null(strstr(ev[0].detail, "1 events (ids 1 to 1)"));
	free(ev);
	/* New events link on. */
	assert_int_equal(ds_catalog_event_add(c, code, "lan", "note", "after"), 0);
	assert_int_equal(ds_catalog_event_chain_verify(c, &head, &nev), 0);
	assert_int_equal(head.id, 3);
	ds_catalog_free(c);
}

static void test_codes_sequence_and_widening(void **state)
{
	struct fixture *f = *state;
	int64_t t;
	assert_int_equal(ds_time_parse("2025-11-26T08:14:03+07:00", &t), 0);
	char code[DS_CODE_MAX];
	struct ds_dossier_new d = newd(t);
	assert_int_equal(ds_catalog_dossier_create(f->c, &d, code), 0);
	assert_string_equal(code, "000.00.24.H05-251126-0001");
	assert_int_equal(ds_catalog_dossier_create(f->c, &d, code), 0);
	assert_string_equal(code, "000.00.24.H05-251126-0002");
	/* The local date counts: 20:00 UTC on the 26th is the 27th at +07:00. */
	assert_int_equal(ds_time_parse("2025-11-26T20:00:00Z", &t), 0);
	d = newd(t);
	assert_int_equal(ds_catalog_dossier_create(f->c, &d, code), 0);
	assert_string_equal(code, "000.00.24.H05-251127-0001");
	/* A day with more than 9999 dossiers widens the sequence. */
	assert_int_equal(ds_time_parse("2025-11-28T09:00:00+07:00", &t), 0);
	d = newd(t);
	assert_int_equal(ds_catalog_begin(f->c), 0);
	for (int i = 0; i < 10000; i++)
		assert_int_equal(ds_catalog_dossier_create(f->c, &d, code), 0);
	assert_int_equal(ds_catalog_commit(f->c), 0);
	assert_string_equal(code, "000.00.24.H05-251128-10000");
	struct ds_dossier got;
	assert_int_equal(ds_catalog_dossier_get(f->c, "000.00.24.H05-251128-9999", &got), 0);
	assert_string_equal(got.state, "received");
	assert_string_equal(got.applicant_name, "Nguyễn Văn An");
	/* unknown procedure refused, nothing inserted */
	d.procedure = "9.999999";
	assert_int_equal(ds_catalog_dossier_create(f->c, &d, code), DS_ENOTFOUND);
}

/* Several processes intaking at the same moment never share a code. */
static void test_concurrent_processes_get_distinct_codes(void **state)
{
	struct fixture *f = *state;
	enum { PROCS = 6, EACH = 25 };
	int64_t t;
	assert_int_equal(ds_time_parse("2025-12-01T09:00:00+07:00", &t), 0);
	pid_t pids[PROCS];
	for (int p = 0; p < PROCS; p++) {
		pids[p] = fork();
		assert_true(pids[p] >= 0);
		if (pids[p] == 0) {
			ds_catalog *c = NULL;
			if (ds_catalog_open(&c, f->db, 0) < 0)
				_exit(2);
			struct ds_dossier_new d = newd(t);
			char code[DS_CODE_MAX];
			for (int i = 0; i < EACH; i++)
				if (ds_catalog_dossier_create(c, &d, code) < 0)
					_exit(3);
			ds_catalog_free(c);
			_exit(0);
		}
	}
	for (int p = 0; p < PROCS; p++) {
		int status;
		assert_int_equal(waitpid(pids[p], &status, 0), pids[p]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	sqlite3 *db;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db,
					    "SELECT COUNT(*), COUNT(DISTINCT code), MIN(seq), MAX(seq) "
					    "FROM dossiers WHERE day = '251201'",
					    -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), PROCS * EACH);
	assert_int_equal(sqlite3_column_int(st, 1), PROCS * EACH);
	assert_int_equal(sqlite3_column_int(st, 2), 1);
	assert_int_equal(sqlite3_column_int(st, 3), PROCS * EACH);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static void test_events_append_only_and_states(void **state)
{
	struct fixture *f = *state;
	char code[DS_CODE_MAX];
	struct ds_dossier_new d = newd(ds_now());
	assert_int_equal(ds_catalog_dossier_create(f->c, &d, code), 0);
	assert_int_equal(ds_catalog_dossier_set_state(f->c, code, "sealed", "x", NULL, NULL),
			 DS_ESTATE);
	assert_int_equal(ds_catalog_dossier_set_state(f->c, code, "digitized", "ocr", NULL, "3 pages"),
			 0);
	assert_int_equal(ds_catalog_dossier_set_state(f->c, code, "bogus", "x", NULL, NULL),
			 DS_EINVALID);
	struct ds_event *ev = NULL;
	size_t n;
	assert_int_equal(ds_catalog_event_list(f->c, code, &ev, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(ev[0].action, "received");
	assert_string_equal(ev[0].actor, "clerk1");
	assert_string_equal(ev[1].action, "digitized");
	free(ev);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db, "UPDATE events SET actor = 'mallory'", NULL, NULL, NULL),
			     SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db, "DELETE FROM events", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	/* pages: numbered per kind from 1 */
	struct ds_page p = {.sha256 = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
			    .width = 10, .height = 20, .dpi = 300, .bits = 1};
	int num;
	assert_int_equal(ds_catalog_page_add(f->c, code, &p, &num), 0);
	assert_int_equal(num, 1);
	memcpy(p.kind, "cover", 6);
	assert_int_equal(ds_catalog_page_add(f->c, code, &p, &num), 0);
	assert_int_equal(num, 1);
	memcpy(p.kind, "page", 5);
	assert_int_equal(ds_catalog_page_add(f->c, code, &p, &num), 0);
	assert_int_equal(num, 2);
	struct ds_page *pages = NULL;
	assert_int_equal(ds_catalog_page_list(f->c, code, "page", &pages, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(pages[0].ocr_state, "pending");
	free(pages);
	assert_int_equal(ds_catalog_page_list(f->c, code, "cover", &pages, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(pages[0].ocr_state, "skipped");
	free(pages);
}


/* Runs `sql` on the catalog file as someone with the file would. */
static void raw(const char *db, const char *sql)
{
	sqlite3 *h;
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
}

static void expect_broken(struct fixture *f, const char *what)
{
	ds_catalog *c = NULL;
	assert_int_equal(ds_catalog_open(&c, f->db, 0), 0);
	assert_int_equal(ds_catalog_event_chain_verify(c, NULL, NULL), DS_ECORRUPT);
	if (strstr(ds_error_last(), what) == NULL)
		fail_msg("\"%s\" not in \"%s\"", what, ds_error_last());
	ds_catalog_free(c);
}

/* The event chain: whole after honest writes; the schema refuses an event
 * without the next id and a hash; each edit that did not recompute the
 * chain is found at its first broken link. */
static void test_event_chain(void **state)
{
	struct fixture *f = *state;
	char code[DS_CODE_MAX], sql[256];
	struct ds_dossier_new d = newd(ds_now());
	struct ds_event_head head, stored;
	unsigned char h[DS_EVENT_HASH_LEN];
	uint64_t n = 0;

	assert_int_equal(ds_catalog_dossier_create(f->c, &d, code), 0);
	assert_int_equal(ds_catalog_dossier_set_state(f->c, code, "digitized", "ocr", NULL, "3"), 0);
	assert_int_equal(ds_catalog_event_add(f->c, NULL, "admin", "site_note", "line1\nline2"), 0);
	assert_int_equal(ds_catalog_event_add_for(f->c, code, "lan", "clerk2", "note", ""), 0);
	assert_int_equal(ds_catalog_event_chain_verify(f->c, &head, &n), 0);
	assert_int_equal(ds_catalog_event_head(f->c, &stored), 0);
	assert_int_equal(head.id, stored.id);
	assert_memory_equal(head.hash, stored.hash, DS_EVENT_HASH_LEN);
	assert_int_equal(ds_catalog_event_hash(f->c, head.id, h), 0);
	assert_memory_equal(h, head.hash, DS_EVENT_HASH_LEN);
	assert_int_equal(ds_catalog_event_hash(f->c, head.id + 1, h), DS_ENOTFOUND);
	int64_t last = head.id;
	ds_catalog_free(f->c);
	f->c = NULL;

	/* honest software cannot skip the chain */
	sqlite3 *db;
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db, "INSERT INTO events(at, actor, action) "
					  "VALUES(1, 'm', 'x')", NULL, NULL, NULL), SQLITE_OK);
	snprintf(sql, sizeof sql, "INSERT INTO events(id, at, actor, action, hash) "
		 "VALUES(%lld, 1, 'm', 'x', zeroblob(32))", (long long)last + 5);
	assert_int_not_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	/* re-attribute the last event: found at that event */
	raw(f->db, "DROP TRIGGER events_no_update");
	snprintf(sql, sizeof sql, "UPDATE events SET actor = 'mallory' WHERE id = %lld", (long long)last);
	raw(f->db, sql);
	snprintf(sql, sizeof sql, "broken at event %lld: it was changed", (long long)last);
	expect_broken(f, sql);
	/* the applicant renamed in the dossier row: its first event breaks */
	raw(f->db, "UPDATE dossiers SET applicant_name = 'Nguyen Van B'");
	expect_broken(f, "broken at event 2: it was changed"); /* 1: the chain start */
	/* put back, the chain is whole again */
	raw(f->db, "UPDATE dossiers SET applicant_name = 'Nguyễn Văn An'");
	snprintf(sql, sizeof sql, "UPDATE events SET actor = 'lan' WHERE id = %lld", (long long)last);
	raw(f->db, sql);
	assert_int_equal(ds_catalog_open(&f->c, f->db, 0), 0);
	assert_int_equal(ds_catalog_event_chain_verify(f->c, NULL, NULL), 0);
	ds_catalog_free(f->c);
	f->c = NULL;
	/* on_behalf_of is chained too */
	snprintf(sql, sizeof sql, "UPDATE events SET on_behalf_of = NULL WHERE id = %lld", (long long)last);
	raw(f->db, sql);
	snprintf(sql, sizeof sql, "broken at event %lld", (long long)last);
	expect_broken(f, sql);
	snprintf(sql, sizeof sql, "UPDATE events SET on_behalf_of = 'clerk2' WHERE id = %lld", (long long)last);
	raw(f->db, sql);
	/* a deleted event in the middle names the gap */
	raw(f->db, "DROP TRIGGER events_no_delete");
	raw(f->db, "DELETE FROM events WHERE id = 3");
	expect_broken(f, "broken at event 4: event 3 is missing (deleted)");
	/* the triggers are gone, and that is seen too */
	assert_int_equal(ds_catalog_open(&f->c, f->db, 0), 0);
	char missing[256];
	assert_int_equal(ds_catalog_event_triggers_check(f->c, missing, sizeof missing), 2);
	assert_string_equal(missing, "events_no_update, events_no_delete");
}

/* A message that wraps the one before it (ds_error_set(code, "x: %s",
 * ds_error_last())), as callers do when they add context. */
static void test_error_wraps_last(void **state)
{
	(void)state;
	ds_error_set(DS_ECORRUPT, "event chain broken at event %d", 7);
	ds_error_set(DS_ECORRUPT, "seal log: %s; refusing to sign", ds_error_last());
	assert_string_equal(ds_error_last(), "seal log: event chain broken at event 7; refusing to sign");
	ds_error_set_errno(DS_EIO, 2, "%s", ds_error_last());
	assert_non_null(strstr(ds_error_last(), "seal log: event chain broken at event 7; refusing to sign: "));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_schema_version_and_refusal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forward_migration, setup, teardown),
		cmocka_unit_test_setup_teardown(test_codes_sequence_and_widening, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_processes_get_distinct_codes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_events_append_only_and_states, setup, teardown),
		cmocka_unit_test_setup_teardown(test_event_chain, setup, teardown),
		cmocka_unit_test(test_error_wraps_last),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
