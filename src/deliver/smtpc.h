/* smtpc.h - one outbound SMTP or LMTP client connection on the event loop: connect with a
 * timeout, greeting, EHLO/LHLO (HELO fallback), opportunistic STARTTLS, then transactions
 * (MAIL, RCPT, DATA, pipelined when offered, dot-stuffed body) with a result per recipient,
 * several per connection (RSET in between). Replies are untrusted input, parsed by
 * smtpc_reply.c in bounded buffers. RFC 5321, RFC 2033 (LMTP), RFC 2920, RFC 1870, RFC 6152,
 * RFC 6531, RFC 3207. */
#ifndef TERN_SMTPC_H
#define TERN_SMTPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "deliver/smtpc_reply.h"
#include "lib/event.h"
#include "lib/limits.h"

#define SMTPC_RELAY_MAX (ADDR_DOMAIN_MAX + 80) /* "host[address]:port" */

struct smtpc_params {
	bool lmtp;
	bool try_tls;                   /* STARTTLS when offered */
	const char *helo;               /* our name in EHLO/LHLO */
	uint64_t connect_timeout_ms;    /* connect and greeting */
	uint64_t reply_timeout_ms;      /* every other reply (RFC 5321 4.5.3.2) */
	char name[ADDR_DOMAIN_MAX + 1]; /* the peer's host name (or socket path): logs, SNI, Remote-MTA */
};

struct smtpc_msg {
	const char *sender;        /* "" for the null reverse-path */
	const char *const *rcpts;
	size_t nrcpts;
	const char *data;          /* CRLF lines, not dot-stuffed */
	size_t len;
	bool body_8bit, smtputf8;
};

struct smtpc_result {
	int code;                          /* 250, 451, 550... */
	char reply[SMTPC_REPLY_TEXT_MAX];  /* "550 5.1.1 text", the peer's or a synthetic one */
	bool remote;                       /* the reply came from the peer */
};

enum smtpc_event {
	SMTPC_READY,  /* connected and greeted: smtpc_send may be called */
	SMTPC_FAILED, /* the session could not be set up: smtpc_error(); the caller closes it */
	SMTPC_DONE,   /* the transaction finished: every result is set; smtpc_usable() for reuse */
	SMTPC_CLOSED, /* the peer closed an idle session; the caller closes it */
};

struct smtpc;
typedef void (*smtpc_cb)(void *arg, struct smtpc *c, enum smtpc_event ev);

/* Start a connection; the callback gets SMTPC_READY or SMTPC_FAILED, never before this
 * returns. sa is copied. */
struct smtpc *smtpc_connect(struct event_loop *loop, const struct sockaddr *sa, socklen_t salen,
			    const struct smtpc_params *p, smtpc_cb cb, void *arg);
void smtpc_set_cb(struct smtpc *c, smtpc_cb cb, void *arg);
/* Send one message on a READY (or DONE and usable) session. results[nrcpts] is filled before
 * SMTPC_DONE; m and the strings it points to must stay valid until then. */
void smtpc_send(struct smtpc *c, const struct smtpc_msg *m, struct smtpc_result *results);
/* QUIT (when the session is usable), close and free. No callback after this. */
void smtpc_close(struct smtpc *c);

bool smtpc_usable(const struct smtpc *c);
bool smtpc_tls_failed(const struct smtpc *c); /* FAILED because the TLS handshake failed */
bool smtpc_tls_active(const struct smtpc *c);
/* The reply that made the session fail ("451 4.4.1 connect to ...: Connection refused"). */
const char *smtpc_error(const struct smtpc *c);
int smtpc_error_code(const struct smtpc *c);
const char *smtpc_relay(const struct smtpc *c); /* "host[address]:port" */
const char *smtpc_name(const struct smtpc *c);

#endif
