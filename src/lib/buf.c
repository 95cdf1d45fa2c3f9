/* buf.c - bounded byte buffer (see buf.h). No untrusted parsing; growth is limited. */
#include "lib/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"

void buf_init(struct buf *b, size_t limit)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->limit = limit;
}

void buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void buf_reset(struct buf *b) { b->len = 0; }

void buf_release(struct buf *b)
{
	size_t limit = b->limit;
	buf_free(b);
	b->limit = limit;
}

char *buf_reserve(struct buf *b, size_t n)
{
	if (n > b->limit - b->len)
		return NULL;
	if (n <= b->cap - b->len)
		return b->data + b->len;
	size_t want = b->cap ? b->cap : 256;
	while (want - b->len < n) {
		if (want > b->limit / 2) {
			want = b->limit;
			break;
		}
		want *= 2;
	}
	/* +1 keeps room for buf_cstr's terminator without counting against the limit */
	char *p = realloc(b->data, want + 1);
	if (p == NULL)
		die_oom();
	b->data = p;
	b->cap = want;
	return b->data + b->len;
}

int buf_append(struct buf *b, const void *p, size_t n)
{
	if (n == 0)
		return 0;
	char *dst = buf_reserve(b, n);
	if (dst == NULL)
		return -1;
	memcpy(dst, p, n);
	b->len += n;
	return 0;
}

int buf_append_str(struct buf *b, const char *s) { return buf_append(b, s, strlen(s)); }

int buf_append_char(struct buf *b, char c) { return buf_append(b, &c, 1); }

int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	/* Format straight into the free space (most lines fit: replies, headers); only a longer
	 * result is formatted a second time, after growing. Halves the printf work on the
	 * receive path (docs/performance.md). The allocation has one byte past cap for the
	 * terminator (buf_reserve), so room is cap - len + 1. */
	va_list ap2;
	va_copy(ap2, ap);
	size_t first = b->limit - b->len < 256 ? b->limit - b->len : 256;
	char *dst = first > 0 ? buf_reserve(b, first) : NULL;
	if (dst == NULL) {
		va_end(ap2);
		return -1;
	}
	size_t room = b->cap - b->len + 1;
	int n = vsnprintf(dst, room, fmt, ap);
	if (n < 0 || (size_t)n < room) {
		va_end(ap2);
		if (n < 0 || (size_t)n > b->limit - b->len)
			return -1;
		b->len += (size_t)n;
		return 0;
	}
	dst = buf_reserve(b, (size_t)n);
	if (dst == NULL) {
		va_end(ap2);
		return -1;
	}
	vsnprintf(dst, (size_t)n + 1, fmt, ap2);
	va_end(ap2);
	b->len += (size_t)n;
	return 0;
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return r;
}

void buf_consume(struct buf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
}

int buf_cstr(struct buf *b)
{
	if (b->data == NULL && buf_reserve(b, 0) == NULL)
		return -1;
	if (b->data == NULL) {
		b->data = malloc(1);
		if (b->data == NULL)
			die_oom();
	}
	b->data[b->len] = '\0';
	return 0;
}
