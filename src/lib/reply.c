/* reply.c - formats rows of the reply table (replies.def) into SMTP reply lines.
 * The optional argument may carry peer text: it is escaped and capped here. */
#include "lib/reply.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/limits.h"
#include "lib/util.h"

/* STYLE habit 6: a row's enhanced class must match its first digit (RFC 3463 2). */
#define R(name, code, cls, subj, det, text) \
	_Static_assert((code) / 100 == (cls) || ((code) / 100 == 3 && (cls) == 3), \
		       "enhanced class of REPLY_" #name " must equal its first digit");
#include "lib/replies.def"
#undef R

static const struct reply_row reply_table[REPLY_COUNT] = {
#define R(name, code, cls, subj, det, text) {#name, code, cls, subj, det, text},
#include "lib/replies.def"
#undef R
};

const struct reply_row *reply_row(enum reply_id id)
{
	if ((int)id < 0 || id >= REPLY_COUNT)
		BUG("reply id out of range");
	return &reply_table[id];
}

struct reply reply_make(enum reply_id id, const char *arg)
{
	struct reply r = {.id = id};
	size_t n = 0;
	for (const char *p = arg; p && *p && n < REPLY_ARG_MAX; p++) {
		unsigned char c = (unsigned char)*p;
		r.arg[n++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	r.arg[n] = '\0';
	return r;
}

struct reply reply_makef(enum reply_id id, const char *fmt, ...)
{
	char tmp[REPLY_ARG_MAX + 1];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	return reply_make(id, tmp);
}

void reply_enhanced(const struct reply_row *row, char *dst, size_t dstsize)
{
	snprintf(dst, dstsize, "%d.%d.%d", row->cls, row->subject, row->detail);
}

int reply_format_line(struct buf *out, int code, const char *enhanced, const char *text, int last)
{
	if (enhanced && *enhanced)
		return buf_printf(out, "%d%c%s %s\r\n", code, last ? ' ' : '-', enhanced, text);
	return buf_printf(out, "%d%c%s\r\n", code, last ? ' ' : '-', text);
}

/* RFC 2034 3: enhanced codes go on every 2xx, 4xx and 5xx reply except the greeting
 * and the replies to HELO/EHLO; 3xx replies (354, and 334 whose text is base64,
 * RFC 4954 4) never carry one. */
static int reply_carries_enhanced(enum reply_id id)
{
	int code = reply_table[id].code;
	return code / 100 != 3 && id != REPLY_GREETING && id != REPLY_HELO_OK && id != REPLY_EHLO_OK;
}

int reply_format(struct buf *out, const struct reply *r)
{
	const struct reply_row *row = reply_row(r->id);
	char text[SMTP_REPLY_TEXT_MAX];
	size_t n = 0;
	for (const char *t = row->text; *t && n < sizeof(text) - 1; t++) {
		if (t[0] == '%' && t[1] == 's') {
			for (const char *a = r->arg; *a && n < sizeof(text) - 1; a++)
				text[n++] = *a;
			t++;
			continue;
		}
		text[n++] = *t;
	}
	text[n] = '\0';
	char enh[16];
	if (!reply_carries_enhanced(r->id))
		enh[0] = '\0';
	else
		reply_enhanced(row, enh, sizeof(enh));
	return reply_format_line(out, row->code, enh, text, 1);
}
