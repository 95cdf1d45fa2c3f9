/* fuzz_route.c - libFuzzer target for the routes file parser and next-hop syntax
 * (route_parse, route_parse_hop, route_next_hop): trusted configuration, but parsed
 * defensively; aborts when an invariant breaks. RFC 5321 5.1, RFC 2033. Built by
 * scripts/fuzz.sh. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deliver/route.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz_route: invariant broken: %s\n", what);
		abort();
	}
}

static void check_hop(const struct route_hop *h)
{
	check(memchr(h->host, '\0', sizeof(h->host)) != NULL, "host terminated");
	check(h->host[0] != '\0', "host not empty");
	check(!h->unix_socket || (h->proto == ROUTE_LMTP && h->host[0] == '/'), "unix only for LMTP, absolute");
	check(h->proto != ROUTE_LMTP || h->unix_socket || h->port != 0, "LMTP over TCP has a port");
	check(h->proto != ROUTE_LMTP || !h->mx, "LMTP never looks up MX");
	char key[400];
	route_key(h, key, sizeof(key));
	check(strlen(key) < sizeof(key), "key fits");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct route_hop hop;
	char why[120];
	char *copy = malloc(size ? size : 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, s, size);
	if (route_parse_hop(copy, size, &hop, why, sizeof(why)) == 0)
		check_hop(&hop);
	else
		check(memchr(why, '\0', sizeof(why)) != NULL && why[0], "reason given");
	struct buf errors;
	buf_init(&errors, 1 << 20);
	int nerrors = 0;
	struct route_table *t = route_parse(copy, size, "fuzz", "[127.0.0.1]:25", &errors, &nerrors);
	check(t != NULL, "a table");
	check((nerrors == 0) == (errors.len == 0), "errors counted");
	static const char *const domains[] = {"example.org", "a.b.example.org", "test", "", "x.", "EXAMPLE.ORG"};
	for (size_t i = 0; i < sizeof(domains) / sizeof(domains[0]); i++)
		for (int local = 0; local < 2; local++)
			if (route_next_hop(t, domains[i], local, 25, &hop) && hop.host[0])
				check_hop(&hop);
	route_free(t);
	buf_free(&errors);
	free(copy);
	return 0;
}
