/* test_params.c - unit tests for src/lib/params.c (ESMTP parameters, RFC 5321 4.1.2,
 * RFC 6531 3.3). Every input is copied into a heap block of exactly its length, so
 * AddressSanitizer catches any read past len. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/params.h"

/* The copy stays alive until the next call so tests can look at the pointers into it. */
static char *input_copy;

static int split_n(const char *s, size_t len, bool utf8, struct esmtp_param *out, size_t max)
{
	free(input_copy);
	input_copy = malloc(len > 0 ? len : 1);
	assert_non_null(input_copy);
	memcpy(input_copy, s, len);
	return params_split(input_copy, len, utf8, out, max);
}

static int teardown_copy(void **state)
{
	free(input_copy);
	input_copy = NULL;
	return 0;
}

static void check_count(int line, const char *s, size_t len, bool utf8, int want)
{
	struct esmtp_param p[PARAMS_MAX];
	int got = split_n(s, len, utf8, p, PARAMS_MAX);
	if (got != want) {
		print_error("line %d: input <<%.*s>> utf8 %d: got %d, want %d\n", line, (int)len, s, utf8, got,
			    want);
		fail();
	}
}
#define SPLIT(lit, utf8, out, max) split_n((lit), sizeof(lit) - 1, (utf8), (out), (max))
#define N(lit, want) check_count(__LINE__, (lit), sizeof(lit) - 1, false, (want))
#define NU(lit, want) check_count(__LINE__, (lit), sizeof(lit) - 1, true, (want))

/* p is key (and value, when v is not NULL) exactly. */
static void check_param(const struct esmtp_param *p, const char *k, const char *v)
{
	assert_int_equal(p->key_len, strlen(k));
	assert_memory_equal(p->key, k, p->key_len);
	if (v == NULL) {
		assert_null(p->value);
		assert_int_equal(p->value_len, 0);
	} else {
		assert_non_null(p->value);
		assert_int_equal(p->value_len, strlen(v));
		assert_memory_equal(p->value, v, p->value_len);
	}
}

static void test_empty(void **state)
{
	struct esmtp_param p[PARAMS_MAX];
	N("", 0);
	N(" ", 0);
	N("    ", 0);
	assert_int_equal(params_split(NULL, 0, false, p, PARAMS_MAX), 0);
	assert_int_equal(params_split(NULL, 5, false, p, PARAMS_MAX), 0);
	assert_int_equal(SPLIT("", false, NULL, 0), 0);
}

static void test_basic(void **state)
{
	struct esmtp_param p[PARAMS_MAX];

	assert_int_equal(SPLIT(" SIZE=1000", false, p, PARAMS_MAX), 1);
	check_param(&p[0], "SIZE", "1000");
	assert_ptr_equal(p[0].key, input_copy + 1); /* points into the input */
	assert_ptr_equal(p[0].value, input_copy + 6);

	assert_int_equal(SPLIT(" SIZE=1000 BODY=8BITMIME", false, p, PARAMS_MAX), 2);
	check_param(&p[0], "SIZE", "1000");
	check_param(&p[1], "BODY", "8BITMIME");

	assert_int_equal(SPLIT(" SMTPUTF8", false, p, PARAMS_MAX), 1);
	check_param(&p[0], "SMTPUTF8", NULL);

	assert_int_equal(SPLIT(" SMTPUTF8 SIZE=5 REQUIRETLS", false, p, PARAMS_MAX), 3);
	check_param(&p[0], "SMTPUTF8", NULL);
	check_param(&p[1], "SIZE", "5");
	check_param(&p[2], "REQUIRETLS", NULL);

	/* RFC 3461 and RFC 4954 values */
	assert_int_equal(SPLIT(" NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;a+2Bb@x.example", false, p,
				 PARAMS_MAX),
			 2);
	check_param(&p[0], "NOTIFY", "SUCCESS,FAILURE");
	check_param(&p[1], "ORCPT", "rfc822;a+2Bb@x.example");
	assert_int_equal(SPLIT(" AUTH=<>", false, p, PARAMS_MAX), 1);
	check_param(&p[0], "AUTH", "<>");
	assert_int_equal(SPLIT(" AUTH=<a@b>", false, p, PARAMS_MAX), 1);
	check_param(&p[0], "AUTH", "<a@b>");
}

static void test_spaces(void **state)
{
	struct esmtp_param p[PARAMS_MAX];

	/* no leading space: the text may already have been trimmed */
	assert_int_equal(SPLIT("SIZE=1", false, p, PARAMS_MAX), 1);
	check_param(&p[0], "SIZE", "1");
	/* runs of spaces before, between and after */
	assert_int_equal(SPLIT("   SIZE=1    BODY=7BIT   ", false, p, PARAMS_MAX), 2);
	check_param(&p[0], "SIZE", "1");
	check_param(&p[1], "BODY", "7BIT");
	assert_int_equal(SPLIT(" A B  C ", false, p, PARAMS_MAX), 3);
	check_param(&p[0], "A", NULL);
	check_param(&p[1], "B", NULL);
	check_param(&p[2], "C", NULL);
	/* only SP separates */
	N("\tSIZE=1", -1);
	N(" SIZE=1\tBODY=7BIT", -1);
	N(" SIZE=1\r\n", -1);
	N(" SIZE=1\n", -1);
	N(" SIZE=1\r", -1);
	N(" SIZE=1\0", -1);
	N(" SIZE\0=1", -1);
	N("\0", -1);
}

static void test_keyword(void **state)
{
	struct esmtp_param p[PARAMS_MAX];

	assert_int_equal(SPLIT(" X-Y=1 9X 0", false, p, PARAMS_MAX), 3);
	check_param(&p[0], "X-Y", "1");
	check_param(&p[1], "9X", NULL);
	check_param(&p[2], "0", NULL);
	assert_int_equal(SPLIT(" X--", false, p, PARAMS_MAX), 1);
	check_param(&p[0], "X--", NULL);
	N(" -X=1", -1);
	N(" =1", -1);
	N(" =", -1);
	N(" X_Y=1", -1);
	N(" X.Y=1", -1);
	N(" SIZE:1", -1);
	N(" SIZE;", -1);
	N(" SI ZE=1", 2);
	N(" >", -1);
	N(">", -1);
	N(" <a@b>", -1);
	N(" \xc3\xa9=1", -1);
	NU(" \xc3\xa9=1", -1);
	NU(" X\xc3\xa9=1", -1);
	N(" X\x7f", -1);
}

static void test_value(void **state)
{
	struct esmtp_param p[PARAMS_MAX];

	/* esmtp-value = 1*(%d33-60 / %d62-126) */
	assert_int_equal(SPLIT(" X=!~", false, p, PARAMS_MAX), 1);
	check_param(&p[0], "X", "!~");
	assert_int_equal(SPLIT(" X=<>?", false, p, PARAMS_MAX), 1);
	check_param(&p[0], "X", "<>?");
	N(" SIZE=", -1);
	N(" SIZE= BODY=7BIT", -1);
	N(" SIZE==1", -1);
	N(" X=a=b", -1);
	N(" X=a\x7f", -1);
	N(" X=a\x01", -1);
	N(" X=\x1f", -1);
	N(" X=a\0b", -1);
	N(" X=a\tb", -1);
}

static void test_utf8_value(void **state)
{
	struct esmtp_param p[PARAMS_MAX];

	/* RFC 6531 3.3: esmtp-value =/ UTF8-non-ascii, only after SMTPUTF8 */
	N(" ORCPT=utf-8;j\xc3\xb6" "e@x", -1);
	assert_int_equal(SPLIT(" ORCPT=utf-8;j\xc3\xb6" "e@x", true, p, PARAMS_MAX), 1);
	check_param(&p[0], "ORCPT", "utf-8;j\xc3\xb6" "e@x");
	NU(" X=\xf0\x9f\x98\x80 Y=\xe2\x82\xac", 2);
	NU(" X=\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf\xf4\x8f\xbf\xbf", 1);
	/* malformed: continuation, overlong, surrogate, too large, cut off */
	NU(" X=\x80", -1);
	NU(" X=\xc0\xaf", -1);
	NU(" X=\xc1\xbf", -1);
	NU(" X=\xe0\x80\xaf", -1);
	NU(" X=\xed\xa0\x80", -1);
	NU(" X=\xf0\x80\x80\xaf", -1);
	NU(" X=\xf4\x90\x80\x80", -1);
	NU(" X=\xf5\x80\x80\x80", -1);
	NU(" X=\xff", -1);
	NU(" X=\xc3", -1);
	NU(" X=\xc3 Y", -1);
	NU(" X=a\xe2\x82", -1);
	NU(" X=a\xf0\x9f\x98", -1);
	NU(" X=\xc3\x28", -1);
	/* "=" alone is not a value even when UTF-8 is allowed */
	NU(" X=", -1);
}

static void test_too_many(void **state)
{
	struct esmtp_param p[PARAMS_MAX + 4];
	char buf[256];
	size_t len = 0;

	for (int i = 0; i < PARAMS_MAX; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, " K%d=%d", i, i);
	assert_int_equal(split_n(buf, len, false, p, PARAMS_MAX), PARAMS_MAX);
	check_param(&p[0], "K0", "0");
	check_param(&p[PARAMS_MAX - 1], "K15", "15");
	/* a larger array does not raise the limit */
	assert_int_equal(split_n(buf, len, false, p, PARAMS_MAX + 4), PARAMS_MAX);
	len += (size_t)snprintf(buf + len, sizeof(buf) - len, " ONE-MORE");
	assert_int_equal(split_n(buf, len, false, p, PARAMS_MAX), -1);
	assert_int_equal(split_n(buf, len, false, p, PARAMS_MAX + 4), -1);
	/* trailing spaces after the last allowed one are fine */
	assert_int_equal(SPLIT(" A B   ", false, p, 2), 2);
	/* a smaller max is respected, and nothing is written past it */
	memset(p, 0, sizeof(p));
	assert_int_equal(SPLIT(" A B C", false, p, 2), -1);
	assert_null(p[2].key);
	assert_int_equal(SPLIT(" A", false, p, 1), 1);
	assert_int_equal(SPLIT(" A", false, NULL, 0), -1);
	assert_int_equal(SPLIT(" ", false, NULL, 0), 0);
}

static void test_key_is(void **state)
{
	struct esmtp_param p[PARAMS_MAX];

	assert_int_equal(SPLIT(" size=10 Body=8bitmime SMTPUTF8", false, p, PARAMS_MAX), 3);
	assert_true(params_key_is(&p[0], "SIZE"));
	assert_true(params_key_is(&p[0], "size"));
	assert_true(params_key_is(&p[0], "SiZe"));
	assert_false(params_key_is(&p[0], "SIZ"));
	assert_false(params_key_is(&p[0], "SIZES"));
	assert_false(params_key_is(&p[0], ""));
	assert_false(params_key_is(&p[0], "BODY"));
	assert_true(params_key_is(&p[1], "BODY"));
	assert_true(params_key_is(&p[2], "smtputf8"));
	assert_false(params_key_is(&p[2], "SMTPUTF"));

	struct esmtp_param empty = {.key = NULL, .key_len = 0};
	assert_false(params_key_is(&empty, ""));
	assert_false(params_key_is(&empty, "SIZE"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_empty, teardown_copy),
		cmocka_unit_test_teardown(test_basic, teardown_copy),
		cmocka_unit_test_teardown(test_spaces, teardown_copy),
		cmocka_unit_test_teardown(test_keyword, teardown_copy),
		cmocka_unit_test_teardown(test_value, teardown_copy),
		cmocka_unit_test_teardown(test_utf8_value, teardown_copy),
		cmocka_unit_test_teardown(test_too_many, teardown_copy),
		cmocka_unit_test_teardown(test_key_is, teardown_copy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
