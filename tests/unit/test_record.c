/* test_record.c - unit tests for the RCPT record of src/queue/record.c: the remote MTA
 * round-trips, and a record of the first format (without the fields added later) still
 * decodes (docs/queue-format.md). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "queue/record.h"

static void roundtrip(const char *mta, size_t cut, int want_rc, const char *want_mta)
{
	struct buf b;
	buf_init(&b, 1 << 16);
	struct envelope_rcpt r = {.state = RCPT_FAILED, .attempts = 3, .last_reply = (char *)"550 5.1.1 unknown",
				  .remote_mta = (char *)mta};
	assert_int_equal(record_encode_rcpt(&b, "0123456789BC", 7, &r), 0);
	uint8_t type;
	const char *payload;
	uint32_t plen;
	assert_int_equal(record_next(b.data, b.len, &type, &payload, &plen), b.len);
	assert_int_equal(type, REC_RCPT);
	char qid[QUEUE_ID_LEN + 1];
	uint32_t idx;
	struct envelope_rcpt out = {0};
	assert_int_equal(record_decode_rcpt(payload, plen - cut, qid, &idx, &out), want_rc);
	if (want_rc == 0) {
		assert_string_equal(qid, "0123456789BC");
		assert_int_equal(idx, 7);
		assert_int_equal(out.state, RCPT_FAILED);
		assert_int_equal(out.attempts, 3);
		assert_string_equal(out.last_reply, "550 5.1.1 unknown");
		if (want_mta)
			assert_string_equal(out.remote_mta, want_mta);
		else
			assert_null(out.remote_mta);
	}
	free(out.last_reply);
	free(out.remote_mta);
	buf_free(&b);
}

static void test_remote_mta(void **state)
{
	roundtrip("mx1.example.org", 0, 0, "mx1.example.org");
	roundtrip(NULL, 0, 0, NULL);
	/* the first format: the record ends after the last reply (no attempt time, flags, MTA) */
	roundtrip(NULL, 8 + 1 + 4, 0, NULL);
	/* a remote MTA cut in the middle is a bad record */
	roundtrip("mx1.example.org", 3, -1, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_remote_mta),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
