/* core/catalog_ocr.c: page results, diacritic- and case-folding search
 * (đ → d included), --exact, filters, reindexing, FTS5 syntax kept out,
 * the digitized transition. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "dossier/catalog.h"
#include "dossier/catalog_ocr.h"
#include "dossier/error.h"
#include "testutil.h"

#define SHA "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"

struct fixture {
	char *dir;
	char db[4200];
	ds_catalog *c;
	char a[DS_CODE_MAX], b[DS_CODE_MAX];
};

static void add_pages(ds_catalog *c, const char *code, int n)
{
	struct ds_page p = {.sha256 = SHA, .width = 10, .height = 20, .dpi = 300, .bits = 1};
	int num;
	memcpy(p.kind, "page", 5);
	for (int i = 0; i < n; i++)
		assert_int_equal(ds_catalog_page_add(c, code, &p, &num), 0);
	memcpy(p.kind, "cover", 6);
	assert_int_equal(ds_catalog_page_add(c, code, &p, &num), 0);
}

static void set_done(ds_catalog *c, const char *code, int number, const char *text)
{
	struct ds_page p = {.number = number, .ocr_confidence = 91.5, .rotation = 90, .skew = 1.5};
	memcpy(p.ocr_state, "done", 5);
	memcpy(p.text_sha256, SHA, 65);
	memcpy(p.language, "vie", 4);
	assert_int_equal(ds_catalog_ocr_page_set(c, code, &p, text), 0);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	f->dir = ds_test_tmpdir();
	snprintf(f->db, sizeof f->db, "%s/catalog.db", f->dir);
	if (ds_catalog_open(&f->c, f->db, 1) < 0)
		return -1;
	struct ds_procedure p = {.code = "1.004227", .name = "Đăng ký biến động đất đai",
				 .department = "STNMT", .days = 15};
	struct ds_procedure p2 = {.code = "2.000001", .name = "Cấp phép xây dựng",
				  .department = "STNMT", .days = 10};
	if (ds_catalog_department_add(f->c, "STNMT", "Sở Tài nguyên và Môi trường") < 0 ||
	    ds_catalog_procedure_add(f->c, &p) < 0 || ds_catalog_procedure_add(f->c, &p2) < 0)
		return -1;
	struct ds_dossier_new d = {.agency_id = "000.00.24.H05", .procedure = "1.004227",
				   .applicant_id = "001090000001", .applicant_name = "Nguyễn Văn An",
				   .received_at = 1764000000, .due_at = 1765000000,
				   .utc_offset = 25200, .actor = "clerk1"};
	if (ds_catalog_dossier_create(f->c, &d, f->a) < 0)
		return -1;
	d.procedure = "2.000001";
	d.applicant_name = "Trần Thị Bình";
	d.applicant_id = "001090000002";
	if (ds_catalog_dossier_create(f->c, &d, f->b) < 0)
		return -1;
	add_pages(f->c, f->a, 2);
	add_pages(f->c, f->b, 1);
	set_done(f->c, f->a, 1, "ĐƠN ĐĂNG KÝ BIẾN ĐỘNG ĐẤT ĐAI\nKính gửi: Văn phòng đăng ký");
	set_done(f->c, f->a, 2, "Người sử dụng đất: thửa số 215, tờ bản đồ số 7.");
	set_done(f->c, f->b, 1, "Giấy phép xây dựng nhà ở riêng lẻ. The quick brown fox.");
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

static size_t search(struct fixture *f, const char *text, int exact, const char *proc,
		     const char *st, struct ds_search_hit **hits)
{
	struct ds_search_query q = {.text = text, .exact = exact, .procedure = proc, .state = st,
				    .limit = 10, .mark_open = "[", .mark_close = "]"};
	size_t n = 99;
	assert_int_equal(ds_catalog_search(f->c, &q, hits, &n), 0);
	return n;
}

static void folds_diacritics_and_case(void **state)
{
	struct fixture *f = *state;
	struct ds_search_hit *h = NULL;
	const char *queries[] = {"dang ky", "ĐĂNG KÝ", "đăng ký", "Dang Ky", "DANG KY"};
	for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
		size_t n = search(f, queries[i], 0, NULL, NULL, &h);
		assert_int_equal(n, 1);
		assert_string_equal(h[0].code, f->a);
		assert_int_equal(h[0].page, 1);
		assert_non_null(strstr(h[0].snippet, "[ĐĂNG] [KÝ]"));
		free(h);
	}
	/* đ folded on both sides: "dat" finds "ĐẤT" and "đất" */
	assert_int_equal(search(f, "dat", 0, NULL, NULL, &h), 2);
	free(h);
	/* ư, ơ (horn) and ă (breve) fold too */
	assert_int_equal(search(f, "nguoi su dung", 0, NULL, NULL, &h), 1);
	assert_int_equal(h[0].page, 2);
	free(h);
	/* every word must occur */
	assert_int_equal(search(f, "dang ky quick", 0, NULL, NULL, &h), 0);
	free(h);
}

static void exact_keeps_diacritics(void **state)
{
	struct fixture *f = *state;
	struct ds_search_hit *h = NULL;
	assert_int_equal(search(f, "dang ky", 1, NULL, NULL, &h), 0);
	free(h);
	assert_int_equal(search(f, "đăng ký", 1, NULL, NULL, &h), 1);
	free(h);
	/* case still folded */
	assert_int_equal(search(f, "ĐĂNG KÝ", 1, NULL, NULL, &h), 1);
	free(h);
	/* a different tone mark is a different word */
	assert_int_equal(search(f, "đằng ký", 1, NULL, NULL, &h), 0);
	free(h);
}

static void metadata_and_filters(void **state)
{
	struct fixture *f = *state;
	struct ds_search_hit *h = NULL;
	assert_int_equal(ds_catalog_ocr_index_meta_missing(f->c), 0);
	size_t n = search(f, "nguyen van an", 0, NULL, NULL, &h);
	assert_int_equal(n, 1);
	assert_string_equal(h[0].code, f->a);
	assert_int_equal(h[0].page, 0);
	free(h);
	/* procedure name is in the metadata */
	assert_int_equal(search(f, "cap phep", 0, NULL, NULL, &h), 1);
	free(h);
	/* "xay dung" is on b's page and in b's procedure name */
	assert_int_equal(search(f, "xay dung", 0, NULL, NULL, &h), 2);
	free(h);
	assert_int_equal(search(f, "xay dung", 0, "1.004227", NULL, &h), 0);
	free(h);
	assert_int_equal(search(f, "dat", 0, "1.004227", "received", &h), 3);
	free(h);
	assert_int_equal(search(f, "dat", 0, NULL, "digitized", &h), 0);
	free(h);
	/* indexing twice does not duplicate */
	assert_int_equal(ds_catalog_ocr_index_meta(f->c, f->a), 0);
	assert_int_equal(search(f, "nguyen van an", 0, NULL, NULL, &h), 1);
	free(h);
}

static void reindex_replaces(void **state)
{
	struct fixture *f = *state;
	struct ds_search_hit *h = NULL;
	set_done(f->c, f->b, 1, "Hoàn toàn khác");
	assert_int_equal(search(f, "quick", 0, NULL, NULL, &h), 0);
	free(h);
	assert_int_equal(search(f, "hoan toan khac", 0, NULL, NULL, &h), 1);
	free(h);
	/* a failed page leaves the index */
	struct ds_page p = {.number = 1};
	memcpy(p.ocr_state, "failed", 7);
	memcpy(p.ocr_error, "no text recognised", 19);
	assert_int_equal(ds_catalog_ocr_page_set(f->c, f->b, &p, NULL), 0);
	assert_int_equal(search(f, "hoan toan khac", 0, NULL, NULL, &h), 0);
	free(h);
	/* unknown page */
	p.number = 9;
	assert_int_equal(ds_catalog_ocr_page_set(f->c, f->b, &p, NULL), DS_ENOTFOUND);
}

static void hostile_queries(void **state)
{
	struct fixture *f = *state;
	struct ds_search_hit *h = NULL;
	/* FTS5 syntax is quoted away: no error, literal matching */
	const char *q[] = {"\"dang", "dang*", "NEAR(dang ky)", "body:dang", "dang OR quick",
			   "-dang", "^dang", "'; DROP TABLE pages; --"};
	for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
		struct ds_search_query sq = {.text = q[i], .limit = 5};
		size_t n = 0;
		assert_int_equal(ds_catalog_search(f->c, &sq, &h, &n), 0);
		free(h);
		h = NULL;
	}
	/* "dang OR quick" means all three words, not a disjunction */
	assert_int_equal(search(f, "dang OR quick", 0, NULL, NULL, &h), 0);
	free(h);
	struct ds_search_query sq = {.text = "   ", .limit = 5};
	size_t n = 0;
	assert_int_equal(ds_catalog_search(f->c, &sq, &h, &n), DS_EINVALID);
	sq.text = "dang";
	sq.limit = 0;
	assert_int_equal(ds_catalog_search(f->c, &sq, &h, &n), DS_EINVALID);
	char big[DS_SEARCH_QUERY_MAX + 2];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	sq.text = big;
	sq.limit = 5;
	assert_int_equal(ds_catalog_search(f->c, &sq, &h, &n), DS_EINVALID);
	sq.text = "a b c d e f g h i j k l m n o p q";
	assert_int_equal(ds_catalog_search(f->c, &sq, &h, &n), DS_ETOOBIG);
}

static void digitized_when_all_done(void **state)
{
	struct fixture *f = *state;
	struct ds_dossier d;
	int moved = 1;
	char sha[65];
	/* b's only page is done but no PDF yet: not digitized */
	assert_int_equal(ds_catalog_ocr_finish(f->c, f->b, "ocr", &moved), 0);
	assert_int_equal(moved, 0);
	assert_int_equal(ds_catalog_ocr_pdf_get(f->c, f->b, sha, NULL), DS_ENOTFOUND);
	assert_int_equal(ds_catalog_ocr_pdf_set(f->c, f->b, SHA, 1), 0);
	int np = 0;
	assert_int_equal(ds_catalog_ocr_pdf_get(f->c, f->b, sha, &np), 0);
	assert_string_equal(sha, SHA);
	assert_int_equal(np, 1);
	assert_int_equal(ds_catalog_ocr_finish(f->c, f->b, "ocr", &moved), 0);
	assert_int_equal(moved, 1);
	assert_int_equal(ds_catalog_dossier_get(f->c, f->b, &d), 0);
	assert_string_equal(d.state, "digitized");
	/* pending lists only `received` dossiers */
	char (*codes)[DS_CODE_MAX] = NULL;
	size_t n = 0;
	assert_int_equal(ds_catalog_ocr_pending(f->c, &codes, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(codes[0], f->a);
	free(codes);
	/* a PDF with fewer pages than the dossier does not count */
	assert_int_equal(ds_catalog_ocr_pdf_set(f->c, f->a, SHA, 1), 0);
	set_done(f->c, f->a, 2, "trang hai");
	assert_int_equal(ds_catalog_ocr_finish(f->c, f->a, "ocr", &moved), 0);
	assert_int_equal(moved, 0);
	/* a has a failed page: never digitized */
	struct ds_page p = {.number = 2};
	memcpy(p.ocr_state, "failed", 7);
	assert_int_equal(ds_catalog_ocr_page_set(f->c, f->a, &p, NULL), 0);
	assert_int_equal(ds_catalog_ocr_pdf_set(f->c, f->a, SHA, 2), 0);
	assert_int_equal(ds_catalog_ocr_finish(f->c, f->a, "ocr", &moved), 0);
	assert_int_equal(moved, 0);
	/* the page results are visible through page_list */
	struct ds_page *pages = NULL;
	assert_int_equal(ds_catalog_page_list(f->c, f->a, "page", &pages, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(pages[0].ocr_state, "done");
	assert_int_equal(pages[0].rotation, 90);
	assert_true(pages[0].ocr_confidence > 91.0);
	assert_string_equal(pages[1].ocr_state, "failed");
	free(pages);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(folds_diacritics_and_case, setup, teardown),
		cmocka_unit_test_setup_teardown(exact_keeps_diacritics, setup, teardown),
		cmocka_unit_test_setup_teardown(metadata_and_filters, setup, teardown),
		cmocka_unit_test_setup_teardown(reindex_replaces, setup, teardown),
		cmocka_unit_test_setup_teardown(hostile_queries, setup, teardown),
		cmocka_unit_test_setup_teardown(digitized_when_all_done, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
