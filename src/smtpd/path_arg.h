/* path_arg.h - the shared front of MAIL and RCPT arguments: "FROM:" / "TO:", the path, then
 * ESMTP parameters. Parses untrusted input (RFC 5321 4.1.1.2, 4.1.1.3, 4.1.2). */
#ifndef TERN_PATH_ARG_H
#define TERN_PATH_ARG_H

#include <stdbool.h>

#include "lib/addr.h"
#include "lib/params.h"
#include "lib/reply.h"

struct path_arg {
	struct addr_path path;
	struct esmtp_param params[PARAMS_MAX];
	int nparams;
};

/* Parse "<keyword><path>[ params]"; keyword is "FROM:" or "TO:" (case-insensitive).
 * On error returns the reply to send; REPLY_NONE on success. */
struct reply path_arg_parse(const char *args, size_t len, const char *keyword, unsigned addr_flags,
			    struct path_arg *out);

#endif
