/* users.h - the local users file: one address per line, "local@domain [crypt-hash]" (or
 * "local@domain:crypt-hash").
 * Trusted input (admin-written), parsed with file:line errors. Lookups are case-insensitive
 * (see architecture.md, "Recipient policy"). */
#ifndef TERN_USERS_H
#define TERN_USERS_H

#include <stddef.h>

#include "lib/buf.h"

struct user_entry {
	char *key;  /* lowercased "local@domain" */
	char *hash; /* crypt(3) hash, or NULL */
};

struct users_table;

struct users_table *users_load(const char *path, struct buf *errors, int *nerrors);
void users_free(struct users_table *t);
const struct user_entry *users_find(const struct users_table *t, const char *local, size_t llen,
				    const char *domain, size_t dlen);
size_t users_count(const struct users_table *t);

/* Lowercase "local@domain" into dst; -1 if it does not fit. Shared with aliases.c. */
int users_make_key(char *dst, size_t dstsize, const char *local, size_t llen, const char *domain, size_t dlen);

#endif
