/* utf8.h - validation of UTF-8 from untrusted input (RFC 3629 4): addresses and
 * parameters with SMTPUTF8, reply texts for tern explain. */
#ifndef TERN_UTF8_H
#define TERN_UTF8_H

#include <stddef.h>

/* Length of the well-formed UTF-8 sequence at p (at most avail octets are read), or 0 when
 * it is malformed: no overlong forms, no surrogates, nothing above U+10FFFF. ASCII is 1. */
size_t utf8_seq_len(const unsigned char *p, size_t avail);

/* Is the n-octet sequence at p a C1 control (U+0080..U+009F)? Valid UTF-8, but not safe to
 * show on a terminal or in a log. */
static inline int utf8_is_c1(const unsigned char *p, size_t n) { return n == 2 && p[0] == 0xc2 && p[1] < 0xa0; }

#endif
