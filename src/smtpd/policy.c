/* policy.c - recipient policy (see policy.h). Never an open relay: a recipient outside the
 * local domains is accepted only from a client allowed to relay, and routing tricks in local
 * parts ('%', '!', quoted '@': RFC 5321 2.3.11 and 3.6 leave them to the final host, which
 * is us) are refused rather than interpreted. */
#include "smtpd/policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/aliases.h"
#include "conf/users.h"
#include "deliver/maildir.h"
#include "lib/log.h"
#include "lib/util.h"

struct expansion {
	struct session *s;
	const char *orig;
	size_t first_rcpt;      /* env->nrcpts before this RCPT, to undo on failure */
	char path[POLICY_EXPAND_DEPTH][ADDR_MAILBOX_MAX + 2];
	int depth;
	char forward_to[ADDR_MAILBOX_MAX + 2]; /* first off-site target, for 251 */
	char moved_to[ADDR_MAILBOX_MAX + 2];
	bool loop;
	bool unknown;
};

static void add_final(struct expansion *x, const char *address, enum rcpt_kind kind)
{
	struct envelope *env = x->s->env;
	/* from 0, not first_rcpt: a mailbox reached by two RCPTs of one message (alice and an
	 * alias containing alice, or alice twice) gets one copy too */
	for (size_t i = 0; i < env->nrcpts; i++)
		if (str_ieq(env->rcpts[i].address, address))
			return; /* two aliases reaching one mailbox: deliver once */
	envelope_add_rcpt(env, x->orig, address, kind);
}

static void undo(struct expansion *x)
{
	struct envelope *env = x->s->env;
	for (size_t i = x->first_rcpt; i < env->nrcpts; i++) {
		free(env->rcpts[i].orig);
		free(env->rcpts[i].address);
	}
	env->nrcpts = x->first_rcpt;
}

static void split(const char *addr, const char **local, size_t *llen, const char **domain, size_t *dlen)
{
	const char *at = strrchr(addr, '@');
	*local = addr;
	*llen = at ? (size_t)(at - addr) : strlen(addr);
	*domain = at ? at + 1 : "";
	*dlen = at ? strlen(at + 1) : 0;
}

static int expand(struct expansion *x, const char *local, size_t llen, const char *domain, size_t dlen, bool top);

static int expand_target(struct expansion *x, const struct alias_target *t, const char *domain, size_t dlen,
			 bool top)
{
	if (t->kind == ALIAS_MOVED) {
		if (top)
			str_copy(x->moved_to, t->address, sizeof(x->moved_to));
		return top ? -1 : 0; /* a moved user inside a list is skipped */
	}
	const char *tl, *td;
	size_t tll, tdl;
	split(t->address, &tl, &tll, &td, &tdl);
	if (tdl == 0) { /* a bare name stays in the same domain */
		td = domain;
		tdl = dlen;
	}
	if (conf_is_local_domain(x->s->conf, td, tdl))
		return expand(x, tl, tll, td, tdl, false);
	if (x->forward_to[0] == '\0')
		str_copy(x->forward_to, t->address, sizeof(x->forward_to));
	add_final(x, t->address, RCPT_REMOTE);
	return 0;
}

/* Expand local@domain (domain is local) through aliases into final recipients. */
static int expand(struct expansion *x, const char *local, size_t llen, const char *domain, size_t dlen, bool top)
{
	char key[ADDR_MAILBOX_MAX + 2];
	if (users_make_key(key, sizeof(key), local, llen, domain, dlen) < 0)
		return -1;
	for (int i = 0; i < x->depth; i++)
		if (strcmp(x->path[i], key) == 0) {
			x->loop = true;
			return -1;
		}
	if (x->depth == POLICY_EXPAND_DEPTH) {
		x->loop = true;
		return -1;
	}
	const struct alias_entry *e = aliases_find(x->s->conf->alias_tab, local, llen, domain, dlen);
	if (e) {
		str_copy(x->path[x->depth++], key, sizeof(x->path[0]));
		for (size_t i = 0; i < e->count; i++)
			if (expand_target(x, &e->targets[i], domain, dlen, top) < 0)
				return -1;
		x->depth--;
		return 0;
	}
	bool is_user = x->s->conf->users_tab == NULL || /* no users file: every local part is a mailbox */
		       users_find(x->s->conf->users_tab, local, llen, domain, dlen) != NULL;
	if (!is_user && !mem_ieq(local, llen, "postmaster", 10)) {
		if (top) {
			x->unknown = true;
			return -1;
		}
		log_msg(LOG_WARN, "alias-target-unknown sid=%s target=%s (delivered to its Maildir anyway)", x->s->id, key);
	}
	add_final(x, key, RCPT_LOCAL);
	return 0;
}

/* mailbox_quota (issue 3): a local mailbox that already holds quota bytes or more gets 552
 * 5.2.2 at RCPT, so the sender learns it now rather than from a bounce. Checked only when a
 * quota is set: it reads the Maildir's directories. Returns the first full mailbox among
 * the recipients this RCPT added, or NULL. */
static const char *over_quota(const struct session *s, size_t first)
{
	uint64_t quota = s->conf->mailbox_quota;
	if (quota == 0)
		return NULL;
	for (size_t i = first; i < s->env->nrcpts; i++) {
		const struct envelope_rcpt *r = &s->env->rcpts[i];
		char path[1024];
		if (r->kind != RCPT_LOCAL || maildir_expand(path, sizeof(path), s->conf->maildir, r->address) < 0)
			continue;
		if (maildir_usage(path) >= quota)
			return r->address;
	}
	return NULL;
}

struct reply policy_rcpt(struct session *s, const struct addr_path *a)
{
	char shown[ADDR_MAILBOX_MAX + 8];
	if (addr_to_string(a, shown, sizeof(shown)) < 0)
		return reply_make(REPLY_ADDR_NOT_ALLOWED, "the address is too long");
	const char *domain = a->domain;
	size_t dlen = a->domain_len;
	if (a->is_postmaster) { /* RFC 5321 4.5.1: <postmaster> with no domain must be accepted */
		domain = s->conf->domains.items[0];
		dlen = strlen(domain);
	}
	if (a->domain_literal || !conf_is_local_domain(s->conf, domain, dlen)) {
		/* relaying: only for clients that may (logged in, the local socket, relay_networks);
		 * an IP-literal destination is refused even then (no relaying by address) */
		if (a->domain_literal || !session_may_relay(s))
			return reply_make(REPLY_RELAY_DENIED, shown);
		size_t before = s->env->nrcpts;
		for (size_t i = 0; i < before; i++)
			if (str_ieq(s->env->rcpts[i].address, shown))
				return reply_makef(REPLY_RCPT_OK, "<%s>", shown); /* the same mailbox twice: one copy */
		envelope_add_rcpt(s->env, shown, shown, RCPT_REMOTE);
		return reply_makef(REPLY_RCPT_OK, "<%s>", shown);
	}
	if (addr_has_routing_chars(a))
		return reply_make(REPLY_RELAY_DENIED, shown);
	/* A local part that needs quotes ("a b") names no mailbox here: users and aliases are
	 * Dot-strings. Plain "no such user", not a relay refusal. */
	if (a->local_quoted)
		return reply_make(REPLY_USER_UNKNOWN, shown);

	struct expansion x = {.s = s, .orig = shown, .first_rcpt = s->env->nrcpts};
	const char *local = a->is_postmaster ? "postmaster" : a->local;
	size_t llen = a->is_postmaster ? 10 : a->local_len;
	if (expand(&x, local, llen, domain, dlen, true) < 0) {
		undo(&x);
		if (x.moved_to[0])
			return reply_makef(REPLY_USER_MOVED, "<%s>", x.moved_to);
		if (x.loop)
			return reply_make(REPLY_ALIAS_LOOP, shown);
		if (x.unknown)
			return reply_make(REPLY_USER_UNKNOWN, shown);
		return reply_make(REPLY_ADDR_NOT_ALLOWED, shown);
	}
	const char *full = over_quota(s, x.first_rcpt);
	if (full) {
		char mailbox[ADDR_MAILBOX_MAX + 2];
		str_copy(mailbox, full, sizeof(mailbox));
		undo(&x);
		return reply_makef(REPLY_MAILBOX_FULL, "<%s>", mailbox);
	}
	if (s->env->nrcpts == x.first_rcpt) /* every target was already a recipient */
		return reply_makef(REPLY_RCPT_OK, "<%s>", shown);
	if (x.forward_to[0])
		return reply_makef(REPLY_RCPT_FORWARD, "<%s>", x.forward_to);
	return reply_makef(REPLY_RCPT_OK, "<%s>", shown);
}
