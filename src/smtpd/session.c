/* session.c - the SMTP session core: splits untrusted input into command lines, applies the
 * line rules of RFC 5321 (512 octets, CRLF only: 2.3.8, 4.5.3.1.4), dispatches, formats
 * replies and counts errors. No socket here (server.c does the I/O). */
#include "smtpd/session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/util.h"
#include "queue/queue.h"
#include "smtpd/commands.h"
#include "smtpd/server.h"

/* Replies the session writes before the client has to read them: well above one
 * pipelined group; a client that never reads is cut off by the timeout. */
#define SESSION_OUT_LIMIT (256 * 1024)
#define SESSION_IN_LIMIT (64 * 1024)
/* A pipelining client may send 64 kB of HELP or VRFY in one go; its replies are many times
 * that. Past this much unsent output, stop reading commands until the client has read
 * some (backpressure), instead of overflowing SESSION_OUT_LIMIT. */
#define SESSION_OUT_PAUSE (32 * 1024)

static const char *const state_names[] = {"init", "ready", "mail", "rcpt", "data", "commit", "closing"};

void session_init(struct session *s, struct server *srv, struct conf *conf, const char *client_ip,
		  enum listen_role role)
{
	s->srv = srv;
	s->conf = conf_ref(conf);
	str_copy(s->client_ip, client_ip, sizeof(s->client_ip));
	s->role = role;
	s->state = SESS_INIT;
	buf_init(&s->in, SESSION_IN_LIMIT);
	buf_init(&s->out, SESSION_OUT_LIMIT);
}

void session_cleanup(struct session *s)
{
	if (s->state == SESS_COMMIT && s->srv && s->srv->queue)
		queue_forget(s->srv->queue, s);
	else
		envelope_free(s->env);
	s->env = NULL;
	free(s->auth_user);
	s->auth_user = NULL;
	explicit_bzero(s->auth_login_name, sizeof(s->auth_login_name));
	buf_free(&s->in);
	buf_free(&s->out);
	conf_unref(s->conf);
	s->conf = NULL;
}

void session_set_state(struct session *s, enum session_state st)
{
	if (s->state == SESS_CLOSING)
		return; /* nothing reopens a closing session */
	log_msg(LOG_DEBUG, "state sid=%s from=%s to=%s", s->id, state_names[s->state], state_names[st]);
	s->state = st;
}

void session_tls_started(struct session *s)
{
	session_reset_transaction(s);
	s->tls = true;
	s->helo[0] = '\0';
	s->esmtp = false;
	s->auth_step = AUTH_NONE;
	free(s->auth_user); /* cannot happen (AUTH needs TLS), but never carry it over */
	s->auth_user = NULL;
	session_set_state(s, SESS_INIT);
}

bool session_may_relay(const struct session *s)
{
	return s->auth_user != NULL || s->role == ROLE_LOCAL || conf_in_relay_networks(s->conf, s->client_ip);
}

void session_reset_transaction(struct session *s)
{
	envelope_free(s->env);
	s->env = NULL;
	s->rcpts_tried = 0;
	s->rcpts_accepted = 0;
	memset(&s->dr, 0, sizeof(s->dr));
	if (s->state == SESS_MAIL || s->state == SESS_RCPT || s->state == SESS_DATA || s->state == SESS_COMMIT)
		session_set_state(s, SESS_READY);
}

static void append_reply(struct session *s, struct reply r)
{
	if (reply_format(&s->out, &r) < 0) {
		/* the client sends commands without reading replies: stop talking to it */
		log_msg(LOG_WARN, "output-overflow sid=%s", s->id);
		s->state = SESS_CLOSING;
	}
}

void session_close_with(struct session *s, enum reply_id id)
{
	if (s->state == SESS_CLOSING)
		return;
	const char *host = s->conf ? s->conf->hostname : "tern";
	append_reply(s, reply_make(id, host));
	log_msg(LOG_INFO, "close sid=%s reason=%s", s->id, reply_row(id)->name);
	if (s->state == SESS_COMMIT && s->srv && s->srv->queue) {
		queue_forget(s->srv->queue, s);
		s->env = NULL;
	}
	session_reset_transaction(s);
	s->state = SESS_CLOSING;
}

void session_reply(struct session *s, struct reply r)
{
	if (r.id == REPLY_NONE || s->state == SESS_CLOSING)
		return;
	const struct reply_row *row = reply_row(r.id);
	append_reply(s, r);
	if (row->code >= 400 && row->code != 421) {
		char q[LOG_QUOTE_SIZE];
		log_msg(LOG_INFO, "reject sid=%s code=%d reply=%s arg=%s", s->id, row->code, row->name,
			log_quote(q, r.arg, strlen(r.arg)));
		/* local trouble (451/452 4.3.x) is our fault, not the client's; 452 4.5.3 (too many
		 * recipients) asks the client to send the rest in another transaction (RFC 5321
		 * 4.5.3.1.10): a client that pipelined more RCPTs than recipient_limit must still
		 * be able to finish this one */
		if (!(row->cls == 4 && row->subject == 3) && r.id != REPLY_TOO_MANY_RCPTS &&
		    ++s->errors >= s->conf->error_limit)
			session_close_with(s, REPLY_TOO_MANY_ERRORS);
	}
}

void session_reply_id(struct session *s, enum reply_id id, const char *arg)
{
	session_reply(s, reply_make(id, arg));
}

/* One command line ends at LF; it must be CRLF, hold no other CR, no NUL, and fit in
 * 512 octets including CRLF. */
static void command_line(struct session *s, const char *p, size_t linelen)
{
	if (linelen > SMTP_LINE_MAX || linelen < 2 || p[linelen - 2] != '\r')
		s->auth_step = AUTH_NONE; /* a broken line ends an AUTH exchange too */
	if (linelen > SMTP_LINE_MAX) {
		session_reply_id(s, REPLY_LINE_TOO_LONG, NULL);
		return;
	}
	if (linelen < 2 || p[linelen - 2] != '\r' || memchr(p, '\r', linelen - 2) != NULL) {
		session_reply_id(s, REPLY_BARE_LF_COMMAND, NULL);
		return;
	}
	if (memchr(p, '\0', linelen - 2) != NULL) {
		session_reply_id(s, REPLY_UNKNOWN_COMMAND, NULL);
		return;
	}
	if (s->auth_step != AUTH_NONE) { /* a line of the AUTH exchange, not a command */
		session_reply(s, auth_continue(s, p, linelen - 2));
		return;
	}
	commands_dispatch(s, p, linelen - 2);
}

size_t session_input(struct session *s, const char *data, size_t len)
{
	size_t off = 0;
	s->output_paused = false;
	/* after STARTTLS nothing more is read in plaintext: server.c discards the rest (RFC 3207
	 * 4.2, CVE-2011-0411) */
	while (off < len && s->state != SESS_CLOSING && s->state != SESS_COMMIT && !s->starttls_pending) {
		if (s->out.len >= SESSION_OUT_PAUSE) {
			s->output_paused = true;
			break;
		}
		if (s->state == SESS_DATA) {
			off += data_input(s, data + off, len - off);
			continue;
		}
		const char *p = data + off;
		size_t n = len - off;
		const char *lf = memchr(p, '\n', n);
		if (s->discarding_long_line) {
			if (lf == NULL)
				return len;
			s->discarding_long_line = false;
			s->auth_step = AUTH_NONE;
			off += (size_t)(lf - p) + 1;
			session_reply_id(s, REPLY_LINE_TOO_LONG, NULL);
			continue;
		}
		if (lf == NULL) {
			if (n >= SMTP_LINE_MAX) { /* 512 octets and still no LF: too long already */
				s->discarding_long_line = true;
				return len;
			}
			break; /* wait for the rest of the line */
		}
		size_t linelen = (size_t)(lf - p) + 1;
		off += linelen;
		command_line(s, p, linelen);
	}
	return off;
}
