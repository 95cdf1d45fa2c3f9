/* base64.h - strict base64 (RFC 4648 4) for the AUTH exchange (RFC 4954 4): decode rejects
 * anything that is not whole, padded groups of the standard alphabet. Decodes untrusted
 * input; fuzzed by fuzz/fuzz_auth.c. */
#ifndef TERN_BASE64_H
#define TERN_BASE64_H

#include <stddef.h>

/* Bytes needed to decode len characters (an upper bound). */
#define BASE64_DECODED_MAX(len) ((len) / 4 * 3)
/* Characters needed to encode len bytes, with the NUL. */
#define BASE64_ENCODED_SIZE(len) (((len) + 2) / 3 * 4 + 1)

/* Decode src[0..len) into dst (dstsize bytes); returns the decoded length, or -1 if the input
 * is not strict base64 (length not a multiple of 4, a character outside the alphabet,
 * misplaced '=') or does not fit. */
long base64_decode(const char *src, size_t len, unsigned char *dst, size_t dstsize);
/* The value 0-63 of one character of the standard alphabet, or -1 (MIME decoders that skip
 * line breaks and stray characters, RFC 2045 6.8, use this directly). */
int base64_value(unsigned char c);
/* Encode into dst (NUL-terminated); returns the length, or -1 if dstsize is too small. */
long base64_encode(const unsigned char *src, size_t len, char *dst, size_t dstsize);

#endif
