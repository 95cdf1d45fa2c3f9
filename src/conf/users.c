/* users.c - load and look up the users file (see users.h). Trusted input.
 * Sorted array + binary search: lookups happen on every RCPT, reloads on SIGHUP. */
#include "conf/users.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/limits.h"
#include "lib/util.h"

struct users_table {
	struct user_entry *v;
	size_t n;
};

int users_make_key(char *dst, size_t dstsize, const char *local, size_t llen, const char *domain, size_t dlen)
{
	if (dlen > 0 && domain[dlen - 1] == '.')
		dlen--; /* "example.org." is "example.org" */
	size_t need = llen + (dlen ? 1 + dlen : 0) + 1;
	if (need > dstsize)
		return -1;
	size_t o = 0;
	for (size_t i = 0; i < llen; i++)
		dst[o++] = (char)tolower((unsigned char)local[i]);
	if (dlen) {
		dst[o++] = '@';
		for (size_t i = 0; i < dlen; i++)
			dst[o++] = (char)tolower((unsigned char)domain[i]);
	}
	dst[o] = '\0';
	return (int)o;
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct user_entry *)a)->key, ((const struct user_entry *)b)->key);
}

struct users_table *users_load(const char *path, struct buf *errors, int *nerrors)
{
	struct users_table *t = xcalloc(1, sizeof(*t));
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		buf_printf(errors, "%s:0: cannot open users file: %s\n", path, strerror(errno));
		(*nerrors)++;
		return t;
	}
	char *line = NULL;
	size_t cap = 0;
	int lineno = 0;
	while (getline(&line, &cap, f) >= 0) {
		lineno++;
		char *s = line;
		s[strcspn(s, "\r\n")] = '\0';
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0' || *s == '#')
			continue;
		/* "address hash" (what tern passwd prints) or "address:hash"; crypt(3) hashes
		 * contain neither ':' nor whitespace. Further fields are reserved. */
		char *sep = s + strcspn(s, ": \t");
		char *hash = NULL;
		if (*sep) {
			*sep = '\0';
			hash = sep + 1;
			hash += strspn(hash, " \t");
			hash[strcspn(hash, ": \t")] = '\0';
		}
		char *at = strrchr(s, '@');
		char key[ADDR_MAILBOX_MAX + 1];
		if (at == NULL || at == s || at[1] == '\0' ||
		    users_make_key(key, sizeof(key), s, (size_t)(at - s), at + 1, strlen(at + 1)) < 0) {
			buf_printf(errors, "%s:%d: expected local@domain, got '%s'\n", path, lineno, s);
			(*nerrors)++;
			continue;
		}
		t->v = realloc(t->v, (t->n + 1) * sizeof(*t->v));
		if (t->v == NULL)
			die_oom();
		t->v[t->n].key = xstrdup(key);
		t->v[t->n].hash = hash && *hash ? xstrdup(hash) : NULL;
		t->n++;
	}
	free(line);
	fclose(f);
	if (t->n > 1) /* qsort(NULL, 0, ...) is undefined (a file with no valid line) */
		qsort(t->v, t->n, sizeof(*t->v), cmp_entry);
	return t;
}

void users_free(struct users_table *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].key);
		free(t->v[i].hash);
	}
	free(t->v);
	free(t);
}

const struct user_entry *users_find(const struct users_table *t, const char *local, size_t llen,
				    const char *domain, size_t dlen)
{
	char key[ADDR_MAILBOX_MAX + 2];
	if (t == NULL || users_make_key(key, sizeof(key), local, llen, domain, dlen) < 0)
		return NULL;
	struct user_entry probe = {.key = key};
	return bsearch(&probe, t->v, t->n, sizeof(*t->v), cmp_entry);
}

size_t users_count(const struct users_table *t) { return t ? t->n : 0; }
