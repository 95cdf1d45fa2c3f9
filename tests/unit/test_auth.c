/* test_auth.c - issue 6 without sockets: strict base64, the PLAIN message, crypt(3) hashing
 * and verification, the header/address-list parser behind sendmail -t, and the AUTH and
 * STARTTLS dialogue of the session core (RFC 4954, 4616, 3207). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf/conf.h"
#include "lib/base64.h"
#include "lib/msghdr.h"
#include "lib/password.h"
#include "lib/sasl.h"
#include "lib/util.h"
#include "smtpd/session.h"

static void test_base64(void **state)
{
	unsigned char out[64];
	assert_int_equal(base64_decode("AGFAYgBj", 8, out, sizeof(out)), 6);
	assert_memory_equal(out, "\0a@b\0c", 6);
	assert_int_equal(base64_decode("YQ==", 4, out, sizeof(out)), 1);
	assert_int_equal(base64_decode("YWI=", 4, out, sizeof(out)), 2);
	assert_int_equal(base64_decode("", 0, out, sizeof(out)), 0);
	assert_int_equal(base64_decode("YQ=", 3, out, sizeof(out)), -1);   /* length */
	assert_int_equal(base64_decode("Y===", 4, out, sizeof(out)), -1);  /* too much padding */
	assert_int_equal(base64_decode("YQ==YQ==", 8, out, sizeof(out)), -1); /* pad in the middle */
	assert_int_equal(base64_decode("YQ=a", 4, out, sizeof(out)), -1);
	assert_int_equal(base64_decode("Y Q=", 4, out, sizeof(out)), -1);
	assert_int_equal(base64_decode("YWJj", 4, out, 2), -1); /* does not fit */
	char enc[16];
	assert_int_equal(base64_encode((const unsigned char *)"ab", 2, enc, sizeof(enc)), 4);
	assert_string_equal(enc, "YWI=");
	assert_int_equal(base64_encode((const unsigned char *)"abcd", 4, enc, 8), -1);
}

static void test_sasl_plain(void **state)
{
	struct sasl_plain p;
	assert_int_equal(sasl_plain_parse((const unsigned char *)"\0user\0pw", 8, &p), 0);
	assert_int_equal(p.authzid_len, 0);
	assert_memory_equal(p.authcid, "user", 4);
	assert_memory_equal(p.passwd, "pw", 2);
	assert_int_equal(sasl_plain_parse((const unsigned char *)"z\0user\0pw", 9, &p), 0);
	assert_int_equal(p.authzid_len, 1);
	assert_int_equal(sasl_plain_parse((const unsigned char *)"\0user\0", 6, &p), -1);   /* no password */
	assert_int_equal(sasl_plain_parse((const unsigned char *)"\0\0pw", 4, &p), -1);     /* no user */
	assert_int_equal(sasl_plain_parse((const unsigned char *)"user\0pw", 7, &p), -1);  /* one NUL */
	assert_int_equal(sasl_plain_parse((const unsigned char *)"\0u\0p\0w", 6, &p), -1); /* three */
}

static void test_password(void **state)
{
	char h[PASSWORD_HASH_MAX], h2[PASSWORD_HASH_MAX];
	assert_int_equal(password_hash("correct horse", "$y$", h, sizeof(h)), 0);
	assert_true(strncmp(h, "$y$", 3) == 0);
	assert_int_equal(password_hash("correct horse", "$y$", h2, sizeof(h2)), 0);
	assert_string_not_equal(h, h2); /* fresh salt each time */
	assert_true(password_verify("correct horse", 13, h));
	assert_false(password_verify("correct hors", 12, h));
	assert_false(password_verify("correct horse\0x", 15, h)); /* a NUL never shortens it */
	assert_int_equal(password_hash("s3cret", "$6$", h, sizeof(h)), 0);
	assert_true(strncmp(h, "$6$", 3) == 0);
	assert_true(password_verify("s3cret", 6, h));
	assert_false(password_verify("s3cret", 6, NULL)); /* unknown user: always false */
	assert_false(password_verify("s3cret", 6, "*"));  /* locked */
	assert_false(password_verify("", 0, h));
}

struct addrs {
	char v[8][64];
	size_t n;
};

static void collect(void *arg, const char *a, size_t len)
{
	struct addrs *x = arg;
	if (x->n < 8 && len < 64) {
		memcpy(x->v[x->n], a, len);
		x->v[x->n++][len] = '\0';
	}
}

static void test_msghdr(void **state)
{
	const char msg[] = "To: Alice <alice@example.org>,\r\n bob@example.org (Bob)\r\nCc: \"Doe, J\" <j@x.example>, "
			   "team: c@x.example, d@x.example;, undisclosed-recipients:;\r\nSubject: hi\r\n\r\nTo: body@x\r\n";
	struct msghdr_iter it;
	struct msghdr_field f;
	struct addrs a = {0};
	msghdr_iter_init(&it, msg, sizeof(msg) - 1);
	int fields = 0;
	while (msghdr_next(&it, &f)) {
		fields++;
		if (msghdr_name_is(&f, "to") || msghdr_name_is(&f, "CC"))
			msghdr_addresses(f.value, f.value_len, collect, &a);
	}
	assert_int_equal(fields, 3);
	assert_memory_equal(msg + it.off, "\r\nTo: body", 10);
	assert_int_equal(a.n, 5);
	assert_string_equal(a.v[0], "alice@example.org");
	assert_string_equal(a.v[1], "bob@example.org");
	assert_string_equal(a.v[2], "j@x.example");
	assert_string_equal(a.v[3], "c@x.example");
	assert_string_equal(a.v[4], "d@x.example");
	assert_true(msghdr_has(msg, sizeof(msg) - 1, "SUBJECT"));
	assert_false(msghdr_has(msg, sizeof(msg) - 1, "Date"));
	/* a display name without angle brackets is not an address */
	struct addrs b = {0};
	assert_int_equal(msghdr_addresses("John Smith, x@y.example (c), <@r.example:z@y.example>", 52, collect, &b), 2);
	assert_string_equal(b.v[0], "x@y.example");
	assert_string_equal(b.v[1], "z@y.example");
	/* no header at all: the body starts at 0 */
	msghdr_iter_init(&it, "hello\r\n", 7);
	assert_int_equal(msghdr_next(&it, &f), 0);
	assert_int_equal(it.off, 0);
}

/* --- the session: AUTH and STARTTLS without sockets --- */

struct fixture {
	struct conf *conf;
	struct session s;
	char users[64];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char hash[PASSWORD_HASH_MAX];
	assert_int_equal(password_hash("pw-alice", "$6$", hash, sizeof(hash)), 0);
	snprintf(f->users, sizeof(f->users), "/tmp/tern-users-XXXXXX");
	int fd = mkstemp(f->users);
	FILE *fp = fdopen(fd, "w");
	fprintf(fp, "alice@test.example %s\nbob@test.example\n", hash);
	fclose(fp);
	char o1[] = "hostname=mx.test", o2[] = "domains=test.example", o3[96], o4[] = "auth_fail_limit=2";
	snprintf(o3, sizeof(o3), "users=%s", f->users);
	char *ov[] = {o1, o2, o3, o4};
	struct buf err;
	buf_init(&err, 4096);
	f->conf = conf_load(NULL, ov, 4, &err);
	buf_free(&err);
	assert_non_null(f->conf);
	session_init(&f->s, NULL, f->conf, "192.0.2.9", ROLE_SUBMISSION);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	session_cleanup(&f->s);
	conf_unref(f->conf);
	unlink(f->users);
	free(f);
	return 0;
}

static const char *feed(struct fixture *f, const char *text)
{
	buf_reset(&f->s.out);
	buf_append(&f->s.in, text, strlen(text));
	size_t used = session_input(&f->s, f->s.in.data, f->s.in.len);
	buf_consume(&f->s.in, used);
	buf_cstr(&f->s.out);
	return f->s.out.data ? f->s.out.data : "";
}

static void test_starttls_stops_reading(void **state)
{
	struct fixture *f = *state;
	f->s.tls_offered = true;
	assert_non_null(strstr(feed(f, "EHLO c.example\r\n"), "250-STARTTLS\r\n"));
	assert_string_equal(feed(f, "MAIL FROM:<alice@test.example>\r\n"),
			    "530 5.7.0 Authentication required: log in (AUTH) before sending mail on this port\r\n");
	/* the injected RSET stays unread for server.c to discard */
	assert_string_equal(feed(f, "STARTTLS\r\nRSET\r\n"), "220 2.0.0 Ready to start TLS\r\n");
	assert_true(f->s.starttls_pending);
	assert_int_equal(f->s.in.len, 6);
	buf_reset(&f->s.in);
	f->s.starttls_pending = false;
	session_tls_started(&f->s);
	assert_int_equal(f->s.state, SESS_INIT);
	const char *ehlo = feed(f, "EHLO c.example\r\n");
	assert_null(strstr(ehlo, "STARTTLS"));
	assert_non_null(strstr(ehlo, "250-AUTH PLAIN LOGIN\r\n"));
	assert_string_equal(feed(f, "STARTTLS\r\n"), "503 5.5.1 Bad sequence of commands: TLS is already active\r\n");
}

static void test_auth_dialogue(void **state)
{
	struct fixture *f = *state;
	feed(f, "EHLO c.example\r\n");
	assert_string_equal(feed(f, "AUTH PLAIN AGFsaWNlQHRlc3QuZXhhbXBsZQBwdy1hbGljZQ==\r\n"),
			    "538 5.7.11 Encryption required: use STARTTLS before AUTH\r\n");
	f->s.tls = true;
	assert_string_equal(feed(f, "AUTH PLAIN\r\n"), "334 \r\n");
	assert_string_equal(feed(f, "*\r\n"), "501 5.0.0 Authentication cancelled\r\n");
	assert_string_equal(feed(f, "AUTH LOGIN\r\n"), "334 VXNlcm5hbWU6\r\n");
	assert_string_equal(feed(f, "YWxpY2VAdGVzdC5leGFtcGxl\r\n"), "334 UGFzc3dvcmQ6\r\n");
	assert_string_equal(feed(f, "d3Jvbmc=\r\n"), "535 5.7.8 Authentication credentials invalid\r\n");
	/* bob has no hash: cannot log in */
	assert_string_equal(feed(f, "AUTH PLAIN AGJvYkB0ZXN0LmV4YW1wbGUAeA==\r\n"),
			    "535 5.7.8 Authentication credentials invalid\r\n");
	/* two failures from this address (auth_fail_limit=2): throttled, even when right */
	assert_string_equal(feed(f, "AUTH PLAIN AGFsaWNlQHRlc3QuZXhhbXBsZQBwdy1hbGljZQ==\r\n"),
			    "454 4.7.0 Too many failed logins from your address; please try again later\r\n");
	/* another address is not */
	str_copy(f->s.client_ip, "192.0.2.10", sizeof(f->s.client_ip));
	assert_string_equal(feed(f, "AUTH PLAIN AGFsaWNlQHRlc3QuZXhhbXBsZQBwdy1hbGljZQ==\r\n"),
			    "235 2.7.0 Authentication successful\r\n");
	assert_string_equal(f->s.auth_user, "alice@test.example");
	assert_string_equal(feed(f, "AUTH LOGIN\r\n"), "503 5.5.1 Bad sequence of commands: already authenticated\r\n");
	assert_string_equal(feed(f, "MAIL FROM:<bob@test.example>\r\n"),
			    "553 5.7.1 Sender address <bob@test.example> is not owned by the authenticated user\r\n");
	assert_string_equal(feed(f, "MAIL FROM:<Alice@test.example> AUTH=<>\r\n"),
			    "250 2.1.0 Sender <Alice@test.example> ok\r\n");
	assert_string_equal(feed(f, "RCPT TO:<friend@example.org>\r\n"), "250 2.1.5 Recipient <friend@example.org> ok\r\n");
	assert_int_equal(f->s.env->rcpts[0].kind, RCPT_REMOTE);
}

static void test_auth_errors(void **state)
{
	struct fixture *f = *state;
	f->s.tls = true;
	str_copy(f->s.client_ip, "192.0.2.11", sizeof(f->s.client_ip));
	assert_string_equal(feed(f, "AUTH PLAIN\r\n"), "503 5.5.1 Bad sequence of commands: send HELO or EHLO first\r\n");
	feed(f, "EHLO c.example\r\n");
	assert_string_equal(feed(f, "AUTH DIGEST-MD5\r\n"), "504 5.5.4 Unrecognized authentication mechanism DIGEST-MD5\r\n");
	assert_string_equal(feed(f, "AUTH PLAIN abc\r\n"), "501 5.5.2 Invalid base64 data in AUTH exchange\r\n");
	assert_string_equal(feed(f, "AUTH\r\n"), "501 5.5.4 Syntax error in parameters: AUTH <mechanism> [initial-response]\r\n");
	f->s.role = ROLE_MX;
	assert_string_equal(feed(f, "AUTH PLAIN\r\n"), "502 5.5.1 AUTH on this port is not implemented by this server\r\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_base64),
	    cmocka_unit_test(test_sasl_plain),
	    cmocka_unit_test(test_password),
	    cmocka_unit_test(test_msghdr),
	    cmocka_unit_test_setup_teardown(test_starttls_stops_reading, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_auth_dialogue, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_auth_errors, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
