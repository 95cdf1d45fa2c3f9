/* msghdr.h - the header section of an Internet message (RFC 5322 2.2, 3.6): iterate its
 * fields (with folding), and pull the addr-specs out of an address-list field (To, Cc, Bcc:
 * RFC 5322 3.4, with display names, comments, quoted strings and groups). Parses untrusted
 * input (messages from clients and local programs); fuzzed by fuzz/fuzz_msghdr.c. */
#ifndef TERN_MSGHDR_H
#define TERN_MSGHDR_H

#include <stdbool.h>
#include <stddef.h>

struct msghdr_field {
	const char *name; /* points into the message */
	size_t name_len;
	const char *value; /* after the ':', folded lines included, without the final line end */
	size_t value_len;
	size_t start, end; /* the whole field in the message, its last line end included */
};

struct msghdr_iter {
	const char *data;
	size_t len;
	size_t off;
	bool done;
};

void msghdr_iter_init(struct msghdr_iter *it, const char *data, size_t len);
/* The next field: 1, or 0 at the end of the header section. Then it->off is where the header
 * section ended: at the empty line that separates the body (not consumed), at the first line
 * that is not a field, or at len. Lines end with LF or CRLF. */
int msghdr_next(struct msghdr_iter *it, struct msghdr_field *f);
/* Is there a field with this name (any case) in the header section? */
bool msghdr_has(const char *data, size_t len, const char *name);
bool msghdr_name_is(const struct msghdr_field *f, const char *name);

typedef void (*msghdr_addr_cb)(void *arg, const char *addr, size_t len);
/* Call cb for every addr-spec in an address-list value (at most 320 octets each; longer
 * ones are skipped). Returns the number of addresses passed to cb. */
size_t msghdr_addresses(const char *value, size_t len, msghdr_addr_cb cb, void *arg);

#endif
