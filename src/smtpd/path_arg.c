/* path_arg.c - see path_arg.h. Untrusted input; a space after the colon is tolerated
 * (many clients send "MAIL FROM: <a@b>"; Postfix and Exim accept it too). */
#include "smtpd/path_arg.h"

#include <string.h>

#include "lib/util.h"

struct reply path_arg_parse(const char *args, size_t len, const char *keyword, unsigned addr_flags,
			    struct path_arg *out)
{
	size_t klen = strlen(keyword);
	if (len < klen || !mem_ieq(args, klen, keyword, klen))
		return reply_makef(REPLY_SYNTAX_ARGS, "expected %s<address>", keyword);
	size_t off = klen;
	while (off < len && args[off] == ' ')
		off++;
	size_t consumed = 0;
	memset(&out->path, 0, sizeof(out->path));
	switch (addr_parse_path(args + off, len - off, addr_flags, &out->path, &consumed)) {
	case ADDR_OK:
		break;
	case ADDR_SYNTAX:
		return reply_make(REPLY_ADDR_SYNTAX, "expected <local-part@domain>");
	case ADDR_NOT_ALLOWED:
		return reply_make(REPLY_ADDR_NOT_ALLOWED, "the address is too long or contains characters that are not allowed");
	case ADDR_SOURCE_ROUTE:
		return reply_make(REPLY_ADDR_SOURCE_ROUTE, NULL);
	case ADDR_NEEDS_UTF8:
		return reply_make(REPLY_SMTPUTF8_REQUIRED, NULL);
	}
	off += consumed;
	if (off < len && args[off] != ' ')
		return reply_make(REPLY_ADDR_SYNTAX, "unexpected characters after the closing '>'");
	out->nparams = params_split(args + off, len - off, (addr_flags & ADDR_F_UTF8) != 0, out->params, PARAMS_MAX);
	if (out->nparams < 0)
		return reply_make(REPLY_PARAM_SYNTAX, "parameters must be KEYWORD or KEYWORD=value, separated by spaces");
	return reply_make(REPLY_NONE, NULL);
}
