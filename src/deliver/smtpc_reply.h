/* smtpc_reply.h - parse the replies an SMTP/LMTP server sends to our client: one reply,
 * single or multiline, from a byte buffer, plus the EHLO keywords we use. Untrusted input
 * (fuzzed by fuzz/fuzz_smtpc_reply.c). RFC 5321 4.2 and 4.5.3.1.5, RFC 2034, RFC 2920,
 * RFC 1870, RFC 6152, RFC 6531, RFC 3207. */
#ifndef TERN_SMTPC_REPLY_H
#define TERN_SMTPC_REPLY_H

#include <stddef.h>
#include <stdint.h>

/* RFC 5321 4.5.3.1.5 sets 512 octets per reply line; deployed servers sometimes send longer
 * lines (long EHLO keywords, provider URLs), so we take up to the text-line limit of 1000
 * and call anything longer a protocol error. */
#define SMTPC_REPLY_LINE_MAX 1000
#define SMTPC_REPLY_LINES_MAX 100   /* more lines than this in one reply is a protocol error */
#define SMTPC_REPLY_TEXT_MAX 512    /* the reply kept for results and logs, one line */

/* EHLO/LHLO keywords we act on */
#define SMTPC_EXT_PIPELINING 1u
#define SMTPC_EXT_SIZE 2u
#define SMTPC_EXT_8BITMIME 4u
#define SMTPC_EXT_STARTTLS 8u
#define SMTPC_EXT_SMTPUTF8 16u
#define SMTPC_EXT_ENHANCED 32u

enum smtpc_reply_status {
	SMTPC_REPLY_INCOMPLETE, /* need more bytes */
	SMTPC_REPLY_OK,         /* one whole reply parsed */
	SMTPC_REPLY_BAD,        /* protocol error: the session cannot go on */
};

struct smtpc_reply {
	int code;                        /* 100..599 */
	char enhanced[16];               /* from the first line, "" if none */
	/* "550 5.1.1 text of line 1 text of line 2": code, then every line's text joined by one
	 * space, control bytes replaced by '?', cut at SMTPC_REPLY_TEXT_MAX - 1 */
	char text[SMTPC_REPLY_TEXT_MAX];
	size_t nlines;
	unsigned ext;                    /* SMTPC_EXT_* seen on lines after the first */
	uint64_t size_limit;             /* SIZE n (0: none given) */
};

/* Parse one reply at the start of p[0..len). Lines end with CRLF (a bare LF is tolerated).
 * On SMTPC_REPLY_OK, *used is the number of bytes the reply took. Every line must start with
 * the same three-digit code followed by '-' (more lines follow), ' ' or the line end. */
enum smtpc_reply_status smtpc_reply_parse(const char *p, size_t len, struct smtpc_reply *out, size_t *used);

#endif
