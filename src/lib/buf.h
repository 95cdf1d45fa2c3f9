/* buf.h - a byte buffer that cannot grow past the ceiling it was created with.
 * Every buffer a peer can fill is one of these (STYLE habit 1): growth is checked by
 * subtraction against the limit before any allocation, and failure is a return value
 * the caller turns into a reply, never an overflow. */
#ifndef TERN_BUF_H
#define TERN_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data;
	size_t len;   /* bytes in use */
	size_t cap;   /* bytes allocated */
	size_t limit; /* hard ceiling for len */
};

void buf_init(struct buf *b, size_t limit);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);          /* len = 0, keeps memory */
void buf_release(struct buf *b);        /* len = 0, frees memory (idle sessions stay small) */
/* Append n bytes; -1 (and nothing appended) if that would pass the limit. */
int buf_append(struct buf *b, const void *p, size_t n);
int buf_append_str(struct buf *b, const char *s);
int buf_append_char(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Remove the first n bytes (consumed input). */
void buf_consume(struct buf *b, size_t n);
/* Make room for at least n more bytes without changing len; returns the write pointer or NULL. */
char *buf_reserve(struct buf *b, size_t n);
/* Terminate with NUL (not counted in len); -1 if no room under the limit. */
int buf_cstr(struct buf *b);

#endif
