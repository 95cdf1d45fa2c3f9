/* cmd_mail.c - MAIL FROM (RFC 5321 4.1.1.2) with SIZE (RFC 1870), BODY (RFC 6152) and
 * SMTPUTF8 (RFC 6531), AUTH= (RFC 4954 5). Parses untrusted input. Unknown parameters get 555 (4.1.1.11);
 * a known parameter with a value we do not implement gets 504. */
#include <stdio.h>
#include <string.h>

#include "conf/aliases.h"
#include "conf/users.h"
#include "lib/util.h"
#include "queue/queue.h"
#include "smtpd/commands.h"
#include "smtpd/path_arg.h"
#include "smtpd/server.h"

struct mail_params {
	uint64_t size;
	bool body_8bit;
	bool smtputf8;
};

static struct reply mail_param(struct session *s, const struct esmtp_param *p, struct mail_params *mp,
			       unsigned *seen)
{
	char name[32];
	snprintf(name, sizeof(name), "%.*s", (int)(p->key_len < 20 ? p->key_len : 20), p->key);
	if (!s->esmtp) /* parameters exist only after EHLO (RFC 5321 4.1.1.2) */
		return reply_make(REPLY_PARAM_UNKNOWN, name);
	unsigned bit;
	if (params_key_is(p, "SIZE")) {
		bit = 1;
		if (p->value == NULL || parse_u64(p->value, p->value_len, UINT64_MAX, &mp->size) < 0) {
			/* RFC 1870: size-value = 1*20DIGIT; 20 digits can exceed 2^64, which is
			 * still a well-formed (and far too large) size, not a syntax error */
			bool digits = p->value != NULL && p->value_len > 0 && p->value_len <= 20;
			for (size_t i = 0; digits && i < p->value_len; i++)
				digits = p->value[i] >= '0' && p->value[i] <= '9';
			if (!digits)
				return reply_make(REPLY_PARAM_SYNTAX, "SIZE=<number of bytes>");
			mp->size = UINT64_MAX;
		}
	} else if (params_key_is(p, "BODY")) {
		bit = 2;
		if (p->value && mem_ieq(p->value, p->value_len, "7BIT", 4))
			mp->body_8bit = false;
		else if (p->value && mem_ieq(p->value, p->value_len, "8BITMIME", 8))
			mp->body_8bit = true;
		else if (p->value && mem_ieq(p->value, p->value_len, "BINARYMIME", 10))
			return reply_make(REPLY_PARAM_NOT_IMPL, "BODY=BINARYMIME (use 7BIT or 8BITMIME)");
		else
			return reply_make(REPLY_PARAM_SYNTAX, "BODY=7BIT or BODY=8BITMIME");
	} else if (params_key_is(p, "AUTH")) {
		/* RFC 4954 5: the identity the message was submitted by; accepted and not used
		 * (we record who logged in, not what a client claims) */
		bit = 8;
		if (p->value == NULL)
			return reply_make(REPLY_PARAM_SYNTAX, "AUTH=<mailbox> or AUTH=<>");
	} else if (params_key_is(p, "SMTPUTF8")) {
		bit = 4;
		if (p->value)
			return reply_make(REPLY_PARAM_SYNTAX, "SMTPUTF8 takes no value");
		mp->smtputf8 = true;
	} else {
		return reply_make(REPLY_PARAM_UNKNOWN, name);
	}
	if (*seen & bit)
		return reply_makef(REPLY_PARAM_SYNTAX, "%s given twice", name);
	*seen |= bit;
	return reply_make(REPLY_NONE, NULL);
}

/* RFC 6409 6.1: a submission server checks that the sender is the user's own address: the
 * users-file address itself, or an alias of the local domains that expands to it directly. */
static bool sender_owned(const struct session *s, const struct addr_path *a)
{
	char key[ADDR_MAILBOX_MAX + 2];
	if (a->is_null || users_make_key(key, sizeof(key), a->local, a->local_len, a->domain, a->domain_len) < 0)
		return false;
	if (strcmp(key, s->auth_user) == 0)
		return true;
	if (!conf_is_local_domain(s->conf, a->domain, a->domain_len))
		return false;
	const struct alias_entry *e = aliases_find(s->conf->alias_tab, a->local, a->local_len, a->domain, a->domain_len);
	for (size_t i = 0; e && i < e->count; i++) {
		const char *t = e->targets[i].address;
		if (e->targets[i].kind != ALIAS_ADDRESS)
			continue;
		const char *at = strrchr(t, '@');
		char tkey[ADDR_MAILBOX_MAX + 2];
		int ok = at ? users_make_key(tkey, sizeof(tkey), t, (size_t)(at - t), at + 1, strlen(at + 1))
			    : users_make_key(tkey, sizeof(tkey), t, strlen(t), a->domain, a->domain_len);
		if (ok >= 0 && strcmp(tkey, s->auth_user) == 0)
			return true;
	}
	return false;
}

struct reply cmd_mail(struct session *s, const char *args, size_t len)
{
	/* RFC 6409 4.3 / RFC 8314: the submission ports take mail from logged-in users only */
	if ((s->role == ROLE_SUBMISSION || s->role == ROLE_SUBMISSIONS) && s->auth_user == NULL)
		return reply_make(REPLY_AUTH_REQUIRED, NULL);
	struct path_arg pa;
	struct reply r = path_arg_parse(args, len, "FROM:", ADDR_F_NULL_OK | ADDR_F_UTF8, &pa);
	if (r.id != REPLY_NONE)
		return r;
	struct mail_params mp = {0};
	unsigned seen = 0;
	for (int i = 0; i < pa.nparams; i++) {
		r = mail_param(s, &pa.params[i], &mp, &seen);
		if (r.id != REPLY_NONE)
			return r;
	}
	if (pa.path.utf8 && !mp.smtputf8)
		return reply_make(REPLY_SMTPUTF8_REQUIRED, NULL);
	if (mp.size > s->conf->message_size_limit)
		return reply_makef(REPLY_SIZE_EXCEEDED, "%llu", (unsigned long long)s->conf->message_size_limit);
	if (s->srv && s->srv->queue && !queue_has_space(s->srv->queue))
		return reply_make(REPLY_SPOOL_FULL, NULL);
	char sender[ADDR_MAILBOX_MAX + 8];
	if (addr_to_string(&pa.path, sender, sizeof(sender)) < 0)
		return reply_make(REPLY_ADDR_NOT_ALLOWED, "the address is too long");
	if (s->auth_user && !sender_owned(s, &pa.path))
		return reply_makef(REPLY_SENDER_NOT_OWNED, "<%s>", sender);
	s->env = envelope_new();
	s->env->sender = xstrdup(sender);
	s->env->client_ip = xstrdup(s->client_ip);
	s->env->helo = xstrdup(s->helo);
	s->env->smtputf8 = mp.smtputf8;
	s->env->body_8bit = mp.body_8bit;
	s->rcpts_tried = 0;
	session_set_state(s, SESS_MAIL);
	return reply_makef(REPLY_SENDER_OK, "<%s>", sender);
}
