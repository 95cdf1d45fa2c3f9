/* route.h - where mail for a domain goes next: the `routes` file (one "domain  next-hop"
 * per line), `relayhost`, or the domain's MX records (RFC 5321 5.1). The routes file is
 * trusted configuration but parsed defensively (fuzz/fuzz_route.c). Next-hop syntax follows
 * Postfix: "host[:port]" looks up MX records of host, "[host][:port]" does not,
 * "lmtp:host:port" and "lmtp:unix:/path" speak LMTP (RFC 2033). */
#ifndef TERN_ROUTE_H
#define TERN_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/limits.h"

#define ROUTE_PATH_MAX 108 /* sun_path */

enum route_proto { ROUTE_SMTP, ROUTE_LMTP };

struct route_hop {
	enum route_proto proto;
	bool mx;                       /* look up the MX records of host first */
	bool unix_socket;              /* host is a socket path (LMTP only) */
	bool implicit;                 /* the recipient domain's own MX: NXDOMAIN is permanent */
	char host[ADDR_DOMAIN_MAX + 1]; /* host name or address, or the socket path */
	uint16_t port;                 /* 0: the smtp_port setting (SMTP), never 0 for LMTP over TCP */
};

struct route_table;
struct conf;

/* Parse one next hop (s[0..len), no surrounding spaces). 0, or -1 with a reason in why. */
int route_parse_hop(const char *s, size_t len, struct route_hop *out, char *why, size_t whysize);
/* Parse a routes file's text; each bad line appends "file:line: message\n" to errors and
 * counts in *nerrors. relayhost (NULL: none) is checked and kept as the default for
 * non-local domains. Never NULL. */
struct route_table *route_parse(const char *text, size_t len, const char *file, const char *relayhost,
				struct buf *errors, int *nerrors);
/* Read the file (NULL: no routes file) and parse it. */
struct route_table *route_load(const char *path, const char *relayhost, struct buf *errors, int *nerrors);
void route_free(struct route_table *t);
/* The next hop for a recipient domain: a routes entry (exact domain, then ".parent" entries
 * for subdomains, then "*"), else relayhost for a non-local domain, else the domain's MX.
 * false: deliver locally (a local domain with no routes entry). t may be NULL. */
bool route_next_hop(const struct route_table *t, const char *domain, bool local, uint16_t smtp_port,
		    struct route_hop *out);
/* A stable text key for a hop ("smtp:mx:example.org:25"): recipients with the same key share
 * a connection. */
void route_key(const struct route_hop *h, char *dst, size_t dstsize);

#endif
