/* test_bounce.c - src/queue/bounce.c: the notices tern sends are read back by tern's own DSN
 * parser (src/explain/dsn.c), field by field; the MIME boundary never occurs in the
 * attached headers; Status comes from the stored reply. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "explain/dsn.h"
#include "lib/util.h"
#include "queue/bounce.h"

struct seen {
	struct dsn_recipient r[4];
	int n;
};

static int collect(const struct dsn_report *rep, const struct dsn_recipient *r, void *ctx)
{
	struct seen *s = ctx;
	if (s->n < 4)
		s->r[s->n++] = *r;
	return 0;
}

static struct envelope *make_env(const char *headers)
{
	struct envelope *e = envelope_new();
	str_copy(e->id, "0TJQT60R38B0", sizeof(e->id));
	e->arrival_us = 1795968896000000ull;
	e->sender = xstrdup("sender@example.org");
	buf_append_str(&e->data, headers);
	buf_append_str(&e->data, "\r\nbody line\r\n");
	envelope_add_rcpt(e, "alice@example.com", "alice@example.com", RCPT_REMOTE);
	envelope_add_rcpt(e, "list@example.com", "bob@example.net", RCPT_REMOTE);
	envelope_add_rcpt(e, "carol@example.com", "carol@example.com", RCPT_LOCAL);
	e->rcpts[0].last_reply = xstrdup("550 5.1.1 <alice@example.com>: Recipient address rejected");
	e->rcpts[0].remote_mta = xstrdup("mx1.example.com");
	e->rcpts[1].last_reply = xstrdup("552 mailbox full");
	return e;
}

static const struct bounce_info info = {"mx.example.org", "0TJQT624YK5J", 1795968999000000ull, 1796400000000000ull};

static void failed_notice_round_trip(void **state)
{
	struct envelope *e = make_env("Subject: hi\r\nMessage-ID: <m1@example.org>\r\n");
	struct buf out;
	buf_init(&out, 1u << 20);
	size_t idx[] = {0, 1};
	assert_int_equal(bounce_build(&out, e, idx, 2, BOUNCE_FAILED, &info), 0);
	struct seen s = {0};
	struct dsn_report rep;
	assert_true(dsn_detect(out.data, out.len));
	assert_int_equal(dsn_parse(out.data, out.len, &rep, collect, &s), 2);
	assert_string_equal(rep.reporting_mta, "mx.example.org");
	assert_string_equal(s.r[0].final_recipient, "alice@example.com");
	assert_string_equal(s.r[0].action, "failed");
	assert_string_equal(s.r[0].status, "5.1.1");
	assert_string_equal(s.r[0].remote_mta, "mx1.example.com");
	assert_string_equal(s.r[0].diagnostic_type, "smtp");
	assert_string_equal(s.r[0].original_recipient, "");
	/* an alias: the address the client gave is the Original-Recipient */
	assert_string_equal(s.r[1].final_recipient, "bob@example.net");
	assert_string_equal(s.r[1].original_recipient, "list@example.com");
	assert_string_equal(s.r[1].status, "5.0.0"); /* no enhanced code: the class */
	assert_string_equal(s.r[1].remote_mta, "");
	/* carol is not named; the body is not attached, the headers are */
	assert_null(memmem(out.data, out.len, "carol", 5));
	assert_null(memmem(out.data, out.len, "body line", 9));
	assert_non_null(memmem(out.data, out.len, "Message-ID: <m1@example.org>", 28));
	assert_non_null(memmem(out.data, out.len, "To: <sender@example.org>\r\n", 26));
	buf_free(&out);
	envelope_free(e);
}

static void delayed_notice_has_retry_until(void **state)
{
	struct envelope *e = make_env("Subject: hi\r\n");
	free(e->rcpts[0].last_reply);
	e->rcpts[0].last_reply = xstrdup("451 4.4.1 connect to mx1.example.com: Connection refused");
	struct buf out;
	buf_init(&out, 1u << 20);
	size_t idx[] = {0};
	assert_int_equal(bounce_build(&out, e, idx, 1, BOUNCE_DELAYED, &info), 0);
	struct seen s = {0};
	assert_int_equal(dsn_parse(out.data, out.len, NULL, collect, &s), 1);
	assert_string_equal(s.r[0].action, "delayed");
	assert_string_equal(s.r[0].status, "4.4.1");
	assert_true(s.r[0].will_retry_until[0] != '\0');
	assert_non_null(memmem(out.data, out.len, "Subject: Delayed Mail", 21));
	buf_free(&out);
	envelope_free(e);
}

static void boundary_never_in_attached_headers(void **state)
{
	/* a sender who guesses the boundary and puts it in a header */
	struct envelope *e = make_env("X-Trap: --=_tern_0TJQT624YK5J_0TJQT60R38B0_0\r\n");
	struct buf out;
	buf_init(&out, 1u << 20);
	size_t idx[] = {0};
	assert_int_equal(bounce_build(&out, e, idx, 1, BOUNCE_FAILED, &info), 0);
	assert_non_null(memmem(out.data, out.len, "boundary=\"=_tern_0TJQT624YK5J_0TJQT60R38B0_1\"", 44));
	struct seen s = {0};
	assert_int_equal(dsn_parse(out.data, out.len, NULL, collect, &s), 1);
	buf_free(&out);
	envelope_free(e);
}

static void status_from_reply(void **state)
{
	char st[16];
	bounce_status("550 5.7.1 relay denied", st);
	assert_string_equal(st, "5.7.1");
	bounce_status("421 closing", st);
	assert_string_equal(st, "4.0.0");
	bounce_status("garbage", st);
	assert_string_equal(st, "5.0.0");
	bounce_status(NULL, st);
	assert_string_equal(st, "5.0.0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(failed_notice_round_trip),
		cmocka_unit_test(delayed_notice_has_retry_until),
		cmocka_unit_test(boundary_never_in_attached_headers),
		cmocka_unit_test(status_from_reply),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
