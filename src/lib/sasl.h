/* sasl.h - the PLAIN mechanism's message (RFC 4616 2): [authzid] NUL authcid NUL passwd.
 * Parses untrusted (decoded) bytes; fuzzed by fuzz/fuzz_auth.c. */
#ifndef TERN_SASL_H
#define TERN_SASL_H

#include <stddef.h>

#define SASL_FIELD_MAX 255 /* RFC 4616 2: each field is at most 255 octets */

struct sasl_plain {
	const char *authzid, *authcid, *passwd; /* point into the message; not NUL-terminated */
	size_t authzid_len, authcid_len, passwd_len;
};

/* Split a decoded PLAIN message. -1 unless it has exactly two NULs, a non-empty authcid and
 * passwd, and every field within SASL_FIELD_MAX. */
int sasl_plain_parse(const unsigned char *msg, size_t len, struct sasl_plain *out);

#endif
