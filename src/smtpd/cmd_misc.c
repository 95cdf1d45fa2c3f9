/* cmd_misc.c - RSET, NOOP, QUIT, VRFY, EXPN, HELP (RFC 5321 4.1.1.5-4.1.1.10, 3.5).
 * Parses untrusted arguments. VRFY never tells whether a user exists (252, 3.5.3);
 * EXPN is refused (502) so lists cannot be harvested. */
#include <stdio.h>
#include <string.h>

#include "explain/explain.h"
#include "lib/util.h"
#include "smtpd/commands.h"

struct reply cmd_rset(struct session *s, const char *args, size_t len)
{
	if (len > 0)
		return reply_make(REPLY_NO_ARGS_ALLOWED, "RSET");
	session_reset_transaction(s);
	return reply_make(REPLY_RESET_OK, NULL);
}

struct reply cmd_noop(struct session *s, const char *args, size_t len)
{
	return reply_make(REPLY_OK, NULL); /* RFC 5321 4.1.1.9: the argument is ignored */
}

struct reply cmd_quit(struct session *s, const char *args, size_t len)
{
	if (len > 0)
		return reply_make(REPLY_NO_ARGS_ALLOWED, "QUIT");
	session_reset_transaction(s);
	struct reply r = reply_make(REPLY_BYE, s->conf->hostname);
	session_reply(s, r);
	session_set_state(s, SESS_CLOSING);
	return reply_make(REPLY_NONE, NULL);
}

struct reply cmd_vrfy(struct session *s, const char *args, size_t len)
{
	if (len == 0)
		return reply_make(REPLY_SYNTAX_ARGS, "VRFY <user>");
	return reply_make(REPLY_VRFY_CANNOT, NULL);
}

struct reply cmd_expn(struct session *s, const char *args, size_t len) { return reply_make(REPLY_EXPN_DISABLED, NULL); }

static void help_lines(struct session *s, const char *const *lines, size_t n)
{
	for (size_t i = 0; i < n; i++)
		reply_format_line(&s->out, 214, "2.0.0", lines[i], i + 1 == n);
}

/* HELP <reply code>: what that code means, from src/explain/ (tern explain's knowledge). */
static struct reply help_code(struct session *s, int code)
{
	char lines[12][201];
	size_t n = explain_help_lines(code, lines, ARRAY_LEN(lines));
	if (n == 0)
		return reply_makef(REPLY_HELP_NO_TOPIC, "reply code %d", code);
	const char *ptrs[ARRAY_LEN(lines)];
	for (size_t i = 0; i < n; i++)
		ptrs[i] = lines[i];
	help_lines(s, ptrs, n);
	return reply_make(REPLY_NONE, NULL);
}

struct reply cmd_help(struct session *s, const char *args, size_t len)
{
	if (len == 0) {
		static const char *const general[] = {
		    "tern ESMTP: commands HELO EHLO STARTTLS AUTH MAIL RCPT DATA RSET NOOP QUIT VRFY HELP",
		    "HELP <command> shows its syntax; HELP <reply code> (e.g. HELP 550) explains a reply",
		    "Explain any reply on the command line with: tern explain \"550 5.1.1 ...\"",
		};
		help_lines(s, general, ARRAY_LEN(general));
		return reply_make(REPLY_NONE, NULL);
	}
	if (len == 3 && args[0] >= '2' && args[0] <= '5' && args[1] >= '0' && args[1] <= '9' && args[2] >= '0' &&
	    args[2] <= '9')
		return help_code(s, (args[0] - '0') * 100 + (args[1] - '0') * 10 + (args[2] - '0'));
	const struct command *c = commands_find(args, len);
	if (c && c->help) {
		const char *line = c->help;
		help_lines(s, &line, 1);
		return reply_make(REPLY_NONE, NULL);
	}
	char topic[40];
	snprintf(topic, sizeof(topic), "%.*s", (int)(len < 32 ? len : 32), args);
	return reply_make(REPLY_HELP_NO_TOPIC, topic);
}
