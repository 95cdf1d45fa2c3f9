/* cmd_data.c - DATA (RFC 5321 4.1.1.4, 4.5.2): reads the message, removes dot-stuffing,
 * enforces the size limit, rejects bare CR/LF whole, and hands the message to the queue.
 * Parses untrusted input. Only <CRLF>.<CRLF> ends the message: after a bare CR or LF the
 * reader stays mid-line, so "<LF>.<CRLF>" cannot end it (no SMTP smuggling). */
#include <stdio.h>
#include <string.h>

#include "lib/latency.h"
#include "lib/log.h"
#include "lib/msghdr.h"
#include "lib/util.h"
#include "queue/queue.h"
#include "smtpd/commands.h"
#include "smtpd/received.h"
#include "smtpd/server.h"

enum { D_BOL, D_MID, D_CR, D_DOT, D_DOT_CR, D_END };

static void commit_cb(void *arg, enum queue_result result, const char *what);

struct reply cmd_data(struct session *s, const char *args, size_t len)
{
	if (len > 0)
		return reply_make(REPLY_NO_ARGS_ALLOWED, "DATA");
	if (s->state != SESS_RCPT) {
		/* RFC 5321 3.3 / RFC 2920 3.1: RCPTs were tried and all refused -> 554 */
		if (s->rcpts_tried > 0)
			return reply_make(REPLY_NO_VALID_RCPTS, NULL);
		return reply_make(REPLY_BAD_SEQUENCE, "send RCPT TO first");
	}
	struct queue *q = s->srv ? s->srv->queue : NULL;
	if (q && !queue_has_space(q))
		return reply_make(REPLY_SPOOL_FULL, NULL);
	struct envelope *env = s->env;
	env->arrival_us = wall_us();
	if (q)
		queue_assign_id(q, env);
	else
		str_copy(env->id, "000000000000", sizeof(env->id));
	buf_reset(&env->data);
	env->data.limit = SIZE_MAX;
	const char *single = env->nrcpts == 1 ? env->rcpts[0].address : NULL;
	received_header(&env->data, env, s->conf->hostname, s->esmtp, s->tls, s->auth_user != NULL, single);
	env->data.limit = env->data.len + s->conf->message_size_limit;
	memset(&s->dr, 0, sizeof(s->dr));
	s->dr.body_start = env->data.len; /* the client's bytes start after our Received: */
	s->dr.st = D_BOL;
	session_set_state(s, SESS_DATA);
	return reply_make(REPLY_DATA_GO, NULL);
}

static void body_append(struct session *s, const char *p, size_t n)
{
	if (n == 0)
		return;
	s->dr.size += n;
	if (!s->dr.too_big && buf_append(&s->env->data, p, n) < 0)
		s->dr.too_big = true; /* keep reading to the end, then 552 */
}

/* RFC 6409 8.2, 8.3: a submission server adds Message-ID: and Date: when the user's program
 * did not. They go right after our Received: header, before the client's fields. The
 * message was within message_size_limit; these two short lines may pass it by their size. */
static void submission_headers(struct session *s)
{
	struct envelope *env = s->env;
	const char *msg = env->data.data + s->dr.body_start;
	size_t mlen = env->data.len - s->dr.body_start;
	bool has_id = false, has_date = false;
	struct msghdr_iter it;
	struct msghdr_field f;
	msghdr_iter_init(&it, msg, mlen);
	while (msghdr_next(&it, &f)) {
		has_id |= msghdr_name_is(&f, "Message-ID");
		has_date |= msghdr_name_is(&f, "Date");
	}
	if (has_id && has_date)
		return;
	char add[600];
	size_t n = 0;
	if (!has_id)
		n += (size_t)snprintf(add + n, sizeof(add) - n, "Message-ID: <%s@%s>\r\n", env->id, s->conf->hostname);
	if (!has_date && n < sizeof(add)) {
		char date[64];
		mail_date(date, sizeof(date), env->arrival_us); /* RFC 5322 3.3, in UTC */
		n += (size_t)snprintf(add + n, sizeof(add) - n, "Date: %s\r\n", date);
	}
	/* a message that starts with its body (no fields, no empty line) gets the separator */
	if (it.off == 0 && mlen > 0 && msg[0] != '\r' && n + 2 < sizeof(add)) {
		add[n++] = '\r';
		add[n++] = '\n';
	}
	if (n >= sizeof(add))
		return;
	struct buf nb;
	buf_init(&nb, SIZE_MAX);
	buf_append(&nb, env->data.data, s->dr.body_start);
	buf_append(&nb, add, n);
	buf_append(&nb, msg, mlen);
	nb.limit = env->data.limit + n;
	buf_free(&env->data);
	env->data = nb;
}

static void data_finish(struct session *s)
{
	struct envelope *env = s->env;
	if (s->dr.too_big) {
		session_reset_transaction(s);
		session_reply(s, reply_makef(REPLY_SIZE_EXCEEDED, "%llu", (unsigned long long)s->conf->message_size_limit));
		return;
	}
	if (s->dr.bare_eol) {
		session_reset_transaction(s);
		session_reply_id(s, REPLY_BARE_LF_DATA, NULL);
		return;
	}
	/* our own Received: is in env->data too, so the limit counts it */
	unsigned hops = received_count(env->data.data, env->data.len);
	if (hops > s->conf->max_received_headers) {
		char n[24];
		snprintf(n, sizeof(n), "%u", hops);
		session_reset_transaction(s);
		session_reply_id(s, REPLY_TOO_MANY_HOPS, n);
		return;
	}
	if (s->auth_user || s->role == ROLE_LOCAL)
		submission_headers(s);
	struct queue *q = s->srv ? s->srv->queue : NULL;
	str_copy(s->pending_qid, env->id, sizeof(s->pending_qid));
	if (q == NULL) { /* unit tests without a queue */
		session_commit_done(s, QUEUE_OK, NULL, s->pending_qid);
		return;
	}
	session_set_state(s, SESS_COMMIT);
	s->data_end_us = mono_us();
	s->env = NULL; /* the queue owns it now */
	queue_commit(q, env, commit_cb, s);
}

void session_commit_done(struct session *s, int result, const char *what, const char *qid)
{
	if (s->state == SESS_COMMIT || s->state == SESS_DATA)
		session_set_state(s, SESS_READY);
	if (s->state == SESS_CLOSING)
		return;
	session_reset_transaction(s);
	switch ((enum queue_result)result) {
	case QUEUE_OK:
		s->messages++;
		log_msg(LOG_INFO, "queued sid=%s qid=%s", s->id, qid);
		session_reply_id(s, REPLY_QUEUED, qid);
		break;
	case QUEUE_NO_SPACE:
		session_reply_id(s, REPLY_SPOOL_FULL, NULL);
		break;
	case QUEUE_IO_ERROR:
		session_reply_id(s, REPLY_LOCAL_ERROR, what ? what : "writing the queue failed");
		break;
	}
}

static void commit_cb(void *arg, enum queue_result result, const char *what)
{
	struct session *s = arg;
	if (result == QUEUE_OK)
		latency_add(&s->srv->commit_latency, mono_us() - s->data_end_us);
	session_commit_done(s, result, what, s->pending_qid);
	server_session_resume(s->srv, s);
}

size_t data_input(struct session *s, const char *data, size_t len)
{
	struct data_reader *dr = &s->dr;
	size_t i = 0, run = 0; /* data[run..i) is plain text waiting to be appended */
	while (i < len && dr->st != D_END) {
		char c = data[i];
		switch (dr->st) {
		case D_BOL:
			if (c == '.') {
				body_append(s, data + run, i - run);
				run = i + 1; /* drop the first dot (RFC 5321 4.5.2) */
				dr->st = D_DOT;
				i++;
				continue;
			}
			dr->st = D_MID;
			continue; /* look at c again as mid-line */
		case D_MID: {
			const char *stop = memchr(data + i, '\r', len - i);
			const char *lf = memchr(data + i, '\n', stop ? (size_t)(stop - (data + i)) : len - i);
			if (lf) { /* a bare LF before any CR */
				dr->bare_eol = true;
				i = (size_t)(lf - data) + 1;
				continue;
			}
			if (stop == NULL) {
				i = len;
				continue;
			}
			i = (size_t)(stop - data) + 1;
			dr->st = D_CR;
			continue;
		}
		case D_CR:
			if (c == '\n') {
				dr->st = D_BOL;
				i++;
			} else {
				dr->bare_eol = true;
				dr->st = D_MID;
			}
			continue;
		case D_DOT:
			if (c == '\r') {
				dr->st = D_DOT_CR;
				i++;
			} else {
				dr->st = D_MID;
			}
			continue;
		case D_DOT_CR:
			if (c == '\n') {
				dr->st = D_END;
				i++;
				run = i; /* ".\r\n" is not part of the message */
			} else {
				/* ".\r" then something else: a bare CR. If the CR came in an earlier
				 * read it was held back (see below): give it back now. */
				if (i == run)
					body_append(s, "\r", 1);
				dr->bare_eol = true;
				dr->st = D_MID;
			}
			continue;
		}
	}
	if (dr->st != D_END) {
		/* keep a trailing "." or ".\r" out of the body until we know what follows */
		size_t keep = dr->st == D_DOT_CR ? 1 : 0;
		body_append(s, data + run, len - run - keep);
		return len;
	}
	/* run == i here: ".\r\n" consumed; the text before the dot was appended when the dot was seen */
	data_finish(s);
	return i;
}
