/* outbound.h - the glue between the queue and the outbound client: takes one message with
 * the recipients that share a next hop, resolves the hop (MX, A/AAAA, RFC 5321 5.1), tries
 * the hosts in order, runs the SMTP/LMTP transaction and calls back once with a result per
 * recipient. Connections are kept per destination and reused for the next message to it.
 * Untrusted input: DNS answers and replies, handled by dns.c and smtpc.c. */
#ifndef TERN_OUTBOUND_H
#define TERN_OUTBOUND_H

#include <stdbool.h>
#include <stddef.h>

#include "conf/conf.h"
#include "deliver/route.h"
#include "deliver/smtpc.h"
#include "lib/buf.h"
#include "lib/event.h"

struct outbound_job {
	const char *qid;
	const char *sender;
	const char *data; /* CRLF lines, not dot-stuffed; valid until the callback */
	size_t len;
	bool body_8bit, smtputf8;
	struct route_hop hop;
	const char *const *rcpts; /* addresses, valid until the callback */
	size_t nrcpts;
};

struct outbound_result {
	int code;                              /* 250, 451, 550, 556... */
	char enhanced[16];                     /* "5.1.1" from the reply (RFC 3463), "" if none */
	char reply[SMTPC_REPLY_TEXT_MAX];      /* the remote reply, or a synthetic one */
	char remote_mta[ADDR_DOMAIN_MAX + 1];  /* the host that answered ("" if none) */
	char relay[SMTPC_RELAY_MAX];           /* "host[address]:port", or "none" */
};

/* Called once per job from the event loop, never from inside outbound_deliver. results has
 * job->nrcpts entries; results == NULL means the job was cancelled (shutdown): free arg. */
typedef void (*outbound_cb)(void *arg, const struct outbound_job *job, const struct outbound_result *results);

struct outbound;

struct outbound *outbound_new(struct event_loop *loop, struct conf *conf, struct buf *err);
void outbound_set_conf(struct outbound *o, struct conf *conf);
/* job is copied (not the strings it points to). */
void outbound_deliver(struct outbound *o, const struct outbound_job *job, outbound_cb cb, void *arg);
/* Close every connection; pending jobs get results == NULL. */
void outbound_free(struct outbound *o);

#endif
