/* reply.h - replies the server sends, as rows of the one table in replies.def.
 * A handler returns a struct reply; only the session turns it into bytes. No untrusted
 * input is parsed here, but the argument may come from a peer, so it is escaped and capped. */
#ifndef TERN_REPLY_H
#define TERN_REPLY_H

#include <stddef.h>

#include "lib/buf.h"

enum reply_id {
#define R(name, code, cls, subj, det, text) REPLY_##name,
#include "lib/replies.def"
#undef R
	REPLY_COUNT,
	REPLY_NONE = -1 /* the handler has already queued its replies (EHLO, HELP) */
};

struct reply_row {
	const char *name;
	int code;
	int cls, subject, detail;
	const char *text;
};

#define REPLY_ARG_MAX 300

struct reply {
	enum reply_id id;
	char arg[REPLY_ARG_MAX + 1];
};

const struct reply_row *reply_row(enum reply_id id);
/* Build a reply; arg may be NULL. The argument is made printable (controls become '?')
 * and capped so that the line stays within RFC 5321's 512-octet reply limit. */
struct reply reply_make(enum reply_id id, const char *arg);
struct reply reply_makef(enum reply_id id, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append "code x.y.z text\r\n" to out; -1 if out's limit is hit. */
int reply_format(struct buf *out, const struct reply *r);
/* Append one line of a multiline reply: last ? "code x.y.z text" : "code-x.y.z text". */
int reply_format_line(struct buf *out, int code, const char *enhanced, const char *text, int last);
/* "x.y.z" of a row into dst (at least 12 bytes). */
void reply_enhanced(const struct reply_row *row, char *dst, size_t dstsize);
static inline int reply_is_error(enum reply_id id) { return reply_row(id)->code >= 400; }

#endif
