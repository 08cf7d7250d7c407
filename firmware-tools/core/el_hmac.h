/* HMAC-SHA256 (RFC 2104, test vectors RFC 4231). */
#ifndef EL_HMAC_H
#define EL_HMAC_H
#include "el_sha256.h"

typedef struct {
  el_sha256_t inner;
  uint8_t opad_key[EL_SHA256_BLOCK];
} el_hmac_t;

void el_hmac_init(el_hmac_t *c, const uint8_t *key, size_t key_len);
void el_hmac_update(el_hmac_t *c, const uint8_t *data, size_t len);
void el_hmac_final(el_hmac_t *c, uint8_t out[EL_SHA256_DIGEST]);
void el_hmac_sha256(const uint8_t *key, size_t key_len, const uint8_t *msg, size_t msg_len,
                    uint8_t out[EL_SHA256_DIGEST]);
#endif
