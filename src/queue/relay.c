/* relay.c - grouping outbound recipients by next hop and applying their results (see
 * relay.h). No untrusted parsing: replies arrive here already parsed and bounded.
 * RFC 5321 4.5.4.1 (retries), 4.5.5; log lines as in architecture.md "Logging". */
#include "queue/relay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explain/explain.h"
#include "lib/log.h"
#include "lib/util.h"
#include "queue/schedule.h"

static const char *domain_of(const char *address)
{
	const char *at = strrchr(address, '@');
	return at ? at + 1 : "";
}

static bool next_hop(const struct conf *c, const struct envelope_rcpt *r, struct route_hop *hop)
{
	const char *dom = domain_of(r->address);
	bool local = r->kind == RCPT_LOCAL;
	return route_next_hop(c->routes_tab, dom, local, (uint16_t)c->smtp_port, hop);
}

bool relay_is_outbound(const struct conf *c, const struct envelope_rcpt *r)
{
	struct route_hop hop;
	if (r->kind == RCPT_REMOTE)
		return true;
	return c->routes_tab != NULL && next_hop(c, r, &hop);
}

void relay_job_free(struct relay_job *rj)
{
	free(rj->idx);
	free(rj->rcpts);
	free(rj);
}

void relay_start(struct outbound *o, const struct conf *c, struct envelope *e, uint64_t now_ms, void *owner,
		 outbound_cb cb)
{
	if (e->held)
		return;
	bool *taken = xcalloc(e->nrcpts ? e->nrcpts : 1, sizeof(bool));
	for (size_t i = 0; i < e->nrcpts; i++) {
		struct envelope_rcpt *r = &e->rcpts[i];
		struct route_hop hop;
		if (taken[i] || r->state != RCPT_PENDING || r->next_attempt_ms == UINT64_MAX || r->next_attempt_ms > now_ms)
			continue;
		if (!relay_is_outbound(c, r) || !next_hop(c, r, &hop))
			continue;
		char key[ADDR_DOMAIN_MAX + 40];
		route_key(&hop, key, sizeof(key));
		struct relay_job *rj = xcalloc(1, sizeof(*rj));
		rj->owner = owner;
		rj->env = e;
		rj->idx = xcalloc(e->nrcpts, sizeof(size_t));
		rj->rcpts = xcalloc(e->nrcpts, sizeof(char *));
		size_t n = 0;
		/* every later due recipient with the same next hop joins this job */
		for (size_t k = i; k < e->nrcpts; k++) {
			struct envelope_rcpt *s = &e->rcpts[k];
			struct route_hop h2;
			char k2[ADDR_DOMAIN_MAX + 40];
			if (taken[k] || s->state != RCPT_PENDING || s->next_attempt_ms == UINT64_MAX ||
			    s->next_attempt_ms > now_ms || !relay_is_outbound(c, s) || !next_hop(c, s, &h2))
				continue;
			route_key(&h2, k2, sizeof(k2));
			if (strcmp(k2, key) != 0)
				continue;
			taken[k] = true;
			rj->idx[n] = k;
			rj->rcpts[n] = s->address;
			n++;
			s->next_attempt_ms = UINT64_MAX; /* in flight */
		}
		rj->job = (struct outbound_job){
			.qid = e->id,
			.sender = e->sender,
			.data = e->data.data,
			.len = e->data.len,
			.body_8bit = e->body_8bit,
			.smtputf8 = e->smtputf8,
			.hop = hop,
			.rcpts = rj->rcpts,
			.nrcpts = n,
		};
		e->inflight++;
		outbound_deliver(o, &rj->job, cb, rj);
	}
	free(taken);
}

void relay_recover(const struct conf *c, struct envelope *e, uint64_t now_ms)
{
	uint64_t wall = wall_us();
	for (size_t i = 0; i < e->nrcpts; i++) {
		struct envelope_rcpt *r = &e->rcpts[i];
		if (r->state != RCPT_PENDING || r->attempts == 0 || r->last_attempt_us == 0 || !relay_is_outbound(c, r))
			continue;
		uint64_t due = r->last_attempt_us + schedule_delay(c, r->attempts) * 1000000u;
		if (due > wall)
			r->next_attempt_ms = now_ms + (due - wall) / 1000u;
	}
}

void relay_apply(const struct conf *c, struct envelope *e, size_t idx, const struct outbound_result *res,
		 uint64_t now_ms)
{
	struct envelope_rcpt *r = &e->rcpts[idx];
	char q1[LOG_QUOTE_SIZE], q2[LOG_QUOTE_SIZE], why[400];
	const char *reply = res->reply[0] ? res->reply : "451 4.3.0 no reply";
	r->attempts++;
	r->last_attempt_us = wall_us();
	free(r->last_reply);
	r->last_reply = xstrdup(reply);
	free(r->remote_mta);
	r->remote_mta = res->remote_mta[0] ? xstrdup(res->remote_mta) : NULL;
	if (res->code / 100 == 2) {
		r->state = RCPT_DELIVERED;
		r->next_attempt_ms = 0;
		log_msg(LOG_INFO, "delivered qid=%s rcpt=%s relay=%s reply=%s", e->id, r->address, res->relay,
			log_quote(q1, reply, strlen(reply)));
		return;
	}
	struct explanation ex;
	if (explain_reply(reply, strlen(reply), &ex) == 0)
		explain_oneline(&ex, why, sizeof(why));
	else
		str_copy(why, "unexplained reply", sizeof(why));
	bool permanent = res->code / 100 == 5;
	const char *why_stop = permanent ? NULL : schedule_expire(c, e->arrival_us, r, true, r->last_attempt_us);
	if (why_stop) {
		if (explain_reply(r->last_reply, strlen(r->last_reply), &ex) == 0)
			explain_oneline(&ex, why, sizeof(why));
		log_msg(LOG_WARN, "failed qid=%s rcpt=%s relay=%s attempt=%u reason=%s reply=%s explain=%s", e->id,
			r->address, res->relay, r->attempts, why_stop, log_quote(q1, r->last_reply, strlen(r->last_reply)),
			log_quote(q2, why, strlen(why)));
		return;
	}
	if (permanent) {
		r->state = RCPT_FAILED;
		log_msg(LOG_WARN, "failed qid=%s rcpt=%s relay=%s attempt=%u reply=%s explain=%s", e->id, r->address,
			res->relay, r->attempts, log_quote(q1, reply, strlen(reply)), log_quote(q2, why, strlen(why)));
		return;
	}
	uint64_t delay = schedule_delay(c, r->attempts);
	r->next_attempt_ms = now_ms + delay * 1000u;
	log_msg(LOG_WARN, "deferred qid=%s rcpt=%s relay=%s attempt=%u retry_in=%llus reply=%s explain=%s", e->id,
		r->address, res->relay, r->attempts, (unsigned long long)delay, log_quote(q1, reply, strlen(reply)),
		log_quote(q2, why, strlen(why)));
}
