/* util.h - small helpers every module uses: fatal errors, checked sizes, safe copies.
 * No untrusted input. */
#ifndef TERN_UTIL_H
#define TERN_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

_Noreturn void die_oom(void);
_Noreturn void die_bug(const char *what, const char *file, int line);
#define BUG(what) die_bug((what), __FILE__, __LINE__)

void *xcalloc(size_t n, size_t size);
void *xmalloc(size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Copy at most dstsize-1 bytes and terminate; returns strlen(src) (truncated if >= dstsize). */
size_t str_copy(char *dst, const char *src, size_t dstsize);
bool str_ieq(const char *a, const char *b);
bool mem_ieq(const char *a, size_t alen, const char *b, size_t blen);
/* Parse a decimal unsigned number [0, max] filling the whole string; -1 on anything else. */
int parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out);

uint64_t now_ms(void);      /* CLOCK_MONOTONIC */
uint64_t mono_us(void);     /* CLOCK_MONOTONIC, microseconds */
/* RFC 5322 3.3 date-time in UTC, "Sun, 29 Nov 2026 16:08:31 +0000" (Received:, Date:, DSNs) */
void mail_date(char *dst, size_t dstsize, uint64_t wall_us);
uint64_t wall_us(void);     /* CLOCK_REALTIME, microseconds */

#endif
