/* Inner loops shared by the optimised CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED kernels. */
#ifndef EL_CONV_FAST_H
#define EL_CONV_FAST_H

#include <stdint.h>
#include <string.h>

#include "el_requant.h"
#include "el_simd.h"

/* Byte fill for the short runs of an im2col row (word stores, then the tail). */
static inline void el_fill_bytes(int8_t *dst, int8_t v, int32_t n) {
  const uint32_t w = (uint32_t)(uint8_t)v * 0x01010101u;
  for (; n >= 4; n -= 4, dst += 4) el_st32(dst, w);
  for (; n > 0; n--) *dst++ = v;
}

/* Byte copy for the short runs of an im2col row (word moves, then the tail). */
static inline void el_copy_bytes(int8_t *dst, const int8_t *src, int32_t n) {
  for (; n >= 4; n -= 4, dst += 4, src += 4) el_st32(dst, el_ld32(src));
  for (; n > 0; n--) *dst++ = *src++;
}

/* Requantises one accumulator (already holding the bias) to int8 with the output offset and the clamp. */
static inline int8_t el_requant_out(const el_rq *r, int32_t acc, int32_t out_offset, int32_t lo, int32_t hi) {
  const int32_t v = el_rq_apply(r, acc) + out_offset;
  return (int8_t)(v < lo ? lo : (v > hi ? hi : v));
}

/* Columns widened once: K int8 inputs plus the input offset as int16, in the order SXTB16 produces from the
 * weights (per group of 4 taps: taps 0,2 in one word, taps 1,3 in the next), the groups of two columns
 * interleaved so one pass loads both with two LDRDs; the K % 4 tail taps follow as plain int16, column 0's
 * then column 1's. Size: el_cols_bytes(k) per pair of columns. */
static inline size_t el_cols_bytes(int32_t k) { return 4u * (size_t)k + 4u; }

static inline void el_widen_cols(uint32_t *dst, const int8_t *c0, const int8_t *c1, int32_t k, int32_t offset) {
  const uint32_t off = ((uint32_t)offset & 0xFFFFu) * 0x00010001u;
  int32_t g = k >> 2;
  for (; g > 0; g--, c0 += 4, c1 += 4, dst += 4) {
    const uint32_t a = el_ld32(c0), b = el_ld32(c1);
    dst[0] = el_sadd16(el_sxtb16(a), off);
    dst[1] = el_sadd16(el_sxtb16_hi(a), off);
    dst[2] = el_sadd16(el_sxtb16(b), off);
    dst[3] = el_sadd16(el_sxtb16_hi(b), off);
  }
  int16_t *t = (int16_t *)dst;
  const int32_t tail = k & 3;
  for (int32_t i = 0; i < tail; i++) {
    t[i] = (int16_t)(c0[i] + offset);
    t[tail + i] = (int16_t)(c1[i] + offset);
  }
}

/* a + b*c with two's-complement wrap-around (the accumulators start at the bias). */
static inline int32_t el_mac_wrap(int32_t a, int32_t b, int32_t c) {
  return (int32_t)((uint32_t)a + (uint32_t)(b * c));
}

/* Dot products of two int8 weight rows (w, w + k) with a widened column pair, starting from b0 (row 0) and
 * b1 (row 1): acc[0] = b0 + row0.col0, acc[1] = b0 + row0.col1, acc[2] = b1 + row1.col0, acc[3] = b1 + row1.col1. */
void el_dot_2x2(const int8_t *w, int32_t k, const uint32_t *cols, int32_t b0, int32_t b1, int32_t acc[4]);

/* One weight row with a widened column pair, starting from b0. */
void el_dot_1x2(const int8_t *w, int32_t k, const uint32_t *cols, int32_t b0, int32_t acc[2]);

/* One column (k int8 inputs plus the offset) widened as el_widen_cols does, without interleaving:
 * per group of 4 taps two words (taps 0,2 | 1,3), then the k % 4 tail taps as int16. el_col_bytes(k). */
static inline size_t el_col_bytes(int32_t k) { return 2u * (size_t)k + 4u; }

static inline void el_widen_col(uint32_t *dst, const int8_t *c0, int32_t k, int32_t offset) {
  const uint32_t off = ((uint32_t)offset & 0xFFFFu) * 0x00010001u;
  for (int32_t g = k >> 2; g > 0; g--, c0 += 4, dst += 2) {
    const uint32_t a = el_ld32(c0);
    dst[0] = el_sadd16(el_sxtb16(a), off);
    dst[1] = el_sadd16(el_sxtb16_hi(a), off);
  }
  int16_t *t = (int16_t *)dst;
  for (int32_t i = 0; i < (k & 3); i++) t[i] = (int16_t)(c0[i] + offset);
}

/* Two int8 weight rows (w, w + k) with one widened column, starting from b0 and b1. */
void el_dot_2x1(const int8_t *w, int32_t k, const uint32_t *col, int32_t b0, int32_t b1, int32_t acc[2]);

/* One int8 weight row with one widened column, starting from b0. */
int32_t el_dot_1x1(const int8_t *w, int32_t k, const uint32_t *col, int32_t b0);

#endif
