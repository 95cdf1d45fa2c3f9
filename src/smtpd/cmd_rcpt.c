/* cmd_rcpt.c - RCPT TO (RFC 5321 4.1.1.3). Parses untrusted input; the decision is
 * policy.c's. No RCPT parameters are offered, so any parameter gets 555 (4.1.1.11). */
#include <stdio.h>
#include <string.h>

#include "smtpd/commands.h"
#include "smtpd/path_arg.h"
#include "smtpd/policy.h"

struct reply cmd_rcpt(struct session *s, const char *args, size_t len)
{
	struct path_arg pa;
	unsigned flags = ADDR_F_POSTMASTER_OK | (s->env->smtputf8 ? ADDR_F_UTF8 : 0);
	s->rcpts_tried++;
	struct reply r = path_arg_parse(args, len, "TO:", flags, &pa);
	if (r.id != REPLY_NONE)
		return r;
	if (pa.nparams > 0) {
		char name[32];
		snprintf(name, sizeof(name), "%.*s", (int)(pa.params[0].key_len < 20 ? pa.params[0].key_len : 20),
			 pa.params[0].key);
		return reply_make(REPLY_PARAM_UNKNOWN, name);
	}
	if (s->rcpts_accepted >= s->conf->recipient_limit)
		return reply_make(REPLY_TOO_MANY_RCPTS, NULL);
	r = policy_rcpt(s, &pa.path);
	if (r.id == REPLY_RCPT_OK || r.id == REPLY_RCPT_FORWARD) {
		s->rcpts_accepted++;
		session_set_state(s, SESS_RCPT);
	}
	return r;
}
