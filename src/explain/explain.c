/* explain.c - parses SMTP replies and decides what they mean, from the tables of codes.h and
 * the provider phrases of patterns.def. Parses untrusted input (remote replies, `tern explain`
 * input): bounded, no allocation, fuzzed. RFC 5321 4.2, RFC 2034, RFC 3463. */
#include "explain/explain.h"
#include "lib/utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/util.h"

static bool explain_is_digit(char c) { return c >= '0' && c <= '9'; }

static void explain_note(struct explanation *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void explain_note(struct explanation *e, const char *fmt, ...)
{
	if (e->nnotes >= EXPLAIN_NOTES_MAX)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->notes[e->nnotes], EXPLAIN_NOTE_MAX, fmt, ap);
	va_end(ap);
	e->nnotes++;
}

/* Append reply text to e->text: tabs become spaces, other control bytes and invalid UTF-8
 * become '?', runs of spaces collapse, so the text is safe to print and to log. */
static void explain_text_append(struct explanation *e, const char *s, size_t len)
{
	size_t n = strlen(e->text);
	const size_t cap = sizeof(e->text) - 1;
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < len;) {
		size_t u = p[i] >= 0x80 ? utf8_seq_len(p + i, len - i) : 1;
		if (utf8_is_c1(p + i, u))
			u = 0; /* shown as '?' */
		size_t take = u ? u : 1;
		char c = (char)p[i];
		if (u == 0 || (u == 1 && (p[i] < 0x20 || p[i] == 0x7f)))
			c = (p[i] == '\t') ? ' ' : '?';
		if (c == ' ' && (n == 0 || e->text[n - 1] == ' ')) {
			i += take;
			continue;
		}
		if (take > cap - n || (u <= 1 && n >= cap)) {
			e->text_truncated = true;
			break;
		}
		if (u > 1)
			memcpy(e->text + n, s + i, u), n += u;
		else
			e->text[n++] = c;
		i += take;
	}
	e->text[n] = '\0';
}

/* Drop the trailing space that explain_text_append may leave between lines. */
static void explain_text_finish(struct explanation *e)
{
	size_t n = strlen(e->text);
	while (n > 0 && e->text[n - 1] == ' ')
		n--;
	e->text[n] = '\0';
}

int explain_parse_enhanced(const char *s, size_t len, int *cls, int *subject, int *detail)
{
	int parts[3];
	size_t i = 0;
	for (int k = 0; k < 3; k++) {
		size_t start = i;
		int v = 0;
		while (i < len && explain_is_digit(s[i]) && i - start < 3)
			v = v * 10 + (s[i++] - '0');
		if (i == start)
			return -1;
		parts[k] = v;
		if (k < 2) {
			if (i >= len || s[i] != '.')
				return -1;
			i++;
		}
	}
	/* RFC 3463 2: the class is one digit, 2, 4 or 5; nothing may stick to the code */
	if (s[1] != '.' || (parts[0] != 2 && parts[0] != 4 && parts[0] != 5))
		return -1;
	if (i < len && (explain_is_digit(s[i]) || s[i] == '.'))
		return -1;
	*cls = parts[0], *subject = parts[1], *detail = parts[2];
	return (int)i;
}

/* A reply code per RFC 5321 4.2: %x32-35 %x30-35 %x30-39. */
static bool explain_valid_code(int code)
{
	return code >= 200 && code <= 559 && (code / 10) % 10 <= 5;
}

/* The part of the reply that explains it: a basic code row, a registry row, a reason. */
struct explain_choice {
	const char *reason;
	const char *title;
	const char *meaning;
	const char *advice;
	const char *admin;
	const char *rfc;
	enum explain_source source;
};

static struct explain_choice explain_from_basic(const struct codes_basic *b)
{
	return (struct explain_choice){b->reason, b->title, b->meaning, b->advice, b->admin, b->rfc,
				       EXPLAIN_FROM_BASIC};
}

static struct explain_choice explain_from_entry(const struct codes_enhanced *x)
{
	return (struct explain_choice){x->reason, x->title, x->meaning, x->advice, x->admin, x->rfc,
				       EXPLAIN_FROM_ENHANCED};
}

/* Notes on codes that contradict each other or that the tables do not know. */
static void explain_check(struct explanation *e, int first)
{
	if (e->code != 0 && e->basic == NULL)
		explain_note(e, "%d is not a reply code of RFC 5321 or its extensions; it is explained "
				"by its digits", e->code);
	if (e->enh_class >= 0 && e->code != 0 && e->enh_class != first) {
		if (first == 3)
			explain_note(e, "a %d reply should carry no enhanced code (RFC 2034: only 2xx, "
					"4xx and 5xx replies do)", e->code);
		else
			explain_note(e, "inconsistent codes: %d says %s but %s says %s; mail servers act "
					"on the three-digit code (RFC 5321 4.2.1), so this is read as %s",
				     e->code, codes_class_phrase(first), e->enhanced,
				     codes_class_phrase(e->enh_class), codes_class_phrase(first));
	}
	if (e->enh_class >= 0 && e->entry == NULL) {
		if (codes_enh_subject(e->enh_subject) == NULL)
			explain_note(e, "%s: subject %d is not defined by RFC 3463; only its class is "
					"explained", e->enhanced, e->enh_subject);
		else
			explain_note(e, "%s is not in the IANA registry (a provider's own detail code); "
					"it is explained by its class and subject", e->enhanced);
	}
}

/* Decide the reason and the words. The codes come first; a provider phrase in the text may
 * overrule them as far as its priority allows (see patterns.def). */
static void explain_decide(struct explanation *e)
{
	int first = e->code ? e->code / 100 : e->enh_class;
	e->klass = codes_class_name(first);
	e->sent = first == 2;
	e->retry = first == 4;
	e->basic = e->code ? codes_basic(e->code) : NULL;
	if (e->enh_class >= 0) {
		e->entry = codes_enhanced(e->enh_subject, e->enh_detail);
		if (e->entry == NULL)
			e->subject_entry = codes_enhanced(e->enh_subject, 0);
	}
	explain_check(e, first);

	struct explain_choice c = {"other", codes_class_phrase(first), codes_first_digit(first), NULL,
				   NULL, NULL, EXPLAIN_FROM_CLASS};
	if (e->basic)
		c = explain_from_basic(e->basic);
	const struct codes_enhanced *x = e->entry ? e->entry : e->subject_entry;
	enum codes_strength strength = e->entry ? e->entry->strength : CODES_WEAK;
	if (x && (strength != CODES_WEAK || e->basic == NULL || e->basic->vague))
		c = explain_from_entry(x);

	if ((first == 4 || first == 5) && e->text[0]) {
		const struct patterns_row *p = patterns_match(e->text, strlen(e->text), first);
		bool apply = false;
		if (p && p->priority == PATTERNS_STRONG)
			apply = true;
		else if (p && p->priority == PATTERNS_NORMAL)
			apply = !(x && strength == CODES_SPECIFIC);
		else if (p && p->priority == PATTERNS_WEAK)
			apply = (x == NULL || strength == CODES_WEAK) && (e->basic == NULL || e->basic->vague);
		if (apply) {
			const struct codes_reason *r = codes_reason(p->reason);
			if (r) {
				if (x && strength == CODES_SPECIFIC && strcmp(x->reason, r->keyword) != 0)
					explain_note(e, "the text overrules %s (%s): receivers also use that code "
							"for other causes", e->enhanced, x->title);
				c = (struct explain_choice){r->keyword, p->label, r->meaning, NULL, NULL, NULL,
							    EXPLAIN_FROM_TEXT};
				e->pattern = p;
			}
		}
	}
	if (first == 2)
		c.reason = "ok";
	else if (first == 3)
		c.reason = "continue";

	const struct codes_reason *r = codes_reason(c.reason);
	if (r == NULL)
		r = codes_reason("other"); /* a table typo; tests/unit/test_explain.c catches it */
	bool plain = !strcmp(r->keyword, "ok") || !strcmp(r->keyword, "continue") || !strcmp(r->keyword, "other");
	e->reason = r->keyword;
	e->summary = plain && c.title && c.source != EXPLAIN_FROM_CLASS ? c.title : r->summary;
	e->title = c.title;
	e->meaning = c.meaning;
	e->advice = c.advice ? c.advice : r->advice;
	e->admin = c.admin ? c.admin : r->admin;
	if (first == 2 || first == 3) {
		/* no failure advice on a success (2.6.4 names the "content" reason); the basic
		 * code's own words stay (251: update the address) */
		e->advice = c.source == EXPLAIN_FROM_BASIC && c.advice ? c.advice : r->advice;
		e->admin = r->admin;
	}
	e->rfc = c.rfc;
	e->source = c.source;
	e->retry_when = e->retry ? (r->retry_when ? r->retry_when : codes_retry_default()) : NULL;
}

static void explain_init(struct explanation *e)
{
	memset(e, 0, sizeof(*e));
	e->enh_class = e->enh_subject = e->enh_detail = -1;
}

static void explain_set_enhanced(struct explanation *e, int cls, int subject, int detail)
{
	e->enh_class = cls, e->enh_subject = subject, e->enh_detail = detail;
	snprintf(e->enhanced, sizeof(e->enhanced), "%d.%d.%d", cls, subject, detail);
}

int explain_code(int code, const char *enhanced, const char *text, struct explanation *out)
{
	explain_init(out);
	if (code != 0 && !explain_valid_code(code))
		return -1;
	if (enhanced && *enhanced) {
		size_t len = strnlen(enhanced, 16);
		int c, s, d;
		if (explain_parse_enhanced(enhanced, len, &c, &s, &d) != (int)len)
			return -1;
		explain_set_enhanced(out, c, s, d);
	}
	if (code == 0 && out->enh_class < 0)
		return -1;
	out->code = code;
	if (text)
		explain_text_append(out, text, strnlen(text, EXPLAIN_INPUT_MAX));
	explain_text_finish(out);
	explain_decide(out);
	return 0;
}

int explain_enhanced_only(const char *enhanced, struct explanation *out)
{
	if (enhanced == NULL || *enhanced == '\0') {
		explain_init(out);
		return -1;
	}
	return explain_code(0, enhanced, NULL, out);
}

/* One line of a reply: code, separator ('-' more lines follow, ' ' or none: last line). */
static bool explain_code_line(const char *s, size_t len, int *code, char *sep)
{
	if (len < 3 || !explain_is_digit(s[0]) || !explain_is_digit(s[1]) || !explain_is_digit(s[2]))
		return false;
	if (len > 3 && s[3] != ' ' && s[3] != '-')
		return false;
	*code = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
	*sep = len > 3 ? s[3] : ' ';
	return true;
}

int explain_reply(const char *text, size_t len, struct explanation *out)
{
	explain_init(out);
	if (text == NULL)
		return -1;
	if (len > EXPLAIN_INPUT_MAX)
		len = EXPLAIN_INPUT_MAX;
	int code = 0;
	char last_sep = ' ';
	bool seen_final = false, noted_wrap = false, noted_codes = false, noted_enh = false, noted_after = false;
	size_t pos = 0;
	while (pos < len) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;
		pos += n + (nl ? 1 : 0);
		while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t'))
			n--;
		while (n > 0 && (line[0] == ' ' || line[0] == '\t'))
			line++, n--;
		if (n == 0)
			continue;
		int c;
		char sep;
		if (!explain_code_line(line, n, &c, &sep)) {
			if (out->nlines == 0)
				return -1;
			if (!noted_wrap) {
				explain_note(out, "a line without a reply code was read as part of the text");
				noted_wrap = true;
			}
			explain_text_append(out, " ", 1);
			explain_text_append(out, line, n);
			continue;
		}
		if (out->nlines == 0) {
			if (!explain_valid_code(c))
				return -1;
			code = c;
		} else if (c != code && !noted_codes) {
			if (explain_valid_code(c)) {
				explain_note(out, "the lines carry different codes (%d, then %d); RFC 5321 "
						  "4.2.1 wants one code, the last line's is used", code, c);
				code = c;
			} else {
				explain_note(out, "a later line carries an invalid code (%d); it was ignored", c);
			}
			noted_codes = true;
		}
		if (seen_final && !noted_after) {
			explain_note(out, "text follows the last line of the reply (the line without '-')");
			noted_after = true;
		}
		out->nlines++;
		last_sep = sep;
		seen_final = sep == ' ';
		const char *rest = line + (n > 3 ? 4 : 3);
		size_t rlen = n > 3 ? n - 4 : 0;
		int ec, es, ed;
		int used = explain_parse_enhanced(rest, rlen, &ec, &es, &ed);
		if (used > 0) {
			if (out->enh_class < 0) {
				explain_set_enhanced(out, ec, es, ed);
			} else if ((ec != out->enh_class || es != out->enh_subject || ed != out->enh_detail) &&
				   !noted_enh) {
				explain_note(out, "the lines carry different enhanced codes; the first one "
						  "(%s) is used", out->enhanced);
				noted_enh = true;
			}
			rest += used, rlen -= (size_t)used;
		}
		explain_text_append(out, " ", 1);
		explain_text_append(out, rest, rlen);
	}
	if (out->nlines == 0)
		return -1;
	if (last_sep == '-')
		explain_note(out, "the reply ends with a continuation line ('%d-'): it may be cut short", code);
	out->code = code;
	explain_text_finish(out);
	explain_decide(out);
	return 0;
}

bool explain_known(int code, const char *enhanced)
{
	if (code == 0 && (enhanced == NULL || *enhanced == '\0'))
		return false;
	if (code != 0 && (!explain_valid_code(code) || codes_basic(code) == NULL))
		return false;
	if (enhanced && *enhanced) {
		size_t len = strnlen(enhanced, 16);
		int c, s, d;
		if (explain_parse_enhanced(enhanced, len, &c, &s, &d) != (int)len)
			return false;
		if (codes_enhanced(s, d) == NULL)
			return false;
	}
	return true;
}

size_t explain_oneline(const struct explanation *e, char *dst, size_t dstsize)
{
	int first = e->code ? e->code / 100 : e->enh_class;
	const char *outcome = "accepted";
	if (first == 3)
		outcome = "in progress";
	else if (first == 4)
		outcome = "not sent yet, retry later";
	else if (first == 5)
		outcome = "not sent, do not retry";
	int n = snprintf(dst, dstsize, "%s: %s (%s); %s", codes_class_phrase(first) ? codes_class_phrase(first) : "unknown",
			 e->summary ? e->summary : "unknown", e->reason ? e->reason : "other", outcome);
	return n < 0 ? 0 : (size_t)n;
}

/* Add text to help lines, wrapped at spaces to EXPLAIN_HELP_LINE_MAX; continuation lines are
 * indented by two spaces. The texts are static ASCII, but anything unprintable is replaced. */
static void explain_help_add(char lines[][EXPLAIN_HELP_LINE_MAX + 1], size_t *n, size_t max, const char *prefix,
			     const char *text)
{
	char buf[1024];
	snprintf(buf, sizeof(buf), "%s%s", prefix, text);
	const char *p = buf;
	bool first = true;
	while (*p && *n < max) {
		const char *indent = first ? "" : "  ";
		size_t room = EXPLAIN_HELP_LINE_MAX - strlen(indent);
		size_t len = strlen(p);
		size_t take = len;
		if (len > room) {
			take = room;
			while (take > 0 && p[take] != ' ')
				take--;
			if (take == 0)
				take = room;
		}
		char *dst = lines[*n];
		size_t k = str_copy(dst, indent, EXPLAIN_HELP_LINE_MAX + 1);
		for (size_t i = 0; i < take; i++) {
			unsigned char ch = (unsigned char)p[i];
			dst[k++] = (ch < 0x20 || ch >= 0x7f) ? '?' : (char)ch;
		}
		dst[k] = '\0';
		(*n)++;
		p += take;
		while (*p == ' ')
			p++;
		first = false;
	}
}

size_t explain_help_lines(int code, char lines[][EXPLAIN_HELP_LINE_MAX + 1], size_t max)
{
	const struct codes_basic *b = explain_valid_code(code) ? codes_basic(code) : NULL;
	if (b == NULL || max == 0)
		return 0;
	struct explanation e;
	explain_code(code, NULL, NULL, &e);
	int d1 = code / 100, d2 = (code / 10) % 10, d3 = code % 10;
	char prefix[64];
	size_t n = 0;
	snprintf(prefix, sizeof(prefix), "%d: ", code);
	explain_help_add(lines, &n, max, prefix, b->title);
	explain_help_add(lines, &n, max, "Meaning: ", b->meaning);
	snprintf(prefix, sizeof(prefix), "First digit %d: ", d1);
	explain_help_add(lines, &n, max, prefix, codes_first_digit(d1));
	snprintf(prefix, sizeof(prefix), "Second digit %d: ", d2);
	explain_help_add(lines, &n, max, prefix, codes_second_digit(d2));
	snprintf(prefix, sizeof(prefix), "Third digit %d: ", d3);
	explain_help_add(lines, &n, max, prefix, "the exact case within that group, as named on the first line");
	if (d1 == 4)
		explain_help_add(lines, &n, max, "Retry: yes, it may work later. ", codes_retry_default());
	else if (d1 == 5)
		explain_help_add(lines, &n, max, "Retry: no, ", "the same request fails the same way until something changes.");
	else
		explain_help_add(lines, &n, max, "Retry: ", "not needed, this is not a failure.");
	explain_help_add(lines, &n, max, "What to do: ", e.advice);
	return n;
}
