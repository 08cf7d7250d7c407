/* HKDF-SHA256 (RFC 5869). */
#ifndef EL_HKDF_H
#define EL_HKDF_H
#include <stddef.h>
#include <stdint.h>

/* PRK = HMAC(salt, ikm); an empty salt means 32 zero bytes. */
void el_hkdf_extract(const uint8_t *salt, size_t salt_len, const uint8_t *ikm, size_t ikm_len, uint8_t prk[32]);
/* OKM = T(1) || T(2) || ... truncated to okm_len; returns 0 when okm_len > 255 * 32. */
int el_hkdf_expand(const uint8_t prk[32], const uint8_t *info, size_t info_len, uint8_t *okm, size_t okm_len);
int el_hkdf(const uint8_t *salt, size_t salt_len, const uint8_t *ikm, size_t ikm_len, const uint8_t *info,
            size_t info_len, uint8_t *okm, size_t okm_len);
#endif
