/* route.c - the routes file, relayhost and next-hop selection (see route.h). Trusted input
 * parsed in bounded steps; every error carries file:line. RFC 5321 5.1 (MX), RFC 2033. */
#include "deliver/route.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"

#define ROUTE_FILE_MAX (16u * 1024 * 1024)

struct route_entry {
	char domain[ADDR_DOMAIN_MAX + 2]; /* lowercase; ".example.org" for subdomains, "*" */
	struct route_hop hop;
};

struct route_table {
	struct route_entry *entries;
	size_t n;
	bool has_relayhost;
	struct route_hop relayhost;
};

static void lower_copy(char *dst, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i];
	dst[n] = '\0';
}

static bool host_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
	       c == '_' || c == ':';
}

static int fail(char *why, size_t whysize, const char *msg)
{
	str_copy(why, msg, whysize);
	return -1;
}

/* "host", "host:port", "[host]", "[host]:port", "[v6:addr]:port" */
static int parse_host_port(const char *s, size_t len, struct route_hop *out, bool need_port, char *why,
			   size_t whysize)
{
	const char *host = s, *port = NULL;
	size_t hlen = len, plen = 0;
	out->mx = true;
	if (len > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', len);
		if (close == NULL)
			return fail(why, whysize, "missing ']'");
		host = s + 1;
		hlen = (size_t)(close - host);
		out->mx = false;
		size_t rest = len - (size_t)(close + 1 - s);
		if (rest > 0) {
			if (close[1] != ':')
				return fail(why, whysize, "expected ':port' after ']'");
			port = close + 2;
			plen = rest - 1;
		}
	} else {
		const char *colon = memchr(s, ':', len);
		if (colon) {
			hlen = (size_t)(colon - s);
			port = colon + 1;
			plen = len - hlen - 1;
		}
	}
	if (hlen == 0 || hlen > ADDR_DOMAIN_MAX)
		return fail(why, whysize, "bad host name length");
	for (size_t i = 0; i < hlen; i++)
		if (!host_char_ok(host[i]) || (out->mx && host[i] == ':'))
			return fail(why, whysize, "bad character in host name");
	memcpy(out->host, host, hlen);
	out->host[hlen] = '\0';
	out->port = 0;
	if (port) {
		uint64_t v;
		if (parse_u64(port, plen, 65535, &v) < 0 || v == 0)
			return fail(why, whysize, "bad port");
		out->port = (uint16_t)v;
	} else if (need_port) {
		return fail(why, whysize, "a port is required");
	}
	return 0;
}

int route_parse_hop(const char *s, size_t len, struct route_hop *out, char *why, size_t whysize)
{
	memset(out, 0, sizeof(*out));
	if (len >= 5 && mem_ieq(s, 5, "lmtp:", 5)) {
		out->proto = ROUTE_LMTP;
		s += 5;
		len -= 5;
		if (len >= 5 && mem_ieq(s, 5, "unix:", 5)) {
			s += 5;
			len -= 5;
			if (len == 0 || s[0] != '/' || len >= ROUTE_PATH_MAX || len > ADDR_DOMAIN_MAX)
				return fail(why, whysize, "lmtp:unix: needs an absolute socket path (at most 107 bytes)");
			if (memchr(s, '\0', len))
				return fail(why, whysize, "NUL in socket path");
			out->unix_socket = true;
			memcpy(out->host, s, len);
			out->host[len] = '\0';
			return 0;
		}
		if (parse_host_port(s, len, out, true, why, whysize) < 0)
			return -1;
		out->mx = false; /* LMTP goes to the named host, never its MX (RFC 2033 is for local stores) */
		return 0;
	}
	out->proto = ROUTE_SMTP;
	if (len >= 5 && mem_ieq(s, 5, "smtp:", 5)) {
		s += 5;
		len -= 5;
	}
	return parse_host_port(s, len, out, false, why, whysize);
}

static void add_entry(struct route_table *t, const char *dom, size_t dlen, const struct route_hop *hop)
{
	struct route_entry *e = realloc(t->entries, (t->n + 1) * sizeof(*e));
	if (e == NULL)
		die_oom();
	t->entries = e;
	e = &t->entries[t->n++];
	if (dlen > 0 && dom[dlen - 1] == '.' && dlen > 1)
		dlen--; /* a trailing dot names the same domain */
	lower_copy(e->domain, dom, dlen);
	e->hop = *hop;
}

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

struct route_table *route_parse(const char *text, size_t len, const char *file, const char *relayhost,
				struct buf *errors, int *nerrors)
{
	struct route_table *t = xcalloc(1, sizeof(*t));
	char why[120];
	if (relayhost && relayhost[0]) {
		if (route_parse_hop(relayhost, strlen(relayhost), &t->relayhost, why, sizeof(why)) < 0) {
			buf_printf(errors, "relayhost: %s in '%.300s'\n", why, relayhost);
			(*nerrors)++;
		} else {
			t->has_relayhost = true;
		}
	}
	size_t off = 0;
	for (int line = 1; off < len; line++) {
		const char *nl = memchr(text + off, '\n', len - off);
		size_t n = nl ? (size_t)(nl - (text + off)) : len - off;
		const char *s = text + off;
		off += n + (nl ? 1 : 0);
		const char *hash = memchr(s, '#', n);
		if (hash)
			n = (size_t)(hash - s);
		size_t i = 0;
		while (i < n && is_space(s[i]))
			i++;
		size_t d0 = i;
		while (i < n && !is_space(s[i]))
			i++;
		size_t d1 = i;
		while (i < n && is_space(s[i]))
			i++;
		size_t h0 = i;
		while (i < n && !is_space(s[i]))
			i++;
		size_t h1 = i;
		while (i < n && is_space(s[i]))
			i++;
		if (d1 == d0)
			continue; /* blank or comment */
		struct route_hop hop;
		if (h1 == h0 || i < n) {
			buf_printf(errors, "%s:%d: expected 'domain  next-hop'\n", file, line);
			(*nerrors)++;
			continue;
		}
		bool star = d1 - d0 == 1 && s[d0] == '*';
		bool dom_ok = d1 - d0 <= ADDR_DOMAIN_MAX;
		for (size_t k = d0; k < d1 && dom_ok && !star; k++)
			dom_ok = host_char_ok(s[k]) && s[k] != ':';
		if (!dom_ok) {
			buf_printf(errors, "%s:%d: bad domain '%.*s'\n", file, line, (int)(d1 - d0 > 300 ? 300 : d1 - d0),
				   s + d0);
			(*nerrors)++;
			continue;
		}
		if (route_parse_hop(s + h0, h1 - h0, &hop, why, sizeof(why)) < 0) {
			buf_printf(errors, "%s:%d: %s in '%.*s'\n", file, line, why, (int)(h1 - h0 > 300 ? 300 : h1 - h0),
				   s + h0);
			(*nerrors)++;
			continue;
		}
		add_entry(t, s + d0, d1 - d0, &hop);
	}
	return t;
}

struct route_table *route_load(const char *path, const char *relayhost, struct buf *errors, int *nerrors)
{
	struct buf text;
	buf_init(&text, ROUTE_FILE_MAX);
	if (path) {
		FILE *f = fopen(path, "r");
		if (f == NULL) {
			buf_printf(errors, "%s:0: cannot open: %s\n", path, strerror(errno));
			(*nerrors)++;
		} else {
			char chunk[4096];
			size_t n;
			while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
				if (buf_append(&text, chunk, n) < 0) {
					buf_printf(errors, "%s:0: larger than %u bytes\n", path, ROUTE_FILE_MAX);
					(*nerrors)++;
					break;
				}
			fclose(f);
		}
	}
	struct route_table *t = route_parse(text.data ? text.data : "", text.len, path ? path : "routes",
					    relayhost, errors, nerrors);
	buf_free(&text);
	return t;
}

void route_free(struct route_table *t)
{
	if (t == NULL)
		return;
	free(t->entries);
	free(t);
}

static const struct route_entry *find(const struct route_table *t, const char *key)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->entries[i].domain, key) == 0)
			return &t->entries[i];
	return NULL;
}

bool route_next_hop(const struct route_table *t, const char *domain, bool local, uint16_t smtp_port,
		    struct route_hop *out)
{
	char d[ADDR_DOMAIN_MAX + 2];
	size_t n = strlen(domain);
	if (n > 0 && domain[n - 1] == '.')
		n--;
	if (n > ADDR_DOMAIN_MAX)
		n = ADDR_DOMAIN_MAX;
	lower_copy(d, domain, n);
	const struct route_entry *e = NULL;
	if (t) {
		e = find(t, d);
		/* ".example.org" matches every subdomain, the nearest parent first */
		for (const char *p = strchr(d, '.'); e == NULL && p; p = strchr(p + 1, '.'))
			e = find(t, p);
		if (e == NULL && !local)
			e = find(t, "*"); /* the catch-all is for other domains, never for our own */
	}
	if (e) {
		*out = e->hop;
	} else if (local) {
		return false;
	} else if (t && t->has_relayhost) {
		*out = t->relayhost;
	} else {
		memset(out, 0, sizeof(*out));
		out->proto = ROUTE_SMTP;
		out->mx = true;
		out->implicit = true;
		memcpy(out->host, d, n + 1);
	}
	if (out->proto == ROUTE_SMTP && out->port == 0)
		out->port = smtp_port;
	return true;
}

void route_key(const struct route_hop *h, char *dst, size_t dstsize)
{
	snprintf(dst, dstsize, "%s:%s:%s:%u", h->proto == ROUTE_LMTP ? "lmtp" : "smtp",
		 h->unix_socket ? "unix" : h->mx ? "mx" : "host", h->host, (unsigned)h->port);
}
