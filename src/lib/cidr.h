/* cidr.h - IPv4 and IPv6 networks in CIDR notation ("192.0.2.0/24", "2001:db8::/32", or a
 * single address) and membership tests, for relay_networks. Parses configuration text
 * (trusted) and the text form of a peer address produced by inet_ntop. RFC 4632, RFC 4291. */
#ifndef TERN_CIDR_H
#define TERN_CIDR_H

#include <stdbool.h>

struct cidr {
	int family; /* AF_INET or AF_INET6 */
	unsigned char addr[16];
	unsigned prefix;
};

/* Parse "address[/prefix]"; host bits are cleared. -1 on anything else. */
int cidr_parse(const char *text, struct cidr *out);
/* Is the address (text, as inet_ntop writes it) inside the network? An IPv4 client is never
 * inside an IPv6 network (server.c already unmaps ::ffff:a.b.c.d). */
bool cidr_match(const struct cidr *net, const char *ip);

#endif
