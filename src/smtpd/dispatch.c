/* dispatch.c - the command table and the dispatcher (STYLE habit 5): look the verb up,
 * check the state from the table (503 5.5.1), then call the handler, which parses the
 * untrusted arguments and returns a reply. RFC 5321 4.1.1 (verbs are case-insensitive),
 * 4.1.4 (order of commands), 4.2.4 (502 for known but unimplemented commands). */
#include <string.h>

#include "lib/util.h"
#include "smtpd/commands.h"

#define TXN (IN(SESS_MAIL) | IN(SESS_RCPT))

static const struct command command_table[] = {
	{"HELO", cmd_helo, ANY_STATE, NULL, "HELO <domain>: introduce yourself (RFC 5321 4.1.1.1)"},
	{"EHLO", cmd_ehlo, ANY_STATE, NULL, "EHLO <domain>: introduce yourself and list extensions"},
	{"MAIL", cmd_mail, IN(SESS_READY), NULL,
	 "MAIL FROM:<address> [SIZE=n] [BODY=7BIT|8BITMIME] [SMTPUTF8]: start a message"},
	{"RCPT", cmd_rcpt, TXN, "send MAIL FROM first", "RCPT TO:<address>: add a recipient"},
	{"DATA", cmd_data, TXN, "send MAIL FROM and RCPT TO first", "DATA: send the message, end with <CRLF>.<CRLF>"},
	{"RSET", cmd_rset, ANY_STATE, NULL, "RSET: abandon the current message"},
	{"NOOP", cmd_noop, ANY_STATE, NULL, "NOOP: do nothing, reply 250"},
	{"QUIT", cmd_quit, ANY_STATE, NULL, "QUIT: close the session"},
	{"VRFY", cmd_vrfy, ANY_STATE, NULL, "VRFY <user>: answered 252 (users are not disclosed)"},
	{"EXPN", cmd_expn, ANY_STATE, NULL, "EXPN <list>: not available (502)"},
	{"HELP", cmd_help, ANY_STATE, NULL, "HELP [command | reply code]: this help"},
	/* RFC 3207: not inside a transaction (the client must not lose what it said) */
	{"STARTTLS", cmd_starttls, IN(SESS_INIT) | IN(SESS_READY), NULL, "STARTTLS: start TLS (RFC 3207)"},
	/* RFC 4954 4: after EHLO, not during a transaction */
	{"AUTH", cmd_auth, IN(SESS_READY), NULL, "AUTH PLAIN|LOGIN [initial-response]: log in (RFC 4954), over TLS only"},
	/* known, not implemented: RFC 5321 4.2.4 says 502 */
	{"BDAT", NULL, ANY_STATE, NULL, NULL},
	{"ETRN", NULL, ANY_STATE, NULL, NULL},
	{"TURN", NULL, ANY_STATE, NULL, NULL},
	{"ATRN", NULL, ANY_STATE, NULL, NULL},
	{"SEND", NULL, ANY_STATE, NULL, NULL},
	{"SOML", NULL, ANY_STATE, NULL, NULL},
	{"SAML", NULL, ANY_STATE, NULL, NULL},
	{"VERB", NULL, ANY_STATE, NULL, NULL},
	{"XCLIENT", NULL, ANY_STATE, NULL, NULL},
};

const struct command *commands_table(size_t *n)
{
	*n = ARRAY_LEN(command_table);
	return command_table;
}

const struct command *commands_find(const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_LEN(command_table); i++)
		if (mem_ieq(name, len, command_table[i].name, strlen(command_table[i].name)))
			return &command_table[i];
	return NULL;
}

/* The 503 text when a command comes out of order. */
static const char *sequence_text(const struct command *c, enum session_state st)
{
	if (st == SESS_INIT && (strcmp(c->name, "MAIL") == 0 || strcmp(c->name, "AUTH") == 0))
		return "send HELO or EHLO first";
	if (strcmp(c->name, "AUTH") == 0 || strcmp(c->name, "STARTTLS") == 0)
		return "not allowed during a mail transaction";
	if (strcmp(c->name, "MAIL") == 0)
		return "nested MAIL command; finish or RSET the current message first";
	if (st == SESS_INIT || st == SESS_READY)
		return c->sequence ? c->sequence : "command not allowed now";
	return "command not allowed now";
}

void commands_dispatch(struct session *s, const char *line, size_t len)
{
	size_t vlen = 0;
	while (vlen < len && line[vlen] != ' ')
		vlen++;
	const struct command *c = commands_find(line, vlen);
	if (c == NULL) {
		session_reply_id(s, REPLY_UNKNOWN_COMMAND, NULL);
		return;
	}
	if (c->fn == NULL) {
		session_reply_id(s, REPLY_NOT_IMPLEMENTED, c->name);
		return;
	}
	if (!(c->states & IN(s->state))) {
		session_reply_id(s, REPLY_BAD_SEQUENCE, sequence_text(c, s->state));
		return;
	}
	const char *args = line + vlen;
	size_t alen = len - vlen;
	if (alen > 0) { /* skip the one SP after the verb */
		args++;
		alen--;
	}
	session_reply(s, c->fn(s, args, alen));
}
