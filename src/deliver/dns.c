/* dns.c - c-ares on the event loop (see dns.h). c-ares tells us through the socket-state
 * callback which sockets to watch; the loop calls ares_process_fd on readiness, and one
 * timer, re-armed after every call into c-ares, drives its retransmissions and timeouts.
 * Untrusted input: DNS answers (parsed by c-ares). RFC 5321 5.1, RFC 7505, RFC 1035. */
#include "deliver/dns.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <ares.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"

#define DNS_TIMEOUT_MS 3000 /* per try; c-ares retries each server DNS_TRIES times */
#define DNS_TRIES 2
#define DNS_FDS_MAX 16

struct dns_fd {
	struct dns *d;
	int fd; /* -1: free slot */
	unsigned mask;
};

struct dns {
	struct event_loop *loop;
	ares_channel channel;
	struct event_timer timer;
	struct dns_fd fds[DNS_FDS_MAX];
	bool destroying;
};

struct dns_query {
	struct dns *d;
	dns_mx_cb mx_cb;
	dns_addr_cb addr_cb;
	void *arg;
	char name[ADDR_DOMAIN_MAX + 1];
};

static void dns_rearm(struct dns *d)
{
	if (d->destroying)
		return;
	struct timeval tv;
	if (ares_timeout(d->channel, NULL, &tv) == NULL) {
		event_timer_cancel(d->loop, &d->timer);
		return;
	}
	uint64_t ms = (uint64_t)tv.tv_sec * 1000u + (uint64_t)tv.tv_usec / 1000u;
	event_timer_set(d->loop, &d->timer, ms ? ms : 1);
}

static void dns_on_timer(void *arg)
{
	struct dns *d = arg;
	ares_process_fd(d->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	dns_rearm(d);
}

static void dns_on_ready(void *arg, unsigned events)
{
	struct dns_fd *s = arg;
	struct dns *d = s->d;
	int fd = s->fd;
	/* a hang-up shows as readable so that c-ares notices it */
	ares_process_fd(d->channel, events & EV_READ || !(events & EV_WRITE) ? fd : ARES_SOCKET_BAD,
			events & EV_WRITE ? fd : ARES_SOCKET_BAD);
	dns_rearm(d);
}

static void dns_sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
	struct dns *d = data;
	struct dns_fd *slot = NULL, *free_slot = NULL;
	for (int i = 0; i < DNS_FDS_MAX; i++) {
		if (d->fds[i].fd == fd)
			slot = &d->fds[i];
		else if (d->fds[i].fd < 0 && free_slot == NULL)
			free_slot = &d->fds[i];
	}
	unsigned mask = (readable ? EV_READ : 0) | (writable ? EV_WRITE : 0);
	if (mask == 0) {
		if (slot) {
			event_del(d->loop, fd);
			slot->fd = -1;
		}
		return;
	}
	if (slot == NULL) {
		if (free_slot == NULL)
			return; /* more sockets than we watch: c-ares times those queries out */
		slot = free_slot;
		slot->fd = fd;
		slot->mask = mask;
		if (event_add(d->loop, fd, mask, dns_on_ready, slot) < 0)
			slot->fd = -1;
		return;
	}
	slot->mask = mask;
	event_modify(d->loop, fd, mask, dns_on_ready, slot);
}

struct dns *dns_new(struct event_loop *loop, const struct conf_list *servers, struct buf *err)
{
	static bool lib_ready;
	if (!lib_ready) {
		if (ares_library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS) {
			buf_printf(err, "c-ares: library initialisation failed\n");
			return NULL;
		}
		lib_ready = true;
	}
	struct dns *d = xcalloc(1, sizeof(*d));
	d->loop = loop;
	for (int i = 0; i < DNS_FDS_MAX; i++)
		d->fds[i] = (struct dns_fd){.d = d, .fd = -1};
	event_timer_init(&d->timer, dns_on_timer, d);
	struct ares_options o;
	memset(&o, 0, sizeof(o));
	o.sock_state_cb = dns_sock_state;
	o.sock_state_cb_data = d;
	o.timeout = DNS_TIMEOUT_MS;
	o.tries = DNS_TRIES;
	o.lookups = (char *)"b"; /* DNS only: mail routing never comes from /etc/hosts */
	o.ndomains = 0;           /* no search list: names in mail are fully qualified */
	o.domains = NULL;
	int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_LOOKUPS | ARES_OPT_DOMAINS;
	int rc = ares_init_options(&d->channel, &o, mask);
	if (rc != ARES_SUCCESS) {
		buf_printf(err, "c-ares: %s\n", ares_strerror(rc));
		free(d);
		return NULL;
	}
	if (servers && servers->count > 0) {
		struct buf csv;
		buf_init(&csv, 4096);
		for (size_t i = 0; i < servers->count; i++)
			buf_printf(&csv, "%s%s", i ? "," : "", servers->items[i]);
		if (buf_cstr(&csv) < 0 || (rc = ares_set_servers_ports_csv(d->channel, csv.data)) != ARES_SUCCESS) {
			buf_printf(err, "dns_servers: cannot use '%s': %s\n", csv.data ? csv.data : "",
				   ares_strerror(rc));
			buf_free(&csv);
			ares_destroy(d->channel);
			free(d);
			return NULL;
		}
		buf_free(&csv);
	}
	return d;
}

void dns_free(struct dns *d)
{
	if (d == NULL)
		return;
	d->destroying = true;
	event_timer_cancel(d->loop, &d->timer);
	ares_destroy(d->channel); /* runs every pending callback with ARES_EDESTRUCTION */
	for (int i = 0; i < DNS_FDS_MAX; i++)
		if (d->fds[i].fd >= 0)
			event_del(d->loop, d->fds[i].fd);
	free(d);
}

static enum dns_status map_status(int status)
{
	switch (status) {
	case ARES_SUCCESS:
		return DNS_OK;
	case ARES_ENOTFOUND:
	case ARES_ENONAME:
		return DNS_NOTFOUND;
	case ARES_EDESTRUCTION:
	case ARES_ECANCELLED:
		return DNS_CANCELLED;
	default:
		return DNS_TEMPFAIL;
	}
}

static int cmp_mx(const void *a, const void *b)
{
	const struct dns_mx *x = a, *y = b;
	return x->pref < y->pref ? -1 : x->pref > y->pref;
}

/* RFC 5321 5.1: equal preferences are tried in random order, to spread the load */
static void shuffle_equal(struct dns_mx *mx, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && mx[j].pref == mx[i].pref)
			j++;
		for (size_t k = j - 1; k > i; k--) {
			size_t r = i + (size_t)random() % (k - i + 1);
			struct dns_mx t = mx[k];
			mx[k] = mx[r];
			mx[r] = t;
		}
		i = j;
	}
}

static void mx_done(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct dns_query *q = arg;
	(void)timeouts;
	struct dns_mx mx[DNS_MX_MAX];
	size_t n = 0;
	char detail[ADDR_DOMAIN_MAX + 100];
	enum dns_status st = map_status(status);
	struct ares_mx_reply *reply = NULL;
	if (st == DNS_OK) {
		int prc = ares_parse_mx_reply(abuf, alen, &reply);
		st = prc == ARES_SUCCESS ? DNS_OK : prc == ARES_ENODATA ? DNS_OK : DNS_TEMPFAIL;
		status = prc;
	} else if (status == ARES_ENODATA) {
		st = DNS_OK; /* the name exists without MX records: implicit MX below */
	}
	bool null_mx = false;
	size_t records = 0;
	for (struct ares_mx_reply *r = reply; r; r = r->next) {
		records++;
		if (r->host == NULL || r->host[0] == '\0' || strcmp(r->host, ".") == 0) {
			null_mx = r->priority == 0;
			continue; /* "." is never a host to connect to */
		}
		if (n < DNS_MX_MAX && strlen(r->host) <= ADDR_DOMAIN_MAX) {
			mx[n].pref = r->priority;
			str_copy(mx[n].host, r->host, sizeof(mx[n].host));
			n++;
		}
	}
	if (reply)
		ares_free_data(reply);
	if (st == DNS_OK && null_mx && records == 1) {
		st = DNS_NULL_MX; /* RFC 7505 3: a single "." MX of preference 0 */
		n = 0;
	} else if (st == DNS_OK && records == 0) {
		/* RFC 5321 5.1: no MX records, the domain itself is the implicit MX */
		mx[0].pref = 0;
		str_copy(mx[0].host, q->name, sizeof(mx[0].host));
		n = 1;
	} else if (st == DNS_OK && n == 0) {
		st = DNS_TEMPFAIL; /* only unusable MX records */
	}
	if (st == DNS_OK) {
		qsort(mx, n, sizeof(mx[0]), cmp_mx);
		shuffle_equal(mx, n);
	}
	snprintf(detail, sizeof(detail), "MX lookup of %s: %s", q->name,
		 st == DNS_NULL_MX ? "null MX" : ares_strerror(status));
	q->mx_cb(q->arg, st, mx, n, detail);
	free(q);
}

void dns_resolve_mx(struct dns *d, const char *domain, dns_mx_cb cb, void *arg)
{
	struct dns_query *q = xcalloc(1, sizeof(*q));
	q->d = d;
	q->mx_cb = cb;
	q->arg = arg;
	str_copy(q->name, domain, sizeof(q->name));
	ares_query(d->channel, q->name, C_IN, T_MX, mx_done, q);
	dns_rearm(d);
}

static void addr_done(void *arg, int status, int timeouts, struct ares_addrinfo *res)
{
	struct dns_query *q = arg;
	(void)timeouts;
	struct dns_addr a[DNS_ADDR_MAX];
	size_t n = 0;
	enum dns_status st = map_status(status);
	if (status == ARES_ENODATA)
		st = DNS_NOTFOUND;
	if (res) {
		for (struct ares_addrinfo_node *p = res->nodes; p && n < DNS_ADDR_MAX; p = p->ai_next) {
			if ((p->ai_family != AF_INET && p->ai_family != AF_INET6) || p->ai_addrlen > sizeof(a[n].sa))
				continue;
			memcpy(&a[n].sa, p->ai_addr, (size_t)p->ai_addrlen);
			a[n].len = (socklen_t)p->ai_addrlen;
			n++;
		}
		ares_freeaddrinfo(res);
	}
	if (st == DNS_OK && n == 0)
		st = DNS_NOTFOUND;
	char detail[ADDR_DOMAIN_MAX + 100];
	snprintf(detail, sizeof(detail), "address lookup of %s: %s", q->name, ares_strerror(status));
	q->addr_cb(q->arg, st, a, n, detail);
	free(q);
}

void dns_resolve_addr(struct dns *d, const char *host, uint16_t port, dns_addr_cb cb, void *arg)
{
	struct dns_query *q = xcalloc(1, sizeof(*q));
	q->d = d;
	q->addr_cb = cb;
	q->arg = arg;
	str_copy(q->name, host, sizeof(q->name));
	char service[8];
	snprintf(service, sizeof(service), "%u", (unsigned)port);
	struct ares_addrinfo_hints hints;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = ARES_AI_NUMERICSERV;
	ares_getaddrinfo(d->channel, q->name, service, &hints, addr_done, q);
	dns_rearm(d);
}
