/* smtpc.c - the outbound SMTP/LMTP client state machine (see smtpc.h). Everything is
 * non-blocking on the event loop; one timer covers the connect and each awaited reply
 * (RFC 5321 4.5.3.2). Replies from the peer are untrusted and parsed in a bounded buffer.
 * RFC 5321 (3.3, 4.1.1, 4.5.2 dot-stuffing), RFC 2033 (LMTP: one reply per recipient after
 * the final dot), RFC 2920 (pipelining), RFC 1870, RFC 6152, RFC 6531, RFC 3207. */
#include "deliver/smtpc.h"
#include "deliver/smtpc_tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/util.h"

#define SMTPC_IN_MAX (SMTPC_REPLY_LINE_MAX * (SMTPC_REPLY_LINES_MAX + 2))
#define SMTPC_BODY_CHUNK (64u * 1024) /* body bytes formatted per refill of the output */
#define SMTPC_OUT_MAX (4u * SMTPC_BODY_CHUNK + 64u * 1024)

enum smtpc_state {
	ST_CONNECTING,
	ST_GREETING,
	ST_EHLO,
	ST_HELO,
	ST_STARTTLS,
	ST_HANDSHAKE,
	ST_READY, /* idle between transactions */
	ST_TXN,   /* MAIL .. DATA replies */
	ST_BODY,  /* sending the body and waiting for the reply (replies) to the dot */
	ST_DEAD,
};

struct smtpc {
	struct event_loop *loop;
	int fd;
	SSL *ssl; /* NULL until STARTTLS */
	struct smtpc_params p;
	char relay[SMTPC_RELAY_MAX];
	enum smtpc_state st;
	struct buf in, out;
	struct event_timer timer;
	unsigned mask;
	unsigned ext;
	uint64_t size_limit;
	bool tls_done, tls_failed;
	smtpc_cb cb;
	void *arg;
	/* the transaction */
	const struct smtpc_msg *m;
	struct smtpc_result *res;
	bool *accepted;
	size_t naccepted;
	bool need_rset, pipelined;
	size_t base;         /* 1 when the sequence starts with RSET */
	size_t total;        /* commands in the sequence RSET? MAIL RCPT* DATA */
	size_t sent, answered;
	bool mail_ok;
	size_t body_off;
	bool body_bol, body_sent;
	size_t dot_next;     /* LMTP: index of the next accepted recipient to get a dot reply */
	bool local_done;     /* results were set locally; SMTPC_DONE comes from a zero timer */
	int err_code;
	char error[SMTPC_REPLY_TEXT_MAX];
};

static void smtpc_on_event(void *arg, unsigned events);
static void smtpc_on_timeout(void *arg);

static void set_mask(struct smtpc *c)
{
	unsigned want = EV_READ | (c->out.len > 0 || c->st == ST_CONNECTING ? EV_WRITE : 0);
	if (c->st == ST_CONNECTING)
		want = EV_WRITE;
	if (want != c->mask) {
		event_modify(c->loop, c->fd, want, smtpc_on_event, c);
		c->mask = want;
	}
}

static void arm(struct smtpc *c, uint64_t ms) { event_timer_set(c->loop, &c->timer, ms); }

static const char *stage_name(const struct smtpc *c)
{
	switch (c->st) {
	case ST_CONNECTING: return "connecting";
	case ST_GREETING: return "waiting for the greeting";
	case ST_EHLO: return c->p.lmtp ? "after LHLO" : "after EHLO";
	case ST_HELO: return "after HELO";
	case ST_STARTTLS: return "after STARTTLS";
	case ST_HANDSHAKE: return "in the TLS handshake";
	case ST_READY: return "while idle";
	case ST_TXN: return "during the transaction";
	case ST_BODY: return c->body_sent ? "after the end of data" : "sending the message";
	case ST_DEAD: return "after close";
	}
	return "?";
}

/* --- failing ---------------------------------------------------------------------------- */

/* The session cannot go on. reply is what the recipients without a final answer get. */
static void smtpc_die(struct smtpc *c, int code, const char *reply)
{
	enum smtpc_state was = c->st;
	c->st = ST_DEAD;
	event_timer_cancel(c->loop, &c->timer);
	c->err_code = code;
	str_copy(c->error, reply, sizeof(c->error));
	if (was == ST_TXN || was == ST_BODY) {
		/* RFC 5321 3.8, 4.1.1.5: nothing counts as delivered without the reply to the dot */
		for (size_t i = 0; i < c->m->nrcpts; i++)
			if (c->res[i].code == 0 || (c->accepted[i] && c->res[i].code / 100 == 2)) {
				c->res[i].code = code;
				str_copy(c->res[i].reply, reply, sizeof(c->res[i].reply));
				c->res[i].remote = false;
			}
		c->cb(c->arg, c, SMTPC_DONE);
	} else if (was == ST_READY) {
		c->cb(c->arg, c, SMTPC_CLOSED);
	} else {
		c->cb(c->arg, c, SMTPC_FAILED);
	}
}

static void smtpc_lost(struct smtpc *c, const char *why)
{
	char r[SMTPC_REPLY_TEXT_MAX];
	snprintf(r, sizeof(r), "451 4.4.2 %s %s %s", why, c->relay, stage_name(c));
	smtpc_die(c, 451, r);
}

/* --- output ----------------------------------------------------------------------------- */

static ssize_t io_write(struct smtpc *c, const char *p, size_t n)
{
	return c->ssl ? smtpc_tls_write(c->ssl, p, n) : send(c->fd, p, n, MSG_NOSIGNAL);
}

static ssize_t io_read(struct smtpc *c, char *p, size_t n)
{
	return c->ssl ? smtpc_tls_read(c->ssl, p, n) : recv(c->fd, p, n, 0);
}

/* Format more of the body into the output: dot-stuffing (RFC 5321 4.5.2), then ".". */
static void body_fill(struct smtpc *c)
{
	if (c->st != ST_BODY || c->body_sent || c->out.len >= SMTPC_BODY_CHUNK)
		return;
	const char *d = c->m->data;
	size_t len = c->m->len, end = c->body_off + SMTPC_BODY_CHUNK;
	if (end > len)
		end = len;
	while (c->body_off < end) {
		if (c->body_bol && d[c->body_off] == '.' && buf_append_char(&c->out, '.') < 0)
			return;
		const char *lf = memchr(d + c->body_off, '\n', end - c->body_off);
		size_t n = lf ? (size_t)(lf - (d + c->body_off)) + 1 : end - c->body_off;
		if (buf_append(&c->out, d + c->body_off, n) < 0)
			return;
		c->body_off += n;
		c->body_bol = lf != NULL;
	}
	if (c->body_off == len) {
		/* the stored message ends with CRLF; if not, end its last line first */
		if (len > 0 && !c->body_bol)
			buf_append(&c->out, "\r\n", 2);
		buf_append(&c->out, ".\r\n", 3);
		c->body_sent = true;
	}
}

/* Write what we can; 0, or -1 after the session died. */
static int flush(struct smtpc *c)
{
	for (;;) {
		body_fill(c);
		if (c->out.len == 0)
			break;
		ssize_t n = io_write(c, c->out.data, c->out.len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			smtpc_lost(c, "lost connection with");
			return -1;
		}
		buf_consume(&c->out, (size_t)n);
		if (c->st == ST_BODY && !c->body_sent)
			arm(c, c->p.reply_timeout_ms); /* a slow but moving body is not a timeout */
	}
	set_mask(c);
	return 0;
}

static void cmd(struct smtpc *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void cmd(struct smtpc *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&c->out, fmt, ap);
	va_end(ap);
	buf_append(&c->out, "\r\n", 2);
}

/* --- setup ------------------------------------------------------------------------------ */

static void send_ehlo(struct smtpc *c)
{
	c->ext = 0;
	c->size_limit = 0;
	cmd(c, "%s %s", c->p.lmtp ? "LHLO" : "EHLO", c->p.helo);
	c->st = ST_EHLO;
	arm(c, c->p.reply_timeout_ms);
}

static void ready(struct smtpc *c)
{
	c->st = ST_READY;
	event_timer_cancel(c->loop, &c->timer);
	c->cb(c->arg, c, SMTPC_READY);
}

static int handshake(struct smtpc *c)
{
	int want_write = 0;
	char why[160], r[SMTPC_REPLY_TEXT_MAX];
	int rc = smtpc_tls_handshake(c->ssl, &want_write, why, sizeof(why));
	if (rc == 1) {
		c->tls_done = true;
		send_ehlo(c); /* RFC 3207 4.2: forget what we knew, ask again */
		return flush(c);
	}
	if (rc == 0) {
		unsigned want = want_write ? EV_READ | EV_WRITE : EV_READ;
		if (want != c->mask) {
			event_modify(c->loop, c->fd, want, smtpc_on_event, c);
			c->mask = want;
		}
		return 0;
	}
	c->tls_failed = true;
	snprintf(r, sizeof(r), "451 4.7.5 TLS handshake with %s failed: %s", c->relay, why);
	smtpc_die(c, 451, r);
	return -1;
}

static int start_tls(struct smtpc *c)
{
	if ((c->ssl = smtpc_tls_new(c->fd, c->p.name)) == NULL) {
		c->tls_failed = true;
		smtpc_die(c, 451, "451 4.7.5 cannot set up TLS (OpenSSL)");
		return -1;
	}
	c->st = ST_HANDSHAKE;
	arm(c, c->p.reply_timeout_ms);
	return handshake(c);
}

/* --- the transaction -------------------------------------------------------------------- */

static bool has_non_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return true;
	return false;
}

/* Command number k of the sequence RSET? MAIL RCPT* DATA. */
static void send_seq(struct smtpc *c, size_t k)
{
	const struct smtpc_msg *m = c->m;
	if (k < c->base) {
		cmd(c, "RSET");
	} else if (k == c->base) {
		char params[96] = "";
		size_t o = 0;
		if (c->ext & SMTPC_EXT_SIZE)
			o += (size_t)snprintf(params + o, sizeof(params) - o, " SIZE=%zu", m->len);
		if (m->body_8bit && (c->ext & SMTPC_EXT_8BITMIME) && o < sizeof(params))
			o += (size_t)snprintf(params + o, sizeof(params) - o, " BODY=8BITMIME");
		if (m->smtputf8 && (c->ext & SMTPC_EXT_SMTPUTF8) && o < sizeof(params))
			snprintf(params + o, sizeof(params) - o, " SMTPUTF8");
		cmd(c, "MAIL FROM:<%s>%s", m->sender, params);
	} else if (k - c->base - 1 < m->nrcpts) {
		cmd(c, "RCPT TO:<%s>", m->rcpts[k - c->base - 1]);
	} else {
		cmd(c, "DATA");
	}
	c->sent = k + 1;
}

static void set_result(struct smtpc_result *r, const struct smtpc_reply *rep)
{
	r->code = rep->code;
	str_copy(r->reply, rep->text, sizeof(r->reply));
	r->remote = true;
}

static void local_result(struct smtpc *c, int code, const char *text)
{
	for (size_t i = 0; i < c->m->nrcpts; i++) {
		c->res[i].code = code;
		str_copy(c->res[i].reply, text, sizeof(c->res[i].reply));
		c->res[i].remote = false;
	}
}

static void txn_done(struct smtpc *c)
{
	c->st = ST_READY;
	event_timer_cancel(c->loop, &c->timer);
	c->cb(c->arg, c, SMTPC_DONE);
}

void smtpc_send(struct smtpc *c, const struct smtpc_msg *m, struct smtpc_result *results)
{
	c->m = m;
	c->res = results;
	memset(results, 0, m->nrcpts * sizeof(*results));
	free(c->accepted);
	c->accepted = xcalloc(m->nrcpts ? m->nrcpts : 1, sizeof(bool));
	c->naccepted = 0;
	c->mail_ok = false;
	c->body_off = 0;
	c->body_bol = true;
	c->body_sent = false;
	c->dot_next = 0;
	c->st = ST_TXN;
	/* refusals we can make without asking the peer */
	char r[SMTPC_REPLY_TEXT_MAX];
	if (c->size_limit > 0 && m->len > c->size_limit) {
		snprintf(r, sizeof(r), "552 5.3.4 message size %zu exceeds the limit of %llu of %s", m->len,
			 (unsigned long long)c->size_limit, c->relay);
		local_result(c, 552, r);
		c->local_done = true;
		arm(c, 0);
		return;
	}
	bool needs_utf8 = m->smtputf8 && (has_non_ascii(m->sender) || (m->nrcpts && has_non_ascii(m->rcpts[0])));
	for (size_t i = 0; i < m->nrcpts && !needs_utf8; i++)
		needs_utf8 = m->smtputf8 && has_non_ascii(m->rcpts[i]);
	if (needs_utf8 && !(c->ext & SMTPC_EXT_SMTPUTF8)) {
		snprintf(r, sizeof(r), "553 5.6.7 %s does not support SMTPUTF8, needed for a non-ASCII address", c->relay);
		local_result(c, 553, r);
		c->local_done = true;
		arm(c, 0);
		return;
	}
	c->base = c->need_rset ? 1 : 0;
	c->need_rset = true; /* whatever happens now, the next transaction starts clean */
	c->total = c->base + m->nrcpts + 2;
	c->sent = c->answered = 0;
	c->pipelined = (c->ext & SMTPC_EXT_PIPELINING) != 0;
	if (c->pipelined)
		while (c->sent < c->total)
			send_seq(c, c->sent);
	else
		send_seq(c, 0);
	arm(c, c->p.reply_timeout_ms);
	/* written from the loop: a write error must not call back from inside smtpc_send */
	set_mask(c);
}

/* A reply to command k of the sequence; 0 go on, -1 the session died or finished. */
static int txn_reply(struct smtpc *c, const struct smtpc_reply *rep)
{
	const struct smtpc_msg *m = c->m;
	size_t k = c->answered++;
	if (rep->code == 421) {
		/* RFC 5321 3.8: the server is closing; whatever was not confirmed stays pending */
		smtpc_die(c, 421, rep->text);
		return -1;
	}
	if (k < c->base) {
		/* RSET: nothing to record */
	} else if (k == c->base) {
		c->mail_ok = rep->code / 100 == 2;
		if (!c->mail_ok)
			for (size_t i = 0; i < m->nrcpts; i++)
				set_result(&c->res[i], rep);
	} else if (k - c->base - 1 < m->nrcpts) {
		size_t i = k - c->base - 1;
		if (c->mail_ok) {
			if (rep->code / 100 == 2) {
				c->accepted[i] = true;
				c->naccepted++;
			} else {
				set_result(&c->res[i], rep);
			}
		}
	} else { /* DATA */
		if (rep->code == 354) {
			if (c->naccepted == 0) {
				/* RFC 2920 3.1: the server should have refused DATA; send an empty body */
				buf_append(&c->out, ".\r\n", 3);
				c->body_sent = true;
				c->st = ST_BODY;
				arm(c, c->p.reply_timeout_ms);
				return flush(c);
			}
			c->st = ST_BODY;
			arm(c, c->p.reply_timeout_ms);
			return flush(c);
		}
		for (size_t i = 0; i < m->nrcpts; i++)
			if (c->accepted[i])
				set_result(&c->res[i], rep);
		txn_done(c);
		return -1;
	}
	if (c->answered == c->total - 1 && !c->pipelined && (!c->mail_ok || c->naccepted == 0)) {
		/* without pipelining there is no point in DATA now: every answer is in */
		txn_done(c);
		return -1;
	}
	if (!c->pipelined) {
		if (k == c->base && !c->mail_ok) {
			txn_done(c);
			return -1;
		}
		send_seq(c, c->sent);
		arm(c, c->p.reply_timeout_ms);
		return flush(c);
	}
	arm(c, c->p.reply_timeout_ms);
	return 0;
}

/* A reply after the final dot: one for SMTP, one per accepted recipient for LMTP. */
static int dot_reply(struct smtpc *c, const struct smtpc_reply *rep)
{
	const struct smtpc_msg *m = c->m;
	if (c->naccepted == 0) { /* the empty body after a wrong 354 */
		txn_done(c);
		return -1;
	}
	if (!c->p.lmtp) {
		if (rep->code == 421) {
			smtpc_die(c, 421, rep->text);
			return -1;
		}
		for (size_t i = 0; i < m->nrcpts; i++)
			if (c->accepted[i])
				set_result(&c->res[i], rep);
		txn_done(c);
		return -1;
	}
	while (c->dot_next < m->nrcpts && !c->accepted[c->dot_next])
		c->dot_next++;
	if (c->dot_next < m->nrcpts) {
		set_result(&c->res[c->dot_next], rep);
		c->accepted[c->dot_next] = false; /* answered for good */
		c->dot_next++;
	}
	while (c->dot_next < m->nrcpts && !c->accepted[c->dot_next])
		c->dot_next++;
	if (c->dot_next >= m->nrcpts) {
		txn_done(c);
		return -1;
	}
	arm(c, c->p.reply_timeout_ms);
	return 0;
}

/* --- replies ---------------------------------------------------------------------------- */

static int on_reply(struct smtpc *c, const struct smtpc_reply *rep)
{
	switch (c->st) {
	case ST_GREETING:
		if (rep->code / 100 != 2) {
			smtpc_die(c, rep->code, rep->text);
			return -1;
		}
		send_ehlo(c);
		return flush(c);
	case ST_EHLO:
		if (rep->code / 100 != 2) {
			if (rep->code / 100 == 5 && !c->p.lmtp) { /* RFC 5321 3.2: an old server; say HELO */
				cmd(c, "HELO %s", c->p.helo);
				c->st = ST_HELO;
				arm(c, c->p.reply_timeout_ms);
				return flush(c);
			}
			smtpc_die(c, rep->code, rep->text);
			return -1;
		}
		c->ext = rep->ext;
		c->size_limit = rep->size_limit;
		if ((c->ext & SMTPC_EXT_STARTTLS) && c->p.try_tls && !c->tls_done) {
			cmd(c, "STARTTLS");
			c->st = ST_STARTTLS;
			arm(c, c->p.reply_timeout_ms);
			return flush(c);
		}
		ready(c);
		return -1;
	case ST_HELO:
		if (rep->code / 100 != 2) {
			smtpc_die(c, rep->code, rep->text);
			return -1;
		}
		c->ext = 0;
		ready(c);
		return -1;
	case ST_STARTTLS:
		if (rep->code != 220) {
			ready(c); /* opportunistic: go on in plain text */
			return -1;
		}
		if (c->in.len > 0) { /* bytes after the 220 before TLS: a command-injection attempt */
			smtpc_lost(c, "plain-text data after STARTTLS from");
			return -1;
		}
		start_tls(c);
		return -1; /* what follows is TLS, read by the handshake */
	case ST_TXN:
		return txn_reply(c, rep);
	case ST_BODY:
		if (!c->body_sent) {
			smtpc_lost(c, "early reply from");
			return -1;
		}
		return dot_reply(c, rep);
	case ST_READY:
		if (rep->code == 421) {
			smtpc_die(c, 421, rep->text);
			return -1;
		}
		smtpc_lost(c, "unexpected reply from");
		return -1;
	default:
		return -1;
	}
}

/* Read and handle replies; 0 go on, -1 the session died or handed control to the callback. */
static int on_input(struct smtpc *c)
{
	for (;;) {
		char *dst = buf_reserve(&c->in, 4096);
		if (dst == NULL) {
			smtpc_lost(c, "reply too long from");
			return -1;
		}
		ssize_t n = io_read(c, dst, 4096);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			smtpc_lost(c, n == 0 ? "connection closed by" : "lost connection with");
			return -1;
		}
		c->in.len += (size_t)n;
		if (!c->ssl)
			break;
	}
	while (c->in.len > 0) {
		struct smtpc_reply rep;
		size_t used = 0;
		enum smtpc_reply_status s = smtpc_reply_parse(c->in.data, c->in.len, &rep, &used);
		if (s == SMTPC_REPLY_INCOMPLETE)
			break;
		if (s == SMTPC_REPLY_BAD) {
			smtpc_lost(c, "protocol error (malformed reply) from");
			return -1;
		}
		buf_consume(&c->in, used);
		if (on_reply(c, &rep) < 0)
			return -1;
	}
	return 0;
}

static void smtpc_on_event(void *arg, unsigned events)
{
	struct smtpc *c = arg;
	if (c->st == ST_DEAD)
		return;
	if (c->st == ST_CONNECTING) {
		int err = 0;
		socklen_t len = sizeof(err);
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err) {
			char r[SMTPC_REPLY_TEXT_MAX];
			snprintf(r, sizeof(r), "451 4.4.1 connect to %s: %s", c->relay, strerror(err));
			smtpc_die(c, 451, r);
			return;
		}
		c->st = ST_GREETING;
		arm(c, c->p.connect_timeout_ms);
		set_mask(c);
		return;
	}
	if (c->st == ST_HANDSHAKE) {
		handshake(c);
		return;
	}
	if ((events & EV_WRITE) && flush(c) < 0)
		return;
	if (events & EV_READ)
		on_input(c);
}

static void smtpc_on_timeout(void *arg)
{
	struct smtpc *c = arg;
	if (c->st == ST_DEAD) { /* the connect failed at once: report it from the loop */
		c->cb(c->arg, c, SMTPC_FAILED);
		return;
	}
	if (c->local_done) { /* smtpc_send answered without asking the peer */
		c->local_done = false;
		txn_done(c);
		return;
	}
	char r[SMTPC_REPLY_TEXT_MAX];
	uint64_t ms = c->st == ST_CONNECTING || c->st == ST_GREETING ? c->p.connect_timeout_ms : c->p.reply_timeout_ms;
	snprintf(r, sizeof(r), "451 4.4.2 %s timed out after %llus %s", c->relay, (unsigned long long)(ms / 1000),
		 stage_name(c));
	smtpc_die(c, 451, r);
}

/* --- life cycle ------------------------------------------------------------------------- */

static void format_relay(struct smtpc *c, const struct sockaddr *sa)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
		port = ntohs(s4->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
		port = ntohs(s6->sin6_port);
	} else {
		snprintf(c->relay, sizeof(c->relay), "%s", c->p.name);
		return;
	}
	snprintf(c->relay, sizeof(c->relay), "%s[%s]:%u", c->p.name, ip, port);
}

struct smtpc *smtpc_connect(struct event_loop *loop, const struct sockaddr *sa, socklen_t salen,
			    const struct smtpc_params *p, smtpc_cb cb, void *arg)
{
	struct smtpc *c = xcalloc(1, sizeof(*c));
	c->loop = loop;
	c->p = *p;
	c->cb = cb;
	c->arg = arg;
	buf_init(&c->in, SMTPC_IN_MAX);
	buf_init(&c->out, SMTPC_OUT_MAX);
	event_timer_init(&c->timer, smtpc_on_timeout, c);
	format_relay(c, sa);
	c->st = ST_CONNECTING;
	c->fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int err = c->fd < 0 ? errno : 0;
	if (c->fd >= 0 && connect(c->fd, sa, salen) < 0 && errno != EINPROGRESS)
		err = errno;
	if (c->fd >= 0 && !err) {
		c->mask = EV_WRITE;
		if (event_add(loop, c->fd, EV_WRITE, smtpc_on_event, c) < 0)
			err = errno;
	}
	if (err) {
		/* report from the loop, never from inside this call: a zero-delay timer */
		snprintf(c->error, sizeof(c->error), "451 4.4.1 connect to %s: %s", c->relay, strerror(err));
		c->err_code = 451;
		c->st = ST_DEAD;
		if (c->fd >= 0) {
			close(c->fd);
			c->fd = -1;
		}
	}
	arm(c, c->st == ST_DEAD ? 0 : p->connect_timeout_ms);
	return c;
}

void smtpc_set_cb(struct smtpc *c, smtpc_cb cb, void *arg)
{
	c->cb = cb;
	c->arg = arg;
}

void smtpc_close(struct smtpc *c)
{
	if (c == NULL)
		return;
	event_timer_cancel(c->loop, &c->timer);
	if (c->fd >= 0) {
		if (c->st == ST_READY && c->out.len == 0) {
			/* RFC 5321 4.1.1.10; best effort: we do not wait for the 221, and a peer that is
			 * gone already needs no goodbye */
			static const char quit[] = "QUIT\r\n";
			(void)io_write(c, quit, sizeof(quit) - 1);
			smtpc_tls_free(c->ssl, 1);
			c->ssl = NULL;
		}
		event_del(c->loop, c->fd);
		close(c->fd);
	}
	smtpc_tls_free(c->ssl, 0);
	buf_free(&c->in);
	buf_free(&c->out);
	free(c->accepted);
	free(c);
}

bool smtpc_usable(const struct smtpc *c) { return c->st == ST_READY; }
bool smtpc_tls_failed(const struct smtpc *c) { return c->tls_failed; }
bool smtpc_tls_active(const struct smtpc *c) { return c->tls_done; }
const char *smtpc_error(const struct smtpc *c) { return c->error; }
int smtpc_error_code(const struct smtpc *c) { return c->err_code; }
const char *smtpc_relay(const struct smtpc *c) { return c->relay; }
const char *smtpc_name(const struct smtpc *c) { return c->p.name; }
