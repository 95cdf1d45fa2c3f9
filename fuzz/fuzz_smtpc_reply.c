/* fuzz_smtpc_reply.c - libFuzzer target for smtpc_reply_parse, the outbound client's reply
 * parser: untrusted bytes from a remote server, unterminated. Parses reply after reply as the
 * client does and aborts when an invariant breaks. RFC 5321 4.2, 4.5.3.1.5, RFC 2034, RFC 1870.
 * Built by scripts/fuzz.sh. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deliver/smtpc_reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz_smtpc_reply: invariant broken: %s\n", what);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a private copy so that reads past the end are caught by ASan */
	char *p = malloc(size ? size : 1);
	if (p == NULL)
		return 0;
	memcpy(p, data, size);
	size_t off = 0;
	while (off < size) {
		struct smtpc_reply r;
		size_t used = 0;
		enum smtpc_reply_status s = smtpc_reply_parse(p + off, size - off, &r, &used);
		check(s == SMTPC_REPLY_OK || s == SMTPC_REPLY_INCOMPLETE || s == SMTPC_REPLY_BAD, "status");
		if (s != SMTPC_REPLY_OK)
			break;
		check(used > 0 && used <= size - off, "used within the input");
		check(r.code >= 100 && r.code <= 599, "code range");
		check(r.nlines >= 1 && r.nlines <= SMTPC_REPLY_LINES_MAX, "line count bounded");
		check(memchr(r.text, '\0', sizeof(r.text)) != NULL, "text terminated");
		check(memchr(r.enhanced, '\0', sizeof(r.enhanced)) != NULL, "enhanced terminated");
		for (const unsigned char *t = (const unsigned char *)r.text; *t; t++)
			check(*t >= 0x20 && *t != 0x7f, "text has no control characters");
		check(strlen(r.text) >= 3 && r.text[0] == (char)('0' + r.code / 100), "text starts with the code");
		check(r.enhanced[0] == '\0' || r.enhanced[0] == r.text[0], "enhanced class matches the code");
		check(p[off + used - 1] == '\n', "a reply ends at a line end");
		off += used;
	}
	free(p);
	return 0;
}
