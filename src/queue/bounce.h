/* bounce.h - delivery status notifications (RFC 3464, RFC 3462 multipart/report): the
 * message tern sends back to the envelope sender when recipients failed (Action: failed) or
 * are still being retried after delay_warning_time (Action: delayed). The first part says
 * in plain words, from src/explain/, what went wrong and what the sender can do. Pure: it
 * builds bytes from an envelope; the queue decides when and commits the result. */
#ifndef TERN_BOUNCE_H
#define TERN_BOUNCE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "queue/envelope.h"

enum bounce_action { BOUNCE_FAILED, BOUNCE_DELAYED };

/* Original headers attached to a bounce are cut at this many bytes (RFC 3462 allows
 * text/rfc822-headers; a whole header section of a hostile message can be huge). */
#define BOUNCE_HEADERS_MAX (64 * 1024)

struct bounce_info {
	const char *hostname;    /* Reporting-MTA and the From: address's domain */
	const char *bounce_id;   /* the bounce's own queue id (Message-ID, boundary) */
	uint64_t now_us;         /* wall clock: Date:, Last-Attempt-Date */
	uint64_t retry_until_us; /* delayed: Will-Retry-Until */
};

/* Build the whole notification (headers and MIME body, CRLF line ends) for the recipients
 * of orig whose indexes are idx[0..n), into out. Returns 0, or -1 if out is full. */
int bounce_build(struct buf *out, const struct envelope *orig, const size_t *idx, size_t n,
		 enum bounce_action action, const struct bounce_info *info);

/* The RFC 3464 Status ("x.y.z") for a stored last reply ("550 5.1.1 text"): its enhanced
 * code, else the class of its basic code ("5.0.0"), else "4.0.0"/"5.0.0" by default. */
void bounce_status(const char *reply, char status[16]);

#endif
