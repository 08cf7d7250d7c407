/* Consistent Overhead Byte Stuffing: removes 0x00 from a block so 0x00 can delimit frames. */
#ifndef EL_COBS_H
#define EL_COBS_H
#include <stddef.h>
#include <stdint.h>

#define EL_COBS_MAX_ENCODED(n) ((n) + ((n) + 253u) / 254u + 1u)

/* Encodes len bytes into out (capacity EL_COBS_MAX_ENCODED(len)); returns the encoded length (no delimiter). */
size_t el_cobs_encode(const uint8_t *in, size_t len, uint8_t *out);
/* Decodes a block (without delimiter); out may equal in. Returns the decoded length, or (size_t)-1 if invalid. */
size_t el_cobs_decode(const uint8_t *in, size_t len, uint8_t *out);
#endif
