/*
 * Bounds-checked reading of a flatbuffer held in memory (little-endian, read in place).
 * Every accessor validates offsets against the buffer length before touching a byte, so a
 * corrupt or hostile file yields EL_ERR_MALFORMED, never an out-of-bounds read.
 */
#ifndef EL_FLATBUFFER_H
#define EL_FLATBUFFER_H

#include <stddef.h>
#include <stdint.h>
#include "el_runtime.h"

typedef struct el_fb {
  const uint8_t *buf;
  size_t len;
} el_fb;

/* A table; `vt_len == 0` stands for an absent table (every field reads as its default). */
typedef struct el_fbt {
  const el_fb *fb;
  size_t pos;
  size_t vt;
  uint16_t vt_len;
  uint16_t tbl_len;
} el_fbt;

/* A vector: `n` elements starting at byte `pos` of the buffer. */
typedef struct el_fbv {
  size_t pos;
  uint32_t n;
} el_fbv;

static inline uint16_t el_rd_u16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t el_rd_u32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline int32_t el_rd_i32(const uint8_t *p) { return (int32_t)el_rd_u32(p); }
static inline int64_t el_rd_i64(const uint8_t *p) {
  return (int64_t)((uint64_t)el_rd_u32(p) | ((uint64_t)el_rd_u32(p + 4) << 32));
}
float el_rd_f32(const uint8_t *p);

/* The root table; checks the 4-byte file identifier when `ident` is not NULL. */
el_status el_fb_root(const el_fb *fb, const char *ident, el_fbt *root);
/* An absent table (all defaults). */
void el_fbt_empty(const el_fb *fb, el_fbt *t);

int el_fbt_has(const el_fbt *t, unsigned field);
el_status el_fbt_u8(const el_fbt *t, unsigned field, uint8_t dflt, uint8_t *out);
el_status el_fbt_i8(const el_fbt *t, unsigned field, int8_t dflt, int8_t *out);
el_status el_fbt_u32(const el_fbt *t, unsigned field, uint32_t dflt, uint32_t *out);
el_status el_fbt_i32(const el_fbt *t, unsigned field, int32_t dflt, int32_t *out);
el_status el_fbt_f32(const el_fbt *t, unsigned field, float dflt, float *out);
el_status el_fbt_u64(const el_fbt *t, unsigned field, uint64_t dflt, uint64_t *out);
/* A sub-table; an absent field gives an absent table (vt_len == 0). */
el_status el_fbt_table(const el_fbt *t, unsigned field, el_fbt *out);
/* A vector of scalars/structs of `elem_size` bytes; absent gives n == 0. */
el_status el_fbt_vector(const el_fbt *t, unsigned field, size_t elem_size, el_fbv *out);
/* Element i of a vector of tables. */
el_status el_fbv_table(const el_fb *fb, const el_fbv *v, uint32_t i, el_fbt *out);

static inline const uint8_t *el_fbv_at(const el_fb *fb, const el_fbv *v, size_t elem_size, uint32_t i) {
  return fb->buf + v->pos + (size_t)i * elem_size;
}

#endif
