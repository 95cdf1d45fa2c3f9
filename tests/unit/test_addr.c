/* test_addr.c - unit tests for src/lib/addr.c (RFC 5321 4.1.2 paths, RFC 6531 UTF-8).
 * Every input is copied into a heap block of exactly its length, so AddressSanitizer
 * catches any read past len; inputs are never NUL-terminated for the parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/addr.h"

#define ALL_FLAGS (ADDR_F_NULL_OK | ADDR_F_POSTMASTER_OK | ADDR_F_UTF8)
#define NO_LEN ((size_t)-1)

static const char *result_name(enum addr_result r)
{
	switch (r) {
	case ADDR_OK:
		return "ADDR_OK";
	case ADDR_SYNTAX:
		return "ADDR_SYNTAX";
	case ADDR_NOT_ALLOWED:
		return "ADDR_NOT_ALLOWED";
	case ADDR_SOURCE_ROUTE:
		return "ADDR_SOURCE_ROUTE";
	case ADDR_NEEDS_UTF8:
		return "ADDR_NEEDS_UTF8";
	}
	return "?";
}

/* Parse s[0..len) from an exact-size heap copy. */
static enum addr_result parse_n(const char *s, size_t len, unsigned flags, struct addr_path *a,
				size_t *consumed)
{
	char *copy = malloc(len > 0 ? len : 1);
	enum addr_result r;

	assert_non_null(copy);
	memcpy(copy, s, len);
	r = addr_parse_path(copy, len, flags, a, consumed);
	free(copy);
	return r;
}

/* Check the result (and, when not NO_LEN, *consumed) of parsing s; report the input. */
static void check_result(int line, const char *s, size_t len, unsigned flags, enum addr_result want,
			 size_t want_consumed, struct addr_path *a)
{
	size_t consumed = 12345;
	enum addr_result r = parse_n(s, len, flags, a, &consumed);

	if (r != want) {
		print_error("line %d: input <<%.*s>> flags %u: got %s, want %s\n", line, (int)len, s, flags,
			    result_name(r), result_name(want));
		fail();
	}
	if (want == ADDR_SYNTAX)
		want_consumed = 0;
	if (want_consumed != NO_LEN && consumed != want_consumed) {
		print_error("line %d: input <<%.*s>>: consumed %zu, want %zu\n", line, (int)len, s, consumed,
			    want_consumed);
		fail();
	}
	if (r != ADDR_OK) {
		/* the output is cleared on every refusal */
		assert_false(a->is_null || a->is_postmaster || a->local_quoted || a->domain_literal || a->utf8);
		assert_int_equal(a->local_len, 0);
		assert_int_equal(a->domain_len, 0);
		assert_int_equal(a->local[0], '\0');
		assert_int_equal(a->domain[0], '\0');
	} else {
		assert_int_equal(strlen(a->local), a->local_len);
		assert_int_equal(strlen(a->domain), a->domain_len);
		assert_true(a->local_len <= ADDR_LOCAL_MAX);
		assert_true(a->domain_len <= ADDR_DOMAIN_MAX);
	}
}

/* R: the whole of a string literal (so embedded NULs count); S: a C string. */
#define R(lit, flags, want) check_result(__LINE__, (lit), sizeof(lit) - 1, (flags), (want), NO_LEN, &a)
#define RC(lit, flags, want, cons) check_result(__LINE__, (lit), sizeof(lit) - 1, (flags), (want), (cons), &a)
#define S(str, flags, want) check_result(__LINE__, (str), strlen(str), (flags), (want), NO_LEN, &a)

/* Parse a whole literal that must be OK under flags and check its parts; *a keeps the result. */
static void check_ok(int line, const char *s, size_t len, unsigned flags, const char *local,
		     const char *domain, bool quoted, struct addr_path *a)
{
	check_result(line, s, len, flags, ADDR_OK, len, a);
	if (strcmp(a->local, local) != 0 || strcmp(a->domain, domain) != 0 || a->local_quoted != quoted) {
		print_error("line %d: input <<%.*s>>: got local <<%s>> domain <<%s>> quoted %d, want <<%s>> "
			    "<<%s>> %d\n",
			    line, (int)len, s, a->local, a->domain, a->local_quoted, local, domain, quoted);
		fail();
	}
	assert_false(a->is_null);
	assert_false(a->is_postmaster);
}
#define OK(lit, flags, local, domain, quoted)                                                      \
	check_ok(__LINE__, (lit), sizeof(lit) - 1, (flags), (local), (domain), (quoted), &a)

/* "<" + n copies of c + suffix, into buf (terminated); returns the length. */
static size_t make_path(char *buf, size_t size, const char *prefix, char c, size_t n, const char *suffix)
{
	size_t len = 0, plen = strlen(prefix), slen = strlen(suffix);
	assert_true(plen + n + slen < size);
	memcpy(buf, prefix, plen);
	len = plen;
	memset(buf + len, c, n);
	len += n;
	memcpy(buf + len, suffix, slen);
	len += slen;
	buf[len] = '\0';
	return len;
}

/* A domain of exactly n octets made of labels of at most 63 ("aaa...a.aaa...a"). */
static void make_domain(char *buf, size_t n)
{
	size_t i = 0;
	while (i < n) {
		size_t label = n - i < 63 ? n - i : 63;
		/* never end on a dot, never leave a dot for the last position */
		if (n - i - label == 1)
			label--;
		memset(buf + i, 'd', label);
		i += label;
		if (i < n)
			buf[i++] = '.';
	}
	buf[n] = '\0';
}

static void test_simple(void **state)
{
	struct addr_path a;
	for (unsigned f = 0; f <= ALL_FLAGS; f++) {
		check_result(__LINE__, "<user@example.com>", 18, f, ADDR_OK, 18, &a);
		assert_string_equal(a.local, "user");
		assert_int_equal(a.local_len, 4);
		assert_string_equal(a.domain, "example.com");
		assert_int_equal(a.domain_len, 11);
		assert_false(a.is_null || a.is_postmaster || a.local_quoted || a.domain_literal || a.utf8);
	}
	OK("<User.Name+tag@Example.COM>", 0, "User.Name+tag", "Example.COM", false);
	OK("<a@b>", 0, "a", "b", false);
	OK("<1@2>", 0, "1", "2", false);
}

static void test_consumed_stops_at_gt(void **state)
{
	struct addr_path a;
	RC("<a@b.c> SIZE=10", 0, ADDR_OK, 7);
	RC("<a@b.c>>", 0, ADDR_OK, 7);
	RC("<a@b.c><d@e.f>", 0, ADDR_OK, 7);
	RC("<a@b.c>\0junk", 0, ADDR_OK, 7);
	RC("<a@b.c>\r\n", 0, ADDR_OK, 7);
	RC("<> BODY=8BITMIME", ADDR_F_NULL_OK, ADDR_OK, 2);
	assert_true(a.is_null);
	RC("<postmaster> NOTIFY=NEVER", ADDR_F_POSTMASTER_OK, ADDR_OK, 12);
	/* refusals of a well-formed path still say where it ended */
	RC("<@a:b@c> X", 0, ADDR_SOURCE_ROUTE, 8);
	RC("<\"\"@c> X", 0, ADDR_NOT_ALLOWED, 6);
	RC("<\xc3\xa9@c> X", 0, ADDR_NEEDS_UTF8, 6);
}

static void test_not_a_path(void **state)
{
	struct addr_path a;
	size_t consumed = 99;

	R("", ALL_FLAGS, ADDR_SYNTAX);
	assert_int_equal(addr_parse_path(NULL, 0, ALL_FLAGS, &a, &consumed), ADDR_SYNTAX);
	assert_int_equal(consumed, 0);
	assert_int_equal(addr_parse_path(NULL, 10, ALL_FLAGS, &a, &consumed), ADDR_SYNTAX);
	R("a@b.c", ALL_FLAGS, ADDR_SYNTAX);
	R(" <a@b.c>", ALL_FLAGS, ADDR_SYNTAX);
	R("a@b.c>", ALL_FLAGS, ADDR_SYNTAX);
	R(">", ALL_FLAGS, ADDR_SYNTAX);
	R("\0<a@b.c>", ALL_FLAGS, ADDR_SYNTAX);
	/* consumed may be NULL */
	assert_int_equal(addr_parse_path("<a@b>", 5, 0, &a, NULL), ADDR_OK);
}

static void test_unterminated_unbalanced(void **state)
{
	struct addr_path a;
	R("<", ALL_FLAGS, ADDR_SYNTAX);
	R("<a", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@b.c", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@b.c ", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@b.c >", ALL_FLAGS, ADDR_SYNTAX);
	R("< a@b.c>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@b.c\0>", ALL_FLAGS, ADDR_SYNTAX);
	R("<<a@b.c>>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@b.c<>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a<b@c>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a>b@c>", ALL_FLAGS, ADDR_SYNTAX);
	R("<\"a@b.c>", ALL_FLAGS, ADDR_SYNTAX);
	R("<postmaster", ALL_FLAGS, ADDR_SYNTAX);
	R("<[1.2.3.4]>", ALL_FLAGS, ADDR_SYNTAX);
	R("<@>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@b@c>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@@b>", ALL_FLAGS, ADDR_SYNTAX);
	R("<@b.c>", ALL_FLAGS, ADDR_SYNTAX);
}

static void test_null_path(void **state)
{
	struct addr_path a;
	char out[8];

	RC("<>", ADDR_F_NULL_OK, ADDR_OK, 2);
	assert_true(a.is_null);
	assert_int_equal(a.local_len, 0);
	assert_int_equal(a.domain_len, 0);
	assert_string_equal(a.local, "");
	assert_string_equal(a.domain, "");
	assert_int_equal(addr_to_string(&a, out, sizeof(out)), 0);
	assert_string_equal(out, "");
	RC("<>", ALL_FLAGS, ADDR_OK, 2);
	R("<>", 0, ADDR_SYNTAX);
	R("<>", ADDR_F_POSTMASTER_OK | ADDR_F_UTF8, ADDR_SYNTAX);
	R("< >", ALL_FLAGS, ADDR_SYNTAX);
	R("<\"\">", ALL_FLAGS, ADDR_SYNTAX);
	R("<@>", ALL_FLAGS, ADDR_SYNTAX);
}

static void test_postmaster(void **state)
{
	struct addr_path a;
	char out[32];

	RC("<postmaster>", ADDR_F_POSTMASTER_OK, ADDR_OK, 12);
	assert_true(a.is_postmaster);
	assert_string_equal(a.local, "postmaster");
	assert_int_equal(a.domain_len, 0);
	assert_string_equal(a.domain, "");
	assert_int_equal(addr_to_string(&a, out, sizeof(out)), 10);
	assert_string_equal(out, "postmaster");

	RC("<PostMaster>", ADDR_F_POSTMASTER_OK, ADDR_OK, 12);
	assert_true(a.is_postmaster);
	assert_string_equal(a.local, "PostMaster"); /* kept as given */
	RC("<POSTMASTER>", ALL_FLAGS, ADDR_OK, 12);
	assert_true(a.is_postmaster);

	R("<postmaster>", 0, ADDR_SYNTAX);
	R("<postmaster>", ADDR_F_NULL_OK | ADDR_F_UTF8, ADDR_SYNTAX);
	/* with a domain it is an ordinary mailbox */
	OK("<postmaster@example.com>", 0, "postmaster", "example.com", false);
	assert_false(a.is_postmaster);
	R("<Postmaster@example.com>", ADDR_F_POSTMASTER_OK, ADDR_OK);
	assert_false(a.is_postmaster);
	/* any other local part needs a domain */
	R("<user>", ALL_FLAGS, ADDR_SYNTAX);
	R("<postmistress>", ALL_FLAGS, ADDR_SYNTAX);
	R("<postmaste>", ALL_FLAGS, ADDR_SYNTAX);
	R("<postmasterr>", ALL_FLAGS, ADDR_SYNTAX);
	R("<post.master>", ALL_FLAGS, ADDR_SYNTAX);
	/* "<Postmaster>" is a literal string in 4.1.1.3: no quoted form, no route */
	R("<\"postmaster\">", ALL_FLAGS, ADDR_SYNTAX);
	R("<@a.example:postmaster>", ALL_FLAGS, ADDR_SYNTAX);
	R("<postmaster@>", ALL_FLAGS, ADDR_SYNTAX);
}

static void test_source_route(void **state)
{
	struct addr_path a;
	char buf[400];

	RC("<@a.example,@b.example:user@c.example>", ALL_FLAGS, ADDR_SOURCE_ROUTE, 38);
	RC("<@a.example,@b.example:user@c.example>", 0, ADDR_SOURCE_ROUTE, 38);
	RC("<@a.example:user@c.example> SIZE=1", 0, ADDR_SOURCE_ROUTE, 27);
	R("<@a:\"q u\"@[1.2.3.4]>", 0, ADDR_SOURCE_ROUTE);
	/* a route wins over the other refusals */
	R("<@a.example:\xc3\xa9@c.example>", 0, ADDR_SOURCE_ROUTE);
	R("<@a.example:\"\"@c.example>", 0, ADDR_SOURCE_ROUTE);
	R("<@a:u@[x-tag:foo]>", 0, ADDR_SOURCE_ROUTE);
	size_t n = make_path(buf, sizeof(buf), "<@a.example:", 'u', 250, "@c.example>");
	check_result(__LINE__, buf, n, 0, ADDR_SOURCE_ROUTE, n, &a);

	/* malformed routes are syntax errors */
	R("<@a.example,user@c.example>", ALL_FLAGS, ADDR_SYNTAX);
	R("<@a.example user@c.example>", ALL_FLAGS, ADDR_SYNTAX);
	R("<@a.example;user@c.example>", ALL_FLAGS, ADDR_SYNTAX);
	R("<@a.example:>", ALL_FLAGS, ADDR_SYNTAX);
	R("<@a.example:user>", ALL_FLAGS, ADDR_SYNTAX);
	R("<@a.example:@b:user@c>", ALL_FLAGS, ADDR_SYNTAX);
	R("<@:user@c.example>", ALL_FLAGS, ADDR_SYNTAX);
	R("<@a.example,@:user@c.example>", ALL_FLAGS, ADDR_SYNTAX);
	R("<@a.example,:user@c.example>", ALL_FLAGS, ADDR_SYNTAX);
	R("<@a..example:user@c.example>", ALL_FLAGS, ADDR_SYNTAX);
	R("<@-a.example:user@c.example>", ALL_FLAGS, ADDR_SYNTAX);
	R("<@[1.2.3.4]:user@c.example>", ALL_FLAGS, ADDR_SYNTAX); /* At-domain has no literal */
	R("<@a.example:user@c.example", ALL_FLAGS, ADDR_SYNTAX);
	R("<@a.example:user@>", ALL_FLAGS, ADDR_SYNTAX);
	R("<@a.example:<user@c.example>>", ALL_FLAGS, ADDR_SYNTAX);
	R("<@a.\xc3:u@c>", ALL_FLAGS, ADDR_SYNTAX);
}

static void test_quoted(void **state)
{
	struct addr_path a;

	/* quoting that is not needed is dropped (RFC 5321 4.1.2: equivalent forms) */
	OK("<\"bob\"@x.example>", 0, "bob", "x.example", false);
	OK("<\"a.b\"@x>", 0, "a.b", "x", false);
	OK("<\"!#$%&'*+-/=?^_`{|}~\"@x>", 0, "!#$%&'*+-/=?^_`{|}~", "x", false);
	OK("<\"\\b\\o\\b\"@x>", 0, "bob", "x", false);
	/* needed quoting is kept, quoted-pairs resolved */
	OK("<\"b ob\"@x.example>", 0, "b ob", "x.example", true);
	OK("<\"b\\\"ob\"@x>", 0, "b\"ob", "x", true);
	OK("<\"b\\\\ob\"@x>", 0, "b\\ob", "x", true);
	OK("<\"b\\ ob\"@x>", 0, "b ob", "x", true);
	OK("<\".ab\"@x>", 0, ".ab", "x", true);
	OK("<\"ab.\"@x>", 0, "ab.", "x", true);
	OK("<\"a..b\"@x>", 0, "a..b", "x", true);
	OK("<\".\"@x>", 0, ".", "x", true);
	OK("<\"a@b\"@x>", 0, "a@b", "x", true);
	OK("<\"a,b\"@x>", 0, "a,b", "x", true);
	OK("<\"(a)<b>[c]:;\"@x>", 0, "(a)<b>[c]:;", "x", true);
	OK("<\" \"@x>", 0, " ", "x", true);
	OK("<\"~\"@x>", 0, "~", "x", false);
	OK("<\"\\~\"@x>", 0, "~", "x", false);
	OK("<\"a\\>b\"@x>", 0, "a>b", "x", true);
	/* empty quoted string: grammatical, but no empty mailbox */
	RC("<\"\"@x>", ALL_FLAGS, ADDR_NOT_ALLOWED, 6);
	/* malformed */
	R("<\"bob@x>", ALL_FLAGS, ADDR_SYNTAX);
	R("<\"bob\"x@y>", ALL_FLAGS, ADDR_SYNTAX);
	R("<\"bo\"b@x>", ALL_FLAGS, ADDR_SYNTAX);
	R("<b\"ob\"@x>", ALL_FLAGS, ADDR_SYNTAX);
	R("<\"a\".\"b\"@x>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a.\"b\"@x>", ALL_FLAGS, ADDR_SYNTAX);
	R("<\"a\\\"@x>", ALL_FLAGS, ADDR_SYNTAX);
	R("<\"a\\", ALL_FLAGS, ADDR_SYNTAX);
	R("<\"a", ALL_FLAGS, ADDR_SYNTAX);
	R("<\"", ALL_FLAGS, ADDR_SYNTAX);
	R("<\"\"", ALL_FLAGS, ADDR_SYNTAX);
	R("<\"b\tob\"@x>", ALL_FLAGS, ADDR_SYNTAX);
	R("<\"b\x7fob\"@x>", ALL_FLAGS, ADDR_SYNTAX);
	R("<\"b\x01ob\"@x>", ALL_FLAGS, ADDR_SYNTAX);
	R("<\"b\rob\"@x>", ALL_FLAGS, ADDR_SYNTAX);
	R("<\"b\nob\"@x>", ALL_FLAGS, ADDR_SYNTAX);
	R("<\"b\0ob\"@x>", ALL_FLAGS, ADDR_SYNTAX);
	/* quoted-pairSMTP = %d92 %d32-126: no controls, DEL, NUL or UTF-8 after the backslash */
	R("<\"b\\\tob\"@x>", ALL_FLAGS, ADDR_SYNTAX);
	R("<\"b\\\x01ob\"@x>", ALL_FLAGS, ADDR_SYNTAX);
	R("<\"b\\\x7fob\"@x>", ALL_FLAGS, ADDR_SYNTAX);
	R("<\"b\\\0ob\"@x>", ALL_FLAGS, ADDR_SYNTAX);
	R("<\"b\\\xc3\xa9ob\"@x>", ALL_FLAGS, ADDR_SYNTAX);
}

static void test_dot_string(void **state)
{
	struct addr_path a;

	OK("<a.b.c@x>", 0, "a.b.c", "x", false);
	OK("<!#$%&'*+-/=?^_`{|}~@x>", 0, "!#$%&'*+-/=?^_`{|}~", "x", false);
	OK("<0123456789@x>", 0, "0123456789", "x", false);
	R("<.a@x>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a.@x>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a..b@x>", ALL_FLAGS, ADDR_SYNTAX);
	R("<.@x>", ALL_FLAGS, ADDR_SYNTAX);
	R("<@x>", ALL_FLAGS, ADDR_SYNTAX);
	/* specials and space are not atext */
	R("<a b@x>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a(b)@x>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a,b@x>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a:b@x>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a;b@x>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a[b@x>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a]b@x>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a\\b@x>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a\"b@x>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a<b@x>", ALL_FLAGS, ADDR_SYNTAX);
	/* control characters anywhere */
	R("<a\x01@x>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a\tb@x>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a\x7f@x>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a\r\n@x>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@x\x1f>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@x.\x7f>", ALL_FLAGS, ADDR_SYNTAX);
}

static void test_embedded_nul(void **state)
{
	struct addr_path a;
	R("<a\0b@x>", ALL_FLAGS, ADDR_SYNTAX);
	R("<\0a@x>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@\0x>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@x\0>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@x.\0y>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@[1.2.3.4\0]>", ALL_FLAGS, ADDR_SYNTAX);
	R("<\"a\0b\"@x>", ALL_FLAGS, ADDR_SYNTAX);
	R("<\0>", ALL_FLAGS, ADDR_SYNTAX);
	R("<postmaster\0>", ALL_FLAGS, ADDR_SYNTAX);
	RC("<a@x>\0", ALL_FLAGS, ADDR_OK, 5);
}

static void test_domain(void **state)
{
	struct addr_path a;

	OK("<a@localhost>", 0, "a", "localhost", false);
	OK("<a@e-x.example>", 0, "a", "e-x.example", false);
	OK("<a@e--x.example>", 0, "a", "e--x.example", false);
	OK("<a@123.45>", 0, "a", "123.45", false);
	OK("<a@1.2.3.4>", 0, "a", "1.2.3.4", false);
	OK("<a@ExAmple.COM>", 0, "a", "ExAmple.COM", false); /* kept as given */
	OK("<a@xn--bcher-kva.example>", 0, "a", "xn--bcher-kva.example", false);
	R("<a@example.com.>", ALL_FLAGS, ADDR_SYNTAX); /* Domain has no trailing dot */
	R("<a@.example.com>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@example..com>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@.>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@-example.com>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@example-.com>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@example.com->", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@->", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@ex_ample.com>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@ex ample.com>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@example.com:25>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@exa\"mple>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@b,c>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@b]>", ALL_FLAGS, ADDR_SYNTAX);
}

static void test_label_length(void **state)
{
	struct addr_path a;
	char buf[200];
	size_t n;

	n = make_path(buf, sizeof(buf), "<a@", 'l', 63, ".example>");
	check_result(__LINE__, buf, n, 0, ADDR_OK, n, &a);
	assert_int_equal(a.domain_len, 63 + 8);
	n = make_path(buf, sizeof(buf), "<a@", 'l', 64, ".example>");
	check_result(__LINE__, buf, n, ALL_FLAGS, ADDR_NOT_ALLOWED, n, &a);
	n = make_path(buf, sizeof(buf), "<a@example.", 'l', 64, ">");
	check_result(__LINE__, buf, n, ALL_FLAGS, ADDR_NOT_ALLOWED, n, &a);
	n = make_path(buf, sizeof(buf), "<a@example.", 'l', 63, ">");
	check_result(__LINE__, buf, n, 0, ADDR_OK, n, &a);
	/* a too-long label with a syntax error later is a syntax error */
	n = make_path(buf, sizeof(buf), "<a@", 'l', 64, "..example>");
	check_result(__LINE__, buf, n, ALL_FLAGS, ADDR_SYNTAX, 0, &a);
}

static void test_local_length(void **state)
{
	struct addr_path a;
	char buf[300];
	size_t n;

	n = make_path(buf, sizeof(buf), "<", 'l', 64, "@x.example>");
	check_result(__LINE__, buf, n, 0, ADDR_OK, n, &a);
	assert_int_equal(a.local_len, 64);
	assert_int_equal(strlen(a.local), 64);
	n = make_path(buf, sizeof(buf), "<", 'l', 65, "@x.example>");
	check_result(__LINE__, buf, n, ALL_FLAGS, ADDR_NOT_ALLOWED, n, &a);
	n = make_path(buf, sizeof(buf), "<", 'l', 200, "@x.example>");
	check_result(__LINE__, buf, n, ALL_FLAGS, ADDR_NOT_ALLOWED, n, &a);

	/* the limit is on the canonical form: unneeded quotes do not count ... */
	n = make_path(buf, sizeof(buf), "<\"", 'q', 64, "\"@x>");
	check_result(__LINE__, buf, n, 0, ADDR_OK, n, &a);
	assert_false(a.local_quoted);
	assert_int_equal(a.local_len, 64);
	n = make_path(buf, sizeof(buf), "<\"", 'q', 65, "\"@x>");
	check_result(__LINE__, buf, n, 0, ADDR_NOT_ALLOWED, n, &a);
	/* ... nor unneeded escapes ... */
	n = make_path(buf, sizeof(buf), "<\"\\q\\q\\q\\q", 'q', 60, "\"@x>");
	check_result(__LINE__, buf, n, 0, ADDR_OK, n, &a);
	assert_int_equal(a.local_len, 64);
	/* ... needed quotes and escapes do: 2 + 62 = 64, 2 + 63 = 65 */
	n = make_path(buf, sizeof(buf), "<\" ", 'q', 61, "\"@x>");
	check_result(__LINE__, buf, n, 0, ADDR_OK, n, &a);
	assert_true(a.local_quoted);
	assert_int_equal(a.local_len, 62);
	n = make_path(buf, sizeof(buf), "<\" ", 'q', 62, "\"@x>");
	check_result(__LINE__, buf, n, ALL_FLAGS, ADDR_NOT_ALLOWED, n, &a);
	/* 2 quotes + 60 + one escaped quote (2) = 64; one more = 65 */
	n = make_path(buf, sizeof(buf), "<\"\\\"", 'q', 60, "\"@x>");
	check_result(__LINE__, buf, n, 0, ADDR_OK, n, &a);
	assert_int_equal(a.local_len, 61);
	n = make_path(buf, sizeof(buf), "<\"\\\"", 'q', 61, "\"@x>");
	check_result(__LINE__, buf, n, 0, ADDR_NOT_ALLOWED, n, &a);
}

static void test_path_length(void **state)
{
	struct addr_path a;
	char buf[600];
	char dom[300];
	size_t n;

	/* "<" + "a@" + domain + ">" = 256 with a 252-octet domain */
	make_domain(dom, 252);
	n = (size_t)snprintf(buf, sizeof(buf), "<a@%s>", dom);
	assert_int_equal(n, 256);
	check_result(__LINE__, buf, n, 0, ADDR_OK, 256, &a);
	assert_int_equal(a.domain_len, 252);
	assert_string_equal(a.domain, dom);

	make_domain(dom, 253);
	n = (size_t)snprintf(buf, sizeof(buf), "<a@%s>", dom);
	assert_int_equal(n, 257);
	check_result(__LINE__, buf, n, ALL_FLAGS, ADDR_NOT_ALLOWED, 257, &a);

	/* 64-octet local part: 1 + 64 + 1 + 189 + 1 = 256 */
	make_domain(dom, 189);
	n = (size_t)snprintf(buf, sizeof(buf), "<%064d@%s>", 0, dom);
	assert_int_equal(n, 256);
	check_result(__LINE__, buf, n, 0, ADDR_OK, 256, &a);
	make_domain(dom, 190);
	n = (size_t)snprintf(buf, sizeof(buf), "<%064d@%s>", 0, dom);
	assert_int_equal(n, 257);
	check_result(__LINE__, buf, n, 0, ADDR_NOT_ALLOWED, 257, &a);

	/* the path limit counts the raw form, quotes included */
	make_domain(dom, 187);
	n = (size_t)snprintf(buf, sizeof(buf), "<\"%064d\"@%s>", 0, dom);
	assert_int_equal(n, 256);
	check_result(__LINE__, buf, n, 0, ADDR_OK, 256, &a);
	make_domain(dom, 188);
	n = (size_t)snprintf(buf, sizeof(buf), "<\"%064d\"@%s>", 0, dom);
	check_result(__LINE__, buf, n, 0, ADDR_NOT_ALLOWED, 257, &a);

	/* a 255-octet domain (the RFC 5321 4.5.3.1.2 maximum) never fits in a 256-octet path,
	 * and a 256-octet one is over both limits */
	make_domain(dom, 255);
	n = (size_t)snprintf(buf, sizeof(buf), "<a@%s>", dom);
	check_result(__LINE__, buf, n, 0, ADDR_NOT_ALLOWED, n, &a);
	make_domain(dom, 256);
	n = (size_t)snprintf(buf, sizeof(buf), "<a@%s>", dom);
	check_result(__LINE__, buf, n, 0, ADDR_NOT_ALLOWED, n, &a);

	/* a path well over every limit still parses without overflowing anything */
	n = make_path(buf, sizeof(buf), "<", 'l', 300, "@x>");
	check_result(__LINE__, buf, n, ALL_FLAGS, ADDR_NOT_ALLOWED, n, &a);
	n = make_path(buf, sizeof(buf), "<a@", 'd', 500, ">");
	check_result(__LINE__, buf, n, ALL_FLAGS, ADDR_NOT_ALLOWED, n, &a);
	/* ... and a syntax error after the limits is still a syntax error */
	n = make_path(buf, sizeof(buf), "<a@", 'd', 500, "");
	check_result(__LINE__, buf, n, ALL_FLAGS, ADDR_SYNTAX, 0, &a);
}

static void test_literal_ipv4(void **state)
{
	struct addr_path a;

	OK("<a@[1.2.3.4]>", 0, "a", "[1.2.3.4]", false);
	assert_true(a.domain_literal);
	RC("<a@[1.2.3.4]>", 0, ADDR_OK, 13);
	assert_true(a.domain_literal);
	assert_int_equal(a.domain_len, 9);
	OK("<a@[0.0.0.0]>", 0, "a", "[0.0.0.0]", false);
	OK("<a@[255.255.255.255]>", 0, "a", "[255.255.255.255]", false);
	OK("<\"a b\"@[192.0.2.1]>", 0, "a b", "[192.0.2.1]", true);
	R("<a@[256.1.1.1]>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@[1.2.3]>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@[1.2.3.4.5]>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@[1.2.3.]>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@[.1.2.3]>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@[01.2.3.4]>", ALL_FLAGS, ADDR_SYNTAX); /* inet_pton refuses leading zeros */
	R("<a@[1.2.3.4444]>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@[1111111111111111111.2.3.4]>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@[a.b.c.d]>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@[]>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@[>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@[1.2.3.4>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@[1.2.3.4]", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@[1.2.3.4]x>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@[1.2.3.4].x>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@x.[1.2.3.4]>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@[ 1.2.3.4]>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@[1.2.3.4 ]>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@[1.2.3.4\\]>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@[[1.2.3.4]]>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@[1.2.3.4]]>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@[1.2.3.\xc3\xa9]>", ALL_FLAGS, ADDR_SYNTAX);
}

static void test_literal_ipv6(void **state)
{
	struct addr_path a;

	OK("<a@[IPv6:::1]>", 0, "a", "[IPv6:::1]", false);
	assert_true(a.domain_literal);
	OK("<a@[IPv6:2001:db8::1]>", 0, "a", "[IPv6:2001:db8::1]", false);
	OK("<a@[ipv6:2001:DB8::1]>", 0, "a", "[ipv6:2001:DB8::1]", false); /* RFC 5234 2.3 */
	OK("<a@[IPv6:1:2:3:4:5:6:7:8]>", 0, "a", "[IPv6:1:2:3:4:5:6:7:8]", false);
	OK("<a@[IPv6:::ffff:192.0.2.1]>", 0, "a", "[IPv6:::ffff:192.0.2.1]", false);
	OK("<a@[IPv6:::]>", 0, "a", "[IPv6:::]", false);
	OK("<a@[IPv6:ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]>", 0, "a",
	   "[IPv6:ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]", false);
	R("<a@[IPv6:1:2:3:4:5:6:7:8:9]>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@[IPv6:2001:db8:::1]>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@[IPv6:12345::1]>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@[IPv6:g::1]>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@[IPv6:1.2.3.4]>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@[IPv6:]>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@[IPv6]>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@[IPv6:fe80::1%eth0]>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@[IPv6::::::::::::::::::::::::::::::::::::::::::::::::::::::::1]>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@[::1]>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@[IPv6: ::1]>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@[IPv6:::1>", ALL_FLAGS, ADDR_SYNTAX);
}

static void test_literal_general(void **state)
{
	struct addr_path a;

	/* General-address-literal = Standardized-tag ":" 1*dcontent: well-formed, refused */
	RC("<a@[x-tag:content]>", ALL_FLAGS, ADDR_NOT_ALLOWED, 19);
	R("<a@[X400:c=us;a=x]>", ALL_FLAGS, ADDR_NOT_ALLOWED);
	R("<a@[IPv7:::1]>", ALL_FLAGS, ADDR_NOT_ALLOWED);
	R("<a@[-a:b]>", ALL_FLAGS, ADDR_NOT_ALLOWED); /* Ldh-str may start with '-' */
	R("<a@[IPv4:1.2.3.4]>", ALL_FLAGS, ADDR_NOT_ALLOWED);
	/* malformed */
	R("<a@[tag:]>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@[tag-:x]>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@[:x]>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@[t_g:x]>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@[tag:a b]>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@[tag:a\\b]>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@[tag:a[b]>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@[tag:a\x7f]>", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@[tag:\xc3\xa9]>", ALL_FLAGS, ADDR_SYNTAX);
}

static void test_utf8(void **state)
{
	struct addr_path a;

	/* RFC 6531 3.3: only with SMTPUTF8 */
	RC("<j\xc3\xb6" "e@example.com>", 0, ADDR_NEEDS_UTF8, 18);
	RC("<j\xc3\xb6" "e@example.com>", ADDR_F_NULL_OK | ADDR_F_POSTMASTER_OK, ADDR_NEEDS_UTF8, 18);
	OK("<j\xc3\xb6" "e@example.com>", ADDR_F_UTF8, "j\xc3\xb6" "e", "example.com", false);
	assert_true(a.utf8);
	assert_int_equal(a.local_len, 4);
	R("<a@b\xc3\xbc" "cher.example>", 0, ADDR_NEEDS_UTF8);
	OK("<a@b\xc3\xbc" "cher.example>", ADDR_F_UTF8, "a", "b\xc3\xbc" "cher.example", false);
	assert_true(a.utf8);
	OK("<a@\xc3\xbc.example>", ADDR_F_UTF8, "a", "\xc3\xbc.example", false);
	OK("<a@\xc3\xbc-x.example>", ADDR_F_UTF8, "a", "\xc3\xbc-x.example", false);
	OK("<a@x-\xc3\xbc>", ADDR_F_UTF8, "a", "x-\xc3\xbc", false);
	OK("<\xe7\x94\xa8\xe6\x88\xb7@\xe4\xbe\x8b\xe5\xad\x90.\xe5\xb9\xbf\xe5\x91\x8a>", ADDR_F_UTF8,
	   "\xe7\x94\xa8\xe6\x88\xb7", "\xe4\xbe\x8b\xe5\xad\x90.\xe5\xb9\xbf\xe5\x91\x8a", false);
	/* ASCII input does not set utf8 even when allowed */
	OK("<a@b>", ADDR_F_UTF8, "a", "b", false);
	assert_false(a.utf8);
	/* boundaries of each sequence length */
	OK("<\xc2\x80@x>", ADDR_F_UTF8, "\xc2\x80", "x", false);
	OK("<\xdf\xbf@x>", ADDR_F_UTF8, "\xdf\xbf", "x", false);
	OK("<\xe0\xa0\x80@x>", ADDR_F_UTF8, "\xe0\xa0\x80", "x", false);
	OK("<\xed\x9f\xbf@x>", ADDR_F_UTF8, "\xed\x9f\xbf", "x", false);
	OK("<\xee\x80\x80@x>", ADDR_F_UTF8, "\xee\x80\x80", "x", false);
	OK("<\xef\xbf\xbf@x>", ADDR_F_UTF8, "\xef\xbf\xbf", "x", false);
	OK("<\xf0\x90\x80\x80@x>", ADDR_F_UTF8, "\xf0\x90\x80\x80", "x", false);
	OK("<\xf0\x9f\x98\x80@x>", ADDR_F_UTF8, "\xf0\x9f\x98\x80", "x", false);
	OK("<\xf4\x8f\xbf\xbf@x>", ADDR_F_UTF8, "\xf4\x8f\xbf\xbf", "x", false);
	/* quoted strings: UTF-8 is qtextSMTP, and atext, so quoting may still be unneeded */
	OK("<\"j\xc3\xb6" "e\"@x>", ADDR_F_UTF8, "j\xc3\xb6" "e", "x", false);
	OK("<\"j\xc3\xb6 e\"@x>", ADDR_F_UTF8, "j\xc3\xb6 e", "x", true);
	R("<\"j\xc3\xb6 e\"@x>", 0, ADDR_NEEDS_UTF8);
}

static void test_utf8_malformed(void **state)
{
	static const char *const bad[] = {
		"\x80",             /* lone continuation */
		"\xbf",             /* lone continuation */
		"\xc3",             /* cut off */
		"\xc3\x28",         /* bad continuation */
		"\xc0\xaf",         /* overlong '/' */
		"\xc1\xbf",         /* overlong */
		"\xe0\x80\xaf",     /* overlong 3 */
		"\xe0\x9f\xbf",     /* overlong 3 */
		"\xe2\x82",         /* cut off 3 */
		"\xe2\x28\xa1",     /* bad 2nd */
		"\xe2\x82\x28",     /* bad 3rd */
		"\xed\xa0\x80",     /* surrogate D800 */
		"\xed\xbf\xbf",     /* surrogate DFFF */
		"\xf0\x80\x80\xaf", /* overlong 4 */
		"\xf0\x8f\xbf\xbf", /* overlong 4 */
		"\xf4\x90\x80\x80", /* above U+10FFFF */
		"\xf5\x80\x80\x80", /* above U+10FFFF */
		"\xf0\x9f\x98",     /* cut off 4 */
		"\xf8\x88\x80\x80\x80",
		"\xfe",
		"\xff",
	};
	static const char *const where[][2] = {
		{"<", "@x>"}, {"<a", "b@x>"}, {"<\"", "\"@x>"}, {"<\"a ", "\"@x>"}, {"<a@", ">"},
		{"<a@x.", ".y>"}, {"<a@x", ">"}, {"<@", ":a@x>"},
	};
	struct addr_path a;
	char buf[64];

	for (size_t w = 0; w < sizeof(where) / sizeof(where[0]); w++) {
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			int n = snprintf(buf, sizeof(buf), "%s%s%s", where[w][0], bad[i], where[w][1]);
			check_result(__LINE__, buf, (size_t)n, ALL_FLAGS, ADDR_SYNTAX, 0, &a);
			check_result(__LINE__, buf, (size_t)n, 0, ADDR_SYNTAX, 0, &a);
		}
	}
	/* cut off by the end of input, with no terminator after it for the parser to find */
	R("<a\xc3", ALL_FLAGS, ADDR_SYNTAX);
	R("<a\xe2\x82", ALL_FLAGS, ADDR_SYNTAX);
	R("<a\xf0\x9f\x98", ALL_FLAGS, ADDR_SYNTAX);
	R("<a@b\xf0", ALL_FLAGS, ADDR_SYNTAX);
	R("<\"\xf0\x9f", ALL_FLAGS, ADDR_SYNTAX);
}

static void test_utf8_limits(void **state)
{
	struct addr_path a;
	char buf[300];
	size_t n;

	/* limits count octets: 32 two-octet characters = 64 octets */
	n = make_path(buf, sizeof(buf), "<", 'x', 0, "");
	for (int i = 0; i < 32; i++) {
		buf[n++] = '\xc3';
		buf[n++] = '\xa9';
	}
	memcpy(buf + n, "@x>", 3);
	n += 3;
	check_result(__LINE__, buf, n, ADDR_F_UTF8, ADDR_OK, n, &a);
	assert_int_equal(a.local_len, 64);
	/* one more ASCII octet (65) */
	memmove(buf + 2, buf + 1, n - 1);
	buf[1] = 'y';
	n++;
	check_result(__LINE__, buf, n, ADDR_F_UTF8, ADDR_NOT_ALLOWED, n, &a);

	/* a U-label over 63 octets is not refused (its A-label may be shorter) */
	n = make_path(buf, sizeof(buf), "<a@", 'x', 0, "");
	for (int i = 0; i < 40; i++) {
		buf[n++] = '\xc3';
		buf[n++] = '\xa9';
	}
	memcpy(buf + n, ".example>", 9);
	n += 9;
	check_result(__LINE__, buf, n, ADDR_F_UTF8, ADDR_OK, n, &a);
	assert_true(a.utf8);
	/* an ASCII label over 63 octets is refused with UTF-8 allowed too */
	n = make_path(buf, sizeof(buf), "<\xc3\xa9@", 'l', 64, ">");
	check_result(__LINE__, buf, n, ADDR_F_UTF8, ADDR_NOT_ALLOWED, n, &a);
}

static void test_precedence(void **state)
{
	struct addr_path a;
	char buf[400];
	size_t n;

	/* syntax beats everything */
	R("<@a:\xc3\xa9@x", 0, ADDR_SYNTAX);
	R("<\"\"@x", 0, ADDR_SYNTAX);
	/* route beats not-allowed and needs-utf8 (see test_source_route) */
	/* not-allowed beats needs-utf8: a permanent refusal first */
	n = make_path(buf, sizeof(buf), "<\xc3\xa9", 'l', 70, "@x>");
	check_result(__LINE__, buf, n, 0, ADDR_NOT_ALLOWED, n, &a);
	R("<\xc3\xa9@[tag:x]>", 0, ADDR_NOT_ALLOWED);
	R("<\"\"@\xc3\xa9>", 0, ADDR_NOT_ALLOWED);
	/* a non-ASCII local part without a domain is no postmaster: a syntax error */
	R("<\xc3\xa9>", ALL_FLAGS, ADDR_SYNTAX);
}

static void test_output_cleared(void **state)
{
	struct addr_path a;
	size_t consumed = 7;

	memset(&a, 0x5a, sizeof(a));
	assert_int_equal(addr_parse_path("<a b@c>", 7, ALL_FLAGS, &a, &consumed), ADDR_SYNTAX);
	assert_int_equal(consumed, 0);
	assert_int_equal(a.local_len, 0);
	assert_int_equal(a.local[0], '\0');
	assert_int_equal(a.domain_len, 0);
	assert_int_equal(a.domain[0], '\0');
	assert_false(a.is_null || a.is_postmaster || a.local_quoted || a.domain_literal || a.utf8);

	memset(&a, 0x5a, sizeof(a));
	assert_int_equal(addr_parse_path("<a@b>", 5, 0, &a, &consumed), ADDR_OK);
	assert_false(a.is_null || a.is_postmaster || a.local_quoted || a.domain_literal || a.utf8);
	assert_string_equal(a.local, "a");
	assert_string_equal(a.domain, "b");

	/* a quoted, literal result followed by a plain one leaves nothing behind */
	assert_int_equal(addr_parse_path("<\"a b\"@[1.2.3.4]>", 17, 0, &a, &consumed), ADDR_OK);
	assert_true(a.local_quoted && a.domain_literal);
	assert_int_equal(addr_parse_path("<a@b>", 5, 0, &a, &consumed), ADDR_OK);
	assert_false(a.local_quoted || a.domain_literal);
}

static void test_to_string(void **state)
{
	struct addr_path a;
	char out[400];

	R("<user@example.com>", 0, ADDR_OK);
	assert_int_equal(addr_to_string(&a, out, sizeof(out)), 16);
	assert_string_equal(out, "user@example.com");
	/* exact fit: 16 octets + NUL; one less does not fit */
	assert_int_equal(addr_to_string(&a, out, 17), 16);
	assert_string_equal(out, "user@example.com");
	memset(out, 'z', sizeof(out));
	assert_int_equal(addr_to_string(&a, out, 16), -1);
	assert_int_equal(out[0], '\0');
	assert_int_equal(addr_to_string(&a, out, 1), -1);
	assert_int_equal(out[0], '\0');
	assert_int_equal(addr_to_string(&a, out, 0), -1);

	R("<\"bob\"@x>", 0, ADDR_OK);
	assert_int_equal(addr_to_string(&a, out, sizeof(out)), 5);
	assert_string_equal(out, "bob@x");
	R("<\"b ob\"@x>", 0, ADDR_OK);
	assert_int_equal(addr_to_string(&a, out, sizeof(out)), 8);
	assert_string_equal(out, "\"b ob\"@x");
	R("<\"b\\\"o\\\\b\\x\"@x>", 0, ADDR_OK);
	assert_string_equal(a.local, "b\"o\\bx");
	assert_int_equal(addr_to_string(&a, out, sizeof(out)), 12);
	assert_string_equal(out, "\"b\\\"o\\\\bx\"@x");
	/* the escape that does not fit is not half-written */
	assert_int_equal(addr_to_string(&a, out, 3), -1);
	assert_int_equal(out[0], '\0');
	R("<a@[IPv6:::1]>", 0, ADDR_OK);
	assert_int_equal(addr_to_string(&a, out, sizeof(out)), 12);
	assert_string_equal(out, "a@[IPv6:::1]");
	R("<POSTMASTER>", ADDR_F_POSTMASTER_OK, ADDR_OK);
	assert_int_equal(addr_to_string(&a, out, sizeof(out)), 10);
	assert_string_equal(out, "POSTMASTER");
	assert_int_equal(addr_to_string(&a, out, 10), -1);
	R("<>", ADDR_F_NULL_OK, ADDR_OK);
	assert_int_equal(addr_to_string(&a, out, 1), 0);
	assert_string_equal(out, "");
	R("<\xc3\xa9@\xc3\xa9>", ADDR_F_UTF8, ADDR_OK);
	assert_int_equal(addr_to_string(&a, out, sizeof(out)), 5);
	assert_string_equal(out, "\xc3\xa9@\xc3\xa9");
}

/* parse, print, wrap in <>, parse again: same parts */
static void test_round_trip(void **state)
{
	static const char *const in[] = {
		"<user@example.com>",
		"<\"bob\"@x>",
		"<\"b ob\"@x>",
		"<\"b\\\"o\\\\b\"@x>",
		"<\"\\a\\b\"@x>",
		"<\".a\"@x>",
		"<\"a..b\"@x>",
		"<\"a@b\"@[1.2.3.4]>",
		"<a@[IPv6:2001:db8::1]>",
		"<PostMaster>",
		"<!#$%&'*+-/=?^_`{|}~@x>",
		"<\"\\\"\"@x>",
		"<\"\\\\\"@x>",
		"<j\xc3\xb6" "e@b\xc3\xbc" "cher.example>",
		"<\"j\xc3\xb6 e\"@x>",
	};
	struct addr_path a, b;
	char out[400], wrapped[410];

	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		check_result(__LINE__, in[i], strlen(in[i]), ALL_FLAGS, ADDR_OK, strlen(in[i]), &a);
		int n = addr_to_string(&a, out, sizeof(out));
		assert_true(n > 0);
		int w = snprintf(wrapped, sizeof(wrapped), "<%s>", out);
		check_result(__LINE__, wrapped, (size_t)w, ALL_FLAGS, ADDR_OK, (size_t)w, &b);
		assert_int_equal(a.local_len, b.local_len);
		assert_memory_equal(a.local, b.local, a.local_len);
		assert_int_equal(a.domain_len, b.domain_len);
		assert_memory_equal(a.domain, b.domain, a.domain_len);
		assert_int_equal(a.local_quoted, b.local_quoted);
		assert_int_equal(a.is_postmaster, b.is_postmaster);
		assert_int_equal(a.domain_literal, b.domain_literal);
		assert_int_equal(a.utf8, b.utf8);
		/* the printed form is canonical: a second round prints the same */
		char out2[400];
		assert_int_equal(addr_to_string(&b, out2, sizeof(out2)), n);
		assert_string_equal(out, out2);
	}
}

static void test_routing_chars(void **state)
{
	struct addr_path a;

	R("<a%b@x>", 0, ADDR_OK);
	assert_true(addr_has_routing_chars(&a));
	R("<a!b@x>", 0, ADDR_OK);
	assert_true(addr_has_routing_chars(&a));
	R("<\"a@b\"@x>", 0, ADDR_OK);
	assert_true(addr_has_routing_chars(&a));
	R("<\"a\\@b\"@x>", 0, ADDR_OK);
	assert_true(addr_has_routing_chars(&a));
	R("<\"a%b\"@x>", 0, ADDR_OK); /* quoting unneeded: same as a%b */
	assert_false(a.local_quoted);
	assert_true(addr_has_routing_chars(&a));
	R("<ab@x>", 0, ADDR_OK);
	assert_false(addr_has_routing_chars(&a));
	R("<\"a b\"@x>", 0, ADDR_OK);
	assert_false(addr_has_routing_chars(&a));
	R("<a@x%y>", 0, ADDR_SYNTAX);
	R("<postmaster>", ADDR_F_POSTMASTER_OK, ADDR_OK);
	assert_false(addr_has_routing_chars(&a));
	R("<>", ADDR_F_NULL_OK, ADDR_OK);
	assert_false(addr_has_routing_chars(&a));
}

static void test_domain_eq(void **state)
{
#define EQ(x, y) addr_domain_eq((x), sizeof(x) - 1, (y), sizeof(y) - 1)
	assert_true(EQ("example.com", "example.com"));
	assert_true(EQ("Example.COM", "example.com"));
	assert_true(EQ("EXAMPLE.COM", "example.com"));
	assert_true(EQ("example.com.", "example.com"));
	assert_true(EQ("example.com", "Example.Com."));
	assert_true(EQ("example.com.", "example.com."));
	assert_false(EQ("example.com..", "example.com"));
	assert_false(EQ("example.com..", "example.com."));
	assert_false(EQ("example.co", "example.com"));
	assert_false(EQ("example.com", "example.co"));
	assert_false(EQ("example.com", "examplf.com"));
	assert_false(EQ("a.example.com", "example.com"));
	assert_true(EQ("", ""));
	assert_true(EQ(".", ""));
	assert_false(EQ("a", ""));
	assert_true(EQ("[1.2.3.4]", "[1.2.3.4]"));
	assert_true(EQ("[IPv6:::1]", "[ipv6:::1]"));
	/* ASCII folding only: '@' (0x40) and '`' (0x60) differ, as do non-ASCII cases */
	assert_false(EQ("@", "`"));
	assert_false(EQ("[", "{"));
	assert_false(EQ("b\xc3\x9c" "cher", "b\xc3\xbc" "cher"));
	assert_true(EQ("b\xc3\xbc" "cher", "B\xc3\xbc" "CHER"));
	/* lengths rule, not NULs */
	assert_false(EQ("a\0b", "a\0c"));
	assert_true(EQ("a\0b", "A\0B"));
	assert_false(EQ("ab", "ab\0"));
	assert_true(addr_domain_eq(NULL, 0, NULL, 0));
	assert_true(addr_domain_eq("x.example.org", 9, "X.EXAMPLE", 9));
#undef EQ
}

static void test_all_flag_combinations(void **state)
{
	struct addr_path a;
	for (unsigned f = 0; f <= ALL_FLAGS; f++) {
		check_result(__LINE__, "<>", 2, f, (f & ADDR_F_NULL_OK) ? ADDR_OK : ADDR_SYNTAX, 2, &a);
		check_result(__LINE__, "<postmaster>", 12, f, (f & ADDR_F_POSTMASTER_OK) ? ADDR_OK : ADDR_SYNTAX,
			     12, &a);
		check_result(__LINE__, "<\xc3\xa9@x>", 6, f, (f & ADDR_F_UTF8) ? ADDR_OK : ADDR_NEEDS_UTF8, 6, &a);
		check_result(__LINE__, "<@a:b@c>", 8, f, ADDR_SOURCE_ROUTE, 8, &a);
		check_result(__LINE__, "<\"\"@c>", 6, f, ADDR_NOT_ALLOWED, 6, &a);
		check_result(__LINE__, "<a b@c>", 7, f, ADDR_SYNTAX, 0, &a);
	}
	/* unknown flag bits are ignored */
	check_result(__LINE__, "<a@b>", 5, 0xfff0u, ADDR_OK, 5, &a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple),
		cmocka_unit_test(test_consumed_stops_at_gt),
		cmocka_unit_test(test_not_a_path),
		cmocka_unit_test(test_unterminated_unbalanced),
		cmocka_unit_test(test_null_path),
		cmocka_unit_test(test_postmaster),
		cmocka_unit_test(test_source_route),
		cmocka_unit_test(test_quoted),
		cmocka_unit_test(test_dot_string),
		cmocka_unit_test(test_embedded_nul),
		cmocka_unit_test(test_domain),
		cmocka_unit_test(test_label_length),
		cmocka_unit_test(test_local_length),
		cmocka_unit_test(test_path_length),
		cmocka_unit_test(test_literal_ipv4),
		cmocka_unit_test(test_literal_ipv6),
		cmocka_unit_test(test_literal_general),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_utf8_malformed),
		cmocka_unit_test(test_utf8_limits),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_output_cleared),
		cmocka_unit_test(test_to_string),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_routing_chars),
		cmocka_unit_test(test_domain_eq),
		cmocka_unit_test(test_all_flag_combinations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
