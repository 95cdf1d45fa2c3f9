/* aliases.h - the aliases file, aliases(5) syntax: "name: target, target", continuation
 * lines start with whitespace, '#' comments. A name is a local part (valid in every local
 * domain) or a full address. Targets: a local name, an address, or "moved <address>"
 * (tern's extension: the user has moved, RCPT gets 551 5.1.6). Commands (|), files (/) and
 * :include: are refused: ternd runs unprivileged and delivers only to Maildirs.
 * Trusted input, parsed with file:line errors. */
#ifndef TERN_ALIASES_H
#define TERN_ALIASES_H

#include <stddef.h>

#include "lib/buf.h"

enum alias_kind { ALIAS_ADDRESS, ALIAS_MOVED };

struct alias_target {
	enum alias_kind kind;
	char *address; /* as written: "bob", "bob@example.org" */
};

struct alias_entry {
	char *name; /* lowercased: "local" or "local@domain" */
	struct alias_target *targets;
	size_t count;
};

struct alias_table;

struct alias_table *aliases_load(const char *path, struct buf *errors, int *nerrors);
void aliases_free(struct alias_table *t);
/* "local@domain" first, then "local" alone. */
const struct alias_entry *aliases_find(const struct alias_table *t, const char *local, size_t llen,
				       const char *domain, size_t dlen);

#endif
