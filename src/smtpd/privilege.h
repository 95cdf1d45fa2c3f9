/* privilege.h - least privilege for ternd (architecture.md, "Processes and trust"): started
 * as root, it prepares the directories it will write (spool, Maildir root) for the
 * unprivileged `user`, then gives up root before the event loop reads a byte from the
 * network. No untrusted input. */
#ifndef TERN_PRIVILEGE_H
#define TERN_PRIVILEGE_H

#include <stdbool.h>
#include <sys/types.h>

#include "conf/conf.h"
#include "lib/buf.h"

struct privilege {
	bool drop; /* running as root: privilege_drop will switch to uid/gid */
	uid_t uid;
	gid_t gid;
};

/* Look the user up (as root: an unknown user is an error), create the spool and the Maildir
 * root and give them to the user. -1 with the reason in err. */
int privilege_prepare(const struct conf *c, struct privilege *p, struct buf *err);
/* setgroups, setgid, setuid; checks that root cannot be regained. -1 with the reason. */
int privilege_drop(const struct conf *c, const struct privilege *p, struct buf *err);

#endif
