/* cmd_hello.c - HELO and EHLO (RFC 5321 4.1.1.1, 4.1.4): the client names itself; EHLO
 * lists the extensions. Parses untrusted input. The name is recorded for Received:, never
 * used to refuse mail (RFC 5321 4.1.4: a server MUST NOT refuse on HELO verification). */
#include <stdio.h>
#include <string.h>

#include "lib/util.h"
#include "smtpd/commands.h"

/* Domain / address-literal: one token of printable ASCII (UTF-8 allowed, RFC 6531 3.7.1). */
static int helo_name_ok(const char *a, size_t len)
{
	if (len == 0 || len > SMTP_HELO_MAX)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)a[i];
		if (c <= ' ' || c == 0x7f)
			return 0;
	}
	return 1;
}

static struct reply hello(struct session *s, const char *args, size_t len, int esmtp)
{
	if (!helo_name_ok(args, len))
		return reply_make(REPLY_SYNTAX_ARGS, esmtp ? "EHLO requires your domain name: EHLO <domain>"
							    : "HELO requires your domain name: HELO <domain>");
	/* RFC 5321 4.1.4: EHLO/HELO in a transaction resets it, like RSET */
	session_reset_transaction(s);
	memcpy(s->helo, args, len);
	s->helo[len] = '\0';
	s->esmtp = esmtp;
	session_set_state(s, SESS_READY);
	return reply_makef(esmtp ? REPLY_EHLO_OK : REPLY_HELO_OK, "%s greets %s [%s]", s->conf->hostname, s->helo,
			   s->client_ip);
}

struct reply cmd_helo(struct session *s, const char *args, size_t len) { return hello(s, args, len, 0); }

struct reply cmd_ehlo(struct session *s, const char *args, size_t len)
{
	struct reply first = hello(s, args, len, 1);
	if (first.id != REPLY_EHLO_OK)
		return first;
	char size[32];
	snprintf(size, sizeof(size), "SIZE %llu", (unsigned long long)s->conf->message_size_limit);
	const char *ext[10] = {first.arg, "PIPELINING", size, "8BITMIME", "SMTPUTF8", "ENHANCEDSTATUSCODES"};
	size_t n = 6;
	if (s->tls_offered && !s->tls) /* RFC 3207 4.2: not again once TLS is up */
		ext[n++] = "STARTTLS";
	/* RFC 4954 4 and RFC 8314 3.3: AUTH only over TLS, and only where users submit */
	if (s->tls && (s->role == ROLE_SUBMISSION || s->role == ROLE_SUBMISSIONS))
		ext[n++] = "AUTH PLAIN LOGIN";
	ext[n++] = "HELP";
	/* RFC 2034 3: no enhanced code on the EHLO reply */
	for (size_t i = 0; i < n; i++)
		reply_format_line(&s->out, 250, NULL, ext[i], i + 1 == n);
	return reply_make(REPLY_NONE, NULL);
}
