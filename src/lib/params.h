/* params.h - ESMTP parameters after the path of MAIL and RCPT (RFC 5321 4.1.2:
 * esmtp-param = esmtp-keyword ["=" esmtp-value], separated by single SP).
 * Parses untrusted input (fuzzed by fuzz/fuzz_params.c). Splits only; the meaning of
 * each keyword (SIZE, BODY, SMTPUTF8, AUTH...) is decided by the command handler. */
#ifndef TERN_PARAMS_H
#define TERN_PARAMS_H

#include <stdbool.h>
#include <stddef.h>

#define PARAMS_MAX 16 /* more parameters than this on one command is a syntax error */

struct esmtp_param {
	const char *key;   /* points into the input, not terminated */
	size_t key_len;
	const char *value; /* NULL when there is no "=" */
	size_t value_len;
};

/* Split s[0..len) (the text after the path's '>', possibly starting with spaces) into
 * params. Returns the count (0..PARAMS_MAX) or -1 on a syntax error: a keyword that is
 * not ALPHA/DIGIT then ALPHA/DIGIT/'-', an empty or malformed value (esmtp-value is
 * %d33-60 / %d62-126, plus UTF-8 when utf8 is true), or too many params. Repeated
 * spaces between parameters are tolerated. */
int params_split(const char *s, size_t len, bool utf8, struct esmtp_param *out, size_t max);

/* Keyword comparison, case-insensitive (RFC 5321 2.4). */
bool params_key_is(const struct esmtp_param *p, const char *key);

#endif
