/* test_conf.c - configuration parsing: defaults, units, bounds, file:line errors. */
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

static struct conf *load_text(const char *text, struct buf *err)
{
	char path[] = "/tmp/tern-conf-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	struct conf *c = conf_load(path, NULL, 0, err);
	buf_cstr(err);
	/* errors name the file: replace it for stable comparisons */
	if (err->len) {
		char *p;
		while ((p = strstr(err->data, path)) != NULL) {
			memmove(p + 1, p + strlen(path), strlen(p + strlen(path)) + 1);
			p[0] = 'F';
			err->len = strlen(err->data);
		}
	}
	unlink(path);
	return c;
}

static void test_defaults(void **state)
{
	struct buf err;
	buf_init(&err, 4096);
	struct conf *c = conf_load(NULL, NULL, 0, &err);
	assert_non_null(c);
	assert_int_equal(c->listen_count, 1);
	assert_string_equal(c->listen[0].host, "127.0.0.1");
	assert_string_equal(c->listen[0].port, "2525");
	assert_int_equal(c->timeout, 300);
	assert_true(conf_is_local_domain(c, "LOCALHOST.", 10));
	assert_string_equal(c->spool, "var/spool");
	conf_unref(c);
	buf_free(&err);
}

static void test_values_and_units(void **state)
{
	struct buf err;
	buf_init(&err, 4096);
	struct conf *c = load_text("# comment\nhostname = mx.example\nmessage_size_limit = 25m\n"
				   "timeout = 5m\nlisten = submission [::1]:587\nlisten = 127.0.0.1:25\n"
				   "domains = a.example,\n  b.example\n"
				   "tls_cert = /etc/tern/cert.pem\ntls_key = /etc/tern/key.pem\n", &err);
	assert_non_null(c);
	assert_string_equal(c->hostname, "mx.example");
	assert_int_equal(c->message_size_limit, 25 * 1024 * 1024);
	assert_int_equal(c->timeout, 300);
	assert_int_equal(c->listen_count, 2);
	assert_int_equal(c->listen[0].role, ROLE_SUBMISSION);
	assert_string_equal(c->listen[0].host, "::1");
	assert_int_equal(c->domains.count, 2);
	assert_true(conf_is_local_domain(c, "b.example", 9));
	conf_unref(c);
	buf_free(&err);
}

/* issue 6: listener roles need TLS; relay_networks are CIDRs */
static void test_tls_and_relay_networks(void **state)
{
	struct buf err;
	buf_init(&err, 4096);
	struct conf *c = load_text("listen = submissions 127.0.0.1:465\n", &err);
	assert_null(c);
	buf_cstr(&err);
	assert_non_null(strstr(err.data, "listen submissions 127.0.0.1:465 needs tls_cert and tls_key"));
	buf_reset(&err);
	c = load_text("tls_cert = /c.pem\n", &err);
	assert_null(c);
	buf_reset(&err);
	c = load_text("relay_networks = 10.0.0.0/8, 192.0.2.7, 2001:db8::/32\n", &err);
	assert_non_null(c);
	assert_true(conf_in_relay_networks(c, "10.200.3.4"));
	assert_true(conf_in_relay_networks(c, "192.0.2.7"));
	assert_false(conf_in_relay_networks(c, "192.0.2.8"));
	assert_true(conf_in_relay_networks(c, "2001:db8:1::5"));
	assert_false(conf_in_relay_networks(c, "2001:db9::5"));
	assert_false(conf_in_relay_networks(c, "local"));
	assert_int_equal(c->auth_fail_limit, 3);
	assert_int_equal(c->auth_fail_window, 300);
	conf_unref(c);
	c = load_text("relay_networks = 10.0.0.0/33\n", &err);
	assert_null(c);
	buf_free(&err);
}

static void test_errors_have_file_and_line(void **state)
{
	struct buf err;
	buf_init(&err, 4096);
	struct conf *c = load_text("hostname = x\nbogus = 1\nrecipient_limit = 5\ntimeout = soon\nlisten = nope\n", &err);
	assert_null(c);
	assert_string_equal(err.data, "F:2: unknown setting 'bogus'\n"
				      "F:3: recipient_limit: 5 is out of range [100, 100000]\n"
				      "F:4: timeout: 'soon' is not a duration (e.g. 5m, 4h, 5d)\n"
				      "F:5: listen: expected host:port, got 'nope'\n");
	buf_free(&err);
}

static void test_overrides(void **state)
{
	static char o1[] = "listen=127.0.0.1:2600", o2[] = "error_limit = 3";
	char *ov[] = {o1, o2};
	struct buf err;
	buf_init(&err, 4096);
	struct conf *c = conf_load(NULL, ov, 2, &err);
	assert_non_null(c);
	assert_int_equal(c->listen_count, 1);
	assert_string_equal(c->listen[0].port, "2600");
	assert_int_equal(c->error_limit, 3);
	conf_unref(c);
	buf_free(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_values_and_units),
	    cmocka_unit_test(test_tls_and_relay_networks),
	    cmocka_unit_test(test_errors_have_file_and_line),
	    cmocka_unit_test(test_overrides),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
