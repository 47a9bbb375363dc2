/* The XML pre-scanner (archive/xml_bounds.c): counts what libxml2 would
 * see, before it parses, and refuses what it cannot delimit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive/archive_int.h"
#include "dossier/error.h"

static const struct ds_xml_limits lim = {.bytes = 1 << 20, .attrs = 3, .depth = 3, .elements = 8};

static int scan(const char *s)
{
	return ds_archive__xml_bounds((const unsigned char *)s, strlen(s), &lim, "t.xml");
}

static void test_within(void **state)
{
	(void)state;
	assert_int_equal(scan("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a x='1' y=\"2\" z = '3'><b/><c>t&amp;&gt;</c></a>\n"), 0);
	/* what looks like markup inside comments, CDATA, PIs and values is not counted */
	assert_int_equal(scan("<a><!-- <b p='1' q='2' r='3' s='4'> --><![CDATA[<c d='1'><e><f><g>]]>"
			      "<?pi <h i='1' j='2' k='3' l='4'>?><b v='> x=\"y\" >'/></a>"), 0);
	assert_int_equal(scan("\xEF\xBB\xBF <a\n  x=\"1\"\n></a >"), 0);
	assert_int_equal(scan("<?xml version='1.0' encoding='utf-8' standalone='yes'?><a/>"), 0);
}

static void test_limits(void **state)
{
	(void)state;
	assert_int_equal(scan("<a w='1' x='1' y='2' z='3'/>"), DS_ETOOBIG);
	assert_non_null(strstr(ds_error_last(), "more than 3 attributes"));
	assert_int_equal(scan("<a xmlns:p='1' xmlns:q='2' xmlns:r='3' xmlns:s='4'/>"), DS_ETOOBIG);
	assert_int_equal(scan("<a><b><c><d/></c></b></a>"), DS_ETOOBIG);
	assert_non_null(strstr(ds_error_last(), "nested deeper than 3"));
	assert_int_equal(scan("<a><b/><b/><b/><b/><b/><b/><b/><b/></a>"), DS_ETOOBIG);
	assert_int_equal(scan("<a><!--1--><!--2--><!--3--><!--4--><?p?><?p?><?p?><?p?></a>"), DS_ETOOBIG);
	assert_non_null(strstr(ds_error_last(), "more than 8 elements"));
	char big[100];
	memset(big, ' ', sizeof big);
	big[0] = '<';
	big[1] = 'a';
	big[2] = '/';
	big[3] = '>';
	struct ds_xml_limits small = lim;
	small.bytes = 50;
	assert_int_equal(ds_archive__xml_bounds((const unsigned char *)big, sizeof big, &small, "t"),
			 DS_ETOOBIG);
}

static void test_refused(void **state)
{
	(void)state;
	static const char *bad[] = {
		"",
		"text",
		"<!DOCTYPE a><a/>",
		"<a><!ENTITY x 'y'></a>",
		"<a x='1'y='2'/>",       /* no space between attributes */
		"<a x=1/>",              /* unquoted */
		"<a x='1/>",             /* unterminated value */
		"<a x='<'/>",            /* '<' in a value */
		"<a x/>",                /* no value */
		"<a><!-- unterminated </a>",
		"<a><![CDATA[ x </a>",
		"<a><? x </a>",
		"< a/>",
		"<a></b></a></a>",
		"<a>",
		"<a/ >",
		"<?xml version='1.0' encoding='IBM037'?><a/>",
		"<?xml version='1.0' encoding=\"UTF-16\"?><a/>",
		"\xFF\xFE<\0a\0/\0>\0",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		size_t n = i + 1 == sizeof bad / sizeof bad[0] ? 10 : strlen(bad[i]);
		int err = ds_archive__xml_bounds((const unsigned char *)bad[i], n, &lim, "t.xml");
		if (err >= 0)
			fprintf(stderr, "accepted: %s\n", bad[i]);
		assert_true(err == DS_EINVALID || err == DS_ETOOBIG);
	}
	const unsigned char nul[] = "<a>\0</a>";
	assert_int_equal(ds_archive__xml_bounds(nul, sizeof nul - 1, &lim, "t.xml"), DS_EINVALID);
}

/* 200,000 attributes on one element: refused at the 4th, at once. */
static void test_many_attributes(void **state)
{
	(void)state;
	size_t n = 200000, cap = n * 16 + 64, len = 0;
	char *x = malloc(cap);
	assert_non_null(x);
	len += (size_t)snprintf(x, cap, "<a");
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(x + len, cap - len, " a%zu=\"x\"", i);
	len += (size_t)snprintf(x + len, cap - len, "/>");
	assert_int_equal(ds_archive__xml_bounds((unsigned char *)x, len, &lim, "t.xml"), DS_ETOOBIG);
	free(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_within),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_many_attributes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
