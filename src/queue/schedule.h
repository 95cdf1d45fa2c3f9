/* schedule.h - when to try an outbound recipient again, and when to give up: the
 * retry_schedule list (the last delay repeats), max_attempts and queue_lifetime.
 * No untrusted input. RFC 5321 4.5.4.1 (retry strategy), 4.5.5 (give-up time). */
#ifndef TERN_SCHEDULE_H
#define TERN_SCHEDULE_H

#include <stdbool.h>
#include <stdint.h>

#include "conf/conf.h"

/* Seconds to wait after the attempts-th failed attempt (attempts >= 1). */
uint64_t schedule_delay(const struct conf *c, uint32_t attempts);
/* Has the recipient used up its attempts or the message its lifetime? */
bool schedule_give_up(const struct conf *c, uint64_t arrival_us, uint32_t attempts, uint64_t now_us);

#endif
