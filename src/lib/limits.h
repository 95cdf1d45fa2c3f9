/* limits.h - protocol and resource limits, each with the RFC section that sets it.
 * No untrusted input; included by every parser so the numbers live in one place. */
#ifndef TERN_LIMITS_H
#define TERN_LIMITS_H

#define SMTP_LINE_MAX 512          /* command line incl. CRLF, RFC 5321 4.5.3.1.4 */
#define SMTP_REPLY_LINE_MAX 512    /* reply line incl. CRLF, RFC 5321 4.5.3.1.5 */
/* room for the text of a reply line: 512 less "550 5.7.11 " and CRLF */
#define SMTP_REPLY_TEXT_MAX (SMTP_REPLY_LINE_MAX - 14)
#define SMTP_TEXT_LINE_MAX 1000    /* text line incl. CRLF, RFC 5321 4.5.3.1.6 */
#define ADDR_LOCAL_MAX 64          /* local part, RFC 5321 4.5.3.1.1 */
#define ADDR_DOMAIN_MAX 255        /* domain, RFC 5321 4.5.3.1.2 */
#define ADDR_PATH_MAX 256          /* reverse/forward path incl. <>, RFC 5321 4.5.3.1.3 */
#define ADDR_MAILBOX_MAX (ADDR_LOCAL_MAX + 1 + ADDR_DOMAIN_MAX)
#define SMTP_MIN_RECIPIENTS 100    /* must buffer at least this many, RFC 5321 4.5.3.1.8 */
#define SMTP_HELO_MAX ADDR_DOMAIN_MAX
#define QUEUE_ID_LEN 12            /* see docs/queue-format.md */
#define SESSION_ID_LEN 8

#endif
