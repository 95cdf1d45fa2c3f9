/* test_dsn.c - src/explain/dsn.c: the delivery-status part of a bounce (RFC 6522, RFC 2046, base64,
 * quoted-printable), its field groups (RFC 3464 2.1-2.3), each recipient's explanation.
 * Messages are exact-size heap copies, so ASan catches reads past len. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "explain/dsn.h"

#define RCPTS_MAX 8

struct seen {
	struct dsn_recipient r[RCPTS_MAX];
	struct explanation e[RCPTS_MAX];
	int explained[RCPTS_MAX];
	int n;
	int stop_after; /* 0: never */
};

static int collect(const struct dsn_report *rep, const struct dsn_recipient *r, void *ctx)
{
	struct seen *s = ctx;
	if (s->n < RCPTS_MAX) {
		s->r[s->n] = *r;
		s->explained[s->n] = dsn_explain(r, &s->e[s->n]);
		s->n++;
	}
	return s->stop_after && s->n >= s->stop_after;
}

static int parse(const char *msg, struct dsn_report *rep, struct seen *s)
{
	size_t len = strlen(msg);
	char *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	memcpy(copy, msg, len);
	memset(s->r, 0, sizeof(s->r));
	s->n = 0;
	int rc = dsn_parse(copy, len, rep, collect, s);
	free(copy);
	return rc;
}

static const char postfix_bounce[] =
	"Return-Path: <>\r\n"
	"Date: Tue, 12 Mar 2024 09:14:05 +0000\r\n"
	"From: Mail Delivery System <MAILER-DAEMON@mail.example.net>\r\n"
	"To: alice@example.com\r\n"
	"Subject: Undelivered Mail Returned to Sender\r\n"
	"MIME-Version: 1.0\r\n"
	"Content-Type: multipart/report; report-type=delivery-status;\r\n"
	"\tboundary=\"=_dsn_7F3A/mail.example.net\"\r\n"
	"\r\n"
	"This is a MIME-encapsulated message.\r\n"
	"\r\n"
	"--=_dsn_7F3A/mail.example.net\r\n"
	"Content-Type: text/plain; charset=us-ascii\r\n"
	"\r\n"
	"Final-Recipient: rfc822; decoy@example.org\r\n"
	"\r\n"
	"--=_dsn_7F3A/mail.example.net\r\n"
	"Content-Description: Delivery report\r\n"
	"Content-Type: message/delivery-status\r\n"
	"\r\n"
	"Reporting-MTA: dns; mail.example.net\r\n"
	"Arrival-Date: Tue, 12 Mar 2024 09:14:02 +0000 (UTC)\r\n"
	"\r\n"
	"Final-Recipient: rfc822; bob@example.org\r\n"
	"Original-Recipient: rfc822;bob@example.org\r\n"
	"Action: failed\r\n"
	"Status: 5.1.1\r\n"
	"Remote-MTA: dns; mx1.example.org\r\n"
	"Diagnostic-Code: smtp; 550-5.1.1 The email account that you tried to reach does\r\n"
	"    not exist. Please try 550-5.1.1 double-checking the recipient's email\r\n"
	"    address for typos or 550 5.1.1 unnecessary spaces. - gsmtp\r\n"
	"\r\n"
	"Final-Recipient: rfc822; carol@example.info\r\n"
	"Action: failed\r\n"
	"Status: 5.2.2\r\n"
	"Remote-MTA: dns; mx.example.info\r\n"
	"Diagnostic-Code: smtp; 552 5.2.2 <carol@example.info>: mailbox is full (over\r\n"
	"    its quota)\r\n"
	"\r\n"
	"--=_dsn_7F3A/mail.example.net\r\n"
	"Content-Type: text/rfc822-headers\r\n"
	"\r\n"
	"Final-Recipient: rfc822; decoy2@example.org\r\n"
	"Subject: Lunch on Friday?\r\n"
	"\r\n"
	"--=_dsn_7F3A/mail.example.net--\r\n";

static void test_postfix_bounce(void **state)
{
	struct dsn_report rep;
	static struct seen s;
	assert_true(dsn_detect(postfix_bounce, strlen(postfix_bounce)));
	assert_int_equal(parse(postfix_bounce, &rep, &s), 2);
	assert_int_equal(s.n, 2);
	assert_string_equal(rep.reporting_mta, "mail.example.net");
	assert_string_equal(rep.arrival_date, "Tue, 12 Mar 2024 09:14:02 +0000 (UTC)");

	assert_int_equal(s.r[0].index, 0);
	assert_string_equal(s.r[0].final_recipient, "bob@example.org");
	assert_string_equal(s.r[0].original_recipient, "bob@example.org");
	assert_string_equal(s.r[0].action, "failed");
	assert_string_equal(s.r[0].status, "5.1.1");
	assert_string_equal(s.r[0].remote_mta, "mx1.example.org");
	assert_string_equal(s.r[0].diagnostic_type, "smtp");
	assert_string_equal(s.r[0].diagnostic,
			    "550-5.1.1 The email account that you tried to reach does not exist. Please try "
			    "550-5.1.1 double-checking the recipient's email address for typos or 550 5.1.1 "
			    "unnecessary spaces. - gsmtp");
	assert_int_equal(s.explained[0], 0);
	assert_int_equal(s.e[0].code, 550);
	assert_int_equal(s.e[0].nlines, 3); /* the folded multiline reply is split again */
	assert_int_equal(s.e[0].nnotes, 0);
	assert_string_equal(s.e[0].reason, "unknown_user");
	assert_string_equal(s.e[0].text, "The email account that you tried to reach does not exist. Please try "
					 "double-checking the recipient's email address for typos or unnecessary "
					 "spaces. - gsmtp");
	assert_false(s.e[0].sent);

	assert_int_equal(s.r[1].index, 1);
	assert_string_equal(s.r[1].final_recipient, "carol@example.info");
	assert_string_equal(s.r[1].diagnostic, "552 5.2.2 <carol@example.info>: mailbox is full (over its quota)");
	assert_int_equal(s.explained[1], 0);
	assert_string_equal(s.e[1].reason, "mailbox_full");
	assert_string_equal(s.e[1].klass, "permanent");
}

static void test_stop_early(void **state)
{
	static struct seen s;
	s.stop_after = 1;
	assert_int_equal(parse(postfix_bounce, NULL, &s), 1);
	assert_int_equal(s.n, 1);
	s.stop_after = 0;
}

static void test_bare_fields(void **state)
{
	static struct seen s;
	struct dsn_report rep;
	const char *msg = "Reporting-MTA: dns; mx.example.net\n"
			  "\n"
			  "Final-Recipient: rfc822; dave@example.org\n"
			  "Action: delayed\n"
			  "Status: 4.4.1\n"
			  "Diagnostic-Code: smtp; 421 4.4.1 connection timed out\n"
			  "Will-Retry-Until: Fri, 15 Mar 2024 09:14:02 +0000\n";
	assert_true(dsn_detect(msg, strlen(msg)));
	assert_int_equal(parse(msg, &rep, &s), 1);
	assert_string_equal(rep.reporting_mta, "mx.example.net");
	assert_string_equal(s.r[0].will_retry_until, "Fri, 15 Mar 2024 09:14:02 +0000");
	assert_int_equal(s.explained[0], 0);
	assert_string_equal(s.e[0].klass, "transient");
	assert_false(s.e[0].sent);
	assert_true(s.e[0].retry);
	assert_non_null(strstr(s.e[0].retry_when, "still trying"));
}

static void test_groups_run_together(void **state)
{
	static struct seen s;
	/* no blank line between the recipients: a second Final-Recipient starts a new one */
	const char *msg = "Final-Recipient: rfc822; a@example.org\n"
			  "Action: failed\n"
			  "Status: 5.1.1\n"
			  "Final-Recipient: rfc822; b@example.org\n"
			  "Action: delivered\n"
			  "Status: 2.0.0\n"
			  "not a field line\n";
	assert_int_equal(parse(msg, NULL, &s), 2);
	assert_string_equal(s.r[0].final_recipient, "a@example.org");
	assert_string_equal(s.r[1].final_recipient, "b@example.org");
	assert_string_equal(s.e[0].reason, "unknown_user");
	assert_int_equal(s.e[0].code, 0); /* explained from the Status alone */
	assert_true(s.e[1].sent);
	assert_string_equal(s.e[1].klass, "success");
}

static void test_nested_and_encoded(void **state)
{
	static struct seen s;
	/* multipart/mixed around the report (some gateways do this), a base64 status part */
	const char *msg = "MIME-Version: 1.0\n"
			  "Content-Type: multipart/mixed; boundary=outer\n"
			  "\n"
			  "--outer\n"
			  "Content-Type: multipart/report; report-type=delivery-status; boundary=\"inner\"\n"
			  "\n"
			  "--inner\n"
			  "Content-Type: text/plain\n"
			  "\n"
			  "Your message could not be delivered.\n"
			  "--inner\n"
			  "Content-Type: message/delivery-status\n"
			  "Content-Transfer-Encoding: base64\n"
			  "\n"
			  /* "Reporting-MTA: dns; gw.example.net\n\nFinal-Recipient: rfc822; e@example.org\n
			   *  Action: failed\nStatus: 5.7.1\nDiagnostic-Code: smtp; 550 5.7.1 Relay access denied\n" */
			  "UmVwb3J0aW5nLU1UQTogZG5zOyBndy5leGFtcGxlLm5ldAoKRmluYWwtUmVjaXBpZW50OiByZmM4\n"
			  "MjI7IGVAZXhhbXBsZS5vcmcKQWN0aW9uOiBmYWlsZWQKU3RhdHVzOiA1LjcuMQpEaWFnbm9zdGlj\n"
			  "LUNvZGU6IHNtdHA7IDU1MCA1LjcuMSBSZWxheSBhY2Nlc3MgZGVuaWVkCg==\n"
			  "--inner--\n"
			  "--outer--\n";
	struct dsn_report rep;
	assert_int_equal(parse(msg, &rep, &s), 1);
	assert_string_equal(rep.reporting_mta, "gw.example.net");
	assert_string_equal(s.r[0].final_recipient, "e@example.org");
	assert_string_equal(s.e[0].reason, "relay_denied");

	/* quoted-printable, and the global (RFC 6533) variant */
	const char *qp = "Content-Type: multipart/report; boundary=b\n"
			 "\n"
			 "--b\n"
			 "Content-Type: message/global-delivery-status\n"
			 "Content-Transfer-Encoding: quoted-printable\n"
			 "\n"
			 "Final-Recipient: rfc822; f@example.org\n"
			 "Action: failed\n"
			 "Status: 5.2.2\n"
			 "Diagnostic-Code: smtp; 552 5.2.2 Mailbox =3D full, =\n"
			 "over quota\n"
			 "--b--\n";
	assert_int_equal(parse(qp, NULL, &s), 1);
	assert_string_equal(s.r[0].diagnostic, "552 5.2.2 Mailbox = full, over quota");
	assert_string_equal(s.e[0].reason, "mailbox_full");
}

static bool has_note(const struct explanation *e, const char *word)
{
	for (size_t i = 0; i < e->nnotes; i++)
		if (strstr(e->notes[i], word))
			return true;
	return false;
}

static void test_status_and_diagnostic(void **state)
{
	static struct seen s;
	/* the reply has no enhanced code: Status supplies it */
	const char *a = "Final-Recipient: rfc822; g@example.org\nAction: failed\nStatus: 5.1.1\n"
			"Diagnostic-Code: smtp; 550 Requested action not taken: mailbox unavailable\n";
	assert_int_equal(parse(a, NULL, &s), 1);
	assert_int_equal(s.e[0].code, 550);
	assert_string_equal(s.e[0].enhanced, "5.1.1");
	assert_string_equal(s.e[0].reason, "unknown_user");

	/* they disagree: the reply is explained, with a note */
	const char *b = "Final-Recipient: rfc822; h@example.org\nAction: failed\nStatus: 5.0.0\n"
			"Diagnostic-Code: smtp; 550 5.7.1 blocked using zen.spamhaus.org\n";
	assert_int_equal(parse(b, NULL, &s), 1);
	assert_string_equal(s.e[0].reason, "blocklisted");
	assert_true(has_note(&s.e[0], "Status is 5.0.0"));

	/* a non-SMTP diagnostic: the Status and the text */
	const char *c = "Final-Recipient: rfc822; i@nonexistent.invalid\nAction: failed\nStatus: 5.4.4\n"
			"Diagnostic-Code: X-Postfix; Host or domain name not found. Name service error\n"
			"    for name=nonexistent.invalid type=A: Host not found\n";
	assert_int_equal(parse(c, NULL, &s), 1);
	assert_string_equal(s.r[0].diagnostic_type, "X-Postfix");
	assert_int_equal(s.e[0].code, 0);
	assert_string_equal(s.e[0].enhanced, "5.4.4");
	assert_string_equal(s.e[0].reason, "bad_domain");

	/* the reporting server gave up on a transient failure */
	const char *d = "Final-Recipient: rfc822; j@example.org\nAction: failed\nStatus: 4.4.7\n"
			"Diagnostic-Code: smtp; 451 4.4.7 delivery time expired\n";
	assert_int_equal(parse(d, NULL, &s), 1);
	assert_false(s.e[0].sent);
	assert_true(has_note(&s.e[0], "gave up"));

	/* nothing usable */
	const char *e = "Final-Recipient: rfc822; k@example.org\nAction: failed\nStatus: x\n";
	assert_int_equal(parse(e, NULL, &s), 1);
	assert_int_equal(s.explained[0], -1);
}

static void test_not_a_bounce(void **state)
{
	static struct seen s;
	const char *mail = "From: a@example.org\nTo: b@example.org\nSubject: hi\n\nHello!\n";
	assert_false(dsn_detect(mail, strlen(mail)));
	assert_int_equal(parse(mail, NULL, &s), -1);
	assert_int_equal(parse("", NULL, &s), -1);
	assert_false(dsn_detect("", 0));
	assert_int_equal(dsn_parse(NULL, 0, NULL, NULL, NULL), -1);
	/* a delivery-status part without recipients: found, zero groups */
	const char *empty = "Content-Type: message/delivery-status\n\nReporting-MTA: dns; x\n";
	assert_int_equal(parse(empty, NULL, &s), 0);
}

static void test_hostile(void **state)
{
	static struct seen s;
	/* unterminated multipart, boundary that is a prefix of another, endless folding */
	const char *msgs[] = {
		"Content-Type: multipart/report; boundary=\"ab\"\n\n--abc\nContent-Type: message/delivery-status\n\n"
		"Final-Recipient: rfc822; no@example.org\n--ab\nContent-Type: message/delivery-status\n\n"
		"Final-Recipient: rfc822; yes@example.org\nStatus: 5.1.1\n",
		"Content-Type: multipart/report; boundary=\n\n--\n",
		"Content-Type: multipart/report; boundary=\"unterminated\n\n",
		"Content-Type: message/delivery-status\nContent-Transfer-Encoding: base64\n\n====",
		"Content-Type: message/delivery-status\nContent-Transfer-Encoding: quoted-printable\n\n=\n=4",
		"Final-Recipient:\n \n \n\t\nStatus:",
		":\n:\n: x\nFinal-Recipient: ;;;;\n",
		"\n\n\n\n",
	};
	for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++)
		parse(msgs[i], NULL, &s);
	assert_int_equal(parse(msgs[0], NULL, &s), 1);
	assert_string_equal(s.r[0].final_recipient, "yes@example.org");

	/* deep nesting stops at DSN_DEPTH_MAX */
	char deep[4096];
	size_t n = 0;
	for (int i = 0; i < 20; i++)
		n += (size_t)snprintf(deep + n, sizeof(deep) - n, "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n", i, i);
	snprintf(deep + n, sizeof(deep) - n, "Content-Type: message/delivery-status\n\nFinal-Recipient: rfc822; z@x\n");
	assert_int_equal(parse(deep, NULL, &s), 1); /* found by the bare-fields fallback only */

	/* long field values are cut, not overflowed */
	size_t big = 3 * DSN_DIAG_MAX;
	char *m = malloc(big + 64);
	assert_non_null(m);
	int k = snprintf(m, 64, "Final-Recipient: rfc822; ");
	memset(m + k, 'a', big);
	memcpy(m + k + big - 1, "\n", 2);
	assert_int_equal(parse(m, NULL, &s), 1);
	assert_int_equal(strlen(s.r[0].final_recipient), DSN_FIELD_MAX - 1);
	free(m);

	/* pseudo-random bytes around DSN words: no crash, no read past the end */
	uint32_t x = 12345;
	static const char *const words[] = {"Content-Type: multipart/report; boundary=q\n", "--q\n", "--q--\n",
					    "Content-Type: message/delivery-status\n", "\n", "Final-Recipient: rfc822; a\n",
					    "Status: 5.1.1\n", "Diagnostic-Code: smtp; 550-5.1.1 a 550 5.1.1 b\n",
					    "Content-Transfer-Encoding: base64\n", "\r", " ", "=", "\t"};
	for (int round = 0; round < 300; round++) {
		char buf[2048];
		size_t len = 0;
		while (len < sizeof(buf) - 64) {
			x = x * 1103515245u + 12345u;
			const char *w = words[(x >> 16) % (sizeof(words) / sizeof(words[0]))];
			size_t wl = strlen(w);
			memcpy(buf + len, w, wl);
			len += wl;
			if (((x >> 8) & 7) == 0)
				buf[len++] = (char)(x >> 24);
		}
		buf[len] = '\0';
		char *copy = malloc(len);
		assert_non_null(copy);
		memcpy(copy, buf, len);
		s.n = 0;
		dsn_detect(copy, len);
		dsn_parse(copy, len, NULL, collect, &s);
		free(copy);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_postfix_bounce),
		cmocka_unit_test(test_stop_early),
		cmocka_unit_test(test_bare_fields),
		cmocka_unit_test(test_groups_run_together),
		cmocka_unit_test(test_nested_and_encoded),
		cmocka_unit_test(test_status_and_diagnostic),
		cmocka_unit_test(test_not_a_bounce),
		cmocka_unit_test(test_hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
