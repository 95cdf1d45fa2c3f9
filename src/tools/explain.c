/* explain.c - `tern explain`: explains codes, replies, lines of a file or stdin, and bounces,
 * for a person or as JSON (docs/explain.md). Parses local user input through the bounded
 * parsers of src/explain/. RFC 5321 4.2, RFC 3463, RFC 3464. */
#include "tools/explain.h"
#include "lib/utf8.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "explain/dsn.h"
#include "explain/explain.h"
#include "lib/buf.h"
#include "lib/util.h"

#define TOOL_WIDTH 80        /* human output is wrapped to this many columns */
#define TOOL_LABEL 12        /* column where the text after a label starts */
#define TOOL_BAD_LINES_MAX 5 /* "not a reply" messages printed for one input */

enum tool_status { TOOL_OK = 0, TOOL_IO = 1, TOOL_BAD = 2 };

struct tool_explain {
	bool json;
	bool color;
	size_t printed;          /* explanations written so far */
	enum tool_status status; /* worst so far */
	const char *name;        /* input name for messages: a file name or "stdin" */
};

static void tool_fail(struct tool_explain *t, enum tool_status s)
{
	if (s == TOOL_IO || (s == TOOL_BAD && t->status == TOOL_OK))
		t->status = s;
}

/* ---- JSON (RFC 8259): strings escaped, invalid UTF-8 replaced by U+FFFD ---- */

static void tool_json_str(FILE *f, const char *s)
{
	if (s == NULL) {
		fputs("null", f);
		return;
	}
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s);
	putc('"', f);
	for (size_t i = 0; i < len;) {
		unsigned char c = p[i];
		if (c >= 0x80) {
			size_t u = utf8_seq_len(p + i, len - i);
			if (utf8_is_c1(p + i, u))
				u = 0; /* written as U+FFFD */
			if (u == 0) {
				fputs("\\ufffd", f);
				i++;
			} else {
				fwrite(p + i, 1, u, f);
				i += u;
			}
			continue;
		}
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\r')
			fputs("\\r", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			putc(c, f);
		i++;
	}
	putc('"', f);
}

static void tool_json_key(FILE *f, const char *key, bool *first)
{
	if (!*first)
		putc(',', f);
	*first = false;
	tool_json_str(f, key);
	putc(':', f);
}

static void tool_json_kv(FILE *f, const char *key, const char *value, bool *first)
{
	tool_json_key(f, key, first);
	tool_json_str(f, value);
}

static const char *tool_source_name(enum explain_source s)
{
	switch (s) {
	case EXPLAIN_FROM_BASIC:
		return "code";
	case EXPLAIN_FROM_ENHANCED:
		return "enhanced_code";
	case EXPLAIN_FROM_TEXT:
		return "text";
	case EXPLAIN_FROM_CLASS:
		break;
	}
	return "class";
}

static const char *tool_third_digit(const struct explanation *e)
{
	return e->basic ? e->basic->title : "not a standard code: no defined meaning";
}

static const char *tool_detail(const struct explanation *e)
{
	return e->entry ? e->entry->title : "not in the IANA registry: the provider's own detail";
}

static void tool_json(struct tool_explain *t, const struct explanation *e, const struct dsn_report *rep,
		      const struct dsn_recipient *r)
{
	FILE *f = stdout;
	bool first = true;
	putc('{', f);
	tool_json_key(f, "code", &first);
	if (e->code)
		fprintf(f, "%d", e->code);
	else
		fputs("null", f);
	tool_json_kv(f, "enhanced_code", e->enhanced[0] ? e->enhanced : NULL, &first);
	tool_json_kv(f, "class", e->klass, &first);
	tool_json_key(f, "sent", &first);
	fputs(e->sent ? "true" : "false", f);
	tool_json_key(f, "retry", &first);
	fputs(e->retry ? "true" : "false", f);
	tool_json_kv(f, "retry_when", e->retry_when, &first);
	tool_json_kv(f, "reason", e->reason, &first);
	tool_json_kv(f, "summary", e->summary, &first);
	tool_json_kv(f, "meaning", e->meaning, &first);
	tool_json_kv(f, "advice", e->advice, &first);
	tool_json_kv(f, "admin", e->admin, &first);
	tool_json_kv(f, "text", e->text, &first);
	tool_json_kv(f, "source", tool_source_name(e->source), &first);
	tool_json_kv(f, "title", e->title, &first);
	tool_json_kv(f, "matched", e->pattern ? e->pattern->label : NULL, &first);
	tool_json_kv(f, "rfc", e->rfc, &first);

	tool_json_key(f, "digits", &first);
	if (e->code) {
		bool in = true;
		putc('{', f);
		tool_json_kv(f, "first", codes_first_digit(e->code / 100), &in);
		tool_json_kv(f, "second", codes_second_digit((e->code / 10) % 10), &in);
		tool_json_kv(f, "third", tool_third_digit(e), &in);
		putc('}', f);
	} else {
		fputs("null", f);
	}
	tool_json_key(f, "enhanced_parts", &first);
	if (e->enh_class >= 0) {
		bool in = true;
		putc('{', f);
		tool_json_kv(f, "class", codes_enh_class(e->enh_class), &in);
		tool_json_kv(f, "subject", codes_enh_subject(e->enh_subject), &in);
		tool_json_kv(f, "detail", tool_detail(e), &in);
		putc('}', f);
	} else {
		fputs("null", f);
	}
	tool_json_key(f, "notes", &first);
	putc('[', f);
	for (size_t i = 0; i < e->nnotes; i++) {
		if (i)
			putc(',', f);
		tool_json_str(f, e->notes[i]);
	}
	putc(']', f);
	tool_json_key(f, "dsn", &first);
	if (r) {
		bool in = true;
		putc('{', f);
		tool_json_kv(f, "recipient", r->final_recipient[0] ? r->final_recipient : NULL, &in);
		tool_json_kv(f, "original_recipient", r->original_recipient[0] ? r->original_recipient : NULL, &in);
		tool_json_kv(f, "action", r->action[0] ? r->action : NULL, &in);
		tool_json_kv(f, "status", r->status[0] ? r->status : NULL, &in);
		tool_json_kv(f, "remote_mta", r->remote_mta[0] ? r->remote_mta : NULL, &in);
		tool_json_kv(f, "diagnostic_code", r->diagnostic[0] ? r->diagnostic : NULL, &in);
		tool_json_kv(f, "reporting_mta", rep && rep->reporting_mta[0] ? rep->reporting_mta : NULL, &in);
		putc('}', f);
	} else {
		fputs("null", f);
	}
	fputs("}\n", f);
}

/* ---- human output ---- */

static const char *tool_sgr(const struct tool_explain *t, const char *code) { return t->color ? code : ""; }

static const char *tool_class_color(const struct explanation *e)
{
	int first = e->code ? e->code / 100 : e->enh_class;
	return first == 2 ? "\033[32m" : first == 3 ? "\033[36m" : first == 4 ? "\033[33m" : "\033[31m";
}

/* Print label at `lead` spaces, then text from column lead + width (or one space after a
 * longer label), wrapped at spaces to TOOL_WIDTH with that hanging indent. */
static void tool_wrap(FILE *f, int lead, const char *label, int width, const char *text)
{
	int col = lead + (int)strlen(label);
	fprintf(f, "%*s%s", lead, "", label);
	int indent = lead + width;
	if (col < indent) {
		fprintf(f, "%*s", indent - col, "");
		col = indent;
	} else if (*label) {
		putc(' ', f);
		col++;
	}
	const char *p = text ? text : "";
	bool line_start = true;
	while (*p) {
		while (*p == ' ')
			p++;
		size_t w = strcspn(p, " ");
		if (w == 0)
			break;
		if (!line_start && col + 1 + (int)w > TOOL_WIDTH) {
			fprintf(f, "\n%*s", indent, "");
			col = indent;
			line_start = true;
		}
		if (!line_start) {
			putc(' ', f);
			col++;
		}
		fwrite(p, 1, w, f);
		col += (int)w;
		p += w;
		line_start = false;
	}
	putc('\n', f);
}

/* "  Meaning:   text..." */
static void tool_field(FILE *f, const char *label, const char *text) { tool_wrap(f, 2, label, TOOL_LABEL, text); }

/* "    5  first digit:   text..." */
static void tool_digit(FILE *f, int digit, const char *what, const char *text)
{
	char label[40];
	snprintf(label, sizeof(label), "%-3d%s", digit, what);
	tool_wrap(f, 4, label, 19, text);
}

static const char *tool_sent_words(const struct explanation *e)
{
	int first = e->code ? e->code / 100 : e->enh_class;
	if (e->sent)
		return "yes, the server accepted it";
	if (first == 3)
		return "not yet: the exchange is still going on";
	if (first == 4 || e->retry)
		return "no, not yet";
	return "no, the message was not accepted";
}

static void tool_human(struct tool_explain *t, const struct explanation *e, const struct dsn_report *rep,
		       const struct dsn_recipient *r)
{
	FILE *f = stdout;
	char line[EXPLAIN_TEXT_MAX + 64];
	if (t->printed > 0)
		putc('\n', f);
	if (r) {
		fputs(tool_sgr(t, "\033[1m"), f);
		tool_wrap(f, 0, "Recipient:", TOOL_LABEL, r->final_recipient[0] ? r->final_recipient : "(not named)");
		fputs(tool_sgr(t, "\033[0m"), f);
		if (r->action[0])
			tool_wrap(f, 0, "Action:", TOOL_LABEL, r->action);
		if (r->status[0])
			tool_wrap(f, 0, "Status:", TOOL_LABEL, r->status);
		if (r->remote_mta[0])
			tool_wrap(f, 0, "Remote MTA:", TOOL_LABEL, r->remote_mta);
		if (rep && rep->reporting_mta[0])
			tool_wrap(f, 0, "Reporter:", TOOL_LABEL, rep->reporting_mta);
		if (r->diagnostic[0]) {
			snprintf(line, sizeof(line), "%s%s%s", r->diagnostic_type, r->diagnostic_type[0] ? "; " : "",
				 r->diagnostic);
			tool_wrap(f, 0, "Diagnostic:", TOOL_LABEL, line);
		}
	} else {
		size_t n = 0;
		line[0] = '\0';
		if (e->code)
			n += (size_t)snprintf(line + n, sizeof(line) - n, "%d", e->code);
		if (e->enhanced[0] && n < sizeof(line))
			n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%s", n ? " " : "", e->enhanced);
		if (e->text[0] && n < sizeof(line))
			snprintf(line + n, sizeof(line) - n, " %s", e->text);
		fputs(tool_sgr(t, "\033[1m"), f);
		tool_wrap(f, 0, "", 0, line);
		fputs(tool_sgr(t, "\033[0m"), f);
	}
	int first = e->code ? e->code / 100 : e->enh_class;
	fprintf(f, "%s%s: %s (%s)%s\n", tool_sgr(t, tool_class_color(e)), codes_class_phrase(first), e->summary,
		e->reason, tool_sgr(t, "\033[0m"));
	tool_field(f, "Sent:", tool_sent_words(e));
	if (e->retry)
		snprintf(line, sizeof(line), "yes. %s", e->retry_when ? e->retry_when : "");
	else if (first == 2 || first == 3 || e->sent)
		snprintf(line, sizeof(line), "not needed: this is not a failure");
	else
		snprintf(line, sizeof(line), "no: the same message to the same address fails the same way "
					     "until something changes");
	tool_field(f, "Retry:", line);
	tool_field(f, "Meaning:", e->meaning);
	tool_field(f, "Advice:", e->advice);
	tool_field(f, "Admin:", e->admin);
	if (e->code) {
		snprintf(line, sizeof(line), "Code %d:", e->code);
		tool_field(f, line, e->basic ? e->basic->title : "not a standard code; its digits still count");
		tool_digit(f, e->code / 100, "first digit:", codes_first_digit(e->code / 100));
		tool_digit(f, (e->code / 10) % 10, "second digit:", codes_second_digit((e->code / 10) % 10));
		tool_digit(f, e->code % 10, "third digit:",
			   e->basic ? "which case within that area: the code's name above" : "no defined meaning");
	}
	if (e->enh_class >= 0) {
		const char *subject = codes_enh_subject(e->enh_subject);
		snprintf(line, sizeof(line), "Code %s:", e->enhanced);
		tool_field(f, line, tool_detail(e));
		tool_digit(f, e->enh_class, "class:", codes_enh_class(e->enh_class));
		tool_digit(f, e->enh_subject, "subject:", subject ? subject : "not defined by RFC 3463");
		tool_digit(f, e->enh_detail, "detail:",
			   e->entry ? "which case within that subject: the code's name above" : "not registered");
	}
	if (e->pattern) {
		snprintf(line, sizeof(line), "%s (the text says \"%s\")", e->pattern->label, e->pattern->needle);
		tool_field(f, "Recognised:", line);
	}
	if (e->rfc)
		tool_field(f, "Reference:", e->rfc);
	for (size_t i = 0; i < e->nnotes; i++)
		tool_field(f, "Note:", e->notes[i]);
}

static void tool_print(struct tool_explain *t, const struct explanation *e, const struct dsn_report *rep,
		       const struct dsn_recipient *r)
{
	if (t->json)
		tool_json(t, e, rep, r);
	else
		tool_human(t, e, rep, r);
	t->printed++;
}

/* ---- inputs ---- */

static bool tool_is_code(const char *s)
{
	return strlen(s) == 3 && s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' && s[2] >= '0' && s[2] <= '9';
}

static bool tool_is_enhanced(const char *s)
{
	int c, subj, d;
	size_t len = strlen(s);
	return len > 0 && explain_parse_enhanced(s, len, &c, &subj, &d) == (int)len;
}

/* A bare three-digit code: explained only if the tables know it. */
static void tool_code(struct tool_explain *t, const char *arg)
{
	int code = (arg[0] - '0') * 100 + (arg[1] - '0') * 10 + (arg[2] - '0');
	struct explanation e;
	if (explain_code(code, NULL, NULL, &e) != 0) {
		fprintf(stderr, "tern explain: %s is not an SMTP reply code: the first digit must be 2 to 5 "
				"and the second 0 to 5 (RFC 5321 4.2)\n", arg);
		tool_fail(t, TOOL_BAD);
		return;
	}
	if (e.basic == NULL) {
		fprintf(stderr, "tern explain: %s is not a known SMTP reply code; its first digit says: %s\n", arg,
			codes_first_digit(code / 100));
		tool_fail(t, TOOL_BAD);
		return;
	}
	tool_print(t, &e, NULL, NULL);
}

static void tool_enhanced(struct tool_explain *t, const char *arg)
{
	struct explanation e;
	if (explain_enhanced_only(arg, &e) != 0) {
		fprintf(stderr, "tern explain: %s is not an enhanced status code (class.subject.detail, "
				"RFC 3463 2)\n", arg);
		tool_fail(t, TOOL_BAD);
		return;
	}
	if (e.entry == NULL) {
		const char *subject = codes_enh_subject(e.enh_subject);
		fprintf(stderr, "tern explain: %s is not in the IANA enhanced status code registry; class %d: %s; "
				"subject %d: %s\n", arg, e.enh_class, codes_enh_class(e.enh_class), e.enh_subject,
			subject ? subject : "not defined");
		tool_fail(t, TOOL_BAD);
		return;
	}
	tool_print(t, &e, NULL, NULL);
}

static void tool_reply(struct tool_explain *t, const char *text, size_t len)
{
	struct explanation e;
	if (explain_reply(text, len, &e) != 0) {
		/* quote the first line, at most 60 bytes of it, within len (text may be unterminated) */
		size_t skip = 0, line = 0;
		while (skip < len && (text[skip] == ' ' || text[skip] == '\t' || text[skip] == '\r' || text[skip] == '\n'))
			skip++;
		while (skip + line < len && text[skip + line] != '\r' && text[skip + line] != '\n')
			line++;
		size_t show = line > 60 ? 60 : line;
		bool digits = line >= 3 && text[skip] >= '0' && text[skip] <= '9' && text[skip + 1] >= '0' &&
			      text[skip + 1] <= '9' && text[skip + 2] >= '0' && text[skip + 2] <= '9';
		fprintf(stderr, "tern explain: %s: '", t->name);
		for (size_t i = 0; i < show; i++) {
			unsigned char c = (unsigned char)text[skip + i];
			putc(c < 0x20 || c == 0x7f ? '?' : c, stderr);
		}
		if (digits)
			fprintf(stderr, "%s' does not start with a reply code: the first digit must be 2 to 5 and the "
					"second 0 to 5 (RFC 5321 4.2)\n", show < line ? "..." : "");
		else
			fprintf(stderr, "%s' is not an SMTP reply, a code or a readable file; a reply starts with a "
					"three-digit code, e.g. \"550 5.1.1 User unknown\"\n", show < line ? "..." : "");
		tool_fail(t, TOOL_BAD);
		return;
	}
	tool_print(t, &e, NULL, NULL);
}

static int tool_dsn_one(const struct dsn_report *rep, const struct dsn_recipient *r, void *ctx)
{
	struct tool_explain *t = ctx;
	struct explanation e;
	if (dsn_explain(r, &e) != 0) {
		fprintf(stderr, "tern explain: %s: recipient %s has no usable Status or Diagnostic-Code\n", t->name,
			r->final_recipient[0] ? r->final_recipient : "(unnamed)");
		tool_fail(t, TOOL_BAD);
		return 0;
	}
	tool_print(t, &e, rep, r);
	return 0;
}

static void tool_bounce(struct tool_explain *t, const char *msg, size_t len)
{
	struct dsn_report rep;
	int n = dsn_parse(msg, len, &rep, tool_dsn_one, t);
	if (n <= 0) {
		fprintf(stderr, "tern explain: %s: a delivery status notification without any recipient fields "
				"(RFC 3464 2.3)\n", t->name);
		tool_fail(t, TOOL_BAD);
	}
}

static bool tool_line_is_reply(const char *s, size_t n, char *sep)
{
	if (n < 3 || s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' || s[2] < '0' || s[2] > '9')
		return false;
	if (n > 3 && s[3] != ' ' && s[3] != '-')
		return false;
	*sep = n > 3 ? s[3] : ' ';
	return true;
}

/* Text of several replies, one per line; "550-..." lines join the reply that their last
 * "550 ..." line ends, and a line without a code after a "550-" line is wrapped text. A line
 * holding only an enhanced code is explained alone. */
static void tool_lines(struct tool_explain *t, const char *p, size_t len)
{
	const char *end = p + len;
	const char *start = NULL; /* first line of the open reply */
	char open_code[3] = {0};  /* its code */
	size_t bad = 0, lineno = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *next = nl ? nl + 1 : end;
		const char *s = p;
		size_t n = (size_t)((nl ? nl : end) - p);
		lineno++;
		while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		while (n > 0 && (*s == ' ' || *s == '\t'))
			s++, n--;
		char sep;
		if (n == 0) {
			/* a blank line ends nothing: wrapped replies may contain one */
		} else if (tool_line_is_reply(s, n, &sep)) {
			/* another code while a "550-" reply is open: that reply was cut short */
			if (start && memcmp(open_code, s, 3) != 0) {
				tool_reply(t, start, (size_t)(p - start));
				start = NULL;
			}
			if (start == NULL) {
				start = p;
				memcpy(open_code, s, 3);
			}
			if (sep == ' ') {
				tool_reply(t, start, (size_t)(next - start));
				start = NULL;
			}
		} else if (start == NULL) {
			char word[32];
			if (n < sizeof(word)) {
				memcpy(word, s, n);
				word[n] = '\0';
			}
			if (n < sizeof(word) && tool_is_enhanced(word)) {
				tool_enhanced(t, word);
			} else {
				if (bad < TOOL_BAD_LINES_MAX)
					fprintf(stderr, "tern explain: %s line %zu: not an SMTP reply (no three-digit code "
							"at the start)\n", t->name, lineno);
				bad++;
				tool_fail(t, TOOL_BAD);
			}
		}
		p = next;
	}
	if (start)
		tool_reply(t, start, (size_t)(end - start));
	if (bad > TOOL_BAD_LINES_MAX)
		fprintf(stderr, "tern explain: %s: %zu more lines were not replies\n", t->name, bad - TOOL_BAD_LINES_MAX);
}

/* Read all of fd, at most DSN_INPUT_MAX bytes (the rest is ignored, with a warning). */
static int tool_slurp(struct tool_explain *t, int fd, struct buf *b)
{
	buf_init(b, DSN_INPUT_MAX);
	for (;;) {
		char *w = buf_reserve(b, 65536);
		size_t room = 65536;
		if (w == NULL) {
			room = b->limit - b->len;
			if (room == 0) {
				fprintf(stderr, "tern explain: %s: only the first %u MiB were read\n", t->name,
					DSN_INPUT_MAX >> 20);
				return 0;
			}
			w = buf_reserve(b, room);
			if (w == NULL)
				return -1;
		}
		ssize_t r = read(fd, w, room);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			return 0;
		b->len += (size_t)r;
	}
}

static void tool_content(struct tool_explain *t, const char *p, size_t len)
{
	if (dsn_detect(p, len))
		tool_bounce(t, p, len);
	else
		tool_lines(t, p, len);
}

static void tool_fd(struct tool_explain *t, int fd)
{
	struct buf b;
	if (tool_slurp(t, fd, &b) != 0) {
		fprintf(stderr, "tern explain: %s: %s\n", t->name, strerror(errno));
		tool_fail(t, TOOL_IO);
	} else if (b.len == 0) {
		fprintf(stderr, "tern explain: %s is empty: nothing to explain\n", t->name);
		tool_fail(t, TOOL_BAD);
	} else {
		tool_content(t, b.data, b.len);
	}
	buf_free(&b);
}

/* An operand that can only be meant as a file name: a path, or a mail or text file name. */
static bool tool_looks_like_path(const char *a)
{
	size_t n = strlen(a);
	static const char *const ext[] = {".eml", ".msg", ".txt", ".mbox"};
	if (a[0] == '/' || strncmp(a, "./", 2) == 0 || strncmp(a, "../", 3) == 0)
		return true;
	for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		size_t k = strlen(ext[i]);
		if (n > k && strcmp(a + n - k, ext[i]) == 0 && strchr(a, ' ') == NULL)
			return true;
	}
	return false;
}

/* An argument that names a file (not a directory): open it. -1 if it names none. */
static int tool_open_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
		int saved = S_ISDIR(st.st_mode) ? EISDIR : errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

static void tool_usage(FILE *f)
{
	fputs("usage: tern explain [--json] [--no-color] [CODE | ENHANCED-CODE | \"REPLY\" | FILE | -]...\n"
	      "\n"
	      "Explains SMTP replies in plain words: what each digit says, whether the message\n"
	      "was sent, whether retrying can help, and what to do.\n"
	      "\n"
	      "  tern explain 550                      a reply code\n"
	      "  tern explain 5.1.1                    an enhanced status code\n"
	      "  tern explain \"550 5.1.1 User unknown\" a whole reply (or its words unquoted)\n"
	      "  tern explain bounce.eml               a bounce (RFC 3464): each recipient\n"
	      "  tern explain < replies.txt            one reply per line (550-... lines join)\n"
	      "\n"
	      "  --json      one JSON object per reply, one per line (schema: docs/explain.md)\n"
	      "  --no-color  no colours (also when NO_COLOR is set or stdout is not a terminal)\n"
	      "\n"
	      "Exit status: 0 explained, 1 I/O error, 2 unknown or malformed input.\n",
	      f);
}

int tool_explain(int argc, char **argv)
{
	struct tool_explain t = {.name = "stdin"};
	bool no_color = false, options = true;
	char **operands = xcalloc((size_t)(argc > 0 ? argc : 1), sizeof(*operands));
	int nops = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (options && strcmp(a, "--") == 0) {
			options = false;
		} else if (options && strcmp(a, "--json") == 0) {
			t.json = true;
		} else if (options && (strcmp(a, "--no-color") == 0 || strcmp(a, "--no-colour") == 0)) {
			no_color = true;
		} else if (options && (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)) {
			tool_usage(stdout);
			free(operands);
			return fflush(stdout) == 0 ? TOOL_OK : TOOL_IO;
		} else if (options && a[0] == '-' && a[1] != '\0') {
			fprintf(stderr, "tern explain: unknown option '%s'\n", a);
			tool_usage(stderr);
			free(operands);
			return TOOL_BAD;
		} else {
			operands[nops++] = argv[i];
		}
	}
	const char *nc = getenv("NO_COLOR");
	t.color = !t.json && !no_color && (nc == NULL || nc[0] == '\0') && isatty(STDOUT_FILENO);

	/* Each operand alone when all are codes, files or "-"; otherwise they are the words of
	 * one reply typed without quotes: tern explain 550 5.1.1 User unknown */
	bool separate = true;
	for (int i = 0; i < nops && separate; i++) {
		const char *a = operands[i];
		if (!tool_is_code(a) && !tool_is_enhanced(a) && strcmp(a, "-") != 0 && !tool_looks_like_path(a)) {
			int fd = tool_open_file(a);
			if (fd < 0)
				separate = false;
			else
				close(fd);
		}
	}
	if (nops == 0) {
		tool_fd(&t, STDIN_FILENO);
	} else if (!separate) {
		struct buf words;
		t.name = "argument";
		buf_init(&words, EXPLAIN_INPUT_MAX);
		for (int i = 0; i < nops; i++)
			if ((i && buf_append_char(&words, ' ') != 0) || buf_append_str(&words, operands[i]) != 0)
				break;
		if (buf_cstr(&words) == 0)
			tool_reply(&t, words.data, words.len);
		else
			tool_reply(&t, "", 0);
		buf_free(&words);
	} else {
		for (int i = 0; i < nops; i++) {
			const char *a = operands[i];
			if (strcmp(a, "-") == 0) {
				t.name = "stdin";
				tool_fd(&t, STDIN_FILENO);
			} else if (tool_is_code(a)) {
				tool_code(&t, a);
			} else if (tool_is_enhanced(a)) {
				tool_enhanced(&t, a);
			} else {
				int fd = tool_open_file(a);
				t.name = a;
				if (fd < 0) {
					fprintf(stderr, "tern explain: %s: %s\n", a, strerror(errno));
					tool_fail(&t, TOOL_IO);
					continue;
				}
				tool_fd(&t, fd);
				close(fd);
			}
		}
	}
	free(operands);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "tern explain: writing the output failed: %s\n", strerror(errno));
		return TOOL_IO;
	}
	return t.status;
}
