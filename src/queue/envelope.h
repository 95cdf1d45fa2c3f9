/* envelope.h - one message as the queue knows it: who sent it, to whom, from where, its
 * per-recipient delivery state and its content. Built by the session, owned by the queue
 * once committed. No parsing here. */
#ifndef TERN_ENVELOPE_H
#define TERN_ENVELOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/limits.h"

enum rcpt_kind { RCPT_LOCAL = 0, RCPT_REMOTE = 1 };
enum rcpt_state { RCPT_PENDING = 0, RCPT_DELIVERED = 1, RCPT_FAILED = 2 };

struct envelope_rcpt {
	char *orig;    /* the address the client gave in RCPT TO (DSN Original-Recipient) */
	char *address; /* final address after alias expansion, "local@domain" */
	enum rcpt_kind kind;
	enum rcpt_state state;
	uint32_t attempts;
	uint64_t next_attempt_ms; /* monotonic; 0 = now */
	char *last_reply;         /* last reply or local error, for logs, `tern queue` and bounces */
	uint64_t last_attempt_us; /* wall clock of the last attempt; 0 = none yet */
	char *remote_mta;         /* the server that gave last_reply (DSN Remote-MTA); NULL if local */
	bool bounced;             /* a failure notice naming this recipient was queued */
	bool delay_warned;        /* a delay notice naming this recipient was queued */
};

struct envelope {
	char id[QUEUE_ID_LEN + 1];
	uint64_t arrival_us; /* wall clock */
	char *sender;        /* "" for the null reverse-path */
	char *client_ip;
	char *helo;
	bool smtputf8;
	bool body_8bit;
	struct envelope_rcpt *rcpts;
	size_t nrcpts, rcpt_cap;
	/* The message as stored: our Received: header, then the client's bytes after
	 * dot-unstuffing, CRLF line ends. */
	struct buf data;
	/* queue bookkeeping */
	uint32_t segment;     /* segment that holds the MSG record */
	uint64_t offset;      /* record offset in that segment */
	bool held;
	unsigned inflight; /* deliveries running on worker threads */
	struct envelope *next_live; /* hash chain of live messages */
};

struct envelope *envelope_new(void);
void envelope_free(struct envelope *e);
/* Add a recipient (copies the strings). */
struct envelope_rcpt *envelope_add_rcpt(struct envelope *e, const char *orig, const char *address,
					enum rcpt_kind kind);
size_t envelope_pending(const struct envelope *e);

#endif
