/* schedule.c - retry delays of outbound delivery and the give-up rule of every delivery (see
 * schedule.h). Local Maildir deliveries keep their own doubling backoff from retry_min
 * (queue.c): a Maildir that cannot be written is a local fault that should be retried sooner
 * than a remote server. */
#include "queue/schedule.h"

#include "lib/util.h"

#include <stdlib.h>

#include <stdio.h>

uint64_t schedule_delay(const struct conf *c, uint32_t attempts)
{
	const struct conf_list *l = &c->retry_schedule;
	if (l->count == 0)
		return 300;
	size_t i = attempts == 0 ? 0 : attempts - 1;
	if (i >= l->count)
		i = l->count - 1;
	uint64_t s;
	if (conf_parse_duration(l->items[i], &s) < 0 || s == 0)
		s = 300; /* checked at load; never reached */
	return s;
}

const char *schedule_expire(const struct conf *c, uint64_t arrival_us, struct envelope_rcpt *r,
			    bool count_attempts, uint64_t now_us)
{
	bool too_many = count_attempts && c->max_attempts > 0 && r->attempts >= c->max_attempts;
	bool too_old = now_us > arrival_us && (now_us - arrival_us) / 1000000u >= c->queue_lifetime;
	if (!too_many && !too_old)
		return NULL;
	char final[1200];
	snprintf(final, sizeof(final), "554 5.4.7 %s; last error: %s",
		 too_many ? "too many delivery attempts (max_attempts)" : "delivery time expired (queue_lifetime)",
		 r->last_reply ? r->last_reply : "none");
	free(r->last_reply);
	r->last_reply = xstrdup(final);
	r->state = RCPT_FAILED;
	return too_many ? "max_attempts" : "queue_lifetime";
}
