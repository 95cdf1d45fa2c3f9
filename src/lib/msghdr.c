/* msghdr.c - header fields and address lists (see msghdr.h). Untrusted input, read forward
 * within len; every copy is bounded. RFC 5322 2.2 (fields, folding), 3.4 (address lists). */
#include "lib/msghdr.h"

#include <string.h>

#include "lib/limits.h"

void msghdr_iter_init(struct msghdr_iter *it, const char *data, size_t len)
{
	it->data = data;
	it->len = len;
	it->off = 0;
	it->done = false;
}

/* End of the line at off (the offset after its LF, or len). */
static size_t line_end(const char *d, size_t len, size_t off)
{
	const char *lf = memchr(d + off, '\n', len - off);
	return lf ? (size_t)(lf - d) + 1 : len;
}

/* Length of the line's content without CR LF. */
static size_t content_len(const char *d, size_t off, size_t end)
{
	size_t n = end - off;
	if (n > 0 && d[end - 1] == '\n')
		n--;
	if (n > 0 && d[off + n - 1] == '\r')
		n--;
	return n;
}

int msghdr_next(struct msghdr_iter *it, struct msghdr_field *f)
{
	const char *d = it->data;
	if (it->done || it->off >= it->len) {
		it->done = true;
		return 0;
	}
	size_t off = it->off, end = line_end(d, it->len, off);
	size_t clen = content_len(d, off, end);
	/* field-name = 1*ftext (printable US-ASCII except ':'), then ':' */
	size_t i = 0;
	while (i < clen && d[off + i] != ':' && d[off + i] > ' ' && d[off + i] < 0x7f)
		i++;
	if (clen == 0 || i == 0 || i >= clen || d[off + i] != ':') {
		it->done = true; /* the empty line, or a line that is not a field: the body starts */
		return 0;
	}
	f->name = d + off;
	f->name_len = i;
	f->value = d + off + i + 1;
	f->start = off;
	size_t value_end = off + clen;
	/* folded lines start with WSP */
	while (end < it->len && (d[end] == ' ' || d[end] == '\t')) {
		size_t next = line_end(d, it->len, end);
		value_end = end + content_len(d, end, next);
		end = next;
	}
	f->value_len = value_end - (off + i + 1);
	f->end = end;
	it->off = end;
	return 1;
}

bool msghdr_name_is(const struct msghdr_field *f, const char *name)
{
	size_t n = strlen(name);
	if (f->name_len != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((f->name[i] | 0x20) != (name[i] | 0x20))
			return false;
	return true;
}

bool msghdr_has(const char *data, size_t len, const char *name)
{
	struct msghdr_iter it;
	struct msghdr_field f;
	msghdr_iter_init(&it, data, len);
	while (msghdr_next(&it, &f))
		if (msghdr_name_is(&f, name))
			return true;
	return false;
}

#define MSGHDR_ADDR_MAX (ADDR_MAILBOX_MAX)

struct addr_acc {
	char token[MSGHDR_ADDR_MAX + 1]; /* the addr-spec outside angle brackets */
	size_t tlen;
	char angle[MSGHDR_ADDR_MAX + 1]; /* the last <...> of this element */
	size_t alen;
	bool has_angle, overflow;
};

static void acc_put(char *dst, size_t *n, bool *overflow, char c)
{
	if (*n >= MSGHDR_ADDR_MAX) {
		*overflow = true;
		return;
	}
	dst[(*n)++] = c;
}

static size_t acc_flush(struct addr_acc *a, msghdr_addr_cb cb, void *arg)
{
	size_t emitted = 0;
	const char *s = a->has_angle ? a->angle : a->token;
	size_t n = a->has_angle ? a->alen : a->tlen;
	/* an obsolete route "<@a,@b:user@host>" (RFC 5322 4.4): keep the mailbox */
	if (a->has_angle && n > 0 && s[0] == '@') {
		const char *colon = memchr(s, ':', n);
		if (colon) {
			n -= (size_t)(colon + 1 - s);
			s = colon + 1;
		}
	}
	if (!a->overflow && n > 0 && memchr(s, '@', n) != NULL) {
		cb(arg, s, n);
		emitted = 1;
	}
	memset(a, 0, sizeof(*a));
	return emitted;
}

size_t msghdr_addresses(const char *v, size_t len, msghdr_addr_cb cb, void *arg)
{
	struct addr_acc a;
	memset(&a, 0, sizeof(a));
	size_t count = 0;
	bool bare_text = false; /* words outside <> seen: a display name, not an addr-spec */
	size_t i = 0;
	while (i < len) {
		char c = v[i];
		if (c == '(') { /* comment, nested, with quoted-pairs */
			int depth = 0;
			while (i < len) {
				if (v[i] == '\\' && i + 1 < len)
					i++;
				else if (v[i] == '(')
					depth++;
				else if (v[i] == ')' && --depth == 0)
					break;
				i++;
			}
			i++;
			continue;
		}
		if (c == '"') { /* quoted string: part of a display name or of a local part */
			acc_put(a.token, &a.tlen, &a.overflow, '"');
			for (i++; i < len && v[i] != '"'; i++) {
				if (v[i] == '\\' && i + 1 < len)
					acc_put(a.token, &a.tlen, &a.overflow, v[i++]);
				if (v[i] != '\r' && v[i] != '\n')
					acc_put(a.token, &a.tlen, &a.overflow, v[i]);
			}
			acc_put(a.token, &a.tlen, &a.overflow, '"');
			i++;
			continue;
		}
		if (c == '<') {
			a.alen = 0;
			a.has_angle = true;
			for (i++; i < len && v[i] != '>'; i++)
				if (v[i] != ' ' && v[i] != '\t' && v[i] != '\r' && v[i] != '\n')
					acc_put(a.angle, &a.alen, &a.overflow, v[i]);
			i++;
			continue;
		}
		if (c == ':' && !a.has_angle) { /* "group-name:" starts a group */
			memset(&a, 0, sizeof(a));
			bare_text = false;
			i++;
			continue;
		}
		if (c == ',' || c == ';') {
			if (!(bare_text && !a.has_angle))
				count += acc_flush(&a, cb, arg);
			memset(&a, 0, sizeof(a));
			bare_text = false;
			i++;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			/* a space between words means the words are a display name, unless an addr-spec
			 * ends here (then what follows must be a comment or a separator) */
			size_t j = i;
			while (j < len && (v[j] == ' ' || v[j] == '\t' || v[j] == '\r' || v[j] == '\n'))
				j++;
			if (a.tlen > 0 && j < len && v[j] != ',' && v[j] != ';' && v[j] != '(' && v[j] != '<')
				bare_text = true;
			i = j;
			continue;
		}
		acc_put(a.token, &a.tlen, &a.overflow, c);
		i++;
	}
	if (!(bare_text && !a.has_angle))
		count += acc_flush(&a, cb, arg);
	return count;
}
