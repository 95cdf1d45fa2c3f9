/* fuzz_auth.c - libFuzzer target for what AUTH decodes from a client: strict base64
 * (src/lib/base64.c, RFC 4648 4) and the SASL PLAIN message (src/lib/sasl.c, RFC 4616 2).
 * Aborts when an invariant breaks. Built by scripts/fuzz.sh. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base64.h"
#include "lib/sasl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz_auth: invariant broken: %s\n", what);
		abort();
	}
}

static void check_plain(const unsigned char *msg, size_t len)
{
	struct sasl_plain p;
	if (sasl_plain_parse(msg, len, &p) < 0)
		return;
	check(p.authcid_len > 0 && p.passwd_len > 0, "non-empty authcid and passwd");
	check(p.authzid_len <= SASL_FIELD_MAX && p.authcid_len <= SASL_FIELD_MAX && p.passwd_len <= SASL_FIELD_MAX,
	      "fields within 255 octets");
	check(p.authzid_len + p.authcid_len + p.passwd_len + 2 == len, "fields and two NULs make the message");
	check(memchr(p.authcid, '\0', p.authcid_len) == NULL && memchr(p.passwd, '\0', p.passwd_len) == NULL,
	      "no NUL inside authcid or passwd");
	check((const unsigned char *)p.authcid == msg + p.authzid_len + 1, "authcid after the first NUL");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	size_t cap = size / 4 * 3 + 1;
	unsigned char *dec = malloc(cap);
	long n = base64_decode(text, size, dec, cap);
	check(n >= -1 && (n < 0 || (size_t)n <= size / 4 * 3), "decoded length bounded");
	if (n >= 0) {
		check(size % 4 == 0, "only whole groups decode");
		/* round trip: encoding what was decoded gives the input back (the alphabet is
		 * strict, but unused low bits of the last group may differ: compare decodings) */
		char *enc = malloc(size + 8);
		long e = base64_encode(dec, (size_t)n, enc, size + 8);
		check(e >= 0 && (size_t)e == size, "re-encoding has the input's length");
		unsigned char *again = malloc(cap);
		check(base64_decode(enc, (size_t)e, again, cap) == n && memcmp(again, dec, (size_t)n) == 0,
		      "re-encoded text decodes the same");
		/* a buffer one byte short is refused, never overrun */
		if (n > 0)
			check(base64_decode(text, size, again, (size_t)n - 1) == -1, "short buffer refused");
		free(again);
		free(enc);
		check_plain(dec, (size_t)n);
	}
	check_plain(data, size); /* the PLAIN parser on raw bytes too */
	free(dec);
	return 0;
}
