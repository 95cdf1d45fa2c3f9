/* scan.h - a read-only view of the spool for `tern queue` and `mailq`: every message not yet
 * finished, with its recipients' states and the whole attempt history (one RCPT record per
 * attempt). Reads the segments the way recovery does but changes nothing, so it is safe
 * while ternd runs (a record being appended is simply not complete yet, and ends the scan
 * of that segment). Input is what tern wrote, CRC-checked by record.c. */
#ifndef TERN_SCAN_H
#define TERN_SCAN_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/buf.h"
#include "queue/envelope.h"

struct scan_attempt {
	uint32_t idx;              /* recipient index */
	struct envelope_rcpt st;   /* the state the RCPT record set (state, attempts, reply, time) */
};

struct scan_msg {
	struct envelope *env;      /* current state of each recipient; env->held */
	struct scan_attempt *hist; /* in spool order */
	size_t nhist, hist_cap;
	bool finished;
	size_t next;               /* hash chain (internal) */
};

struct spool_scan {
	struct scan_msg *msgs;     /* in arrival order; finished ones are skipped by callers */
	size_t n, cap;
	size_t *buckets;           /* internal */
};

/* Scan <spool>/seg. Returns 0, or -1 with a message in err (no spool, unreadable). */
int spool_scan(const char *spool, struct spool_scan *out, struct buf *err);
/* The unfinished message with this id, or NULL. */
struct scan_msg *spool_scan_find(struct spool_scan *s, const char *id);
void spool_scan_free(struct spool_scan *s);

#endif
