/* patterns.h - recognises the phrases mail providers put in reply texts (patterns.def) and
 * names the reason they reveal, even when the reply code is generic. Parses untrusted text
 * (remote replies, `tern explain` input) read-only and bounded by its length. */
#ifndef TERN_EXPLAIN_PATTERNS_H
#define TERN_EXPLAIN_PATTERNS_H

#include <stddef.h>

#define PATTERNS_TEXT_MAX 4096 /* bytes of a text searched; the rest is ignored */

enum patterns_priority {
	PATTERNS_WEAK = 1,   /* only when neither code says anything precise */
	PATTERNS_NORMAL = 2, /* unless the enhanced code names a precise cause */
	PATTERNS_STRONG = 3, /* always */
};

struct patterns_row {
	enum patterns_priority priority;
	int klass;          /* 0: any failure; 4 or 5: that class only */
	const char *needle; /* lower case */
	size_t needle_len;
	const char *reason; /* a codes_reason keyword */
	const char *label;  /* what was recognised, for people */
};

/* The best row matching text[0..len) (at most its first PATTERNS_TEXT_MAX bytes) for a reply of
 * first digit klass (4 or 5; other classes never match): highest priority, then longest
 * needle, then earliest row. NULL if none. */
const struct patterns_row *patterns_match(const char *text, size_t len, int klass);

size_t patterns_count(void);
const struct patterns_row *patterns_at(size_t i);

#endif
