/* auth.c - AUTH PLAIN and LOGIN (RFC 4954, RFC 4616; LOGIN as deployed: base64 user name,
 * then password, after the challenges "Username:" / "Password:"). Parses untrusted input:
 * the mechanism, base64 responses, credentials. Offered only over TLS on submission
 * listeners. Passwords are checked with crypt(3) against the users file, wiped after use and
 * never logged. Failed attempts are counted per client address (auth_fail_limit within
 * auth_fail_window); past the limit every AUTH from that address gets 454 4.7.0 until the
 * window has passed since the first failure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/users.h"
#include "lib/base64.h"
#include "lib/log.h"
#include "lib/password.h"
#include "lib/sasl.h"
#include "lib/util.h"
#include "smtpd/commands.h"

/* Addresses remembered for throttling; when full, the oldest entry is reused (an attacker
 * cycling through more addresses than this gains little: each still pays crypt's cost). */
#define AUTH_TABLE_SIZE 1024
/* A response line is at most 510 octets (512 with CRLF), so its decoded form fits here. */
#define AUTH_DECODED_MAX 512

struct auth_failures {
	char ip[64];
	unsigned count;
	uint64_t first_ms;
};

static struct auth_failures auth_table[AUTH_TABLE_SIZE];

static struct auth_failures *auth_slot(const char *ip, bool create)
{
	struct auth_failures *victim = &auth_table[0]; /* a free entry, else the oldest */
	for (size_t i = 0; i < AUTH_TABLE_SIZE; i++) {
		struct auth_failures *f = &auth_table[i];
		if (f->count > 0 && strcmp(f->ip, ip) == 0)
			return f;
		if (victim->count > 0 && (f->count == 0 || f->first_ms < victim->first_ms))
			victim = f;
	}
	if (!create)
		return NULL;
	memset(victim, 0, sizeof(*victim));
	str_copy(victim->ip, ip, sizeof(victim->ip));
	return victim;
}

static bool auth_throttled(const struct session *s)
{
	struct auth_failures *f = auth_slot(s->client_ip, false);
	if (f == NULL)
		return false;
	if (now_ms() - f->first_ms >= s->conf->auth_fail_window * 1000) {
		memset(f, 0, sizeof(*f)); /* the window has passed: start afresh */
		return false;
	}
	return f->count >= s->conf->auth_fail_limit;
}

static void auth_record_failure(const struct session *s)
{
	struct auth_failures *f = auth_slot(s->client_ip, true);
	uint64_t now = now_ms();
	if (f->count == 0 || now - f->first_ms >= s->conf->auth_fail_window * 1000) {
		f->count = 0;
		f->first_ms = now;
	}
	f->count++;
}

/* Decode one base64 response; "=" is the empty response (RFC 4954 4). -1: not base64. */
static long auth_decode(const char *text, size_t len, unsigned char *dst, size_t dstsize)
{
	if (len == 1 && text[0] == '=')
		return 0;
	if (len == 0)
		return -1;
	return base64_decode(text, len, dst, dstsize);
}

/* Check a user name and password; the reply is 235 or 535 (or 454 when throttled). */
static struct reply auth_check(struct session *s, const char *name, size_t nlen, const char *pw, size_t plen)
{
	char q[LOG_QUOTE_SIZE];
	const struct user_entry *e = NULL;
	const char *at = nlen ? memrchr(name, '@', nlen) : NULL;
	if (at && at > name && s->conf->users_tab)
		e = users_find(s->conf->users_tab, name, (size_t)(at - name), at + 1, nlen - (size_t)(at - name) - 1);
	/* an unknown user costs the same crypt as a known one (password_verify) */
	bool ok = password_verify(pw, plen, e ? e->hash : NULL);
	if (!ok) {
		auth_record_failure(s);
		log_msg(LOG_WARN, "auth-failed sid=%s ip=%s user=%s", s->id, s->client_ip, log_quote(q, name, nlen));
		return reply_make(REPLY_AUTH_FAILED, NULL);
	}
	struct auth_failures *f = auth_slot(s->client_ip, false);
	if (f)
		memset(f, 0, sizeof(*f));
	s->auth_user = xstrdup(e->key);
	log_msg(LOG_INFO, "auth-ok sid=%s ip=%s user=%s", s->id, s->client_ip, log_quote(q, e->key, strlen(e->key)));
	return reply_make(REPLY_AUTH_OK, NULL);
}

static struct reply auth_plain(struct session *s, const char *text, size_t len)
{
	unsigned char msg[AUTH_DECODED_MAX];
	long n = auth_decode(text, len, msg, sizeof(msg));
	if (n < 0)
		return reply_make(REPLY_AUTH_BAD_BASE64, NULL);
	struct sasl_plain p;
	struct reply r;
	if (sasl_plain_parse(msg, (size_t)n, &p) < 0) {
		auth_record_failure(s);
		log_msg(LOG_WARN, "auth-failed sid=%s ip=%s user=\"\" reason=malformed-plain", s->id, s->client_ip);
		r = reply_make(REPLY_AUTH_FAILED, NULL);
	} else if (p.authzid_len > 0 && !mem_ieq(p.authzid, p.authzid_len, p.authcid, p.authcid_len)) {
		/* acting as another user (authzid) is not offered: RFC 4616 2 lets us refuse */
		auth_record_failure(s);
		char q[LOG_QUOTE_SIZE];
		log_msg(LOG_WARN, "auth-failed sid=%s ip=%s user=%s reason=authzid", s->id, s->client_ip,
			log_quote(q, p.authcid, p.authcid_len));
		r = reply_make(REPLY_AUTH_FAILED, NULL);
	} else {
		r = auth_check(s, p.authcid, p.authcid_len, p.passwd, p.passwd_len);
	}
	explicit_bzero(msg, sizeof(msg));
	return r;
}

struct reply cmd_auth(struct session *s, const char *args, size_t len)
{
	if (s->role == ROLE_MX || s->role == ROLE_LOCAL) /* not advertised there */
		return reply_make(REPLY_NOT_IMPLEMENTED, "AUTH on this port");
	if (!s->tls)
		return reply_make(REPLY_AUTH_NEEDS_TLS, NULL);
	if (s->auth_user) /* RFC 4954 4: once per session */
		return reply_make(REPLY_BAD_SEQUENCE, "already authenticated");
	if (auth_throttled(s))
		return reply_make(REPLY_AUTH_THROTTLED, NULL);
	size_t mlen = 0;
	while (mlen < len && args[mlen] != ' ')
		mlen++;
	const char *ir = mlen < len ? args + mlen + 1 : NULL; /* initial response */
	size_t irlen = ir ? len - mlen - 1 : 0;
	if (mem_ieq(args, mlen, "PLAIN", 5)) {
		if (ir == NULL) {
			s->auth_step = AUTH_PLAIN_WAIT;
			return reply_make(REPLY_AUTH_CHALLENGE, ""); /* "334 " : send the PLAIN message */
		}
		return auth_plain(s, ir, irlen);
	}
	if (mem_ieq(args, mlen, "LOGIN", 5)) {
		if (ir == NULL) {
			s->auth_step = AUTH_LOGIN_USER;
			return reply_make(REPLY_AUTH_CHALLENGE, "VXNlcm5hbWU6"); /* "Username:" */
		}
		s->auth_step = AUTH_LOGIN_USER; /* the initial response is the user name */
		return auth_continue(s, ir, irlen);
	}
	if (mlen == 0)
		return reply_make(REPLY_SYNTAX_ARGS, "AUTH <mechanism> [initial-response]");
	char mech[24];
	snprintf(mech, sizeof(mech), "%.*s", (int)(mlen < 20 ? mlen : 20), args);
	return reply_make(REPLY_AUTH_MECH_UNKNOWN, mech);
}

struct reply auth_continue(struct session *s, const char *line, size_t len)
{
	enum auth_step step = s->auth_step;
	s->auth_step = AUTH_NONE;
	if (len == 1 && line[0] == '*') { /* RFC 4954 4: the client cancels */
		explicit_bzero(s->auth_login_name, sizeof(s->auth_login_name));
		return reply_make(REPLY_AUTH_CANCELLED, NULL);
	}
	if (step == AUTH_PLAIN_WAIT)
		return auth_plain(s, line, len);
	unsigned char dec[AUTH_DECODED_MAX];
	long n = auth_decode(line, len, dec, sizeof(dec));
	struct reply r;
	if (n < 0) {
		r = reply_make(REPLY_AUTH_BAD_BASE64, NULL);
	} else if (step == AUTH_LOGIN_USER) {
		if (n == 0 || (size_t)n > AUTH_NAME_MAX || memchr(dec, '\0', (size_t)n)) {
			auth_record_failure(s);
			log_msg(LOG_WARN, "auth-failed sid=%s ip=%s user=\"\" reason=malformed-login", s->id, s->client_ip);
			r = reply_make(REPLY_AUTH_FAILED, NULL);
		} else {
			memcpy(s->auth_login_name, dec, (size_t)n);
			s->auth_login_name[n] = '\0';
			s->auth_step = AUTH_LOGIN_PASS;
			r = reply_make(REPLY_AUTH_CHALLENGE, "UGFzc3dvcmQ6"); /* "Password:" */
		}
	} else { /* AUTH_LOGIN_PASS */
		r = auth_check(s, s->auth_login_name, strlen(s->auth_login_name), (const char *)dec, (size_t)n);
		explicit_bzero(s->auth_login_name, sizeof(s->auth_login_name));
	}
	explicit_bzero(dec, sizeof(dec));
	return r;
}
