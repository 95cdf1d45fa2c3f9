/* fuzz_msghdr.c - libFuzzer target for the header-section iterator and the address-list
 * parser (src/lib/msghdr.c) that `tern sendmail -t` and ternd's Message-ID/Date check run on
 * messages (RFC 5322 2.2, 3.4). Aborts when an invariant breaks. Built by scripts/fuzz.sh. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/limits.h"
#include "lib/msghdr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz_msghdr: invariant broken: %s\n", what);
		abort();
	}
}

struct ctx {
	const char *value;
	size_t value_len;
	size_t count;
};

static void on_addr(void *arg, const char *a, size_t len)
{
	struct ctx *c = arg;
	check(len > 0 && len <= ADDR_MAILBOX_MAX, "address length bounded");
	check(memchr(a, '@', len) != NULL, "an address has an '@'");
	c->count++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *msg = (const char *)data;
	struct msghdr_iter it;
	struct msghdr_field f;
	size_t prev_end = 0;
	msghdr_iter_init(&it, msg, size);
	while (msghdr_next(&it, &f)) {
		check(f.start == prev_end, "fields are contiguous");
		check(f.end > f.start && f.end <= size, "field inside the message");
		check(f.name == msg + f.start && f.name_len > 0, "name at the field start");
		check(f.value == f.name + f.name_len + 1 && f.name[f.name_len] == ':', "value after the colon");
		check(f.value + f.value_len <= msg + f.end, "value inside the field");
		check(memchr(f.name, ':', f.name_len) == NULL, "no colon in the name");
		struct ctx c = {f.value, f.value_len, 0};
		size_t n = msghdr_addresses(f.value, f.value_len, on_addr, &c);
		check(n == c.count, "count matches the callbacks");
		check(n <= f.value_len / 3 + 1, "no more addresses than the text can hold");
		prev_end = f.end;
	}
	check(it.off == prev_end && it.off <= size, "the header section ends where the last field did");
	/* the whole input as one address list */
	struct ctx c = {msg, size, 0};
	check(msghdr_addresses(msg, size, on_addr, &c) == c.count, "count matches on raw input");
	return 0;
}
