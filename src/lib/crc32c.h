/* crc32c.h - CRC-32C (Castagnoli), the checksum of every spool record. No untrusted input. */
#ifndef TERN_CRC32C_H
#define TERN_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Continue crc (0 to start) over data. Uses the CPU's crc32 instruction when it has one. */
uint32_t crc32c(uint32_t crc, const void *data, size_t len);
/* The table version, for CPUs without it and for the test that compares the two. */
uint32_t crc32c_portable(uint32_t crc, const void *data, size_t len);

#endif
