/* commands.h - the SMTP command table and its handlers (one file per command family).
 * Handlers parse untrusted arguments and return a reply; the dispatcher (dispatch.c)
 * checks sequence from the table first. RFC 5321 4.1.1, 4.3.2. */
#ifndef TERN_COMMANDS_H
#define TERN_COMMANDS_H

#include <stddef.h>

#include "lib/reply.h"
#include "smtpd/session.h"

typedef struct reply (*command_fn)(struct session *s, const char *args, size_t len);

/* Bit per state in which a command is allowed; elsewhere it gets 503 5.5.1. */
#define IN(st) (1u << (st))
#define ANY_STATE (IN(SESS_INIT) | IN(SESS_READY) | IN(SESS_MAIL) | IN(SESS_RCPT))

struct command {
	const char *name;
	command_fn fn;        /* NULL: known but not implemented -> 502 5.5.1 */
	unsigned states;      /* where it is allowed */
	const char *sequence; /* the 503 text when it is not */
	const char *help;     /* HELP <command> */
};

const struct command *commands_find(const char *name, size_t len);
const struct command *commands_table(size_t *n);
/* Dispatch one complete command line (without CRLF). */
void commands_dispatch(struct session *s, const char *line, size_t len);

struct reply cmd_helo(struct session *s, const char *args, size_t len);
struct reply cmd_ehlo(struct session *s, const char *args, size_t len);
struct reply cmd_mail(struct session *s, const char *args, size_t len);
struct reply cmd_rcpt(struct session *s, const char *args, size_t len);
struct reply cmd_data(struct session *s, const char *args, size_t len);
struct reply cmd_rset(struct session *s, const char *args, size_t len);
struct reply cmd_noop(struct session *s, const char *args, size_t len);
struct reply cmd_quit(struct session *s, const char *args, size_t len);
struct reply cmd_vrfy(struct session *s, const char *args, size_t len);
struct reply cmd_expn(struct session *s, const char *args, size_t len);
struct reply cmd_help(struct session *s, const char *args, size_t len);
struct reply cmd_starttls(struct session *s, const char *args, size_t len);
struct reply cmd_auth(struct session *s, const char *args, size_t len);
/* auth.c: one client line of the AUTH exchange (s->auth_step != AUTH_NONE). */
struct reply auth_continue(struct session *s, const char *line, size_t len);

/* cmd_data.c: feed message bytes while in SESS_DATA; returns bytes consumed. */
size_t data_input(struct session *s, const char *data, size_t len);

#endif
