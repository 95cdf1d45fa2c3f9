/* dsn.h - reads bounces: finds the message/delivery-status part, splits its field groups and
 * explains each recipient. Parses untrusted input (bounded, fuzzed by fuzz/fuzz_dsn.c).
 * RFC 3464 (DSN fields), RFC 6522 (multipart/report), RFC 6533, RFC 2045/2046 (MIME). */
#ifndef TERN_EXPLAIN_DSN_H
#define TERN_EXPLAIN_DSN_H

#include <stdbool.h>
#include <stddef.h>

#include "explain/explain.h"

#define DSN_FIELD_MAX 512          /* one field value kept (longer ones are cut) */
#define DSN_DIAG_MAX 2048          /* a Diagnostic-Code value kept */
#define DSN_INPUT_MAX (16u << 20)  /* bytes of a message looked at */
#define DSN_DEPTH_MAX 8            /* MIME nesting followed */
#define DSN_RECIPIENTS_MAX 1000    /* recipient groups reported */

/* The per-message fields (RFC 3464 2.2). Values are unfolded, trimmed, cut to size. */
struct dsn_report {
	char reporting_mta[DSN_FIELD_MAX];   /* the name after "dns;" */
	char arrival_date[DSN_FIELD_MAX];
	char envelope_id[DSN_FIELD_MAX];
};

/* The per-recipient fields (RFC 3464 2.3). */
struct dsn_recipient {
	size_t index;                        /* 0, 1, ... in the report */
	char final_recipient[DSN_FIELD_MAX]; /* the address after "rfc822;" */
	char original_recipient[DSN_FIELD_MAX];
	char action[32];                     /* failed, delayed, delivered, relayed, expanded */
	char status[32];                     /* "5.1.1" */
	char remote_mta[DSN_FIELD_MAX];
	char diagnostic_type[32];            /* "smtp", or e.g. "X-Postfix" */
	char diagnostic[DSN_DIAG_MAX];       /* the text after "type;" */
	char last_attempt[DSN_FIELD_MAX];
	char will_retry_until[DSN_FIELD_MAX];
};

/* Does msg look like a bounce: a message/delivery-status part, or DSN fields? */
bool dsn_detect(const char *msg, size_t len);

/* Parse msg (a whole email, or just the fields of a delivery-status part) and call fn once per
 * recipient group with the report's per-message fields; fn returning non-zero stops. report may
 * be NULL. Returns the number of recipient groups seen, or -1 if there is no delivery status. */
int dsn_parse(const char *msg, size_t len, struct dsn_report *report,
	      int (*fn)(const struct dsn_report *report, const struct dsn_recipient *rcpt, void *ctx), void *ctx);

/* Explain one recipient: its Diagnostic-Code if it is an SMTP reply, its Status otherwise; the
 * Action field decides whether it was sent ("delivered", "relayed", "expanded") and whether the
 * reporting server is still trying ("delayed"). -1 if neither code is usable. */
int dsn_explain(const struct dsn_recipient *rcpt, struct explanation *out);

#endif
