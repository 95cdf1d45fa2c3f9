/* addr.c - parse the path argument of MAIL FROM: and RCPT TO: (API in addr.h).
 * Parses untrusted input: a forward-only cursor over (pointer, length), never NUL-terminated,
 * no allocation; fuzzed by fuzz/fuzz_addr.c.
 * RFC 5321 4.1.2, 4.1.1.3, 4.5.3.1; RFC 6531 3.3; RFC 3629 4.
 *
 * Results, when several apply, in this order: ADDR_SYNTAX (anything the grammar refuses,
 * malformed UTF-8 included), ADDR_SOURCE_ROUTE, ADDR_NOT_ALLOWED (a limit of RFC 5321 4.5.3.1,
 * a label over 63 octets, an empty quoted local part, a General-address-literal), then
 * ADDR_NEEDS_UTF8. Permanent refusals come before ADDR_NEEDS_UTF8 so that a client is not
 * told to retry with SMTPUTF8 only to be refused again. On every result but ADDR_OK *out is
 * cleared; *consumed is set for every well-formed path and is 0 after ADDR_SYNTAX. */
#include "lib/addr.h"
#include "lib/utf8.h"

#include <arpa/inet.h>
#include <string.h>

#include "lib/util.h"

#define ADDR_LABEL_MAX 63 /* RFC 1035 2.3.4, referenced by RFC 5321 4.5.3.1.2 */

/* The parse state: a cursor that only moves forward and only reads p[pos] with pos < len,
 * plus what was seen on the way that decides the result once the syntax is known good. */
struct addr_scan {
	const unsigned char *p;
	size_t len;
	size_t pos;
	bool nonascii;    /* an octet >= 0x80 in a local part or domain */
	bool not_allowed; /* well-formed, but over a limit or a refused form */
	bool route;       /* an A-d-l was present */
};

static int addr_peek(const struct addr_scan *st)
{
	return st->pos < st->len ? st->p[st->pos] : -1;
}

static bool addr_eat(struct addr_scan *st, int c)
{
	if (addr_peek(st) != c)
		return false;
	st->pos++;
	return true;
}

static bool addr_is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* atext, RFC 5322 3.2.3 (used by RFC 5321 4.1.2 Atom): ALPHA / DIGIT / "!#$%&'*+-/=?^_`{|}~". */
static bool addr_is_atext(int c)
{
	static const char specials[] = "!#$%&'*+-/=?^_`{|}~";

	if (addr_is_alnum(c))
		return true;
	return c > 0 && c < 0x80 && memchr(specials, c, sizeof(specials) - 1) != NULL;
}

/* Append c to dst (room for cap octets, or NULL) at *n. Everything is counted, only what
 * fits is stored: the caller checks the count against its limit and refuses the path. */
static void addr_emit(char *dst, size_t cap, size_t *n, unsigned char c)
{
	if (dst != NULL && *n < cap)
		dst[*n] = (char)c;
	(*n)++;
}

/* Step over one UTF-8 character (RFC 6531 3.3 UTF8-non-ascii) at the cursor, copying its
 * octets to dst through addr_emit. Returns false when it is malformed. */
static bool addr_take_utf8(struct addr_scan *st, char *dst, size_t cap, size_t *n)
{
	size_t seq = utf8_seq_len(st->p + st->pos, st->len - st->pos);
	if (seq == 0)
		return false;
	for (size_t i = 0; i < seq; i++)
		addr_emit(dst, cap, n, st->p[st->pos + i]);
	st->pos += seq;
	st->nonascii = true;
	return true;
}

/* Domain = sub-domain *("." sub-domain); sub-domain = Let-dig [Ldh-str] (RFC 5321 4.1.2),
 * sub-domain =/ U-label (RFC 6531 3.3). A non-ASCII character counts as a Let-dig; the
 * label limit of 63 octets is applied to ASCII labels only, because a U-label's limit is
 * that of its A-label form, which we do not compute (no IDNA here). No trailing dot: the
 * grammar has none. dst (room for ADDR_DOMAIN_MAX octets, or NULL) gets the domain as given;
 * *dlen counts all of it. */
static bool addr_parse_domain(struct addr_scan *st, char *dst, size_t *dlen)
{
	*dlen = 0;
	for (;;) {
		size_t label = 0;
		bool label_utf8 = false;
		int last = -1;

		for (;;) {
			int c = addr_peek(st);
			if (c >= 0x80) {
				if (!addr_take_utf8(st, dst, ADDR_DOMAIN_MAX, dlen))
					return false;
				label_utf8 = true;
				label++;
				last = 'a';
			} else if (addr_is_alnum(c) || (c == '-' && label > 0)) {
				addr_emit(dst, ADDR_DOMAIN_MAX, dlen, (unsigned char)c);
				st->pos++;
				label++;
				last = c;
			} else {
				break;
			}
		}
		if (label == 0 || last == '-')
			return false;
		if (!label_utf8 && label > ADDR_LABEL_MAX)
			st->not_allowed = true;
		if (!addr_eat(st, '.'))
			break;
		addr_emit(dst, ADDR_DOMAIN_MAX, dlen, '.');
	}
	if (*dlen > ADDR_DOMAIN_MAX)
		st->not_allowed = true; /* RFC 5321 4.5.3.1.2 */
	if (dst != NULL)
		dst[*dlen < ADDR_DOMAIN_MAX ? *dlen : ADDR_DOMAIN_MAX] = '\0';
	return true;
}

/* Ldh-str = *( ALPHA / DIGIT / "-" ) Let-dig (RFC 5321 4.1.2), used as Standardized-tag. */
static bool addr_is_ldh_str(const unsigned char *s, size_t n)
{
	if (n == 0 || !addr_is_alnum(s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!addr_is_alnum(s[i]) && s[i] != '-')
			return false;
	}
	return true;
}

/* Validate text of n octets as an address of family af with inet_pton, which needs a
 * terminated copy. inet_pton also refuses IPv4 leading zeros ("01.2.3.4"), which keeps
 * octal readings out. */
static bool addr_inet_ok(int af, const unsigned char *text, size_t n)
{
	char tmp[INET6_ADDRSTRLEN];
	unsigned char bin[16];

	if (n >= sizeof(tmp))
		return false;
	memcpy(tmp, text, n);
	tmp[n] = '\0';
	return inet_pton(af, tmp, bin) == 1;
}

/* address-literal = "[" ( IPv4-address-literal / IPv6-address-literal /
 * General-address-literal ) "]" (RFC 5321 4.1.2, 4.1.3). The cursor is on '['. IPv4 and
 * "IPv6:" literals are checked with inet_pton; a well-formed General-address-literal is
 * refused (ADDR_NOT_ALLOWED): no tag is registered that we could deliver to. dst gets the
 * literal with its brackets. */
static bool addr_parse_literal(struct addr_scan *st, char *dst, size_t *dlen)
{
	size_t start = st->pos;
	const unsigned char *content;
	const unsigned char *colon;
	size_t clen;

	st->pos++; /* '[' */
	content = st->p + st->pos;
	/* dcontent = %d33-90 / %d94-126: all of the literals' characters are in it */
	for (;;) {
		int c = addr_peek(st);
		if (c < 33 || c > 126 || c == '[' || c == '\\' || c == ']')
			break;
		st->pos++;
	}
	clen = (size_t)(st->p + st->pos - content);
	if (!addr_eat(st, ']') || clen == 0)
		return false;

	colon = memchr(content, ':', clen);
	if (colon == NULL) {
		if (!addr_inet_ok(AF_INET, content, clen))
			return false;
	} else {
		size_t tag_len = (size_t)(colon - content);
		const unsigned char *rest = colon + 1;
		size_t rest_len = clen - tag_len - 1;

		if (!addr_is_ldh_str(content, tag_len) || rest_len == 0)
			return false;
		if (mem_ieq((const char *)content, tag_len, "IPv6", 4)) {
			if (!addr_inet_ok(AF_INET6, rest, rest_len))
				return false;
		} else {
			st->not_allowed = true; /* General-address-literal */
		}
	}

	*dlen = st->pos - start;
	if (*dlen > ADDR_DOMAIN_MAX) {
		st->not_allowed = true;
		dst[0] = '\0';
		return true;
	}
	memcpy(dst, st->p + start, *dlen);
	dst[*dlen] = '\0';
	return true;
}

/* Local-part = Dot-string / Quoted-string (RFC 5321 4.1.2), with UTF8-non-ascii in atext and
 * qtextSMTP (RFC 6531 3.3). Fills out->local with the content (quotes removed, quoted-pairs
 * resolved) and sets out->local_quoted only when the content is not a valid Dot-string, as
 * the two forms are equivalent (4.1.2). The 64-octet limit (4.5.3.1.1) applies to the
 * canonical form, the one addr_to_string writes, so that form always parses again. */
static bool addr_parse_local(struct addr_scan *st, struct addr_path *out, bool *was_quoted)
{
	size_t n = 0;
	size_t canonical;

	*was_quoted = addr_peek(st) == '"';
	if (!*was_quoted) {
		/* Dot-string = Atom *("."  Atom) */
		bool atom_empty = true;
		for (;;) {
			int c = addr_peek(st);
			if (c >= 0x80) {
				if (!addr_take_utf8(st, out->local, ADDR_LOCAL_MAX, &n))
					return false;
				atom_empty = false;
			} else if (addr_is_atext(c)) {
				addr_emit(out->local, ADDR_LOCAL_MAX, &n, (unsigned char)c);
				st->pos++;
				atom_empty = false;
			} else if (c == '.' && !atom_empty) {
				addr_emit(out->local, ADDR_LOCAL_MAX, &n, '.');
				st->pos++;
				atom_empty = true;
			} else {
				break;
			}
		}
		if (atom_empty)
			return false; /* empty, a leading, trailing or double dot */
		canonical = n;
	} else {
		/* Quoted-string = DQUOTE *QcontentSMTP DQUOTE */
		bool needs_quotes = false, prev_dot = false;
		size_t escapes = 0;

		st->pos++;
		for (;;) {
			int c = addr_peek(st);
			if (c == '"') {
				st->pos++;
				break;
			}
			if (c >= 0x80) {
				if (!addr_take_utf8(st, out->local, ADDR_LOCAL_MAX, &n))
					return false;
				prev_dot = false;
				continue;
			}
			if (c == '\\') {
				/* quoted-pairSMTP = %d92 %d32-126 */
				st->pos++;
				c = addr_peek(st);
				if (c < 32 || c > 126)
					return false;
			} else if (c < 32 || c > 126) {
				/* qtextSMTP = %d32-33 / %d35-91 / %d93-126: no controls, no DEL, and
				 * the end of input before the closing quote lands here too */
				return false;
			}
			st->pos++;
			if (c == '.') {
				if (n == 0 || prev_dot)
					needs_quotes = true;
				prev_dot = true;
			} else {
				prev_dot = false;
				if (!addr_is_atext(c))
					needs_quotes = true;
				if (c == '"' || c == '\\')
					escapes++;
			}
			addr_emit(out->local, ADDR_LOCAL_MAX, &n, (unsigned char)c);
		}
		if (n == 0)
			st->not_allowed = true; /* "" is grammatical, but no mailbox is empty */
		if (prev_dot)
			needs_quotes = true;
		out->local_quoted = needs_quotes;
		canonical = needs_quotes ? n + 2 + escapes : n;
	}
	if (canonical > ADDR_LOCAL_MAX)
		st->not_allowed = true;
	out->local_len = n < ADDR_LOCAL_MAX ? n : ADDR_LOCAL_MAX;
	out->local[out->local_len] = '\0';
	return true;
}

/* Path = "<" [ A-d-l ":" ] Mailbox ">", Reverse-path =/ "<>", and "<Postmaster>" of RCPT
 * (RFC 5321 4.1.1.3, 4.1.2). Returns false on any syntax error. */
static bool addr_parse_syntax(struct addr_scan *st, unsigned flags, struct addr_path *out)
{
	bool was_quoted;

	if (!addr_eat(st, '<'))
		return false;
	if (addr_eat(st, '>')) {
		out->is_null = true;
		return (flags & ADDR_F_NULL_OK) != 0;
	}
	if (addr_peek(st) == '@') {
		/* A-d-l = At-domain *( "," At-domain ); At-domain = "@" Domain (no literal).
		 * Checked for syntax, then refused: never silently stripped (see docs). */
		do {
			size_t route_len;
			if (!addr_eat(st, '@') || !addr_parse_domain(st, NULL, &route_len))
				return false;
		} while (addr_eat(st, ','));
		if (!addr_eat(st, ':'))
			return false;
		st->route = true;
	}
	if (!addr_parse_local(st, out, &was_quoted))
		return false;
	if (addr_peek(st) == '>' && !st->route && !was_quoted &&
	    mem_ieq(out->local, out->local_len, "postmaster", 10)) {
		/* "<Postmaster>" is only in the RCPT grammar (4.1.1.3) */
		st->pos++;
		out->is_postmaster = true;
		return (flags & ADDR_F_POSTMASTER_OK) != 0;
	}
	if (!addr_eat(st, '@'))
		return false;
	if (addr_peek(st) == '[') {
		out->domain_literal = true;
		if (!addr_parse_literal(st, out->domain, &out->domain_len))
			return false;
	} else {
		if (!addr_parse_domain(st, out->domain, &out->domain_len))
			return false;
	}
	if (out->domain_len > ADDR_DOMAIN_MAX)
		out->domain_len = ADDR_DOMAIN_MAX; /* already refused; keep the bound */
	return addr_eat(st, '>');
}

enum addr_result addr_parse_path(const char *s, size_t len, unsigned flags, struct addr_path *out,
				 size_t *consumed)
{
	struct addr_scan st = {.p = (const unsigned char *)s, .len = s != NULL ? len : 0};
	enum addr_result r;

	memset(out, 0, sizeof(*out));
	if (consumed != NULL)
		*consumed = 0;
	if (!addr_parse_syntax(&st, flags, out)) {
		memset(out, 0, sizeof(*out));
		return ADDR_SYNTAX;
	}
	if (st.pos > ADDR_PATH_MAX)
		st.not_allowed = true; /* RFC 5321 4.5.3.1.3, counted with the brackets */

	if (st.route)
		r = ADDR_SOURCE_ROUTE;
	else if (st.not_allowed)
		r = ADDR_NOT_ALLOWED;
	else if (st.nonascii && (flags & ADDR_F_UTF8) == 0)
		r = ADDR_NEEDS_UTF8; /* RFC 6531 3.3: only after SMTPUTF8 */
	else
		r = ADDR_OK;

	if (consumed != NULL)
		*consumed = st.pos;
	if (r != ADDR_OK)
		memset(out, 0, sizeof(*out));
	else
		out->utf8 = st.nonascii;
	return r;
}

static bool addr_put(char *dst, size_t dstsize, size_t *n, char c)
{
	if (*n >= dstsize - 1)
		return false;
	dst[(*n)++] = c;
	return true;
}

int addr_to_string(const struct addr_path *a, char *dst, size_t dstsize)
{
	size_t n = 0;
	bool fits = true;

	if (dstsize == 0)
		return -1;
	dst[0] = '\0';
	if (a->local_len > ADDR_LOCAL_MAX || a->domain_len > ADDR_DOMAIN_MAX)
		BUG("addr_to_string: struct addr_path lengths out of range");
	if (a->is_null)
		return 0;

	if (a->local_quoted)
		fits = addr_put(dst, dstsize, &n, '"');
	for (size_t i = 0; fits && i < a->local_len; i++) {
		char c = a->local[i];
		/* quoted-pairSMTP (4.1.2) for the two characters qtextSMTP lacks */
		if (a->local_quoted && (c == '"' || c == '\\'))
			fits = addr_put(dst, dstsize, &n, '\\');
		fits = fits && addr_put(dst, dstsize, &n, c);
	}
	if (fits && a->local_quoted)
		fits = addr_put(dst, dstsize, &n, '"');
	if (fits && !a->is_postmaster) {
		fits = addr_put(dst, dstsize, &n, '@');
		for (size_t i = 0; fits && i < a->domain_len; i++)
			fits = addr_put(dst, dstsize, &n, a->domain[i]);
	}
	if (!fits) {
		dst[0] = '\0';
		return -1;
	}
	dst[n] = '\0';
	return (int)n;
}

bool addr_has_routing_chars(const struct addr_path *a)
{
	/* '%' and '!' route inside a local part at gateways (RFC 1123 5.2.16), as does a quoted
	 * '@'; the recipient policy refuses them for local domains rather than interpret them */
	for (size_t i = 0; i < a->local_len && i < ADDR_LOCAL_MAX; i++) {
		char c = a->local[i];
		if (c == '%' || c == '!' || c == '@')
			return true;
	}
	return false;
}

static int addr_ascii_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

bool addr_domain_eq(const char *a, size_t alen, const char *b, size_t blen)
{
	/* Domain names compare case-insensitively in ASCII (RFC 5321 2.4, RFC 4343); a
	 * trailing dot only marks the name as absolute. */
	if (alen > 0 && a[alen - 1] == '.')
		alen--;
	if (blen > 0 && b[blen - 1] == '.')
		blen--;
	if (alen != blen)
		return false;
	for (size_t i = 0; i < alen; i++) {
		if (addr_ascii_lower((unsigned char)a[i]) != addr_ascii_lower((unsigned char)b[i]))
			return false;
	}
	return true;
}
