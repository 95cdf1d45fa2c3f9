/* latency.c - latency histogram (latency.h). */
#include "lib/latency.h"

void latency_add(struct latency_hist *h, uint64_t us)
{
	uint64_t b = us / LATENCY_BUCKET_US;
	if (b < LATENCY_BUCKETS)
		h->buckets[b]++;
	else
		h->over++;
	h->count++;
	if (us > h->max_us)
		h->max_us = us;
}

uint64_t latency_percentile(const struct latency_hist *h, double p)
{
	if (h->count == 0)
		return 0;
	/* the smallest bucket whose cumulative count reaches p% of the samples */
	uint64_t want = (uint64_t)((double)h->count * p / 100.0 + 0.999999);
	if (want == 0)
		want = 1;
	uint64_t seen = 0;
	for (uint64_t b = 0; b < LATENCY_BUCKETS; b++) {
		seen += h->buckets[b];
		if (seen >= want) {
			uint64_t edge = (b + 1) * LATENCY_BUCKET_US;
			return edge < h->max_us ? edge : h->max_us;
		}
	}
	return h->max_us;
}
