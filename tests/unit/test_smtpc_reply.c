/* test_smtpc_reply.c - unit tests for src/deliver/smtpc_reply.c, the outbound client's reply
 * parser (RFC 5321 4.2, 4.5.3.1.5, RFC 2034, RFC 1870). Inputs are copied into heap blocks of
 * exactly their length, so AddressSanitizer catches any read past the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "deliver/smtpc_reply.h"

static enum smtpc_reply_status parse(const char *s, struct smtpc_reply *r, size_t *used)
{
	size_t len = strlen(s);
	char *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	memcpy(copy, s, len);
	*used = 0;
	enum smtpc_reply_status st = smtpc_reply_parse(copy, len, r, used);
	free(copy);
	return st;
}

static void test_single_line(void **state)
{
	struct smtpc_reply r;
	size_t used;
	assert_int_equal(parse("250 2.1.0 Ok\r\n", &r, &used), SMTPC_REPLY_OK);
	assert_int_equal(r.code, 250);
	assert_string_equal(r.enhanced, "2.1.0");
	assert_string_equal(r.text, "250 2.1.0 Ok");
	assert_int_equal(used, 14);
	assert_int_equal(r.nlines, 1);
	assert_int_equal(parse("220 mx.example.org ESMTP\r\n", &r, &used), SMTPC_REPLY_OK);
	assert_string_equal(r.enhanced, "");
	assert_int_equal(parse("354\r\n", &r, &used), SMTPC_REPLY_OK); /* code alone */
	assert_int_equal(r.code, 354);
	assert_int_equal(parse("421 4.3.2 bye\n", &r, &used), SMTPC_REPLY_OK); /* bare LF tolerated */
	assert_int_equal(r.code, 421);
}

static void test_multiline_and_ehlo(void **state)
{
	struct smtpc_reply r;
	size_t used;
	const char *ehlo = "250-mx.example.org\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250-STARTTLS\r\n"
			   "250-8BITMIME\r\n250-SMTPUTF8\r\n250 ENHANCEDSTATUSCODES\r\nNEXT";
	assert_int_equal(parse(ehlo, &r, &used), SMTPC_REPLY_OK);
	assert_int_equal(used, strlen(ehlo) - 4);
	assert_int_equal(r.nlines, 7);
	assert_int_equal(r.ext, SMTPC_EXT_PIPELINING | SMTPC_EXT_SIZE | SMTPC_EXT_STARTTLS | SMTPC_EXT_8BITMIME |
				    SMTPC_EXT_SMTPUTF8 | SMTPC_EXT_ENHANCED);
	assert_int_equal(r.size_limit, 1000);
	assert_int_equal(parse("550-5.1.1 first\r\n550 5.1.1 second\r\n", &r, &used), SMTPC_REPLY_OK);
	assert_string_equal(r.text, "550 5.1.1 first second"); /* the repeated code is kept once */
	/* keywords only count after the first line */
	assert_int_equal(parse("250 PIPELINING\r\n", &r, &used), SMTPC_REPLY_OK);
	assert_int_equal(r.ext, 0);
}

static void test_incomplete(void **state)
{
	struct smtpc_reply r;
	size_t used;
	assert_int_equal(parse("", &r, &used), SMTPC_REPLY_INCOMPLETE);
	assert_int_equal(parse("250 ok", &r, &used), SMTPC_REPLY_INCOMPLETE);
	assert_int_equal(parse("250-a\r\n", &r, &used), SMTPC_REPLY_INCOMPLETE);
	assert_int_equal(parse("250-a\r\n250 b", &r, &used), SMTPC_REPLY_INCOMPLETE);
}

static void test_bad(void **state)
{
	struct smtpc_reply r;
	size_t used;
	assert_int_equal(parse("25 ok\r\n", &r, &used), SMTPC_REPLY_BAD);
	assert_int_equal(parse("abc ok\r\n", &r, &used), SMTPC_REPLY_BAD);
	assert_int_equal(parse("650 no such class\r\n", &r, &used), SMTPC_REPLY_BAD);
	assert_int_equal(parse("250x\r\n", &r, &used), SMTPC_REPLY_BAD);
	assert_int_equal(parse("250-a\r\n251 b\r\n", &r, &used), SMTPC_REPLY_BAD); /* codes differ */
	/* a line over the limit, complete or not */
	char *longline = malloc(SMTPC_REPLY_LINE_MAX + 10);
	assert_non_null(longline);
	memcpy(longline, "250 ", 4);
	memset(longline + 4, 'x', SMTPC_REPLY_LINE_MAX + 2);
	longline[SMTPC_REPLY_LINE_MAX + 6] = '\0';
	assert_int_equal(parse(longline, &r, &used), SMTPC_REPLY_BAD);
	free(longline);
	/* too many lines */
	size_t n = SMTPC_REPLY_LINES_MAX + 1;
	char *many = malloc(n * 7 + 1);
	assert_non_null(many);
	for (size_t i = 0; i < n; i++)
		memcpy(many + i * 7, i + 1 == n ? "250 x\r\n" : "250-x\r\n", 7);
	many[n * 7] = '\0';
	assert_int_equal(parse(many, &r, &used), SMTPC_REPLY_BAD);
	free(many);
}

static void test_text_sanitised(void **state)
{
	struct smtpc_reply r;
	size_t used;
	assert_int_equal(parse("550 bad\x01\x7f text\r\n", &r, &used), SMTPC_REPLY_OK);
	assert_string_equal(r.text, "550 bad?? text");
	assert_string_equal(r.enhanced, "");
	/* an enhanced code of another class than the reply is not taken */
	assert_int_equal(parse("550 2.1.0 odd\r\n", &r, &used), SMTPC_REPLY_OK);
	assert_string_equal(r.enhanced, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_line),
		cmocka_unit_test(test_multiline_and_ehlo),
		cmocka_unit_test(test_incomplete),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_text_sanitised),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
