/* policy.h - who may receive mail through this session: local users, aliases, postmaster,
 * relaying (architecture.md, "Recipient policy"). Decides from parsed, bounded addresses. */
#ifndef TERN_POLICY_H
#define TERN_POLICY_H

#include "lib/addr.h"
#include "lib/reply.h"
#include "smtpd/session.h"

#define POLICY_EXPAND_DEPTH 16 /* alias nesting beyond this is treated as a loop */

/* Decide one RCPT. On acceptance (250/251) the final recipients are appended to s->env. */
struct reply policy_rcpt(struct session *s, const struct addr_path *a);

#endif
