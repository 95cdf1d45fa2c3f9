/* crc32c.h - CRC-32C (Castagnoli), the checksum of every spool record. No untrusted input. */
#ifndef TERN_CRC32C_H
#define TERN_CRC32C_H

#include <stddef.h>
#include <stdint.h>

uint32_t crc32c(uint32_t crc, const void *data, size_t len);

#endif
