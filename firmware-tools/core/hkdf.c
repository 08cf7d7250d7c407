#include "el_hkdf.h"
#include "el_bytes.h"
#include "el_hmac.h"
#include <string.h>

void el_hkdf_extract(const uint8_t *salt, size_t salt_len, const uint8_t *ikm, size_t ikm_len, uint8_t prk[32]) {
  static const uint8_t zero_salt[EL_SHA256_DIGEST] = {0};
  if (salt_len == 0) {
    salt = zero_salt;
    salt_len = sizeof zero_salt;
  }
  el_hmac_sha256(salt, salt_len, ikm, ikm_len, prk);
}

int el_hkdf_expand(const uint8_t prk[32], const uint8_t *info, size_t info_len, uint8_t *okm, size_t okm_len) {
  if (okm_len > 255u * EL_SHA256_DIGEST) return 0;
  uint8_t t[EL_SHA256_DIGEST];
  size_t t_len = 0;
  for (uint8_t counter = 1; okm_len > 0; counter++) {
    el_hmac_t c;
    el_hmac_init(&c, prk, EL_SHA256_DIGEST);
    el_hmac_update(&c, t, t_len);
    el_hmac_update(&c, info, info_len);
    el_hmac_update(&c, &counter, 1);
    el_hmac_final(&c, t);
    t_len = EL_SHA256_DIGEST;
    size_t n = okm_len < t_len ? okm_len : t_len;
    memcpy(okm, t, n);
    okm += n;
    okm_len -= n;
  }
  el_wipe(t, sizeof t);
  return 1;
}

int el_hkdf(const uint8_t *salt, size_t salt_len, const uint8_t *ikm, size_t ikm_len, const uint8_t *info,
            size_t info_len, uint8_t *okm, size_t okm_len) {
  uint8_t prk[EL_SHA256_DIGEST];
  el_hkdf_extract(salt, salt_len, ikm, ikm_len, prk);
  int ok = el_hkdf_expand(prk, info, info_len, okm, okm_len);
  el_wipe(prk, sizeof prk);
  return ok;
}
