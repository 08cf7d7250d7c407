/* SHA-256 (FIPS 180-4). */
#ifndef EL_SHA256_H
#define EL_SHA256_H
#include <stddef.h>
#include <stdint.h>

#define EL_SHA256_DIGEST 32u
#define EL_SHA256_BLOCK 64u

typedef struct {
  uint32_t h[8];
  uint64_t total; /* bytes hashed so far */
  uint8_t block[64];
  uint32_t used; /* bytes in block */
} el_sha256_t;

void el_sha256_init(el_sha256_t *c);
void el_sha256_update(el_sha256_t *c, const uint8_t *data, size_t len);
void el_sha256_final(el_sha256_t *c, uint8_t out[EL_SHA256_DIGEST]);
void el_sha256(const uint8_t *data, size_t len, uint8_t out[EL_SHA256_DIGEST]);
#endif
