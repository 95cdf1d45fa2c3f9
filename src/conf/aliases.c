/* aliases.c - load and look up the aliases file (see aliases.h). Trusted input. */
#include "conf/aliases.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/users.h"
#include "lib/limits.h"
#include "lib/util.h"

struct alias_table {
	struct alias_entry *v;
	size_t n;
};

static int cmp_alias(const void *a, const void *b)
{
	return strcmp(((const struct alias_entry *)a)->name, ((const struct alias_entry *)b)->name);
}

static void add_target(struct alias_entry *e, enum alias_kind kind, const char *s, size_t n)
{
	e->targets = realloc(e->targets, (e->count + 1) * sizeof(*e->targets));
	if (e->targets == NULL)
		die_oom();
	e->targets[e->count].kind = kind;
	e->targets[e->count].address = xstrndup(s, n);
	e->count++;
}

/* Parse the right-hand side "t1, t2, moved <x>" into e; -1 with a message on error. */
static int parse_targets(struct alias_entry *e, char *rhs, const char **why)
{
	char *p = rhs;
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		char *s = p;
		while (*p && *p != ',')
			p++;
		char *end = p;
		while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		size_t n = (size_t)(end - s);
		if (n > 6 && strncasecmp(s, "moved", 5) == 0 && (s[5] == ' ' || s[5] == '\t')) {
			char *a = s + 6;
			while (*a == ' ' || *a == '\t')
				a++;
			if (*a == '<' && end[-1] == '>')
				add_target(e, ALIAS_MOVED, a + 1, (size_t)(end - a - 2));
			else
				add_target(e, ALIAS_MOVED, a, (size_t)(end - a));
			continue;
		}
		if (*s == '|' || *s == '/' || strncasecmp(s, ":include:", 9) == 0) {
			*why = "commands, files and :include: are not supported (ternd delivers only to Maildirs)";
			return -1;
		}
		if (*s == '<' && n > 2 && end[-1] == '>') {
			s++;
			n -= 2;
		}
		if (n == 0 || n > ADDR_MAILBOX_MAX || memchr(s, ' ', n)) {
			*why = "bad target address";
			return -1;
		}
		add_target(e, ALIAS_ADDRESS, s, n);
	}
	if (e->count == 0) {
		*why = "no targets";
		return -1;
	}
	return 0;
}

static void free_entry(struct alias_entry *e)
{
	for (size_t i = 0; i < e->count; i++)
		free(e->targets[i].address);
	free(e->targets);
	free(e->name);
}

static void add_entry(struct alias_table *t, const char *path, int lineno, char *stmt, struct buf *errors,
		      int *nerrors)
{
	char *colon = strchr(stmt, ':');
	if (colon == NULL || colon == stmt) {
		buf_printf(errors, "%s:%d: expected 'name: target, target'\n", path, lineno);
		(*nerrors)++;
		return;
	}
	*colon = '\0';
	char *name = stmt;
	name[strcspn(name, " \t")] = '\0';
	char *at = strrchr(name, '@');
	char key[ADDR_MAILBOX_MAX + 2];
	int klen = at ? users_make_key(key, sizeof(key), name, (size_t)(at - name), at + 1, strlen(at + 1))
		      : users_make_key(key, sizeof(key), name, strlen(name), "", 0);
	struct alias_entry e = {0};
	const char *why = NULL;
	if (klen <= 0) {
		buf_printf(errors, "%s:%d: bad alias name '%s'\n", path, lineno, name);
		(*nerrors)++;
		return;
	}
	if (parse_targets(&e, colon + 1, &why) < 0) {
		buf_printf(errors, "%s:%d: alias '%s': %s\n", path, lineno, name, why);
		(*nerrors)++;
		free_entry(&e);
		return;
	}
	e.name = xstrdup(key);
	t->v = realloc(t->v, (t->n + 1) * sizeof(*t->v));
	if (t->v == NULL)
		die_oom();
	t->v[t->n++] = e;
}

struct alias_table *aliases_load(const char *path, struct buf *errors, int *nerrors)
{
	struct alias_table *t = xcalloc(1, sizeof(*t));
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		buf_printf(errors, "%s:0: cannot open aliases file: %s\n", path, strerror(errno));
		(*nerrors)++;
		return t;
	}
	char *line = NULL, *stmt = NULL;
	size_t cap = 0;
	int lineno = 0, stmt_line = 0;
	while (getline(&line, &cap, f) >= 0) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '#')
			continue;
		bool cont = line[0] == ' ' || line[0] == '\t';
		char *s = line + strspn(line, " \t");
		if (*s == '\0' || *s == '#')
			continue;
		if (cont && stmt) {
			size_t a = strlen(stmt), b = strlen(s);
			stmt = realloc(stmt, a + b + 3);
			if (stmt == NULL)
				die_oom();
			memcpy(stmt + a, ", ", 2);
			memcpy(stmt + a + 2, s, b + 1);
			continue;
		}
		if (stmt)
			add_entry(t, path, stmt_line, stmt, errors, nerrors);
		free(stmt);
		stmt = xstrdup(s);
		stmt_line = lineno;
	}
	if (stmt)
		add_entry(t, path, stmt_line, stmt, errors, nerrors);
	free(stmt);
	free(line);
	fclose(f);
	if (t->n > 1) /* qsort(NULL, 0, ...) is undefined (a file with no valid line), as in users.c */
		qsort(t->v, t->n, sizeof(*t->v), cmp_alias);
	return t;
}

void aliases_free(struct alias_table *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->n; i++)
		free_entry(&t->v[i]);
	free(t->v);
	free(t);
}

static const struct alias_entry *find_key(const struct alias_table *t, const char *key)
{
	struct alias_entry probe = {.name = (char *)key};
	return bsearch(&probe, t->v, t->n, sizeof(*t->v), cmp_alias);
}

const struct alias_entry *aliases_find(const struct alias_table *t, const char *local, size_t llen,
				       const char *domain, size_t dlen)
{
	char key[ADDR_MAILBOX_MAX + 2];
	if (t == NULL)
		return NULL;
	if (dlen && users_make_key(key, sizeof(key), local, llen, domain, dlen) > 0) {
		const struct alias_entry *e = find_key(t, key);
		if (e)
			return e;
	}
	if (users_make_key(key, sizeof(key), local, llen, "", 0) > 0)
		return find_key(t, key);
	return NULL;
}
