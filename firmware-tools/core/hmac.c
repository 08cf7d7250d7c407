#include "el_hmac.h"
#include "el_bytes.h"
#include <string.h>

void el_hmac_init(el_hmac_t *c, const uint8_t *key, size_t key_len) {
  uint8_t k[EL_SHA256_BLOCK];
  memset(k, 0, sizeof k);
  if (key_len > EL_SHA256_BLOCK)
    el_sha256(key, key_len, k);
  else if (key_len > 0)
    memcpy(k, key, key_len);
  uint8_t ipad[EL_SHA256_BLOCK];
  for (size_t i = 0; i < EL_SHA256_BLOCK; i++) {
    ipad[i] = (uint8_t)(k[i] ^ 0x36u);
    c->opad_key[i] = (uint8_t)(k[i] ^ 0x5cu);
  }
  el_sha256_init(&c->inner);
  el_sha256_update(&c->inner, ipad, sizeof ipad);
  el_wipe(k, sizeof k);
  el_wipe(ipad, sizeof ipad);
}

void el_hmac_update(el_hmac_t *c, const uint8_t *data, size_t len) { el_sha256_update(&c->inner, data, len); }

void el_hmac_final(el_hmac_t *c, uint8_t out[EL_SHA256_DIGEST]) {
  uint8_t inner[EL_SHA256_DIGEST];
  el_sha256_final(&c->inner, inner);
  el_sha256_t outer;
  el_sha256_init(&outer);
  el_sha256_update(&outer, c->opad_key, sizeof c->opad_key);
  el_sha256_update(&outer, inner, sizeof inner);
  el_sha256_final(&outer, out);
  el_wipe(inner, sizeof inner);
  el_wipe(c, sizeof *c);
}

void el_hmac_sha256(const uint8_t *key, size_t key_len, const uint8_t *msg, size_t msg_len,
                    uint8_t out[EL_SHA256_DIGEST]) {
  el_hmac_t c;
  el_hmac_init(&c, key, key_len);
  el_hmac_update(&c, msg, msg_len);
  el_hmac_final(&c, out);
}
