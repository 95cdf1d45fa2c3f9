/* outbound.c - destinations, host selection and connection reuse for outbound delivery
 * (see outbound.h). A destination is a next hop (route key); it runs one session at a time
 * and its jobs wait in a FIFO, so the next message to the same place reuses the connection;
 * an idle connection is closed with QUIT after OUTBOUND_IDLE_MS. Hosts are tried in MX
 * preference order and each host's addresses in order (RFC 5321 5.1); a failure before the
 * transaction (connect, greeting, EHLO, timeout) moves on to the next address, a session
 * that reached MAIL gives the answer. Untrusted input via dns.c and smtpc.c only. */
#include "deliver/outbound.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "deliver/dns.h"
#include "explain/explain.h"
#include "lib/log.h"
#include "lib/util.h"

#define OUTBOUND_IDLE_MS 5000
#define OUTBOUND_KEY_MAX (ADDR_DOMAIN_MAX + 40)
#define OUTBOUND_TLS_NOTES 64                 /* destinations remembered as "TLS fails" */
#define OUTBOUND_TLS_NOTE_MS (3600u * 1000u)  /* for an hour, then STARTTLS is tried again */

struct tls_note {
	char key[OUTBOUND_KEY_MAX];
	uint64_t until_ms;
};

struct ob_job {
	struct ob_job *next;
	struct outbound_job job;
	outbound_cb cb;
	void *arg;
	struct smtpc_msg msg;
	struct smtpc_result *sres;
};

struct dest {
	struct dest *next;
	struct outbound *o;
	char key[OUTBOUND_KEY_MAX];
	struct route_hop hop;
	struct ob_job *jobs, **tail;
	bool busy;        /* resolving, connecting or sending */
	bool dns_pending; /* a DNS callback will come */
	struct smtpc *conn;
	struct event_timer kick, idle;
	struct dns_mx mx[DNS_MX_MAX];
	size_t nmx, mx_i;
	struct dns_addr addrs[DNS_ADDR_MAX];
	size_t naddr, addr_i;
	bool no_tls; /* a TLS handshake with this destination failed: plain text from now on */
	int last_code;
	char last_err[SMTPC_REPLY_TEXT_MAX];
};

struct outbound {
	struct event_loop *loop;
	struct conf *conf;
	struct dns *dns;
	struct dest *dests;
	bool closing;
	/* destinations whose TLS handshake failed: they get plain text without trying again,
	 * even after their dest struct was freed (RFC 3207 opportunistic TLS) */
	struct tls_note notes[OUTBOUND_TLS_NOTES];
	size_t next_note;
};

static bool tls_noted(struct outbound *o, const char *key)
{
	uint64_t now = event_now_ms(o->loop);
	for (size_t i = 0; i < OUTBOUND_TLS_NOTES; i++)
		if (o->notes[i].until_ms > now && strcmp(o->notes[i].key, key) == 0)
			return true;
	return false;
}

static void tls_note(struct outbound *o, const char *key)
{
	if (tls_noted(o, key))
		return;
	struct tls_note *n = &o->notes[o->next_note];
	o->next_note = (o->next_note + 1) % OUTBOUND_TLS_NOTES; /* the oldest note makes room */
	str_copy(n->key, key, sizeof(n->key));
	n->until_ms = event_now_ms(o->loop) + OUTBOUND_TLS_NOTE_MS;
}

static void dest_run(struct dest *d);
static void resolve_next_host(struct dest *d);

/* --- destinations ------------------------------------------------------------------------ */

static void dest_on_kick(void *arg) { dest_run(arg); }

static void dest_on_idle(void *arg)
{
	struct dest *d = arg;
	if (d->busy || d->jobs)
		return;
	smtpc_close(d->conn);
	d->conn = NULL;
	dest_run(d); /* frees it */
}

static struct dest *dest_get(struct outbound *o, const struct route_hop *hop)
{
	char key[OUTBOUND_KEY_MAX];
	route_key(hop, key, sizeof(key));
	for (struct dest *d = o->dests; d; d = d->next)
		if (strcmp(d->key, key) == 0)
			return d;
	struct dest *d = xcalloc(1, sizeof(*d));
	d->o = o;
	str_copy(d->key, key, sizeof(d->key));
	d->hop = *hop;
	d->tail = &d->jobs;
	d->no_tls = tls_noted(o, key);
	event_timer_init(&d->kick, dest_on_kick, d);
	event_timer_init(&d->idle, dest_on_idle, d);
	d->next = o->dests;
	o->dests = d;
	return d;
}

static void dest_free(struct dest *d)
{
	struct outbound *o = d->o;
	for (struct dest **pp = &o->dests; *pp; pp = &(*pp)->next)
		if (*pp == d) {
			*pp = d->next;
			break;
		}
	event_timer_cancel(o->loop, &d->kick);
	event_timer_cancel(o->loop, &d->idle);
	smtpc_close(d->conn);
	free(d);
}

static struct ob_job *pop_job(struct dest *d)
{
	struct ob_job *j = d->jobs;
	if (j) {
		d->jobs = j->next;
		if (d->jobs == NULL)
			d->tail = &d->jobs;
	}
	return j;
}

static void job_free(struct ob_job *j)
{
	free(j->sres);
	free(j);
}

/* --- results ------------------------------------------------------------------------------ */

static void job_finish(struct dest *d, struct ob_job *j, const struct smtpc_result *sres, int code,
		       const char *reply, const char *relay, const char *mta)
{
	struct outbound_result *res = xcalloc(j->job.nrcpts ? j->job.nrcpts : 1, sizeof(*res));
	for (size_t i = 0; i < j->job.nrcpts; i++) {
		if (sres) {
			res[i].code = sres[i].code;
			str_copy(res[i].reply, sres[i].reply, sizeof(res[i].reply));
			str_copy(res[i].remote_mta, sres[i].remote ? mta : "", sizeof(res[i].remote_mta));
		} else {
			res[i].code = code;
			str_copy(res[i].reply, reply, sizeof(res[i].reply));
		}
		str_copy(res[i].relay, relay, sizeof(res[i].relay));
		/* "550 5.1.1 text": the enhanced code, for the DSN's Status field */
		const char *r = res[i].reply;
		int cls, sub, det;
		size_t rl = strlen(r);
		int n = rl > 4 ? explain_parse_enhanced(r + 4, rl - 4, &cls, &sub, &det) : -1;
		if (n > 0 && cls == res[i].code / 100 && (size_t)n < sizeof(res[i].enhanced)) {
			memcpy(res[i].enhanced, r + 4, (size_t)n);
			res[i].enhanced[n] = '\0';
		}
	}
	j->cb(j->arg, &j->job, res);
	free(res);
	job_free(j);
	(void)d;
}

/* Every job of the destination gets the same local failure (DNS, no host reachable). */
static void fail_all(struct dest *d, int code, const char *reply)
{
	char q[LOG_QUOTE_SIZE];
	log_msg(LOG_INFO, "relay-unreachable dest=%s reply=%s", d->key, log_quote(q, reply, strlen(reply)));
	struct ob_job *j;
	while ((j = pop_job(d)) != NULL)
		job_finish(d, j, NULL, code, reply, "none", "");
	d->busy = false;
	dest_run(d);
}

/* --- sessions ----------------------------------------------------------------------------- */

static void send_job(struct dest *d)
{
	struct ob_job *j = d->jobs;
	j->msg = (struct smtpc_msg){
		.sender = j->job.sender,
		.rcpts = j->job.rcpts,
		.nrcpts = j->job.nrcpts,
		.data = j->job.data,
		.len = j->job.len,
		.body_8bit = j->job.body_8bit,
		.smtputf8 = j->job.smtputf8,
	};
	free(j->sres);
	j->sres = xcalloc(j->job.nrcpts ? j->job.nrcpts : 1, sizeof(*j->sres));
	smtpc_send(d->conn, &j->msg, j->sres);
}

static void try_next_addr(struct dest *d);

static void on_session(void *arg, struct smtpc *c, enum smtpc_event ev)
{
	struct dest *d = arg;
	char q1[LOG_QUOTE_SIZE];
	switch (ev) {
	case SMTPC_READY:
		d->conn = c;
		log_msg(LOG_DEBUG, "relay-connected dest=%s relay=%s tls=%s", d->key, smtpc_relay(c),
			smtpc_tls_active(c) ? "yes" : "no");
		send_job(d);
		return;
	case SMTPC_FAILED: {
		const char *err = smtpc_error(c);
		log_msg(LOG_INFO, "relay-attempt-failed qid=%s dest=%s relay=%s reply=%s", d->jobs ? d->jobs->job.qid : "-",
			d->key, smtpc_relay(c), log_quote(q1, err, strlen(err)));
		d->last_code = smtpc_error_code(c);
		str_copy(d->last_err, err, sizeof(d->last_err));
		if (smtpc_tls_failed(c) && !d->no_tls) {
			d->no_tls = true; /* RFC 3207 opportunistic: try the same address again in plain text */
			tls_note(d->o, d->key);
			d->addr_i--;
		}
		if (d->conn == c)
			d->conn = NULL;
		smtpc_close(c);
		try_next_addr(d);
		return;
	}
	case SMTPC_DONE: {
		struct ob_job *j = pop_job(d);
		bool usable = smtpc_usable(c);
		if (!usable) {
			d->conn = NULL;
			job_finish(d, j, j->sres, 0, NULL, smtpc_relay(c), smtpc_name(c));
			smtpc_close(c);
		} else {
			job_finish(d, j, j->sres, 0, NULL, smtpc_relay(c), smtpc_name(c));
		}
		d->busy = false;
		dest_run(d);
		return;
	}
	case SMTPC_CLOSED:
		log_msg(LOG_DEBUG, "relay-idle-closed dest=%s relay=%s", d->key, smtpc_relay(c));
		if (d->conn == c)
			d->conn = NULL;
		smtpc_close(c);
		if (!d->busy)
			dest_run(d);
		return;
	}
}

static void connect_to(struct dest *d, const struct sockaddr *sa, socklen_t len, const char *name)
{
	struct conf *cf = d->o->conf;
	struct smtpc_params p = {
		.lmtp = d->hop.proto == ROUTE_LMTP,
		.try_tls = !d->no_tls,
		.helo = cf->hostname,
		.connect_timeout_ms = cf->smtp_connect_timeout * 1000u,
		.reply_timeout_ms = cf->smtp_reply_timeout * 1000u,
	};
	str_copy(p.name, name, sizeof(p.name));
	smtpc_connect(d->o->loop, sa, len, &p, on_session, d);
}

static void try_next_addr(struct dest *d)
{
	if (d->hop.unix_socket) {
		if (d->addr_i > 0) {
			fail_all(d, d->last_code ? d->last_code : 451, d->last_err);
			return;
		}
		d->addr_i++;
		struct sockaddr_un un = {.sun_family = AF_UNIX};
		str_copy(un.sun_path, d->hop.host, sizeof(un.sun_path));
		connect_to(d, (const struct sockaddr *)&un, sizeof(un), d->hop.host);
		return;
	}
	if (d->addr_i >= d->naddr) {
		d->mx_i++;
		resolve_next_host(d);
		return;
	}
	struct dns_addr *a = &d->addrs[d->addr_i++];
	connect_to(d, (const struct sockaddr *)&a->sa, a->len, d->mx[d->mx_i].host);
}

/* --- resolution --------------------------------------------------------------------------- */

static void on_addr(void *arg, enum dns_status st, const struct dns_addr *a, size_t n, const char *detail)
{
	struct dest *d = arg;
	d->dns_pending = false;
	if (st == DNS_CANCELLED || d->o->closing)
		return;
	if (st != DNS_OK) {
		if (st == DNS_NOTFOUND && d->hop.implicit && d->nmx == 1 && strcmp(d->mx[0].host, d->hop.host) == 0) {
			/* no MX and no address: the domain cannot receive mail (RFC 5321 5.1) */
			char r[SMTPC_REPLY_TEXT_MAX];
			snprintf(r, sizeof(r), "550 5.1.2 domain %s has no MX and no address record (%s)", d->hop.host, detail);
			fail_all(d, 550, r);
			return;
		}
		d->last_code = 451;
		snprintf(d->last_err, sizeof(d->last_err), "451 4.4.3 %s", detail);
		d->mx_i++;
		resolve_next_host(d);
		return;
	}
	memcpy(d->addrs, a, n * sizeof(*a));
	d->naddr = n;
	d->addr_i = 0;
	try_next_addr(d);
}

static void resolve_next_host(struct dest *d)
{
	if (d->mx_i >= d->nmx) {
		if (d->last_err[0] == '\0') {
			d->last_code = 451;
			snprintf(d->last_err, sizeof(d->last_err), "451 4.4.3 no usable host for %s", d->hop.host);
		}
		fail_all(d, d->last_code, d->last_err);
		return;
	}
	d->dns_pending = true;
	dns_resolve_addr(d->o->dns, d->mx[d->mx_i].host, d->hop.port ? d->hop.port : 25, on_addr, d);
}

static void on_mx(void *arg, enum dns_status st, const struct dns_mx *mx, size_t n, const char *detail)
{
	struct dest *d = arg;
	d->dns_pending = false;
	if (st == DNS_CANCELLED || d->o->closing)
		return;
	char r[SMTPC_REPLY_TEXT_MAX];
	if (st == DNS_NULL_MX) {
		snprintf(r, sizeof(r), "556 5.1.10 %s does not accept mail (null MX, RFC 7505)", d->hop.host);
		fail_all(d, 556, r);
		return;
	}
	if (st == DNS_NOTFOUND && d->hop.implicit) {
		snprintf(r, sizeof(r), "550 5.1.2 domain %s not found (%s)", d->hop.host, detail);
		fail_all(d, 550, r);
		return;
	}
	if (st != DNS_OK) {
		snprintf(r, sizeof(r), "451 4.4.3 %s", detail);
		fail_all(d, 451, r);
		return;
	}
	memcpy(d->mx, mx, n * sizeof(*mx));
	d->nmx = n;
	d->mx_i = 0;
	resolve_next_host(d);
}

static void dest_run(struct dest *d)
{
	struct outbound *o = d->o;
	if (d->busy || d->dns_pending || o->closing)
		return;
	if (d->jobs == NULL) {
		if (d->conn)
			event_timer_set(o->loop, &d->idle, OUTBOUND_IDLE_MS);
		else
			dest_free(d);
		return;
	}
	event_timer_cancel(o->loop, &d->idle);
	d->busy = true;
	if (d->conn && smtpc_usable(d->conn)) {
		send_job(d);
		return;
	}
	d->last_code = 0;
	d->last_err[0] = '\0';
	d->nmx = d->mx_i = d->naddr = d->addr_i = 0;
	if (d->hop.unix_socket) {
		try_next_addr(d);
	} else if (d->hop.mx) {
		d->dns_pending = true;
		dns_resolve_mx(o->dns, d->hop.host, on_mx, d);
	} else {
		d->mx[0].pref = 0;
		str_copy(d->mx[0].host, d->hop.host, sizeof(d->mx[0].host));
		d->nmx = 1;
		resolve_next_host(d);
	}
}

/* --- API ---------------------------------------------------------------------------------- */

struct outbound *outbound_new(struct event_loop *loop, struct conf *conf, struct buf *err)
{
	struct outbound *o = xcalloc(1, sizeof(*o));
	o->loop = loop;
	o->conf = conf_ref(conf);
	o->dns = dns_new(loop, &conf->dns_servers, err);
	if (o->dns == NULL) {
		conf_unref(o->conf);
		free(o);
		return NULL;
	}
	return o;
}

void outbound_set_conf(struct outbound *o, struct conf *conf)
{
	conf_unref(o->conf);
	o->conf = conf_ref(conf);
}

void outbound_deliver(struct outbound *o, const struct outbound_job *job, outbound_cb cb, void *arg)
{
	struct dest *d = dest_get(o, &job->hop);
	struct ob_job *j = xcalloc(1, sizeof(*j));
	j->job = *job;
	j->cb = cb;
	j->arg = arg;
	*d->tail = j;
	d->tail = &j->next;
	if (!d->busy)
		event_timer_set(o->loop, &d->kick, 0); /* never call back from inside this function */
}

void outbound_free(struct outbound *o)
{
	if (o == NULL)
		return;
	o->closing = true;
	dns_free(o->dns); /* cancelled callbacks only note it */
	while (o->dests) {
		struct dest *d = o->dests;
		struct ob_job *j;
		while ((j = pop_job(d)) != NULL) {
			j->cb(j->arg, &j->job, NULL);
			job_free(j);
		}
		dest_free(d);
	}
	conf_unref(o->conf);
	free(o);
}
