/* schedule.h - when to try an outbound recipient again, and when to give up: the
 * retry_schedule list (the last delay repeats), max_attempts and queue_lifetime.
 * No untrusted input. RFC 5321 4.5.4.1 (retry strategy), 4.5.5 (give-up time). */
#ifndef TERN_SCHEDULE_H
#define TERN_SCHEDULE_H

#include <stdbool.h>
#include <stdint.h>

#include "conf/conf.h"
#include "queue/envelope.h"

/* Seconds to wait after the attempts-th failed attempt (attempts >= 1). */
uint64_t schedule_delay(const struct conf *c, uint32_t attempts);

/* Fail r for good when it has used up max_attempts (if count_attempts: outbound only) or
 * the message its queue_lifetime: its last reply becomes "554 5.4.7 <why>; last error:
 * <reply>" (RFC 3463 X.4.7 says why we stop, the text keeps what went wrong for the
 * bounce) and its state RCPT_FAILED. Returns "max_attempts" or "queue_lifetime", or NULL
 * when it is to be tried again. Local and outbound delivery share this rule. */
const char *schedule_expire(const struct conf *c, uint64_t arrival_us, struct envelope_rcpt *r,
			    bool count_attempts, uint64_t now_us);

#endif
