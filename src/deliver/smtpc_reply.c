/* smtpc_reply.c - the reply parser of the outbound client (see smtpc_reply.h): a pure
 * function over the bytes received so far, bounded by SMTPC_REPLY_LINE_MAX per line and
 * SMTPC_REPLY_LINES_MAX lines. Untrusted input. RFC 5321 4.2, RFC 2034, RFC 1870. */
#include "deliver/smtpc_reply.h"

#include <string.h>

#include "lib/util.h"

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* Append s[0..n) to the one-line text, control bytes as '?', keeping room for the NUL. */
static void text_add(struct smtpc_reply *r, size_t *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n && *o < sizeof(r->text) - 1; i++) {
		unsigned char c = (unsigned char)s[i];
		r->text[(*o)++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	r->text[*o] = '\0';
}

/* The length of an enhanced code "c.s.d " at the start of s (RFC 3463: class 2/4/5,
 * 1-3 digits each), including the space after it; 0 if there is none. */
static size_t enhanced_len(const char *s, size_t n)
{
	size_t i = 0;
	if (n < 6 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.')
		return 0;
	i = 2;
	for (int part = 0; part < 2; part++) {
		size_t start = i;
		while (i < n && is_digit(s[i]) && i - start < 4)
			i++;
		if (i == start || i - start > 3)
			return 0;
		if (part == 0) {
			if (i >= n || s[i] != '.')
				return 0;
			i++;
		}
	}
	if (i < n && s[i] != ' ')
		return 0;
	return i < n ? i + 1 : i;
}

static bool kw(const char *s, size_t n, const char *word)
{
	size_t w = strlen(word);
	return n >= w && mem_ieq(s, w, word, w) && (n == w || s[w] == ' ');
}

static void ehlo_keyword(struct smtpc_reply *r, const char *s, size_t n)
{
	if (kw(s, n, "PIPELINING"))
		r->ext |= SMTPC_EXT_PIPELINING;
	else if (kw(s, n, "8BITMIME"))
		r->ext |= SMTPC_EXT_8BITMIME;
	else if (kw(s, n, "STARTTLS"))
		r->ext |= SMTPC_EXT_STARTTLS;
	else if (kw(s, n, "SMTPUTF8"))
		r->ext |= SMTPC_EXT_SMTPUTF8;
	else if (kw(s, n, "ENHANCEDSTATUSCODES"))
		r->ext |= SMTPC_EXT_ENHANCED;
	else if (kw(s, n, "SIZE")) {
		r->ext |= SMTPC_EXT_SIZE;
		uint64_t v;
		/* RFC 1870: "SIZE" [SP 1*20DIGIT]; 0 or no number means no fixed limit */
		if (n > 5 && parse_u64(s + 5, n - 5, UINT64_MAX, &v) == 0)
			r->size_limit = v;
	}
}

enum smtpc_reply_status smtpc_reply_parse(const char *p, size_t len, struct smtpc_reply *out, size_t *used)
{
	memset(out, 0, sizeof(*out));
	size_t off = 0, o = 0;
	for (;;) {
		const char *lf = memchr(p + off, '\n', len - off);
		size_t avail = lf ? (size_t)(lf - (p + off)) + 1 : len - off;
		if (avail > SMTPC_REPLY_LINE_MAX)
			return SMTPC_REPLY_BAD;
		if (lf == NULL)
			return SMTPC_REPLY_INCOMPLETE;
		const char *line = p + off;
		size_t n = avail - 1; /* without LF */
		if (n > 0 && line[n - 1] == '\r')
			n--;
		if (n < 3 || !is_digit(line[0]) || !is_digit(line[1]) || !is_digit(line[2]) || line[0] < '1' ||
		    line[0] > '5')
			return SMTPC_REPLY_BAD;
		int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
		if (n > 3 && line[3] != ' ' && line[3] != '-')
			return SMTPC_REPLY_BAD;
		if (out->nlines == 0)
			out->code = code;
		else if (code != out->code)
			return SMTPC_REPLY_BAD; /* RFC 5321 4.2.1: every line carries the same code */
		if (++out->nlines > SMTPC_REPLY_LINES_MAX)
			return SMTPC_REPLY_BAD;
		const char *t = n > 4 ? line + 4 : line + n;
		size_t tn = n > 4 ? n - 4 : 0;
		size_t e = enhanced_len(t, tn);
		if (out->nlines == 1) {
			text_add(out, &o, line, 3);
			if (e > 0 && (size_t)(t[0] - '0') == (size_t)(code / 100)) {
				size_t el = t[e - 1] == ' ' ? e - 1 : e;
				memcpy(out->enhanced, t, el < sizeof(out->enhanced) ? el : sizeof(out->enhanced) - 1);
			}
			if (tn > 0) {
				text_add(out, &o, " ", 1);
				text_add(out, &o, t, tn);
			}
		} else {
			ehlo_keyword(out, t, tn);
			/* continuation lines repeat the enhanced code (RFC 2034); keep it once */
			if (e > 0 && out->enhanced[0] && strlen(out->enhanced) == (t[e - 1] == ' ' ? e - 1 : e) &&
			    memcmp(t, out->enhanced, strlen(out->enhanced)) == 0) {
				t += e;
				tn -= e;
			}
			if (tn > 0) {
				text_add(out, &o, " ", 1);
				text_add(out, &o, t, tn);
			}
		}
		off += avail;
		if (n <= 3 || line[3] == ' ') {
			*used = off;
			return SMTPC_REPLY_OK;
		}
		if (off == len)
			return SMTPC_REPLY_INCOMPLETE;
	}
}
