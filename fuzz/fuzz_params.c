/* fuzz_params.c - libFuzzer target for params_split and params_key_is (src/lib/params.c).
 * Feeds untrusted bytes, unterminated, with and without UTF-8, and aborts when an invariant
 * breaks. RFC 5321 4.1.2 (esmtp-param), RFC 6531 3.3. Built by scripts/fuzz.sh. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/params.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz_params: invariant broken: %s\n", what);
		abort();
	}
}

static int is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int inside(const char *p, size_t n, const char *s, size_t size)
{
	return p >= s && n <= size && (size_t)(p - s) <= size - n;
}

static void check_split(const char *s, size_t size, bool utf8)
{
	struct esmtp_param p[PARAMS_MAX + 2], again[PARAMS_MAX + 2];
	char joined[4096];
	size_t jlen = 0;
	int n = params_split(s, size, utf8, p, PARAMS_MAX + 2);

	check(n >= -1 && n <= PARAMS_MAX, "count within [-1, PARAMS_MAX]");
	if (n < 0)
		return;
	for (int i = 0; i < n; i++) {
		check(p[i].key_len > 0 && inside(p[i].key, p[i].key_len, s, size), "key inside the input");
		check(is_alnum((unsigned char)p[i].key[0]), "key starts with ALPHA/DIGIT");
		for (size_t k = 0; k < p[i].key_len; k++)
			check(is_alnum((unsigned char)p[i].key[k]) || p[i].key[k] == '-', "key is ALPHA/DIGIT/-");
		if (i > 0)
			check(p[i].key > p[i - 1].key, "params in input order");
		if (p[i].value == NULL) {
			check(p[i].value_len == 0, "no value, no length");
		} else {
			check(p[i].value_len > 0 && inside(p[i].value, p[i].value_len, s, size), "value inside");
			check(p[i].value == p[i].key + p[i].key_len + 1 && p[i].value[-1] == '=', "value after '='");
			for (size_t k = 0; k < p[i].value_len; k++) {
				unsigned char c = (unsigned char)p[i].value[k];
				check(c != ' ' && c != '=' && c > 32 && c != 127, "value octets");
				check(utf8 || c < 0x80, "ASCII value without UTF-8");
			}
		}
		check(params_key_is(&p[i], "SIZE") == (p[i].key_len == 4 && (p[i].key[0] | 0x20) == 's' &&
							(p[i].key[1] | 0x20) == 'i' && (p[i].key[2] | 0x20) == 'z' &&
							(p[i].key[3] | 0x20) == 'e'),
		      "params_key_is agrees");
		/* rebuild "k[=v]" joined by single spaces: never longer than the input */
		size_t need = (i > 0) + p[i].key_len + (p[i].value != NULL) + p[i].value_len;
		check(need <= size - jlen, "canonical form no longer than the input");
		if (need > sizeof(joined) - jlen)
			return; /* inputs over 4 KiB: skip the round trip */
		if (i > 0)
			joined[jlen++] = ' ';
		memcpy(joined + jlen, p[i].key, p[i].key_len);
		jlen += p[i].key_len;
		if (p[i].value != NULL) {
			joined[jlen++] = '=';
			memcpy(joined + jlen, p[i].value, p[i].value_len);
			jlen += p[i].value_len;
		}
	}
	/* The canonical form splits into the same params. */
	int m = params_split(joined, jlen, utf8, again, PARAMS_MAX + 2);
	check(m == n, "canonical form gives the same count");
	for (int i = 0; i < n; i++) {
		check(again[i].key_len == p[i].key_len && memcmp(again[i].key, p[i].key, p[i].key_len) == 0,
		      "same key");
		check((again[i].value == NULL) == (p[i].value == NULL) && again[i].value_len == p[i].value_len,
		      "same value presence");
		if (p[i].value != NULL)
			check(memcmp(again[i].value, p[i].value, p[i].value_len) == 0, "same value");
	}
	/* A smaller array: the same answer when it is big enough, else -1. */
	if (n > 0) {
		check(params_split(s, size, utf8, again, (size_t)n) == n, "exact-size array suffices");
		check(params_split(s, size, utf8, again, (size_t)n - 1) == -1, "one short is refused");
	}
	/* UTF-8 only widens what is accepted. */
	if (!utf8)
		check(params_split(s, size, true, again, PARAMS_MAX) == n, "UTF-8 accepts what ASCII did");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_split((const char *)data, size, false);
	check_split((const char *)data, size, true);
	return 0;
}
