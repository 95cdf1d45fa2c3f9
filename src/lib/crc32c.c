/* crc32c.c - CRC-32C (Castagnoli, polynomial 0x82F63B78, reflected), see crc32c.h. On x86-64
 * CPUs with SSE4.2 the crc32 instruction does 8 bytes per step (the spool checksums every
 * message it stores, so this is on the receive path: docs/performance.md); elsewhere a
 * table does one byte per step. Both give the same value (tests/unit/test_crc32c.c). */
#include "lib/crc32c.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

static uint32_t table[256];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void make_table(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
		table[i] = c;
	}
}

uint32_t crc32c_portable(uint32_t crc, const void *data, size_t len)
{
	pthread_once(&table_once, make_table);
	const unsigned char *p = data;
	crc = ~crc;
	while (len--)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

#if defined(__x86_64__)
#include <nmmintrin.h>

__attribute__((target("sse4.2"))) static uint32_t crc32c_sse42(uint32_t crc, const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t c = ~crc;
	while (len >= 8) {
		uint64_t v;
		memcpy(&v, p, 8); /* unaligned load without undefined behaviour */
		c = _mm_crc32_u64(c, v);
		p += 8;
		len -= 8;
	}
	uint32_t c32 = (uint32_t)c;
	while (len--)
		c32 = _mm_crc32_u8(c32, *p++);
	return ~c32;
}

uint32_t crc32c(uint32_t crc, const void *data, size_t len)
{
	static atomic_int have_sse42 = -1; /* threads that race here all store the same answer */
	int have = atomic_load_explicit(&have_sse42, memory_order_relaxed);
	if (have < 0) {
		have = __builtin_cpu_supports("sse4.2") ? 1 : 0;
		atomic_store_explicit(&have_sse42, have, memory_order_relaxed);
	}
	return have ? crc32c_sse42(crc, data, len) : crc32c_portable(crc, data, len);
}
#else
uint32_t crc32c(uint32_t crc, const void *data, size_t len) { return crc32c_portable(crc, data, len); }
#endif
