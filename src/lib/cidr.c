/* cidr.c - CIDR networks and membership (see cidr.h). Inputs are bounded C strings; the
 * address itself is parsed by inet_pton, the prefix by parse_u64. RFC 4632, RFC 4291 2.3. */
#include "lib/cidr.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/util.h"

static int parse_addr(const char *text, size_t len, int *family, unsigned char *addr)
{
	char tmp[INET6_ADDRSTRLEN + 1];
	if (len == 0 || len >= sizeof(tmp))
		return -1;
	memcpy(tmp, text, len);
	tmp[len] = '\0';
	if (inet_pton(AF_INET, tmp, addr) == 1) {
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, tmp, addr) == 1) {
		*family = AF_INET6;
		return 0;
	}
	return -1;
}

int cidr_parse(const char *text, struct cidr *out)
{
	memset(out, 0, sizeof(*out));
	const char *slash = strchr(text, '/');
	size_t alen = slash ? (size_t)(slash - text) : strlen(text);
	if (parse_addr(text, alen, &out->family, out->addr) < 0)
		return -1;
	unsigned max = out->family == AF_INET ? 32 : 128;
	uint64_t prefix = max;
	if (slash && parse_u64(slash + 1, strlen(slash + 1), max, &prefix) < 0)
		return -1;
	out->prefix = (unsigned)prefix;
	for (unsigned bit = out->prefix; bit < max; bit++) /* clear host bits */
		out->addr[bit / 8] &= (unsigned char)~(0x80u >> (bit % 8));
	return 0;
}

bool cidr_match(const struct cidr *net, const char *ip)
{
	int family;
	unsigned char addr[16];
	if (parse_addr(ip, strlen(ip), &family, addr) < 0 || family != net->family)
		return false;
	unsigned full = net->prefix / 8, rest = net->prefix % 8;
	if (memcmp(addr, net->addr, full) != 0)
		return false;
	if (rest == 0)
		return true;
	unsigned char mask = (unsigned char)(0xffu << (8 - rest));
	return (addr[full] & mask) == net->addr[full];
}
