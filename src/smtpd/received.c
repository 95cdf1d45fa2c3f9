/* received.c - Received: header and hop count (see received.h). received_count reads
 * untrusted message bytes, forward only, within len. */
#include "smtpd/received.h"

#include <string.h>

#include "lib/util.h"

int received_header(struct buf *out, const struct envelope *env, const char *hostname, bool esmtp, bool tls,
		    bool auth, const char *single_rcpt)
{
	char date[64];
	mail_date(date, sizeof(date), env->arrival_us);
	/* RFC 3848 protocol names (S: TLS, A: authenticated); SMTPUTF8 sessions are UTF8SMTP
	 * (RFC 6531 3.7.3), with the same suffixes */
	const char *proto = env->smtputf8 ? "UTF8SMTP" : esmtp ? "ESMTP" : "SMTP";
	const char *suffix = !esmtp ? "" : tls && auth ? "SA" : tls ? "S" : auth ? "A" : "";
	int r = buf_printf(out, "Received: from %s ([%s])\r\n\tby %s (tern) with %s%s id %s", env->helo,
			   env->client_ip, hostname, proto, suffix, env->id);
	if (r == 0 && single_rcpt)
		r = buf_printf(out, "\r\n\tfor <%s>", single_rcpt);
	if (r == 0)
		r = buf_printf(out, ";\r\n\t%s\r\n", date);
	return r;
}

unsigned received_count(const char *msg, size_t len)
{
	unsigned n = 0;
	size_t i = 0;
	while (i < len) {
		const char *line = msg + i;
		const char *lf = memchr(line, '\n', len - i);
		size_t llen = lf ? (size_t)(lf - line) : len - i;
		if (llen == 0 || (llen == 1 && line[0] == '\r'))
			break; /* end of the header section */
		if (llen >= 9 && mem_ieq(line, 9, "Received:", 9))
			n++;
		i += llen + 1;
	}
	return n;
}
