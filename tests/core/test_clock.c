#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "dossier/clock.h"
#include "dossier/error.h"

static int64_t at(const char *s)
{
	int64_t t;
	assert_int_equal(ds_time_parse(s, &t), 0);
	return t;
}

static void iso(int64_t t, int off, const char *want)
{
	char buf[40];
	assert_int_equal(ds_time_iso(t, off, 0, buf, sizeof buf), 0);
	assert_string_equal(buf, want);
}

/* The example: received 2025-11-26 with 15 days → 2025-12-17T17:00:00+07:00. */
static void test_due_date_example(void **state)
{
	(void)state;
	int64_t due = ds_due_at(at("2025-11-26T08:14:03+07:00"), 15, 7 * 3600, NULL, 0);
	iso(due, 7 * 3600, "2025-12-17T17:00:00+07:00");
}

static void test_due_date_weekend_and_holidays(void **state)
{
	(void)state;
	/* Friday 2025-11-28 + 1 working day = Monday 2025-12-01. */
	iso(ds_due_at(at("2025-11-28T10:00:00+07:00"), 1, 25200, NULL, 0), 25200,
	    "2025-12-01T17:00:00+07:00");
	/* With Monday a holiday, it is Tuesday. */
	int32_t hol[1];
	assert_int_equal(ds_date_parse("2025-12-01", &hol[0]), 0);
	iso(ds_due_at(at("2025-11-28T10:00:00+07:00"), 1, 25200, hol, 1), 25200,
	    "2025-12-02T17:00:00+07:00");
	/* Received on Saturday: the next working day is Monday. */
	iso(ds_due_at(at("2025-11-29T10:00:00+07:00"), 1, 25200, NULL, 0), 25200,
	    "2025-12-01T17:00:00+07:00");
	/* The local day decides: 23:30 UTC on the 27th is the 28th in Hanoi. */
	iso(ds_due_at(at("2025-11-27T23:30:00Z"), 1, 25200, NULL, 0), 25200,
	    "2025-12-01T17:00:00+07:00");
	/* 0 days: today at 17:00. */
	iso(ds_due_at(at("2025-11-26T08:00:00+07:00"), 0, 25200, NULL, 0), 25200,
	    "2025-11-26T17:00:00+07:00");
}

static void test_parse_refuses_bad(void **state)
{
	(void)state;
	int64_t t;
	int32_t d;
	int off;
	assert_int_equal(ds_time_parse("2025-02-30T00:00:00Z", &t), DS_EINVALID);
	assert_int_equal(ds_time_parse("2025-11-26 08:00:00Z", &t), DS_EINVALID);
	assert_int_equal(ds_date_parse("2025-13-01", &d), DS_EINVALID);
	assert_int_equal(ds_date_parse("2024-02-29", &d), 0);
	assert_int_equal(ds_date_parse("2023-02-29", &d), DS_EINVALID);
	assert_int_equal(ds_offset_parse("+7:00", &off), DS_EINVALID);
	assert_int_equal(ds_offset_parse("-05:30", &off), 0);
	assert_int_equal(off, -(5 * 3600 + 30 * 60));
	iso(at("2025-12-16T02:31:07Z"), 0, "2025-12-16T02:31:07+00:00");
	char buf[40];
	assert_int_equal(ds_time_iso(at("2025-12-16T09:31:07+07:00"), 0, 1, buf, sizeof buf), 0);
	assert_string_equal(buf, "2025-12-16T02:31:07Z");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_due_date_example),
		cmocka_unit_test(test_due_date_weekend_and_holidays),
		cmocka_unit_test(test_parse_refuses_bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
