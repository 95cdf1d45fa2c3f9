/* addr.h - RFC 5321 paths: the argument of MAIL FROM: and RCPT TO:.
 * Parses untrusted input (fuzzed by fuzz/fuzz_addr.c). Implements RFC 5321 4.1.2
 * (Path, Reverse-path, Forward-path, Mailbox, Local-part, Domain, address-literal)
 * and RFC 6531 3.3 (UTF-8 in local parts and domains when SMTPUTF8 was given). */
#ifndef TERN_ADDR_H
#define TERN_ADDR_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/limits.h"

enum addr_result {
	ADDR_OK = 0,
	ADDR_SYNTAX,       /* not a path at all: missing/unbalanced <>, bad characters -> 501 5.5.4 */
	ADDR_NOT_ALLOWED,  /* well-formed path whose mailbox is not allowed (too long,
	                      forbidden characters in an otherwise valid form) -> 553 5.1.3 */
	ADDR_SOURCE_ROUTE, /* <@a,@b:user@c>: well-formed but refused -> 553 5.1.3 */
	ADDR_NEEDS_UTF8,   /* non-ASCII without ADDR_F_UTF8 -> 553 5.6.7 */
};

enum addr_flags {
	ADDR_F_NULL_OK = 1 << 0,       /* "<>" is allowed (reverse-path) */
	ADDR_F_POSTMASTER_OK = 1 << 1, /* "<postmaster>" without domain is allowed (RCPT, 4.1.1.3) */
	ADDR_F_UTF8 = 1 << 2,          /* SMTPUTF8 was given: UTF-8 allowed (RFC 6531) */
};

struct addr_path {
	bool is_null;          /* "<>" */
	bool is_postmaster;    /* "<postmaster>" with no domain (any case) */
	bool local_quoted;     /* the local part was a Quoted-string that NEEDED quoting */
	bool domain_literal;   /* domain is an address-literal "[...]" */
	bool utf8;             /* contains octets >= 0x80 */
	/* Local part with quoting removed when the quoting was unnecessary
	 * ("bob" -> bob); when needed, the unescaped content (quoted-pairs resolved) */
	char local[ADDR_LOCAL_MAX + 1];
	size_t local_len;
	/* Domain as given (not lowercased), or the literal including brackets. Empty for
	 * null and bare postmaster. */
	char domain[ADDR_DOMAIN_MAX + 1];
	size_t domain_len;
};

/* Parse a path starting at s[0] (which must be '<'), up to len bytes. On ADDR_OK,
 * *consumed is the number of bytes up to and including the closing '>'.
 * No allocation; every output has a fixed bound from limits.h. */
enum addr_result addr_parse_path(const char *s, size_t len, unsigned flags, struct addr_path *out,
				 size_t *consumed);

/* Write "local@domain" (quoting the local part again if it needs it) into dst;
 * "" for the null path, "postmaster" for bare postmaster. Returns the length, or
 * -1 if dst (size dstsize) is too small. */
int addr_to_string(const struct addr_path *a, char *dst, size_t dstsize);

/* Does the local part contain a character used by old routing hacks ('%', '!', '@')? */
bool addr_has_routing_chars(const struct addr_path *a);

/* Case-insensitive ASCII domain comparison, ignoring one trailing dot. */
bool addr_domain_eq(const char *a, size_t alen, const char *b, size_t blen);

#endif
