/* test_buf.c - src/lib/buf.c: the ceiling holds for every way of writing (append, printf
 * short and long), a printf that does not fit leaves the buffer as it was, and growth keeps
 * the bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/buf.h"

static void printf_short_and_long(void **state)
{
	struct buf b;
	buf_init(&b, 4096);
	assert_int_equal(buf_printf(&b, "%d %s", 250, "ok"), 0);
	assert_int_equal(b.len, 6);
	char big[1000];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(buf_printf(&b, "[%s]", big), 0); /* longer than the first try */
	assert_int_equal(b.len, 6 + 1001);
	assert_memory_equal(b.data, "250 ok[xxx", 10);
	assert_int_equal(b.data[b.len - 1], ']');
	buf_free(&b);
}

static void printf_respects_the_limit(void **state)
{
	struct buf b;
	buf_init(&b, 10);
	assert_int_equal(buf_printf(&b, "%s", "12345678"), 0);
	assert_int_equal(buf_printf(&b, "%s", "abc"), -1); /* 11 > 10 */
	assert_int_equal(b.len, 8);
	assert_int_equal(buf_printf(&b, "%s", "ab"), 0);   /* exactly 10 */
	assert_int_equal(b.len, 10);
	assert_int_equal(buf_printf(&b, "%s", "z"), -1);   /* full */
	assert_int_equal(buf_append(&b, "z", 1), -1);
	assert_memory_equal(b.data, "12345678ab", 10);
	buf_free(&b);
}

static void long_printf_over_limit_fails_whole(void **state)
{
	struct buf b;
	buf_init(&b, 300);
	char big[400];
	memset(big, 'y', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(buf_printf(&b, "%s", big), -1);
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(printf_short_and_long),
		cmocka_unit_test(printf_respects_the_limit),
		cmocka_unit_test(long_printf_over_limit_fails_whole),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
