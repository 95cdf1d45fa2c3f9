/* test_session.c - the SMTP session core without sockets: bytes in, replies out.
 * Covers the command parser (line rules, dispatch, sequence) and DATA framing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "conf/conf.h"
#include "smtpd/session.h"

static struct conf *test_conf(void)
{
	static char o1[] = "hostname=mx.test", o2[] = "domains=test.example";
	char *ov[] = {o1, o2};
	struct buf err;
	buf_init(&err, 4096);
	struct conf *c = conf_load(NULL, ov, 2, &err);
	buf_free(&err);
	return c;
}

struct fixture {
	struct conf *conf;
	struct session s;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	f->conf = test_conf();
	session_init(&f->s, NULL, f->conf, "192.0.2.1", ROLE_MX);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	session_cleanup(&f->s);
	conf_unref(f->conf);
	free(f);
	return 0;
}

/* Feed text, return everything the session replied (NUL-terminated, owned by out buf). */
static const char *feed(struct fixture *f, const char *text, size_t len)
{
	/* like server.c: unconsumed bytes stay in s->in and are fed again with the next read */
	buf_reset(&f->s.out);
	buf_append(&f->s.in, text, len);
	size_t used = session_input(&f->s, f->s.in.data, f->s.in.len);
	buf_consume(&f->s.in, used);
	buf_cstr(&f->s.out);
	return f->s.out.data;
}

#define FEED(f, lit) feed((f), (lit), sizeof(lit) - 1)

static void test_unknown_and_case(void **state)
{
	struct fixture *f = *state;
	assert_string_equal(FEED(f, "FOO\r\n"), "500 5.5.2 Command not recognized\r\n");
	assert_string_equal(FEED(f, "noop\r\n"), "250 2.0.0 Ok\r\n");
	assert_string_equal(FEED(f, "EXPN list\r\n"),
			    "502 5.5.1 EXPN is not available: this server does not disclose mailing lists\r\n");
	assert_string_equal(FEED(f, "STARTTLS\r\n"), "502 5.5.1 STARTTLS is not implemented by this server\r\n");
}

static void test_sequence(void **state)
{
	struct fixture *f = *state;
	assert_string_equal(FEED(f, "MAIL FROM:<a@test.example>\r\n"),
			    "503 5.5.1 Bad sequence of commands: send HELO or EHLO first\r\n");
	assert_true(strncmp(FEED(f, "HELO client.example\r\n"), "250 mx.test greets client.example", 33) == 0);
	assert_string_equal(FEED(f, "RCPT TO:<bob@test.example>\r\n"),
			    "503 5.5.1 Bad sequence of commands: send MAIL FROM first\r\n");
	assert_string_equal(FEED(f, "DATA\r\n"),
			    "503 5.5.1 Bad sequence of commands: send MAIL FROM and RCPT TO first\r\n");
	assert_string_equal(FEED(f, "MAIL FROM:<a@test.example>\r\n"), "250 2.1.0 Sender <a@test.example> ok\r\n");
	assert_string_equal(FEED(f, "MAIL FROM:<a@test.example>\r\n"),
			    "503 5.5.1 Bad sequence of commands: nested MAIL command; finish or RSET the current message first\r\n");
	assert_string_equal(FEED(f, "DATA\r\n"), "503 5.5.1 Bad sequence of commands: send RCPT TO first\r\n");
	assert_string_equal(FEED(f, "RCPT TO:<bob@example.org>\r\n"),
			    "550 5.7.1 bob@example.org: relay access denied; this server only accepts mail for its own domains\r\n");
	assert_string_equal(FEED(f, "DATA\r\n"), "554 5.5.1 No valid recipients; the message was not sent\r\n");
}

static void test_line_rules(void **state)
{
	struct fixture *f = *state;
	assert_string_equal(FEED(f, "NOOP\n"),
			    "500 5.5.2 Command line must end with CRLF; bare CR or LF is not allowed (RFC 5321 2.3.8)\r\n");
	assert_string_equal(FEED(f, "NO\rOP\r\n"),
			    "500 5.5.2 Command line must end with CRLF; bare CR or LF is not allowed (RFC 5321 2.3.8)\r\n");
	char line[600];
	/* exactly 512 octets with CRLF: allowed */
	memset(line, 'x', sizeof(line));
	memcpy(line, "NOOP ", 5);
	memcpy(line + 510, "\r\n", 2);
	assert_string_equal(feed(f, line, 512), "250 2.0.0 Ok\r\n");
	/* 513: refused, in one piece or split across reads, and the session goes on */
	memcpy(line + 510, "x\r\n", 3);
	assert_true(strncmp(feed(f, line, 513), "500 5.5.2 Command line too long", 31) == 0);
	assert_string_equal(feed(f, line, 300), "");
	assert_true(strncmp(feed(f, line + 300, 213), "500 5.5.2 Command line too long", 31) == 0);
	assert_string_equal(FEED(f, "NOOP\r\n"), "250 2.0.0 Ok\r\n");
}

static void test_pipelining_order(void **state)
{
	struct fixture *f = *state;
	const char *out = FEED(f, "EHLO c.example\r\nMAIL FROM:<a@test.example>\r\nRCPT TO:<x@test.example>\r\n"
				  "RCPT TO:<y@elsewhere.example>\r\nDATA\r\n");
	const char *mail = strstr(out, "250 2.1.0"), *rcpt = strstr(out, "250 2.1.5"),
		   *relay = strstr(out, "550 5.7.1"), *data = strstr(out, "354 End data");
	assert_non_null(mail);
	assert_non_null(rcpt);
	assert_non_null(relay);
	assert_non_null(data);
	assert_true(mail < rcpt && rcpt < relay && relay < data);
	/* the body in the same packet as the next command */
	out = FEED(f, "Subject: x\r\n\r\n..dot\r\n.\r\nNOOP\r\n");
	assert_string_equal(out, "250 2.0.0 Ok: queued as 000000000000\r\n250 2.0.0 Ok\r\n");
}

static void test_smuggling(void **state)
{
	struct fixture *f = *state;
	FEED(f, "EHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<postmaster>\r\nDATA\r\n");
	/* "\n.\r\n" and "\r\n.\n" are not the end: the "MAIL" after them is message text */
	const char *out = FEED(f, "a\n.\r\nMAIL FROM:<evil@x>\r\nb\r\n.\nRCPT TO:<z@x>\r\n");
	assert_string_equal(out, "");
	out = FEED(f, ".\r\n");
	assert_string_equal(out, "554 5.6.0 Message rejected: it contains a bare CR or LF; lines must end with CRLF "
				 "(RFC 5321 2.3.8)\r\n");
}

static void test_size_limit_and_recovery(void **state)
{
	struct fixture *f = *state;
	FEED(f, "EHLO c\r\n");
	assert_string_equal(FEED(f, "MAIL FROM:<a@test.example> SIZE=99999999999\r\n"),
			    "552 5.3.4 Message too big: this server accepts at most 10485760 bytes\r\n");
	assert_string_equal(FEED(f, "MAIL FROM:<a@test.example> BODY=BINARYMIME\r\n"),
			    "504 5.5.4 Parameter value not implemented: BODY=BINARYMIME (use 7BIT or 8BITMIME)\r\n");
	assert_string_equal(FEED(f, "MAIL FROM:<a@test.example> FOO=bar\r\n"),
			    "555 5.5.4 Unknown or unsupported parameter: FOO\r\n");
	assert_string_equal(FEED(f, "MAIL FROM:<a@test.example> SIZE=100 BODY=8BITMIME SMTPUTF8\r\n"),
			    "250 2.1.0 Sender <a@test.example> ok\r\n");
	assert_string_equal(FEED(f, "RCPT TO:<b@test.example> NOTIFY=NEVER\r\n"),
			    "555 5.5.4 Unknown or unsupported parameter: NOTIFY\r\n");
}

static void test_addresses(void **state)
{
	struct fixture *f = *state;
	FEED(f, "EHLO c\r\nMAIL FROM:<a@test.example>\r\n");
	assert_string_equal(FEED(f, "RCPT TO:<@a.example:bob@test.example>\r\n"),
			    "553 5.1.3 Source routes are not accepted; send to the final address only\r\n");
	assert_string_equal(FEED(f, "RCPT TO:<bob@test.example\r\n"),
			    "501 5.5.4 Syntax error in address: expected <local-part@domain>\r\n");
	assert_string_equal(FEED(f, "RCPT TO:<bob%example.org@test.example>\r\n"),
			    "550 5.7.1 bob%example.org@test.example: relay access denied; this server only accepts "
			    "mail for its own domains\r\n");
	assert_string_equal(FEED(f, "RCPT TO:<PostMaster>\r\n"), "250 2.1.5 Recipient <PostMaster> ok\r\n");
	assert_string_equal(FEED(f, "VRFY bob\r\n"),
			    "252 2.0.0 Cannot VRFY user, but will accept message and attempt delivery\r\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_unknown_and_case, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sequence, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_line_rules, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pipelining_order, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_smuggling, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_size_limit_and_recovery, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_addresses, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
