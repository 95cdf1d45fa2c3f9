/* fuzz_addr.c - libFuzzer target for addr_parse_path and addr_to_string (src/lib/addr.c).
 * Feeds untrusted bytes, unterminated, under every flag combination, and aborts when an
 * invariant breaks. RFC 5321 4.1.2 / 4.5.3.1, RFC 6531 3.3. Built by scripts/fuzz.sh. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz_addr: invariant broken: %s\n", what);
		abort();
	}
}

static void check_terminated(const char *s, size_t len, size_t cap)
{
	check(len <= cap, "length within its bound");
	check(s[len] == '\0', "string terminated at its length");
	check(memchr(s, '\0', len) == NULL, "no NUL inside the string");
}

static void check_one(const char *s, size_t size, unsigned flags)
{
	struct addr_path a, b;
	size_t consumed = (size_t)-1;
	char out[ADDR_MAILBOX_MAX + 3]; /* + quotes/escapes: the canonical local part fits in 64 */
	char wrapped[ADDR_MAILBOX_MAX + 8];
	enum addr_result r = addr_parse_path(s, size, flags, &a, &consumed);

	check(r <= ADDR_NEEDS_UTF8, "known result");
	if (r == ADDR_SYNTAX) {
		check(consumed == 0, "consumed is 0 after ADDR_SYNTAX");
	} else {
		check(consumed <= size, "consumed <= len");
		check(consumed >= 2, "a path is at least \"<>\"");
		check(s[0] == '<' && s[consumed - 1] == '>', "consumed ends right after '>'");
		/* '>' can only hide inside a quoted string or a General-address-literal */
		if (r == ADDR_OK && memchr(s, '"', consumed) == NULL)
			check(memchr(s, '>', consumed) == s + consumed - 1, "the first '>' ends the path");
	}
	check(a.local_len <= ADDR_LOCAL_MAX, "local_len <= 64");
	check(a.domain_len <= ADDR_DOMAIN_MAX, "domain_len <= 255");
	check_terminated(a.local, a.local_len, ADDR_LOCAL_MAX);
	check_terminated(a.domain, a.domain_len, ADDR_DOMAIN_MAX);
	if (r != ADDR_OK) {
		check(a.local_len == 0 && a.domain_len == 0 && !a.is_null && !a.is_postmaster,
		      "output cleared on refusal");
		return;
	}

	check(consumed <= ADDR_PATH_MAX, "path within 256 octets");
	check(!a.is_null || (flags & ADDR_F_NULL_OK), "null only when allowed");
	check(!a.is_postmaster || (flags & ADDR_F_POSTMASTER_OK), "postmaster only when allowed");
	check(!a.utf8 || (flags & ADDR_F_UTF8), "UTF-8 only when allowed");
	check(a.is_null == (consumed == 2), "\"<>\" is the null path");
	if (!a.is_null)
		check(a.local_len > 0, "no empty local part");
	check(a.is_postmaster == (!a.is_null && a.domain_len == 0), "only postmaster lacks a domain");
	if (!a.utf8) {
		for (size_t i = 0; i < a.local_len; i++)
			check((unsigned char)a.local[i] < 0x80, "ASCII local part when !utf8");
		for (size_t i = 0; i < a.domain_len; i++)
			check((unsigned char)a.domain[i] < 0x80, "ASCII domain when !utf8");
	}
	if (a.domain_literal)
		check(a.domain_len >= 3 && a.domain[0] == '[' && a.domain[a.domain_len - 1] == ']',
		      "literal keeps its brackets");
	if (a.domain_len > 0)
		check(addr_domain_eq(a.domain, a.domain_len, a.domain, a.domain_len), "domain equals itself");

	int n = addr_to_string(&a, out, sizeof(out));
	check(n >= 0, "addr_to_string fits in a mailbox-sized buffer");
	check(out[n] == '\0' && strlen(out) == (size_t)n, "addr_to_string terminates its output");
	if (n > 0) {
		/* one octet short must fail cleanly */
		char small[ADDR_MAILBOX_MAX + 3];
		check(addr_to_string(&a, small, (size_t)n) == -1 && small[0] == '\0', "short buffer refused");
	}

	/* Round trip: "<" + printed form + ">" parses to the same parts. */
	wrapped[0] = '<';
	memcpy(wrapped + 1, out, (size_t)n);
	wrapped[n + 1] = '>';
	size_t wlen = (size_t)n + 2;
	size_t consumed2 = 0;
	enum addr_result r2 = addr_parse_path(wrapped, wlen, flags, &b, &consumed2);
	check(r2 == ADDR_OK, "printed form parses again");
	check(consumed2 == wlen, "printed form consumed whole");
	check(wlen <= consumed, "printed form is no longer than the input");
	check(a.local_len == b.local_len && memcmp(a.local, b.local, a.local_len) == 0, "same local part");
	check(a.domain_len == b.domain_len && memcmp(a.domain, b.domain, a.domain_len) == 0, "same domain");
	check(a.local_quoted == b.local_quoted && a.is_null == b.is_null && a.is_postmaster == b.is_postmaster &&
		      a.domain_literal == b.domain_literal && a.utf8 == b.utf8,
	      "same flags");
	check(addr_has_routing_chars(&a) == addr_has_routing_chars(&b), "same routing verdict");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum addr_result by_flags[8];
	const char *s = (const char *)data;

	for (unsigned flags = 0; flags < 8; flags++) {
		struct addr_path a;
		size_t consumed;
		check_one(s, size, flags);
		by_flags[flags] = addr_parse_path(s, size, flags, &a, &consumed);
	}
	/* Flags only widen what is accepted, and only in their own area. */
	for (unsigned flags = 0; flags < 8; flags++) {
		enum addr_result r = by_flags[flags];
		enum addr_result with_utf8 = by_flags[flags | ADDR_F_UTF8];
		if (r == ADDR_OK)
			check(with_utf8 == ADDR_OK, "UTF8 flag does not refuse an accepted path");
		if (r == ADDR_NEEDS_UTF8)
			check(with_utf8 == ADDR_OK, "NEEDS_UTF8 becomes OK with the flag");
		if (r == ADDR_SOURCE_ROUTE || r == ADDR_NOT_ALLOWED)
			check(by_flags[7] == r, "refusals do not depend on the flags");
	}
	return 0;
}
