/* dns.h - non-blocking DNS for outbound delivery: MX records with the rules of RFC 5321 5.1
 * (preference order, implicit MX, RFC 7505 null MX) and A/AAAA addresses, through a c-ares
 * channel that lives on the event loop (socket-state callback + one timer). Replies from the
 * network are untrusted; c-ares parses them, we only read its results. */
#ifndef TERN_DNS_H
#define TERN_DNS_H

#include <stddef.h>
#include <sys/socket.h>

#include "conf/conf.h"
#include "lib/buf.h"
#include "lib/event.h"
#include "lib/limits.h"

#define DNS_MX_MAX 32      /* MX hosts kept per domain (more is abuse) */
#define DNS_ADDR_MAX 16    /* addresses kept per host */

enum dns_status {
	DNS_OK,
	DNS_TEMPFAIL,  /* SERVFAIL, timeout, refused: try again later */
	DNS_NOTFOUND,  /* NXDOMAIN, or (addresses) no A/AAAA record: permanent */
	DNS_NULL_MX,   /* RFC 7505: the domain accepts no mail */
	DNS_CANCELLED, /* the channel was destroyed; the callback must only free its state */
};

struct dns_mx {
	unsigned pref;
	char host[ADDR_DOMAIN_MAX + 1];
};

struct dns_addr {
	struct sockaddr_storage sa;
	socklen_t len;
};

struct dns;

/* mx is sorted by preference, equal preferences in random order (RFC 5321 5.1); a domain
 * without MX records gets itself as the one implicit MX (preference 0). detail says what
 * failed, for the reply text. */
typedef void (*dns_mx_cb)(void *arg, enum dns_status st, const struct dns_mx *mx, size_t n, const char *detail);
typedef void (*dns_addr_cb)(void *arg, enum dns_status st, const struct dns_addr *a, size_t n, const char *detail);

/* servers: the dns_servers setting ("ip[:port]" items; empty: the system's resolv.conf).
 * NULL with a message in err on failure. */
struct dns *dns_new(struct event_loop *loop, const struct conf_list *servers, struct buf *err);
/* Cancel every query (their callbacks get DNS_CANCELLED) and free the channel. */
void dns_free(struct dns *d);
/* The callback may run before these return (cached or numeric answers). */
void dns_resolve_mx(struct dns *d, const char *domain, dns_mx_cb cb, void *arg);
/* IPv6 and IPv4 addresses of host, in the resolver's order; a numeric host is returned as is. */
void dns_resolve_addr(struct dns *d, const char *host, uint16_t port, dns_addr_cb cb, void *arg);

#endif
