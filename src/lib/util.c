/* util.c - fatal errors, allocation wrappers, bounded string helpers. No untrusted input. */
#include "lib/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

_Noreturn void die_oom(void)
{
	static const char msg[] = "tern: out of memory\n";
	ssize_t r = write(2, msg, sizeof(msg) - 1);
	(void)r;
	abort();
}

_Noreturn void die_bug(const char *what, const char *file, int line)
{
	fprintf(stderr, "tern: internal error: %s (%s:%d)\n", what, file, line);
	abort();
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (p == NULL)
		die_oom();
	return p;
}

void *xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);
	if (p == NULL)
		die_oom();
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);
	if (p == NULL)
		die_oom();
	return p;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);
	if (p == NULL)
		die_oom();
	return p;
}

size_t str_copy(char *dst, const char *src, size_t dstsize)
{
	size_t n = strlen(src);
	if (dstsize == 0)
		return n;
	size_t c = n < dstsize - 1 ? n : dstsize - 1;
	memcpy(dst, src, c);
	dst[c] = '\0';
	return n;
}

bool str_ieq(const char *a, const char *b) { return strcasecmp(a, b) == 0; }

bool mem_ieq(const char *a, size_t alen, const char *b, size_t blen)
{
	return alen == blen && strncasecmp(a, b, alen) == 0;
}

int parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	if (len == 0 || len > 20)
		return -1;
	uint64_t v = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, (uint64_t)(s[i] - '0'), &v))
			return -1;
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t wall_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void mail_date(char *dst, size_t dstsize, uint64_t when_us)
{
	time_t t = (time_t)(when_us / 1000000u);
	struct tm tm;
	gmtime_r(&t, &tm);
	if (strftime(dst, dstsize, "%a, %d %b %Y %H:%M:%S +0000", &tm) == 0 && dstsize > 0)
		dst[0] = '\0';
}

uint64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}
