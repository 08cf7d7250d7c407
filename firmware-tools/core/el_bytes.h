/* Little-endian field access and constant-time comparison. */
#ifndef EL_BYTES_H
#define EL_BYTES_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint16_t el_get_u16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t el_get_u32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
/* A little-endian float32 field (any alignment). */
static inline float el_get_f32(const uint8_t *p) {
  uint32_t bits = el_get_u32(p);
  float f;
  memcpy(&f, &bits, sizeof f);
  return f;
}
static inline void el_put_u16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}
static inline void el_put_u32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

/* 1 when equal; time depends only on len. */
static inline int el_ct_equal(const uint8_t *a, const uint8_t *b, size_t len) {
  uint8_t d = 0;
  for (size_t i = 0; i < len; i++) d |= (uint8_t)(a[i] ^ b[i]);
  return d == 0;
}

/* Clears memory in a way the compiler may not drop. */
static inline void el_wipe(void *p, size_t len) {
  volatile uint8_t *v = (volatile uint8_t *)p;
  while (len--) *v++ = 0;
}
#endif
