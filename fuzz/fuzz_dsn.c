/* fuzz_dsn.c - libFuzzer target for dsn_detect, dsn_parse and dsn_explain (src/explain/dsn.c).
 * Feeds untrusted bytes as a whole bounce email, unterminated, and aborts when an invariant
 * breaks. RFC 3464, RFC 6522, RFC 2045/2046. Built by scripts/fuzz.sh. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explain/dsn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz_dsn: invariant broken: %s\n", what);
		abort();
	}
}

static int terminated(const char *s, size_t size) { return memchr(s, '\0', size) != NULL; }

struct count {
	size_t seen;
	size_t stop_after;
};

static int each(const struct dsn_report *rep, const struct dsn_recipient *r, void *ctx)
{
	struct count *c = ctx;
	check(r->index == c->seen, "recipients numbered in order");
	c->seen++;
	check(c->seen <= DSN_RECIPIENTS_MAX, "recipients bounded");
	check(terminated(rep->reporting_mta, sizeof(rep->reporting_mta)) &&
		      terminated(rep->arrival_date, sizeof(rep->arrival_date)) &&
		      terminated(rep->envelope_id, sizeof(rep->envelope_id)),
	      "report fields terminated");
	check(terminated(r->final_recipient, sizeof(r->final_recipient)) &&
		      terminated(r->original_recipient, sizeof(r->original_recipient)) &&
		      terminated(r->action, sizeof(r->action)) && terminated(r->status, sizeof(r->status)) &&
		      terminated(r->remote_mta, sizeof(r->remote_mta)) &&
		      terminated(r->diagnostic_type, sizeof(r->diagnostic_type)) &&
		      terminated(r->diagnostic, sizeof(r->diagnostic)) &&
		      terminated(r->last_attempt, sizeof(r->last_attempt)) &&
		      terminated(r->will_retry_until, sizeof(r->will_retry_until)),
	      "recipient fields terminated");
	for (const char *p = r->action; *p; p++)
		check(!(*p >= 'A' && *p <= 'Z') && *p != ' ', "action is one lower-case word");
	struct explanation e;
	if (dsn_explain(r, &e) == 0) {
		check(e.klass != NULL && e.reason != NULL && codes_reason(e.reason) != NULL, "explained");
		check(e.meaning != NULL && e.advice != NULL, "words present");
		check((e.retry_when != NULL) == e.retry, "retry_when iff retry");
		check(e.nnotes <= EXPLAIN_NOTES_MAX, "notes bounded");
		for (const unsigned char *p = (const unsigned char *)e.text; *p; p++)
			check(*p >= 0x20 && *p != 0x7f, "text has no control characters");
	}
	return c->stop_after && c->seen >= c->stop_after;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct dsn_report rep;
	struct count c = {0, 0};
	bool detected = dsn_detect(s, size);
	int n = dsn_parse(s, size, &rep, each, &c);
	check(n >= -1, "count or -1");
	check(n < 0 ? c.seen == 0 : (size_t)n == c.seen, "count matches the callbacks");
	if (n >= 0)
		check(detected, "parsed implies detected");
	/* stopping after the first recipient */
	struct count one = {0, 1};
	int m = dsn_parse(s, size, NULL, each, &one);
	check(m == (n > 0 ? 1 : n), "stop after one");
	return 0;
}
