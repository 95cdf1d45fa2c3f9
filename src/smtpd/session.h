/* session.h - one SMTP session (RFC 5321) on the receiving side: its state, buffers and
 * transaction. Parses untrusted input. The protocol core (session_input) needs no socket:
 * bytes in, replies appended to s->out; server.c moves the bytes, tests call it directly. */
#ifndef TERN_SESSION_H
#define TERN_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "lib/buf.h"
#include "lib/event.h"
#include "lib/reply.h"
#include "queue/envelope.h"

enum session_state {
	SESS_INIT,    /* greeted; HELO/EHLO not yet seen */
	SESS_READY,   /* after HELO/EHLO, no transaction */
	SESS_MAIL,    /* after MAIL */
	SESS_RCPT,    /* at least one RCPT accepted */
	SESS_DATA,    /* reading the message */
	SESS_COMMIT,  /* waiting for the queue to make the message durable */
	SESS_CLOSING, /* a 221 or 421 was queued; nothing more is read */
};

/* The DATA reader (cmd_data.c): only CRLF.CRLF ends the message (no SMTP smuggling). */
struct data_reader {
	int st;
	bool too_big;
	bool bare_eol;
	uint64_t size;
	size_t body_start; /* offset in env->data after our Received: header */
};

/* The AUTH exchange in progress (auth.c), RFC 4954 4. */
enum auth_step { AUTH_NONE, AUTH_PLAIN_WAIT, AUTH_LOGIN_USER, AUTH_LOGIN_PASS };

#define AUTH_NAME_MAX 255 /* RFC 4616 2: authcid is at most 255 octets */

struct server;
struct ssl_st;

struct session {
	struct server *srv;
	struct conf *conf; /* the configuration this session started with (ref held) */
	int fd;
	char id[SESSION_ID_LEN + 1];
	char client_ip[64];
	enum listen_role role;
	enum session_state state;
	bool esmtp;
	bool discarding_long_line; /* inside a command line over 512 octets */
	bool output_paused; /* replies piled up past SESSION_OUT_PAUSE: input waits until they drain */
	uint64_t data_end_us; /* when the end-of-data dot was read (commit latency) */
	char helo[SMTP_HELO_MAX + 1];
	unsigned errors;
	struct buf in, out;
	struct event_timer idle;
	unsigned io_mask;
	/* TLS (tls.c; server.c drives it): the session core only sets starttls_pending */
	struct ssl_st *ssl;
	bool tls;              /* TLS is up on this connection */
	bool tls_offered;      /* TLS is configured and this is not the local socket */
	bool tls_implicit;     /* submissions: greet after the handshake */
	bool tls_handshaking;
	bool starttls_pending; /* 220 queued: the rest of the input is discarded, then handshake */
	unsigned tls_want;     /* EV_READ/EV_WRITE the TLS layer waits for */
	struct event_timer tls_kick; /* read again: OpenSSL holds decrypted bytes */
	/* AUTH (auth.c) */
	enum auth_step auth_step;
	char *auth_user; /* the authenticated users-file address; NULL before AUTH */
	char auth_login_name[AUTH_NAME_MAX + 1];
	/* the transaction */
	struct envelope *env;
	size_t rcpts_tried;
	size_t rcpts_accepted;
	struct data_reader dr;
	uint64_t messages;
	char pending_qid[QUEUE_ID_LEN + 1];
	struct session *prev, *next;
};

/* Create the protocol state for a new connection; greets (or refuses with 421 when
 * refuse != REPLY_NONE). */
void session_init(struct session *s, struct server *srv, struct conf *conf, const char *client_ip,
		  enum listen_role role);
void session_cleanup(struct session *s);
/* Feed bytes from the client; returns the bytes consumed (the rest must be kept and fed
 * again when the session can go on, e.g. after a commit). Replies go to s->out. */
size_t session_input(struct session *s, const char *data, size_t len);
/* Append one reply to s->out (and count errors; may queue 421 on error_limit). */
void session_reply(struct session *s, struct reply r);
void session_reply_id(struct session *s, enum reply_id id, const char *arg);
/* The only function that changes s->state. */
void session_set_state(struct session *s, enum session_state st);
/* Drop the transaction (RSET, end of message, 421). */
void session_reset_transaction(struct session *s);
/* Server-initiated close: "421 ..." then close once flushed. */
void session_close_with(struct session *s, enum reply_id id);
/* TLS is up (after STARTTLS or on a submissions port): forget what was said in plaintext
 * (RFC 3207 4.2): back to SESS_INIT, the client must EHLO again. */
void session_tls_started(struct session *s);
/* May this session relay to foreign domains (authenticated, local socket, relay_networks)? */
bool session_may_relay(const struct session *s);
/* The queue's answer to a commit (cmd_data.c). */
void session_commit_done(struct session *s, int result, const char *what, const char *qid);

#endif
