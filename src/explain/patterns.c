/* patterns.c - matches reply texts against the provider phrases of patterns.def.
 * Parses untrusted text: read-only, bounded by the given length, no allocation. */
#include "explain/patterns.h"

#include <stdbool.h>
#include <string.h>

#include "lib/util.h"

static const struct patterns_row rows[] = {
#define P(prio, cls, needle, reason, label) {PATTERNS_##prio, cls, needle, sizeof(needle) - 1, reason, label},
#include "explain/patterns.def"
#undef P
};

static char patterns_lower(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c; }

static bool patterns_is_word(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Does needle occur in the lower-cased text at a position that starts a word? (So "rbl" does
 * not match inside "verbless", while "greylist" still matches "greylisted".) */
static bool patterns_find(const char *text, size_t len, const char *needle, size_t nlen)
{
	const char *p = text, *end = text + len;
	while (nlen > 0 && (size_t)(end - p) >= nlen) {
		const char *hit = memmem(p, (size_t)(end - p), needle, nlen);
		if (hit == NULL)
			return false;
		if (hit == text || !patterns_is_word(hit[-1]) || !patterns_is_word(needle[0]))
			return true;
		p = hit + 1;
	}
	return false;
}

const struct patterns_row *patterns_match(const char *text, size_t len, int klass)
{
	if (text == NULL || (klass != 4 && klass != 5))
		return NULL;
	/* one lower-cased copy; replies are short (RFC 5321 4.5.3.1.5: 512 octets a line) */
	char lower[PATTERNS_TEXT_MAX];
	if (len > sizeof(lower))
		len = sizeof(lower);
	for (size_t i = 0; i < len; i++)
		lower[i] = patterns_lower(text[i]);
	const struct patterns_row *best = NULL;
	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		const struct patterns_row *r = &rows[i];
		if (r->klass != 0 && r->klass != klass)
			continue;
		if (best && (r->priority < best->priority ||
			     (r->priority == best->priority && r->needle_len <= best->needle_len)))
			continue;
		if (patterns_find(lower, len, r->needle, r->needle_len))
			best = r;
	}
	return best;
}

size_t patterns_count(void) { return ARRAY_LEN(rows); }

const struct patterns_row *patterns_at(size_t i) { return i < ARRAY_LEN(rows) ? &rows[i] : NULL; }
