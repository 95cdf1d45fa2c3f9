/* received.h - the trace header tern adds to every message it accepts (RFC 5321 4.4),
 * and the count of Received: headers already in a message (loop detection, 6.3). */
#ifndef TERN_RECEIVED_H
#define TERN_RECEIVED_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/buf.h"
#include "queue/envelope.h"

/* Append "Received: from HELO ([ip]) by HOST (tern) with PROTO id QID [for <rcpt>]; DATE\r\n";
 * PROTO is SMTP, ESMTP, ESMTPS, ESMTPA, ESMTPSA or the UTF8SMTP forms (RFC 3848, 6531). */
int received_header(struct buf *out, const struct envelope *env, const char *hostname, bool esmtp, bool tls,
		    bool auth, const char *single_rcpt);
/* Count "Received:" header fields in the header section of msg (up to the first empty line). */
unsigned received_count(const char *msg, size_t len);

#endif
