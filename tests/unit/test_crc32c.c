/* test_crc32c.c - src/lib/crc32c.c: the check value of the standard, and the hardware and
 * table versions agree on every length and alignment (the spool must read back on a CPU
 * without SSE4.2 what one with it wrote). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/crc32c.h"

static void check_value(void **state)
{
	/* RFC 3720 B.4 / the usual CRC catalogue check value for "123456789" */
	assert_int_equal(crc32c(0, "123456789", 9), 0xE3069283u);
	assert_int_equal(crc32c_portable(0, "123456789", 9), 0xE3069283u);
	assert_int_equal(crc32c(0, "", 0), 0);
}

static void versions_agree(void **state)
{
	unsigned char buf[1100];
	uint32_t x = 12345;
	for (size_t i = 0; i < sizeof(buf); i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (unsigned char)(x >> 16);
	}
	for (size_t off = 0; off < 8; off++)
		for (size_t len = 0; len + off <= sizeof(buf); len += 37)
			assert_int_equal(crc32c(7, buf + off, len), crc32c_portable(7, buf + off, len));
	/* continuing over two pieces is the same as one call */
	assert_int_equal(crc32c(crc32c(0, buf, 500), buf + 500, 600), crc32c(0, buf, 1100));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(check_value),
		cmocka_unit_test(versions_agree),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
