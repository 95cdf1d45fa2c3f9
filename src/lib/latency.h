/* latency.h - a fixed-size latency histogram (0.1 ms buckets up to 100 ms, then one
 * overflow count and the maximum) with percentiles. ternd keeps one for the time from the
 * end-of-data dot to the 250 (the group commit) and logs it at shutdown: the issue 7 figure,
 * measured where the client's scheduling cannot blur it. No untrusted input. */
#ifndef TERN_LATENCY_H
#define TERN_LATENCY_H

#include <stdint.h>

#define LATENCY_BUCKET_US 100
#define LATENCY_BUCKETS 1000

struct latency_hist {
	uint64_t buckets[LATENCY_BUCKETS];
	uint64_t over; /* samples of 100 ms or more */
	uint64_t count;
	uint64_t max_us;
};

void latency_add(struct latency_hist *h, uint64_t us);
/* The p-th percentile (0 < p <= 100) in microseconds: the upper edge of its bucket, or the
 * maximum for samples past the last bucket. 0 when empty. */
uint64_t latency_percentile(const struct latency_hist *h, double p);

#endif
