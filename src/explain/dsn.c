/* dsn.c - finds and reads the delivery-status part of a bounce and explains each recipient.
 * Parses untrusted input (bounded, fuzzed by fuzz/fuzz_dsn.c). RFC 3464, RFC 6522, RFC 6533,
 * RFC 2045/2046 (MIME, base64, quoted-printable). */
#include "explain/dsn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base64.h"
#include "lib/util.h"

/* Security notes: every read is bounded by the input's end, field values are cut to fixed
 * sizes, MIME nesting stops at DSN_DEPTH_MAX, recipients at DSN_RECIPIENTS_MAX, and the only
 * allocation is one decoded copy of a base64 or quoted-printable part, never larger than it. */

struct dsn_walk {
	struct dsn_report *report;
	int (*fn)(const struct dsn_report *, const struct dsn_recipient *, void *);
	void *ctx;
	int count;
	bool found;
	bool stop;
};

static char dsn_lower(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c; }

static bool dsn_is_space(char c) { return c == ' ' || c == '\t'; }

/* Case-insensitive: does s[0..len) start with the lower-case word w? */
static bool dsn_starts(const char *s, size_t len, const char *w)
{
	size_t n = strlen(w);
	if (n > len)
		return false;
	for (size_t i = 0; i < n; i++)
		if (dsn_lower(s[i]) != w[i])
			return false;
	return true;
}

static bool dsn_ieq(const char *s, size_t len, const char *w) { return len == strlen(w) && dsn_starts(s, len, w); }

/* One line at p: its length without CR/LF; *next is the start of the next line. */
static size_t dsn_line(const char *p, const char *end, const char **next)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	const char *stop = nl ? nl : end;
	*next = nl ? nl + 1 : end;
	size_t n = (size_t)(stop - p);
	while (n > 0 && p[n - 1] == '\r')
		n--;
	return n;
}

/* Append s[0..n) to dst (size dstsize, kept terminated), cutting what does not fit. */
static void dsn_append(char *dst, size_t dstsize, size_t *used, const char *s, size_t n)
{
	if (*used + 1 >= dstsize)
		return;
	size_t room = dstsize - 1 - *used;
	if (n > room)
		n = room;
	memcpy(dst + *used, s, n);
	*used += n;
	dst[*used] = '\0';
}

/* Read one header field at *pos (RFC 5322 2.2, unfolding 2.2.3): name span and value, with
 * folds joined by one space, trimmed. Returns 1 for a field, 0 for a blank line or the end
 * (consumed), -1 for a line that is no field (not consumed). */
static int dsn_field(const char **pos, const char *end, const char **name, size_t *name_len, char *value,
		     size_t vsize)
{
	if (*pos >= end)
		return 0;
	const char *next;
	const char *line = *pos;
	size_t n = dsn_line(line, end, &next);
	if (n == 0) {
		*pos = next;
		return 0;
	}
	const char *colon = memchr(line, ':', n);
	if (colon == NULL || colon == line || dsn_is_space(line[0]))
		return -1;
	for (const char *q = line; q < colon; q++)
		if ((unsigned char)*q <= ' ' || (unsigned char)*q >= 0x7f)
			return -1;
	*name = line;
	*name_len = (size_t)(colon - line);
	size_t used = 0;
	value[0] = '\0';
	const char *v = colon + 1;
	size_t vlen = n - (size_t)(v - line);
	for (;;) {
		while (vlen > 0 && dsn_is_space(*v))
			v++, vlen--;
		while (vlen > 0 && dsn_is_space(v[vlen - 1]))
			vlen--;
		if (vlen > 0) {
			if (used > 0)
				dsn_append(value, vsize, &used, " ", 1);
			dsn_append(value, vsize, &used, v, vlen);
		}
		*pos = next;
		if (next >= end || !dsn_is_space(*next))
			break;
		v = next;
		vlen = dsn_line(next, end, &next);
	}
	return 1;
}

/* "rfc822; bob@example.org" -> "bob@example.org": the part after the first ';', trimmed. With
 * type non-NULL the part before it goes there. */
static void dsn_typed(const char *value, char *type, size_t typesize, char *dst, size_t dstsize)
{
	const char *semi = strchr(value, ';');
	const char *v = semi ? semi + 1 : value;
	if (type) {
		size_t tl = semi ? (size_t)(semi - value) : 0;
		while (tl > 0 && dsn_is_space(value[tl - 1]))
			tl--;
		size_t used = 0;
		type[0] = '\0';
		dsn_append(type, typesize, &used, value, tl);
	}
	while (dsn_is_space(*v))
		v++;
	str_copy(dst, v, dstsize);
}

/* The first word of value, lower-cased: "Failed (bad)" -> "failed". */
static void dsn_word(const char *value, char *dst, size_t dstsize)
{
	size_t n = 0;
	while (value[n] && !dsn_is_space(value[n]) && value[n] != '(' && value[n] != ';' && n + 1 < dstsize) {
		dst[n] = dsn_lower(value[n]);
		n++;
	}
	dst[n] = '\0';
}

static void dsn_emit(struct dsn_walk *w, struct dsn_recipient *r, bool *have)
{
	if (*have && !w->stop) {
		if (w->count >= DSN_RECIPIENTS_MAX) {
			w->stop = true;
		} else {
			r->index = (size_t)w->count++;
			if (w->fn && w->fn(w->report, r, w->ctx) != 0)
				w->stop = true;
		}
	}
	memset(r, 0, sizeof(*r));
	*have = false;
}

/* The body of a delivery-status part: a per-message group, then per-recipient groups,
 * separated by blank lines (RFC 3464 2.1). Tolerated: groups that run together (a second
 * Final-Recipient starts a new recipient) and lines that are no field (skipped). */
static void dsn_fields(struct dsn_walk *w, const char *p, const char *end)
{
	struct dsn_recipient r;
	char value[DSN_DIAG_MAX];
	bool have = false;
	memset(&r, 0, sizeof(r));
	w->found = true;
	while (p < end && !w->stop) {
		const char *name;
		size_t nl;
		int rc = dsn_field(&p, end, &name, &nl, value, sizeof(value));
		if (rc == 0) {
			dsn_emit(w, &r, &have);
			continue;
		}
		if (rc < 0) {
			const char *next;
			dsn_line(p, end, &next);
			p = next;
			continue;
		}
		if (dsn_ieq(name, nl, "reporting-mta")) {
			dsn_typed(value, NULL, 0, w->report->reporting_mta, sizeof(w->report->reporting_mta));
		} else if (dsn_ieq(name, nl, "arrival-date")) {
			str_copy(w->report->arrival_date, value, sizeof(w->report->arrival_date));
		} else if (dsn_ieq(name, nl, "original-envelope-id")) {
			str_copy(w->report->envelope_id, value, sizeof(w->report->envelope_id));
		} else if (dsn_ieq(name, nl, "final-recipient")) {
			if (r.final_recipient[0])
				dsn_emit(w, &r, &have);
			dsn_typed(value, NULL, 0, r.final_recipient, sizeof(r.final_recipient));
			have = true;
		} else if (dsn_ieq(name, nl, "original-recipient")) {
			dsn_typed(value, NULL, 0, r.original_recipient, sizeof(r.original_recipient));
			have = true;
		} else if (dsn_ieq(name, nl, "action")) {
			dsn_word(value, r.action, sizeof(r.action));
			have = true;
		} else if (dsn_ieq(name, nl, "status")) {
			dsn_word(value, r.status, sizeof(r.status));
			have = true;
		} else if (dsn_ieq(name, nl, "remote-mta")) {
			dsn_typed(value, NULL, 0, r.remote_mta, sizeof(r.remote_mta));
			have = true;
		} else if (dsn_ieq(name, nl, "diagnostic-code")) {
			dsn_typed(value, r.diagnostic_type, sizeof(r.diagnostic_type), r.diagnostic, sizeof(r.diagnostic));
			have = true;
		} else if (dsn_ieq(name, nl, "last-attempt-date")) {
			str_copy(r.last_attempt, value, sizeof(r.last_attempt));
		} else if (dsn_ieq(name, nl, "will-retry-until")) {
			str_copy(r.will_retry_until, value, sizeof(r.will_retry_until));
		}
	}
	if (!w->stop)
		dsn_emit(w, &r, &have);
}

static int dsn_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = dsn_lower(c);
	return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

/* Decode a base64 (RFC 2045 6.8) or quoted-printable (6.7) body into dst, which has room for
 * len bytes (decoding never grows). Returns the decoded length. */
static size_t dsn_decode(const char *p, size_t len, bool base64, char *dst)
{
	size_t n = 0;
	if (base64) {
		unsigned acc = 0;
		int bits = 0;
		for (size_t i = 0; i < len && p[i] != '='; i++) {
			int v = base64_value((unsigned char)p[i]);
			if (v < 0)
				continue;
			acc = ((acc << 6) | (unsigned)v) & 0xffffff;
			bits += 6;
			if (bits >= 8) {
				bits -= 8;
				dst[n++] = (char)((acc >> bits) & 0xff);
			}
		}
		return n;
	}
	for (size_t i = 0; i < len; i++) {
		if (p[i] == '=' && i + 2 < len && dsn_hex(p[i + 1]) >= 0 && dsn_hex(p[i + 2]) >= 0) {
			dst[n++] = (char)(dsn_hex(p[i + 1]) * 16 + dsn_hex(p[i + 2]));
			i += 2;
		} else if (p[i] == '=' && i + 1 < len && (p[i + 1] == '\n' || p[i + 1] == '\r')) {
			i++; /* soft line break */
			if (p[i] == '\r' && i + 1 < len && p[i + 1] == '\n')
				i++;
		} else {
			dst[n++] = p[i];
		}
	}
	return n;
}

static void dsn_status_part(struct dsn_walk *w, const char *p, const char *end, const char *cte)
{
	bool b64 = dsn_ieq(cte, strlen(cte), "base64");
	bool qp = dsn_ieq(cte, strlen(cte), "quoted-printable");
	if (!b64 && !qp) {
		dsn_fields(w, p, end);
		return;
	}
	size_t len = (size_t)(end - p);
	char *dst = xmalloc(len + 1);
	size_t n = dsn_decode(p, len, b64, dst);
	dsn_fields(w, dst, dst + n);
	free(dst);
}

/* The value of parameter name (lower case) in a Content-Type value (RFC 2045 5.1): a token
 * or a quoted string. Returns false if absent. */
static bool dsn_param(const char *ctype, const char *name, char *dst, size_t dstsize)
{
	size_t nlen = strlen(name);
	const char *p = strchr(ctype, ';');
	while (p) {
		p++;
		while (dsn_is_space(*p))
			p++;
		if (dsn_starts(p, strlen(p), name)) {
			const char *q = p + nlen;
			while (dsn_is_space(*q))
				q++;
			if (*q == '=') {
				q++;
				while (dsn_is_space(*q))
					q++;
				size_t used = 0;
				dst[0] = '\0';
				if (*q == '"') {
					for (q++; *q && *q != '"'; q++) {
						if (*q == '\\' && q[1])
							q++;
						dsn_append(dst, dstsize, &used, q, 1);
					}
				} else {
					size_t n = strcspn(q, "; \t");
					dsn_append(dst, dstsize, &used, q, n);
				}
				return used > 0;
			}
		}
		p = strchr(p, ';');
	}
	return false;
}

static void dsn_entity(struct dsn_walk *w, const char *p, const char *end, int depth);

/* The parts of a multipart body (RFC 2046 5.1.1): between "--boundary" lines, up to
 * "--boundary--". An unterminated last part is still read. */
static void dsn_multipart(struct dsn_walk *w, const char *p, const char *end, const char *boundary, int depth)
{
	size_t blen = strlen(boundary);
	const char *part = NULL;
	while (p < end && !w->stop) {
		const char *next;
		size_t n = dsn_line(p, end, &next);
		if (n >= 2 + blen && p[0] == '-' && p[1] == '-' && memcmp(p + 2, boundary, blen) == 0) {
			const char *rest = p + 2 + blen;
			size_t rlen = n - 2 - blen;
			bool close = rlen >= 2 && rest[0] == '-' && rest[1] == '-';
			size_t k = close ? 2 : 0;
			while (k < rlen && dsn_is_space(rest[k]))
				k++;
			if (k == rlen) {
				if (part)
					dsn_entity(w, part, p, depth + 1);
				if (close)
					return;
				part = next;
			}
		}
		p = next;
	}
	if (part && !w->stop)
		dsn_entity(w, part, end, depth + 1);
}

/* One MIME entity: its header, then by Content-Type: a delivery-status body, or the parts of
 * a multipart. Anything else (the returned message, text parts) is skipped. */
static void dsn_entity(struct dsn_walk *w, const char *p, const char *end, int depth)
{
	if (depth > DSN_DEPTH_MAX || w->stop)
		return;
	char ctype[1024] = "", cte[64] = "", value[1024];
	if (depth == 0 && end - p >= 5 && memcmp(p, "From ", 5) == 0) {
		const char *next;
		dsn_line(p, end, &next); /* an mbox separator line */
		p = next;
	}
	for (;;) {
		const char *name;
		size_t nl;
		int rc = dsn_field(&p, end, &name, &nl, value, sizeof(value));
		if (rc <= 0)
			break;
		if (dsn_ieq(name, nl, "content-type"))
			str_copy(ctype, value, sizeof(ctype));
		else if (dsn_ieq(name, nl, "content-transfer-encoding"))
			dsn_word(value, cte, sizeof(cte));
	}
	size_t tl = strcspn(ctype, "; \t");
	if (dsn_ieq(ctype, tl, "message/delivery-status") || dsn_ieq(ctype, tl, "message/global-delivery-status")) {
		dsn_status_part(w, p, end, cte);
	} else if (dsn_starts(ctype, tl, "multipart/")) {
		char boundary[256];
		if (dsn_param(ctype, "boundary", boundary, sizeof(boundary)))
			dsn_multipart(w, p, end, boundary, depth);
	}
}

/* Where DSN fields start in a message that is not MIME (fields pasted alone): the first line
 * that begins with Reporting-MTA: or Final-Recipient:. */
static const char *dsn_bare_fields(const char *p, const char *end)
{
	while (p < end) {
		const char *next;
		size_t n = dsn_line(p, end, &next);
		if (dsn_starts(p, n, "reporting-mta:") || dsn_starts(p, n, "final-recipient:"))
			return p;
		p = next;
	}
	return NULL;
}

/* Case-insensitive search for the lower-case word w in s[0..len). */
static bool dsn_contains(const char *s, size_t len, const char *w)
{
	size_t n = strlen(w);
	for (size_t i = 0; i + n <= len; i++)
		if (dsn_lower(s[i]) == w[0] && dsn_starts(s + i, len - i, w))
			return true;
	return false;
}

bool dsn_detect(const char *msg, size_t len)
{
	if (msg == NULL)
		return false;
	if (len > DSN_INPUT_MAX)
		len = DSN_INPUT_MAX;
	return dsn_contains(msg, len, "message/delivery-status") || dsn_contains(msg, len, "message/global-delivery-status") ||
	       dsn_bare_fields(msg, msg + len) != NULL;
}

int dsn_parse(const char *msg, size_t len, struct dsn_report *report,
	      int (*fn)(const struct dsn_report *report, const struct dsn_recipient *rcpt, void *ctx), void *ctx)
{
	struct dsn_report local;
	if (report == NULL)
		report = &local;
	memset(report, 0, sizeof(*report));
	if (msg == NULL)
		return -1;
	if (len > DSN_INPUT_MAX)
		len = DSN_INPUT_MAX;
	struct dsn_walk w = {report, fn, ctx, 0, false, false};
	dsn_entity(&w, msg, msg + len, 0);
	if (!w.found) {
		const char *start = dsn_bare_fields(msg, msg + len);
		if (start)
			dsn_fields(&w, start, msg + len);
	}
	return w.found ? w.count : -1;
}

/* A Diagnostic-Code value is one unfolded line; a multiline reply in it reads
 * "550-5.1.1 text 550-5.1.1 more 550 5.1.1 end". Put the line breaks back before each
 * " 550-" and " 550 " that repeats the first code. */
static void dsn_relines(const char *in, char *out, size_t outsize)
{
	size_t n = 0;
	bool multi = strlen(in) > 4 && in[3] == '-' && in[0] >= '2' && in[0] <= '5' && in[1] >= '0' && in[1] <= '9' &&
		     in[2] >= '0' && in[2] <= '9';
	for (size_t i = 0; in[i] && n + 1 < outsize; i++) {
		if (multi && in[i] == ' ' && strncmp(in + i + 1, in, 3) == 0 && (in[i + 4] == '-' || in[i + 4] == ' ')) {
			out[n++] = '\n';
			continue;
		}
		out[n++] = in[i];
	}
	out[n] = '\0';
}

static bool dsn_status_valid(const char *status)
{
	int c, s, d;
	size_t len = strlen(status);
	return len > 0 && explain_parse_enhanced(status, len, &c, &s, &d) == (int)len;
}

/* Add the notes of from to e, after e's own. */
static void dsn_keep_notes(struct explanation *e, const struct explanation *from)
{
	for (size_t i = 0; i < from->nnotes && e->nnotes < EXPLAIN_NOTES_MAX; i++)
		str_copy(e->notes[e->nnotes++], from->notes[i], EXPLAIN_NOTE_MAX);
}

int dsn_explain(const struct dsn_recipient *rcpt, struct explanation *out)
{
	char lines[DSN_DIAG_MAX + 64];
	struct explanation first;
	bool status_ok = dsn_status_valid(rcpt->status);
	int rc = -1;
	if (rcpt->diagnostic[0] && (rcpt->diagnostic_type[0] == '\0' || str_ieq(rcpt->diagnostic_type, "smtp"))) {
		dsn_relines(rcpt->diagnostic, lines, sizeof(lines));
		rc = explain_reply(lines, strlen(lines), out);
		if (rc == 0 && out->enh_class < 0 && status_ok) {
			/* the reply had no enhanced code: the report's Status supplies it */
			first = *out;
			if (explain_code(first.code, rcpt->status, first.text, out) == 0) {
				out->nlines = first.nlines;
				dsn_keep_notes(out, &first);
			} else {
				*out = first;
			}
		} else if (rc == 0 && status_ok && strcmp(out->enhanced, rcpt->status) != 0 && out->nnotes < EXPLAIN_NOTES_MAX) {
			snprintf(out->notes[out->nnotes++], EXPLAIN_NOTE_MAX,
				 "the report's Status is %s, the server's reply said %s; the reply is explained", rcpt->status,
				 out->enhanced);
		}
	}
	if (rc != 0 && status_ok)
		rc = explain_code(0, rcpt->status, rcpt->diagnostic, out);
	if (rc != 0)
		return -1;

	/* RFC 3464 2.3.3: the Action says what became of the message for this recipient */
	const char *a = rcpt->action;
	if (!strcmp(a, "delivered") || !strcmp(a, "relayed") || !strcmp(a, "expanded")) {
		out->sent = true;
		out->retry = false;
		out->retry_when = NULL;
	} else if (!strcmp(a, "failed")) {
		out->sent = false;
		if (out->enh_class == 4 || out->code / 100 == 4) {
			if (out->nnotes < EXPLAIN_NOTES_MAX)
				str_copy(out->notes[out->nnotes++],
					 "the reporting server gave up after trying for a while (Action failed, "
					 "transient code): sending again later may work", EXPLAIN_NOTE_MAX);
		}
	} else if (!strcmp(a, "delayed")) {
		out->sent = false;
		out->retry = true;
		out->retry_when = "The reporting server is still trying by itself (until the time in "
				  "Will-Retry-Until, if given); nothing to do yet.";
	}
	return 0;
}
