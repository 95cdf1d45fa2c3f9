/* relay.h - the queue's side of outbound delivery: which recipients go out through
 * src/deliver/outbound (remote ones, and local ones whose domain has a routes entry such as
 * lmtp:), grouping them by next hop into one job per hop, and turning each per-recipient
 * result into the recipient's new state with its log line. No untrusted parsing. */
#ifndef TERN_RELAY_H
#define TERN_RELAY_H

#include <stdbool.h>
#include <stdint.h>

#include "conf/conf.h"
#include "deliver/outbound.h"
#include "queue/envelope.h"

struct relay_job {
	struct outbound_job job;
	void *owner;       /* the queue */
	struct envelope *env;
	size_t *idx;       /* recipient indexes of the job's recipients */
	const char **rcpts;
};

/* Does this recipient leave through outbound (not Maildir)? */
bool relay_is_outbound(const struct conf *c, const struct envelope_rcpt *r);
/* Hand every due outbound recipient of e to o, one job per next hop; each job marks its
 * recipients in flight and counts in e->inflight. cb gets a struct relay_job * as arg. */
void relay_start(struct outbound *o, const struct conf *c, struct envelope *e, uint64_t now_ms, void *owner,
		 outbound_cb cb);
/* Apply one result: 2xx delivered, 5xx failed, else pending with the next attempt from
 * retry_schedule, or failed when max_attempts/queue_lifetime are used up. Logs the attempt. */
void relay_apply(const struct conf *c, struct envelope *e, size_t idx, const struct outbound_result *res,
		 uint64_t now_ms);
void relay_job_free(struct relay_job *rj);
/* After recovery: an outbound recipient that was deferred keeps its schedule (the time of
 * its last attempt is in the spool), so a restart does not retry every destination at once. */
void relay_recover(const struct conf *c, struct envelope *e, uint64_t now_ms);

#endif
