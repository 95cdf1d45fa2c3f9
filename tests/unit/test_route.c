/* test_route.c - unit tests for src/deliver/route.c: next-hop syntax, the routes file with
 * file:line errors, and the choice routes -> relayhost -> MX (RFC 5321 5.1, RFC 2033). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "deliver/route.h"

static int hop(const char *s, struct route_hop *h)
{
	char why[120];
	return route_parse_hop(s, strlen(s), h, why, sizeof(why));
}

static void test_hops(void **state)
{
	struct route_hop h;
	assert_int_equal(hop("mail.example.org", &h), 0);
	assert_true(h.mx);
	assert_int_equal(h.proto, ROUTE_SMTP);
	assert_int_equal(h.port, 0);
	assert_int_equal(hop("[mail.example.org]:2525", &h), 0);
	assert_false(h.mx);
	assert_string_equal(h.host, "mail.example.org");
	assert_int_equal(h.port, 2525);
	assert_int_equal(hop("smtp:[::1]:25", &h), 0);
	assert_string_equal(h.host, "::1");
	assert_int_equal(hop("lmtp:127.0.0.1:24", &h), 0);
	assert_int_equal(h.proto, ROUTE_LMTP);
	assert_false(h.mx);
	assert_int_equal(h.port, 24);
	assert_int_equal(hop("lmtp:unix:/run/dovecot/lmtp", &h), 0);
	assert_true(h.unix_socket);
	assert_string_equal(h.host, "/run/dovecot/lmtp");
	assert_int_equal(hop("lmtp:127.0.0.1", &h), -1);      /* LMTP needs a port */
	assert_int_equal(hop("lmtp:unix:relative", &h), -1);  /* and an absolute path */
	assert_int_equal(hop("[unclosed:25", &h), -1);
	assert_int_equal(hop("host:0", &h), -1);
	assert_int_equal(hop("host:65536", &h), -1);
	assert_int_equal(hop("ho st", &h), -1);
	assert_int_equal(hop("", &h), -1);
}

static struct route_table *table(const char *text, const char *relayhost, int *nerrors, struct buf *errors)
{
	buf_init(errors, 1 << 16);
	*nerrors = 0;
	return route_parse(text, strlen(text), "routes", relayhost, errors, nerrors);
}

static void test_file_and_choice(void **state)
{
	struct buf errors;
	int nerrors;
	struct route_table *t = table("# comment\n\nexample.org  [mx.example.org]:2525\n"
				      ".example.net  lmtp:unix:/run/lmtp   # subdomains\n"
				      "LOCAL.TEST lmtp:127.0.0.1:24\n*  [smart.example.com]\n",
				      "relay.example.com", &nerrors, &errors);
	assert_int_equal(nerrors, 0);
	struct route_hop h;
	assert_true(route_next_hop(t, "Example.ORG.", false, 25, &h));
	assert_string_equal(h.host, "mx.example.org");
	assert_int_equal(h.port, 2525);
	assert_true(route_next_hop(t, "a.b.example.net", false, 25, &h));
	assert_true(h.unix_socket);
	assert_false(route_next_hop(t, "example.net", false, 25, &h) && h.unix_socket); /* ".x" is subdomains only */
	assert_true(route_next_hop(t, "local.test", true, 25, &h)); /* a local domain with an entry */
	assert_int_equal(h.proto, ROUTE_LMTP);
	assert_false(route_next_hop(t, "mine.test", true, 25, &h)); /* local, no entry: Maildir */
	assert_true(route_next_hop(t, "other.org", false, 2525, &h)); /* "*" beats relayhost */
	assert_string_equal(h.host, "smart.example.com");
	assert_int_equal(h.port, 2525);
	route_free(t);
	buf_free(&errors);

	t = table("", "relay.example.com:587", &nerrors, &errors);
	assert_true(route_next_hop(t, "other.org", false, 25, &h));
	assert_string_equal(h.host, "relay.example.com");
	assert_true(h.mx);
	assert_false(h.implicit);
	assert_int_equal(h.port, 587);
	route_free(t);
	buf_free(&errors);

	assert_true(route_next_hop(NULL, "Other.Org", false, 25, &h)); /* no table: MX of the domain */
	assert_string_equal(h.host, "other.org");
	assert_true(h.mx && h.implicit);
	assert_int_equal(h.port, 25);
}

static void test_errors(void **state)
{
	struct buf errors;
	int nerrors;
	struct route_table *t = table("ok.example  [h]\nonlydomain\nx y z\nbad/dom  h\nd  lmtp:h\n", "[bad", &nerrors,
				      &errors);
	assert_int_equal(nerrors, 5);
	buf_cstr(&errors);
	assert_non_null(strstr(errors.data, "relayhost: missing ']'"));
	assert_non_null(strstr(errors.data, "routes:2: expected 'domain  next-hop'"));
	assert_non_null(strstr(errors.data, "routes:3: expected"));
	assert_non_null(strstr(errors.data, "routes:4: bad domain 'bad/dom'"));
	assert_non_null(strstr(errors.data, "routes:5: a port is required"));
	route_free(t);
	buf_free(&errors);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hops),
		cmocka_unit_test(test_file_and_choice),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
