/* schedule.c - retry delays and give-up rules of outbound delivery (see schedule.h). Local
 * Maildir deliveries keep their own doubling backoff from retry_min (queue.c): a Maildir that
 * cannot be written is a local fault that should be retried sooner than a remote server. */
#include "queue/schedule.h"

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

bool schedule_give_up(const struct conf *c, uint64_t arrival_us, uint32_t attempts, uint64_t now_us)
{
	if (c->max_attempts > 0 && attempts >= c->max_attempts)
		return true;
	return now_us > arrival_us && (now_us - arrival_us) / 1000000u >= c->queue_lifetime;
}
