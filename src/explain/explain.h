/* explain.h - turns an SMTP reply (code, optional enhanced code, text) into plain words: class,
 * sent, retry, reason keyword, meaning, advice. Parses untrusted input (fuzzed by
 * fuzz/fuzz_reply.c). RFC 5321 4.2, RFC 2034, RFC 3463. */
#ifndef TERN_EXPLAIN_H
#define TERN_EXPLAIN_H

#include <stdbool.h>
#include <stddef.h>

#include "explain/codes.h"
#include "explain/patterns.h"

/* Used by HELP <code> in ternd, delivery log lines, bounces and `tern explain`
 * (docs/explain.md). */

#define EXPLAIN_TEXT_MAX 2048      /* reply text kept (lines joined); longer text is cut */
#define EXPLAIN_NOTES_MAX 4
#define EXPLAIN_NOTE_MAX 240
#define EXPLAIN_HELP_LINE_MAX 200  /* explain_help_lines: characters per line, without NUL */
#define EXPLAIN_INPUT_MAX (64 * 1024) /* explain_reply reads at most this much of its input */

/* Which part of the reply decided the reason and the meaning. */
enum explain_source {
	EXPLAIN_FROM_CLASS,    /* only the first digit was understood */
	EXPLAIN_FROM_BASIC,    /* the three-digit code */
	EXPLAIN_FROM_ENHANCED, /* the enhanced status code */
	EXPLAIN_FROM_TEXT,     /* a provider phrase in the text (patterns.def) */
};

/* Every pointer refers to static data, so an explanation can be copied freely. */
struct explanation {
	int code;                 /* 200..559; 0 when only an enhanced code was given */
	char enhanced[16];        /* "5.1.1"; "" if none */
	int enh_class, enh_subject, enh_detail; /* -1 when there is no enhanced code */
	const char *klass;        /* "success", "intermediate", "transient", "permanent" */
	bool sent;                /* the server accepted the message (or the command) */
	bool retry;               /* trying again later can help */
	const char *retry_when;   /* when it helps; NULL unless retry */
	const char *reason;       /* stable keyword (codes_reasons.c, docs/explain.md) */
	const char *summary;      /* short phrase: "the recipient address does not exist" */
	const char *title;        /* name of the code (or phrase) that decided */
	const char *meaning;      /* plain words */
	const char *advice;       /* for the sender */
	const char *admin;        /* for the administrator */
	const char *rfc;          /* where the deciding code is defined; NULL for a phrase */
	enum explain_source source;
	const struct codes_basic *basic;       /* NULL: not a code of the tables */
	const struct codes_enhanced *entry;    /* NULL: no enhanced code, or not registered */
	const struct codes_enhanced *subject_entry; /* X.s.0, when the detail is not registered */
	const struct patterns_row *pattern;    /* the provider phrase that decided, or NULL */
	size_t nlines;            /* lines of the reply (explain_reply) */
	char text[EXPLAIN_TEXT_MAX]; /* the text without codes, lines joined by one space */
	bool text_truncated;
	size_t nnotes;            /* inconsistencies and oddities, in plain words */
	char notes[EXPLAIN_NOTES_MAX][EXPLAIN_NOTE_MAX];
};

/* Parse a whole reply: one line "550 5.1.1 text" or several "550-..." lines ending with
 * "550 ...", CRLF or LF, with or without an enhanced code (RFC 5321 4.2, RFC 2034), and explain
 * it. Lines without a code after the first are taken as wrapped text (with a note). Returns 0,
 * or -1 if the input does not start with a reply code (2yz-5yz, second digit 0-5). */
int explain_reply(const char *text, size_t len, struct explanation *out);

/* Explain a code given in parts. code is 200..559 (second digit 0..5), or 0 when only the
 * enhanced code is known; enhanced and text may be NULL. -1 if a part is malformed or both
 * codes are missing. */
int explain_code(int code, const char *enhanced, const char *text, struct explanation *out);

/* "5.1.1" alone: explained by its class. -1 if malformed. */
int explain_enhanced_only(const char *enhanced, struct explanation *out);

/* Parse an enhanced code "c.s.d" (RFC 3463 2: class 2, 4 or 5; subject and detail 1-3
 * digits) at the start of s[0..len); it must not be followed by a digit or a dot. Returns the
 * bytes used, or -1. */
int explain_parse_enhanced(const char *s, size_t len, int *cls, int *subject, int *detail);

/* Is there an explanation of its own for this basic code (0: ignore) and enhanced code (NULL
 * or "": ignore)? False for malformed codes and for codes only explained by their digits. */
bool explain_known(int code, const char *enhanced);

/* One short line for logs, no CR/LF: "permanent failure: the recipient address does not exist
 * (unknown_user); not sent, do not retry". Returns the length it needed (like snprintf). */
size_t explain_oneline(const struct explanation *e, char *dst, size_t dstsize);

/* For HELP <code> in ternd: up to max lines (each at most EXPLAIN_HELP_LINE_MAX printable
 * ASCII characters, no CR/LF) on a basic reply code: its name, meaning, what each digit says,
 * whether a retry helps, what to do. Returns the number of lines; 0 if the code is unknown. */
size_t explain_help_lines(int code, char lines[][EXPLAIN_HELP_LINE_MAX + 1], size_t max);

#endif
