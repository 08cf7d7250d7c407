/* CRC-32 (IEEE 802.3 / zlib): reflected polynomial 0xEDB88320, init and final xor 0xFFFFFFFF. */
#ifndef EL_CRC32_H
#define EL_CRC32_H
#include <stddef.h>
#include <stdint.h>

/* Start with crc = 0 and feed pieces: el_crc32(el_crc32(0, a, n), b, m) == crc of a||b. */
uint32_t el_crc32(uint32_t crc, const uint8_t *data, size_t len);
#endif
