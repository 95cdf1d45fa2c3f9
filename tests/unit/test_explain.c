/* test_explain.c - src/explain/: tables, IANA registry, provider phrases, reply parser (RFC 5321
 * 4.2, RFC 2034, RFC 3463), one-line and HELP output, and an explanation for every row of
 * src/lib/replies.def. Inputs are exact-size heap copies, so ASan catches reads past len. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "explain/explain.h"
#include "lib/reply.h"

/* explain_reply on an exact-size copy of s */
static int reply_of(const char *s, struct explanation *e)
{
	size_t len = strlen(s);
	char *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	memcpy(copy, s, len);
	int rc = explain_reply(copy, len, e);
	free(copy);
	return rc;
}

static void assert_explained(const struct explanation *e)
{
	assert_non_null(e->klass);
	assert_non_null(e->reason);
	assert_non_null(codes_reason(e->reason));
	assert_non_null(e->summary);
	assert_non_null(e->meaning);
	assert_true(strlen(e->meaning) > 10);
	assert_non_null(e->advice);
	assert_true(strlen(e->advice) > 5);
	assert_non_null(e->admin);
	assert_true(strlen(e->admin) > 5);
	assert_int_equal(e->retry, e->retry_when != NULL);
}

/* ---- tables ---- */

static void test_seed_codes(void **state)
{
	/* every code of the table in the seed document (shared/seed/000_0cf8dc646ee0a421.txt) */
	static const int seed[] = {211, 214, 220, 221, 250, 251, 354, 421, 450, 451, 452,
				   500, 501, 502, 503, 504, 550, 551, 552, 553, 554};
	for (size_t i = 0; i < sizeof(seed) / sizeof(seed[0]); i++) {
		struct explanation e;
		assert_int_equal(explain_code(seed[i], NULL, NULL, &e), 0);
		assert_non_null(e.basic);
		assert_int_equal(e.basic->code, seed[i]);
		assert_true(explain_known(seed[i], NULL));
		assert_int_equal(e.source, EXPLAIN_FROM_BASIC);
		assert_explained(&e);
	}
}

static void test_rfc5321_codes(void **state)
{
	/* RFC 5321 4.2.2/4.2.3 plus the codes of RFC 3207, 4954 and 7504 */
	static const int codes[] = {211, 214, 220, 221, 235, 250, 251, 252, 334, 354, 421, 432, 450, 451, 452,
				    454, 455, 500, 501, 502, 503, 504, 521, 530, 534, 535, 538, 550, 551, 552,
				    553, 554, 555, 556};
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		struct explanation e;
		assert_int_equal(explain_code(codes[i], NULL, NULL, &e), 0);
		assert_non_null(e.basic);
		assert_explained(&e);
		char lines[12][EXPLAIN_HELP_LINE_MAX + 1];
		assert_true(explain_help_lines(codes[i], lines, 12) >= 6);
	}
}

static void test_classes(void **state)
{
	struct explanation e;
	assert_int_equal(explain_code(250, NULL, NULL, &e), 0);
	assert_string_equal(e.klass, "success");
	assert_true(e.sent);
	assert_false(e.retry);
	assert_string_equal(e.reason, "ok");

	assert_int_equal(explain_code(354, NULL, NULL, &e), 0);
	assert_string_equal(e.klass, "intermediate");
	assert_false(e.sent);
	assert_false(e.retry);
	assert_string_equal(e.reason, "continue");

	assert_int_equal(explain_code(452, NULL, NULL, &e), 0);
	assert_string_equal(e.klass, "transient");
	assert_false(e.sent);
	assert_true(e.retry);
	assert_non_null(e.retry_when);
	assert_string_equal(e.reason, "storage");

	assert_int_equal(explain_code(550, NULL, NULL, &e), 0);
	assert_string_equal(e.klass, "permanent");
	assert_false(e.sent);
	assert_false(e.retry);
	assert_null(e.retry_when);
}

static void test_tables_consistent(void **state)
{
	/* the documented stable keywords (docs/explain.md) all exist */
	static const char *const required[] = {
		"unknown_user", "mailbox_full", "mailbox_disabled", "message_too_big", "relay_denied", "greylisted",
		"rate_limited", "blocklisted", "spf_fail", "dkim_fail", "dmarc_fail", "unauthenticated_sender",
		"spam", "tls_required", "auth_required", "auth_failed", "syntax", "bad_sequence", "not_implemented",
		"storage", "timeout", "service_unavailable", "loop", "null_mx", "policy", "ok", "other"};
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		assert_non_null(codes_reason(required[i]));
	for (size_t i = 0; i < codes_reason_count(); i++) {
		const struct codes_reason *r = codes_reason_at(i);
		assert_ptr_equal(codes_reason(r->keyword), r); /* unique */
		for (const char *p = r->keyword; *p; p++)
			assert_true((*p >= 'a' && *p <= 'z') || *p == '_');
		assert_true(r->summary[0] && r->meaning[0] && r->advice[0] && r->admin[0]);
	}
	int prev = 0;
	for (size_t i = 0; i < codes_basic_count(); i++) {
		const struct codes_basic *b = codes_basic_at(i);
		assert_true(b->code > prev); /* sorted: codes_basic() searches by bisection */
		prev = b->code;
		assert_non_null(codes_reason(b->reason));
		assert_ptr_equal(codes_basic(b->code), b);
		assert_true(b->title[0] && b->meaning[0] && b->rfc[0]);
	}
	for (size_t i = 0; i < codes_enhanced_count(); i++) {
		const struct codes_enhanced *x = codes_enhanced_at(i);
		assert_non_null(codes_reason(x->reason));
		assert_non_null(codes_enh_subject(x->subject));
		assert_ptr_equal(codes_enhanced(x->subject, x->detail), x);
		assert_true(x->title[0] && x->meaning[0] && x->rfc[0]);
	}
	for (size_t i = 0; i < patterns_count(); i++) {
		const struct patterns_row *p = patterns_at(i);
		if (codes_reason(p->reason) == NULL)
			fail_msg("patterns.def: \"%s\" names unknown reason \"%s\"", p->needle, p->reason);
		assert_int_equal(strlen(p->needle), p->needle_len);
		for (const char *c = p->needle; *c; c++)
			assert_false(*c >= 'A' && *c <= 'Z');
		assert_true(p->klass == 0 || p->klass == 4 || p->klass == 5);
		assert_true(p->label[0]);
	}
	for (int d = 2; d <= 5; d++) {
		assert_non_null(codes_first_digit(d));
		assert_non_null(codes_class_name(d));
	}
	for (int d = 0; d <= 5; d++)
		assert_non_null(codes_second_digit(d));
}

/* Every enumerated code of the IANA registry, as of its 2024 update. */
static void test_registry_complete(void **state)
{
	static const int last_detail[8] = {0, 10, 4, 6, 7, 6, 10, 30};
	for (int s = 0; s < 8; s++) {
		for (int d = 0; d <= last_detail[s]; d++) {
			char code[16];
			snprintf(code, sizeof(code), "5.%d.%d", s, d);
			if (!explain_known(0, code))
				fail_msg("%s is missing from the registry table", code);
		}
	}
	assert_int_equal(codes_enhanced_count(), 1 + 11 + 5 + 7 + 8 + 7 + 11 + 31);
	assert_null(codes_enhanced(7, 31));
	assert_null(codes_enhanced(1, 11));
}

static void test_registry_every_code_explains(void **state)
{
	static const int classes[] = {2, 4, 5};
	static const char *const names[] = {"success", "transient", "permanent"};
	for (size_t i = 0; i < codes_enhanced_count(); i++) {
		const struct codes_enhanced *x = codes_enhanced_at(i);
		for (size_t c = 0; c < 3; c++) {
			char code[16];
			struct explanation e;
			snprintf(code, sizeof(code), "%d.%d.%d", classes[c], x->subject, x->detail);
			assert_int_equal(explain_enhanced_only(code, &e), 0);
			assert_ptr_equal(e.entry, x);
			assert_string_equal(e.enhanced, code);
			assert_int_equal(e.code, 0);
			assert_string_equal(e.klass, names[c]);
			assert_int_equal(e.nnotes, 0);
			assert_explained(&e);
			if (classes[c] == 2)
				assert_string_equal(e.reason, "ok");
			else /* found by fuzz_reply: 5.1.5 once read as "ok" */
				assert_string_not_equal(e.reason, "ok");
		}
	}
}

static void test_registry_samples(void **state)
{
	static const struct {
		const char *code, *reason;
	} cases[] = {
		{"5.1.1", "unknown_user"},         {"5.1.2", "bad_domain"},          {"5.1.10", "null_mx"},
		{"5.2.1", "mailbox_disabled"},     {"5.2.2", "mailbox_full"},        {"4.2.2", "mailbox_full"},
		{"5.3.4", "message_too_big"},      {"4.3.1", "storage"},             {"5.4.6", "loop"},
		{"4.4.7", "timeout"},              {"5.5.3", "too_many_recipients"}, {"5.6.7", "bad_address"},
		{"5.7.1", "policy"},               {"5.7.8", "auth_failed"},         {"5.7.11", "tls_required"},
		{"5.7.20", "dkim_fail"},           {"5.7.21", "dkim_fail"},          {"5.7.22", "dkim_fail"},
		{"5.7.23", "spf_fail"},            {"4.7.24", "spf_fail"},           {"5.7.24", "spf_fail"},
		{"5.7.25", "reverse_dns"},         {"5.7.26", "unauthenticated_sender"},
		{"5.7.27", "null_mx"},             {"4.7.28", "rate_limited"},       {"5.7.29", "unauthenticated_sender"},
		{"5.7.30", "tls_required"},        {"5.3.6", "other"},               {"5.6.8", "bad_address"},
		{"5.6.10", "bad_address"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct explanation e;
		assert_int_equal(explain_enhanced_only(cases[i].code, &e), 0);
		if (strcmp(e.reason, cases[i].reason) != 0)
			fail_msg("%s: reason %s, expected %s", cases[i].code, e.reason, cases[i].reason);
	}
}

/* ---- parsing ---- */

static void test_parse_enhanced(void **state)
{
	int c, s, d;
	assert_int_equal(explain_parse_enhanced("5.1.1", 5, &c, &s, &d), 5);
	assert_int_equal(c, 5);
	assert_int_equal(s, 1);
	assert_int_equal(d, 1);
	assert_int_equal(explain_parse_enhanced("4.7.500 text", 12, &c, &s, &d), 7);
	assert_int_equal(d, 500);
	assert_int_equal(explain_parse_enhanced("2.1.10", 6, &c, &s, &d), 6);
	/* exactly len bytes are looked at: "5.1.1" cut to 4 is "5.1." */
	assert_int_equal(explain_parse_enhanced("5.1.1", 4, &c, &s, &d), -1);
	static const char *const bad[] = {"", "5", "5.", "5.1", "5.1.", "3.0.0", "1.1.1", "55.1.1", "5..1",
					  "5.1.1.1", "5.1234.1", "5.1.1234", "x.1.1", "5.a.1", " 5.1.1", "5.1.10."};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (explain_parse_enhanced(bad[i], strlen(bad[i]), &c, &s, &d) != -1)
			fail_msg("\"%s\" parsed as an enhanced code", bad[i]);
}

static void test_reply_single_line(void **state)
{
	struct explanation e;
	assert_int_equal(reply_of("550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown", &e), 0);
	assert_int_equal(e.code, 550);
	assert_string_equal(e.enhanced, "5.1.1");
	assert_int_equal(e.enh_class, 5);
	assert_int_equal(e.enh_subject, 1);
	assert_int_equal(e.enh_detail, 1);
	assert_string_equal(e.klass, "permanent");
	assert_string_equal(e.reason, "unknown_user");
	assert_int_equal(e.source, EXPLAIN_FROM_ENHANCED);
	assert_string_equal(e.text, "<bob@example.org>: Recipient address rejected: User unknown");
	assert_int_equal(e.nlines, 1);
	assert_int_equal(e.nnotes, 0);
	assert_false(e.sent);
	assert_false(e.retry);
	assert_explained(&e);
}

static void test_reply_without_enhanced(void **state)
{
	struct explanation e;
	assert_int_equal(reply_of("550 No such user here\r\n", &e), 0);
	assert_string_equal(e.enhanced, "");
	assert_int_equal(e.enh_class, -1);
	assert_string_equal(e.reason, "unknown_user");
	assert_int_equal(e.source, EXPLAIN_FROM_TEXT);
	assert_non_null(e.pattern);

	assert_int_equal(reply_of("250", &e), 0);
	assert_int_equal(e.code, 250);
	assert_string_equal(e.text, "");
	assert_string_equal(e.reason, "ok");
	assert_int_equal(reply_of("221 ", &e), 0);
	assert_int_equal(e.code, 221);
}

static void test_reply_multiline(void **state)
{
	struct explanation e;
	const char *gmail = "550-5.1.1 The email account that you tried to reach does not exist. Please try\r\n"
			    "550-5.1.1 double-checking the recipient's email address for typos or\r\n"
			    "550-5.1.1 unnecessary spaces. For more information, go to\r\n"
			    "550 5.1.1  https://support.google.com/mail/?p=NoSuchUser d2si123 - gsmtp\r\n";
	assert_int_equal(reply_of(gmail, &e), 0);
	assert_int_equal(e.code, 550);
	assert_int_equal(e.nlines, 4);
	assert_string_equal(e.enhanced, "5.1.1");
	assert_string_equal(e.reason, "unknown_user");
	assert_int_equal(e.nnotes, 0);
	assert_string_equal(e.text, "The email account that you tried to reach does not exist. Please try "
				    "double-checking the recipient's email address for typos or unnecessary spaces. "
				    "For more information, go to https://support.google.com/mail/?p=NoSuchUser "
				    "d2si123 - gsmtp");

	/* an EHLO reply: LF only, no enhanced codes */
	assert_int_equal(reply_of("250-mx.example.org\n250-PIPELINING\n250-SIZE 10240000\n250 8BITMIME\n", &e), 0);
	assert_int_equal(e.nlines, 4);
	assert_string_equal(e.klass, "success");
	assert_string_equal(e.text, "mx.example.org PIPELINING SIZE 10240000 8BITMIME");
	assert_int_equal(e.nnotes, 0);

	/* "250-" with nothing after the dash */
	assert_int_equal(reply_of("250-\r\n250 ok\r\n", &e), 0);
	assert_int_equal(e.nlines, 2);
	assert_string_equal(e.text, "ok");
}

static bool has_note(const struct explanation *e, const char *word)
{
	for (size_t i = 0; i < e->nnotes; i++)
		if (strstr(e->notes[i], word))
			return true;
	return false;
}

static void test_reply_oddities(void **state)
{
	struct explanation e;
	/* the last line is missing */
	assert_int_equal(reply_of("550-5.1.1 first line\r\n550-5.1.1 second line\r\n", &e), 0);
	assert_true(has_note(&e, "cut short"));
	/* different codes on different lines: the last one counts */
	assert_int_equal(reply_of("451-4.3.0 one\r\n550 5.3.0 two\r\n", &e), 0);
	assert_int_equal(e.code, 550);
	assert_true(has_note(&e, "different codes"));
	assert_true(has_note(&e, "different enhanced"));
	/* a wrapped line without a code */
	assert_int_equal(reply_of("550-5.7.1 Message rejected\r\nbecause of spam\r\n550 5.7.1 bye\r\n", &e), 0);
	assert_true(has_note(&e, "without a reply code"));
	assert_string_equal(e.text, "Message rejected because of spam bye");
	assert_string_equal(e.reason, "spam");
	/* text after the final line */
	assert_int_equal(reply_of("250 ok\r\n250 again\r\n", &e), 0);
	assert_true(has_note(&e, "follows the last line"));
	/* a 3xx reply with an enhanced code */
	assert_int_equal(reply_of("354 2.0.0 go ahead", &e), 0);
	assert_string_equal(e.klass, "intermediate");
	assert_true(has_note(&e, "RFC 2034"));
	/* an unregistered detail: explained by class and subject */
	assert_int_equal(reply_of("451 4.7.500 Server busy. Please try again later from [192.0.2.1]. (AS761)", &e), 0);
	assert_null(e.entry);
	assert_non_null(e.subject_entry);
	assert_true(has_note(&e, "not in the IANA registry"));
	assert_string_equal(e.reason, "rate_limited");
	/* an undefined subject */
	assert_int_equal(reply_of("550 5.9.1 what", &e), 0);
	assert_null(e.entry);
	assert_null(e.subject_entry);
	assert_true(has_note(&e, "subject 9"));
	assert_string_equal(e.reason, "mailbox_unavailable");
	/* a code no table knows */
	assert_int_equal(reply_of("559 something odd", &e), 0);
	assert_null(e.basic);
	assert_string_equal(e.klass, "permanent");
	assert_string_equal(e.reason, "other");
	assert_int_equal(e.source, EXPLAIN_FROM_CLASS);
	assert_true(has_note(&e, "559"));
	assert_explained(&e);
}

static void test_reply_inconsistent(void **state)
{
	struct explanation e;
	assert_int_equal(reply_of("450 5.1.1 <bob@example.org>: user unknown", &e), 0);
	assert_string_equal(e.klass, "transient");
	assert_true(e.retry);
	assert_int_equal(e.enh_class, 5);
	assert_true(has_note(&e, "inconsistent"));
	assert_int_equal(reply_of("550 4.2.2 mailbox full", &e), 0);
	assert_string_equal(e.klass, "permanent");
	assert_false(e.retry);
	assert_true(has_note(&e, "inconsistent"));
	assert_int_equal(reply_of("250 5.0.0 what", &e), 0);
	assert_string_equal(e.klass, "success");
	assert_true(has_note(&e, "inconsistent"));
	/* consistent codes: no note */
	assert_int_equal(reply_of("452 4.2.2 mailbox full", &e), 0);
	assert_int_equal(e.nnotes, 0);
}

static void test_reply_malformed(void **state)
{
	static const char *const bad[] = {"", " ", "\r\n\r\n", "hello", "55", "55 oops", "5500 x", "550x",
					  "650 x", "199 x", "099 x", "570 x", "599 x", "5 50", "-550 x", "abc 5.1.1"};
	struct explanation e;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (reply_of(bad[i], &e) != -1)
			fail_msg("\"%s\" was taken as a reply", bad[i]);
	assert_int_equal(explain_reply(NULL, 0, &e), -1);
	/* leading blank lines and spaces are fine */
	assert_int_equal(reply_of("\r\n  550 5.1.1 x", &e), 0);
	assert_int_equal(e.code, 550);
}

static void test_reply_hostile_text(void **state)
{
	struct explanation e;
	char msg[] = "550 5.1.1 a\033[31mred\x01\x7f\tb\xff\xc3\xa9 \xe2\x82\xac \xc2\x85 end";
	assert_int_equal(explain_reply(msg, sizeof(msg) - 1, &e), 0);
	for (const unsigned char *p = (const unsigned char *)e.text; *p; p++)
		assert_true(*p >= 0x20 && *p != 0x7f);
	/* é and € stay, the C1 control U+0085 and the stray 0xff become '?' */
	assert_string_equal(e.text, "a?[31mred?? b?\xc3\xa9 \xe2\x82\xac ?? end");
	/* NUL bytes inside the reply */
	char nul[] = "550 5.1.1 a\0b";
	assert_int_equal(explain_reply(nul, sizeof(nul) - 1, &e), 0);
	assert_string_equal(e.text, "a?b");
}

static void test_reply_huge(void **state)
{
	size_t len = 200000;
	char *big = malloc(len);
	assert_non_null(big);
	memset(big, 'x', len);
	memcpy(big, "550 5.2.2 ", 10);
	for (size_t i = 100; i < len; i += 100)
		big[i] = (i % 1000) ? ' ' : '\n';
	struct explanation e;
	assert_int_equal(explain_reply(big, len, &e), 0);
	assert_true(e.text_truncated);
	assert_true(strlen(e.text) < EXPLAIN_TEXT_MAX);
	assert_string_equal(e.reason, "mailbox_full");
	free(big);
}

/* ---- provider texts ---- */

static void test_provider_texts(void **state)
{
	static const struct {
		const char *reply, *reason;
	} cases[] = {
		{"550-5.1.1 The email account that you tried to reach does not exist. Please try\r\n"
		 "550 5.1.1 double-checking the recipient's email address for typos.", "unknown_user"},
		{"550 5.7.1 Service unavailable, Client host [1.2.3.4] blocked using Spamhaus", "blocklisted"},
		{"554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org", "blocklisted"},
		{"451 4.7.1 Greylisting in action, please come back later", "greylisted"},
		{"450 4.2.0 <bob@example.org>: Recipient address rejected: Greylisted, see http://postgrey.example/",
		 "greylisted"},
		{"421 4.7.28 [192.0.2.1] Our system has detected an unusual rate of unsolicited mail originating "
		 "from your IP address. To protect our users from spam, mail sent from your IP address has been "
		 "rate limited.", "rate_limited"},
		{"550 5.7.26 This message does not have authentication information or fails to pass authentication "
		 "checks (SPF or DKIM)", "unauthenticated_sender"},
		{"550-5.7.26 Unauthenticated email from example.com is not accepted due to\r\n"
		 "550 5.7.26 domain's DMARC policy.", "dmarc_fail"},
		{"552 5.2.2 mailbox full", "mailbox_full"},
		{"552-5.2.2 The email account that you tried to reach is over quota.", "mailbox_full"},
		{"530 5.7.0 Must issue a STARTTLS command first", "tls_required"},
		{"556 5.1.10 RFC 7505 null MX", "null_mx"},
		{"450-4.2.1 The user you are trying to contact is receiving mail too quickly. Please resend your "
		 "message at a later time.", "rate_limited"},
		{"554 5.7.9 Message not accepted for policy reasons. See https://postmaster.yahooinc.com/error-codes",
		 "policy"},
		{"421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user "
		 "complaints", "rate_limited"},
		{"550 5.4.1 Recipient address rejected: Access denied. AS(201806281)", "unknown_user"},
		{"550 5.7.606 Access denied, banned sending IP [192.0.2.1]", "blocklisted"},
		{"554 5.7.1 <bob@example.org>: Relay access denied", "relay_denied"},
		{"550 5.7.1 Unable to relay for bob@example.org", "relay_denied"},
		{"535-5.7.8 Username and Password not accepted. Learn more at", "auth_failed"},
		{"535 Incorrect authentication data", "auth_failed"},
		{"530 5.7.0 Authentication Required", "auth_required"},
		{"550 5.7.25 The IP address sending this message does not have a PTR record setup", "reverse_dns"},
		{"450 4.7.1 Client host rejected: cannot find your reverse hostname, [192.0.2.1]", "reverse_dns"},
		{"550 5.7.1 Email rejected per DMARC policy for example.com", "dmarc_fail"},
		{"550 5.7.1 SPF check failed: example.com does not designate 192.0.2.1 as permitted sender",
		 "spf_fail"},
		{"550 5.7.1 Message rejected: DKIM signature verification failed", "dkim_fail"},
		{"550 5.7.1 Our system has detected that this message is likely unsolicited mail.", "spam"},
		{"554 5.7.1 Message rejected because it contains a virus", "spam"},
		{"550 No such user here", "unknown_user"},
		{"550 Requested action not taken: mailbox unavailable", "mailbox_unavailable"},
		{"552 Message size exceeds fixed maximum message size", "message_too_big"},
		{"552 5.3.4 Message size exceeds fixed limit", "message_too_big"},
		{"550 5.2.1 The email account that you tried to reach is disabled.", "mailbox_disabled"},
		{"554 30 Sorry, your message to bob@example.org cannot be delivered. This mailbox is disabled (554.30).",
		 "mailbox_disabled"},
		{"451 Temporary local problem - please try later", "server_error"},
		{"450 try again later", "greylisted"},
		{"421 mx.example.org Service not available, closing transmission channel", "service_unavailable"},
		{"421 4.3.2 mx.example.org service shutting down, please try again later", "service_unavailable"},
		{"421 4.7.0 mx.example.org too many connections, please try again later", "rate_limited"},
		{"550 5.4.5 Daily user sending quota exceeded.", "rate_limited"},
		{"554 5.4.6 Too many hops", "loop"},
		{"550 5.1.2 Host or domain name not found", "bad_domain"},
		{"553 5.1.8 <alice@nonexistent.invalid>: Sender address rejected: Domain not found", "bad_sender"},
		{"550 Administrative prohibition", "policy"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct explanation e;
		if (reply_of(cases[i].reply, &e) != 0)
			fail_msg("not parsed: %s", cases[i].reply);
		if (strcmp(e.reason, cases[i].reason) != 0)
			fail_msg("%s\n  -> %s, expected %s", cases[i].reply, e.reason, cases[i].reason);
		assert_explained(&e);
	}
}

static void test_patterns_never_on_success(void **state)
{
	struct explanation e;
	assert_int_equal(reply_of("250 2.0.0 Ok: queued, spam check passed, no blocklist", &e), 0);
	assert_string_equal(e.reason, "ok");
	assert_null(e.pattern);
	assert_true(e.sent);
	assert_int_equal(reply_of("354 Go ahead, greylisting passed", &e), 0);
	assert_string_equal(e.reason, "continue");
	/* a pattern for 4xx only ("try again later") does not fire on 5xx */
	assert_int_equal(reply_of("550 try again later", &e), 0);
	assert_string_equal(e.reason, "mailbox_unavailable");
	/* a word-boundary: "rbl" is not found inside "verbless" */
	assert_null(patterns_match("a verbless reply", 16, 5));
	assert_non_null(patterns_match("listed in RBL", 13, 5));
}

/* ---- the replies ternd sends (src/lib/replies.def) ---- */

static void test_every_ternd_reply_explained(void **state)
{
	for (int i = 0; i < REPLY_COUNT; i++) {
		const struct reply_row *row = reply_row((enum reply_id)i);
		char enh[16];
		reply_enhanced(row, enh, sizeof(enh));
		/* RFC 2034: 3xx replies carry no enhanced code on the wire (reply.c leaves it out) */
		const char *sent_enh = row->code / 100 == 3 ? NULL : enh;
		struct explanation e;
		if (explain_code(row->code, sent_enh, NULL, &e) != 0)
			fail_msg("REPLY_%s (%d %s): explain_code failed", row->name, row->code, enh);
		if (!explain_known(row->code, sent_enh))
			fail_msg("REPLY_%s (%d %s): no explanation of its own", row->name, row->code, enh);
		assert_non_null(e.klass);
		assert_string_not_equal(e.klass, "other");
		assert_non_null(e.meaning);
		assert_true(e.meaning[0] != '\0');
		assert_non_null(e.basic);
		if (sent_enh)
			assert_non_null(e.entry);
		assert_int_equal(e.nnotes, 0);
		/* and the reply as ternd words it ("%s" filled in) reads the same way */
		char line[600];
		struct buf out;
		struct reply r = reply_make((enum reply_id)i, "example.org");
		buf_init(&out, 4096);
		assert_int_equal(reply_format(&out, &r), 0);
		assert_int_equal(buf_cstr(&out), 0);
		snprintf(line, sizeof(line), "%s", out.data);
		buf_free(&out);
		assert_int_equal(reply_of(line, &e), 0);
		assert_int_equal(e.code, row->code);
		assert_non_null(e.basic);
		if (strcmp(e.reason, "other") == 0)
			fail_msg("REPLY_%s reads as reason \"other\": %s", row->name, line);
		char lines[12][EXPLAIN_HELP_LINE_MAX + 1];
		assert_true(explain_help_lines(row->code, lines, 12) > 0);
	}
}

/* ---- output helpers ---- */

static void test_oneline(void **state)
{
	struct explanation e;
	char line[256];
	assert_int_equal(reply_of("550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown", &e), 0);
	size_t n = explain_oneline(&e, line, sizeof(line));
	assert_string_equal(line, "permanent failure: the recipient address does not exist (unknown_user); not sent, "
				  "do not retry");
	assert_int_equal(n, strlen(line));
	assert_int_equal(reply_of("451 4.7.1 Greylisting in action, please come back later", &e), 0);
	explain_oneline(&e, line, sizeof(line));
	assert_string_equal(line, "transient failure: temporarily refused by greylisting (greylisted); not sent yet, "
				  "retry later");
	assert_int_equal(reply_of("250 2.0.0 Ok: queued as ABC", &e), 0);
	explain_oneline(&e, line, sizeof(line));
	assert_string_equal(line, "success: Requested mail action okay, completed (ok); accepted");
	/* truncation: returns the length needed, writes a terminated prefix */
	char small[10];
	size_t need = explain_oneline(&e, small, sizeof(small));
	assert_true(need > sizeof(small));
	assert_int_equal(strlen(small), sizeof(small) - 1);
	/* every basic code gives one line without CR/LF */
	for (size_t i = 0; i < codes_basic_count(); i++) {
		assert_int_equal(explain_code(codes_basic_at(i)->code, NULL, NULL, &e), 0);
		explain_oneline(&e, line, sizeof(line));
		assert_null(strpbrk(line, "\r\n"));
	}
}

static void test_help_lines(void **state)
{
	char lines[12][EXPLAIN_HELP_LINE_MAX + 1];
	for (size_t i = 0; i < codes_basic_count(); i++) {
		int code = codes_basic_at(i)->code;
		memset(lines, 'Z', sizeof(lines));
		size_t n = explain_help_lines(code, lines, 12);
		assert_true(n >= 6 && n <= 12);
		for (size_t k = 0; k < n; k++) {
			size_t len = strlen(lines[k]);
			assert_true(len > 0 && len <= EXPLAIN_HELP_LINE_MAX);
			for (size_t j = 0; j < len; j++)
				assert_true(lines[k][j] >= 0x20 && lines[k][j] < 0x7f);
		}
		char want[16];
		snprintf(want, sizeof(want), "%d: ", code);
		assert_memory_equal(lines[0], want, strlen(want));
	}
	assert_int_equal(explain_help_lines(299, lines, 12), 0);
	assert_int_equal(explain_help_lines(999, lines, 12), 0);
	assert_int_equal(explain_help_lines(-1, lines, 12), 0);
	assert_int_equal(explain_help_lines(550, lines, 0), 0);
	assert_int_equal(explain_help_lines(550, lines, 2), 2);
}

static void test_known_and_args(void **state)
{
	struct explanation e;
	assert_true(explain_known(550, "5.1.1"));
	assert_true(explain_known(0, "5.7.26"));
	assert_true(explain_known(550, NULL));
	assert_false(explain_known(550, "5.7.708"));
	assert_false(explain_known(299, NULL));
	assert_false(explain_known(0, NULL));
	assert_false(explain_known(0, ""));
	assert_false(explain_known(650, NULL));
	assert_false(explain_known(550, "5.1"));

	assert_int_equal(explain_code(0, NULL, NULL, &e), -1);
	assert_int_equal(explain_code(650, NULL, NULL, &e), -1);
	assert_int_equal(explain_code(199, NULL, NULL, &e), -1);
	assert_int_equal(explain_code(570, NULL, NULL, &e), -1);
	assert_int_equal(explain_code(550, "x", NULL, &e), -1);
	assert_int_equal(explain_code(550, "5.1.1x", NULL, &e), -1);
	assert_int_equal(explain_enhanced_only(NULL, &e), -1);
	assert_int_equal(explain_enhanced_only("", &e), -1);
	assert_int_equal(explain_enhanced_only("3.0.0", &e), -1);
	/* a precise enhanced code is not overruled by a NORMAL phrase */
	assert_int_equal(explain_code(550, "5.1.1", "mailbox is over quota", &e), 0);
	assert_string_equal(e.reason, "unknown_user");
	/* the enhanced code alone, with text */
	assert_int_equal(explain_code(0, "5.0.0", "mailbox full", &e), 0);
	assert_string_equal(e.reason, "mailbox_full");
	assert_string_equal(e.klass, "permanent");
	assert_int_equal(explain_enhanced_only("2.1.5", &e), 0);
	assert_true(e.sent);
	assert_string_equal(e.klass, "success");
	assert_int_equal(explain_enhanced_only("4.2.2", &e), 0);
	assert_true(e.retry);
	assert_string_equal(e.reason, "mailbox_full");
}

/* docs/explain.md lists every reason keyword (the JSON schema promises them); the tests run
 * from the repository root (scripts/run-tests.sh), elsewhere this test is skipped. */
static void test_docs_list_every_reason(void **state)
{
	FILE *f = fopen("docs/explain.md", "r");
	if (f == NULL)
		skip();
	static char doc[65536];
	size_t n = fread(doc, 1, sizeof(doc) - 1, f);
	fclose(f);
	doc[n] = '\0';
	for (size_t i = 0; i < codes_reason_count(); i++) {
		char want[64];
		snprintf(want, sizeof(want), "| `%s` |", codes_reason_at(i)->keyword);
		if (strstr(doc, want) == NULL)
			fail_msg("docs/explain.md does not list the reason \"%s\"", codes_reason_at(i)->keyword);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_codes),
		cmocka_unit_test(test_rfc5321_codes),
		cmocka_unit_test(test_classes),
		cmocka_unit_test(test_tables_consistent),
		cmocka_unit_test(test_registry_complete),
		cmocka_unit_test(test_registry_every_code_explains),
		cmocka_unit_test(test_registry_samples),
		cmocka_unit_test(test_parse_enhanced),
		cmocka_unit_test(test_reply_single_line),
		cmocka_unit_test(test_reply_without_enhanced),
		cmocka_unit_test(test_reply_multiline),
		cmocka_unit_test(test_reply_oddities),
		cmocka_unit_test(test_reply_inconsistent),
		cmocka_unit_test(test_reply_malformed),
		cmocka_unit_test(test_reply_hostile_text),
		cmocka_unit_test(test_reply_huge),
		cmocka_unit_test(test_provider_texts),
		cmocka_unit_test(test_patterns_never_on_success),
		cmocka_unit_test(test_every_ternd_reply_explained),
		cmocka_unit_test(test_oneline),
		cmocka_unit_test(test_help_lines),
		cmocka_unit_test(test_known_and_args),
		cmocka_unit_test(test_docs_list_every_reason),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
