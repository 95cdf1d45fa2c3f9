/* params.c - split the ESMTP parameters of MAIL and RCPT into keyword/value pairs (params.h).
 * Parses untrusted input: forward-only over (pointer, length), no allocation, the results
 * point into the input; fuzzed by fuzz/fuzz_params.c. RFC 5321 4.1.2; RFC 6531 3.3; RFC 3629 4. */
#include "lib/params.h"
#include "lib/utf8.h"

#include <string.h>

#include "lib/util.h"

static bool params_is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* esmtp-param = esmtp-keyword ["=" esmtp-value]
 * esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")
 * esmtp-value = 1*(%d33-60 / %d62-126), =/ UTF8-non-ascii after SMTPUTF8 (RFC 6531 3.3)
 * Mail-parameters = esmtp-param *(SP esmtp-param) (RFC 5321 4.1.2). We accept runs of SP
 * before, between and after the parameters: clients that send a trailing space exist and
 * nothing is ambiguous about it. Any other separator (HT, CR, LF, NUL) is a syntax error. */
int params_split(const char *s, size_t len, bool utf8, struct esmtp_param *out, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t limit = max < PARAMS_MAX ? max : PARAMS_MAX;
	size_t count = 0;
	size_t pos = 0;

	if (s == NULL)
		len = 0;
	for (;;) {
		struct esmtp_param param;
		size_t start;

		while (pos < len && p[pos] == ' ')
			pos++;
		if (pos == len)
			break;

		start = pos;
		if (!params_is_alnum(p[pos]))
			return -1;
		while (pos < len && (params_is_alnum(p[pos]) || p[pos] == '-'))
			pos++;
		param.key = s + start;
		param.key_len = pos - start;
		param.value = NULL;
		param.value_len = 0;

		if (pos < len && p[pos] == '=') {
			pos++;
			start = pos;
			while (pos < len && p[pos] != ' ') {
				if (p[pos] >= 0x80) {
					size_t seq = utf8 ? utf8_seq_len(p + pos, len - pos) : 0;
					if (seq == 0)
						return -1;
					pos += seq;
				} else if (p[pos] >= 33 && p[pos] <= 126 && p[pos] != '=') {
					pos++;
				} else {
					return -1;
				}
			}
			if (pos == start)
				return -1; /* "KEY=" : esmtp-value is 1*... */
			param.value = s + start;
			param.value_len = pos - start;
		}
		if (pos < len && p[pos] != ' ')
			return -1; /* a character no keyword or value may hold */
		if (count == limit)
			return -1; /* too many */
		out[count++] = param;
	}
	return (int)count;
}

bool params_key_is(const struct esmtp_param *p, const char *key)
{
	/* Keywords are ALPHA/DIGIT/"-" only, so ASCII case folding is all there is (RFC 5321 2.4). */
	return p->key != NULL && mem_ieq(p->key, p->key_len, key, strlen(key));
}
