/* cmd_starttls.c - STARTTLS (RFC 3207): the handler only answers and raises
 * s->starttls_pending; server.c flushes the 220, discards whatever the client sent after the
 * command (4.2, the CVE-2011-0411 class of injection) and runs the handshake. Parses
 * untrusted input (the argument). */
#include "smtpd/commands.h"

struct reply cmd_starttls(struct session *s, const char *args, size_t len)
{
	if (len > 0) /* RFC 3207 4: "STARTTLS" CRLF, no parameters */
		return reply_make(REPLY_NO_ARGS_ALLOWED, "STARTTLS");
	if (s->tls) /* RFC 3207 4.2: a second STARTTLS is a sequence error */
		return reply_make(REPLY_BAD_SEQUENCE, "TLS is already active");
	if (!s->tls_offered)
		return reply_make(REPLY_NOT_IMPLEMENTED, "STARTTLS");
	s->starttls_pending = true;
	return reply_make(REPLY_TLS_GO, NULL);
}
