/* Inner loops shared by the optimised CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED kernels. */
#ifndef EL_CONV_FAST_H
#define EL_CONV_FAST_H

#include <stdint.h>
#include <string.h>

#include "el_requant.h"
#include "el_simd.h"

/* Byte copy for the short runs of an im2col row (word moves, then the tail). */
static inline void el_copy_bytes(int8_t *dst, const int8_t *src, int32_t n) {
  for (; n >= 4; n -= 4, dst += 4, src += 4) el_st32(dst, el_ld32(src));
  for (; n > 0; n--) *dst++ = *src++;
}

/* Sum of k int8 values (the weights of one output channel), for folding the input offset into the bias. */
static inline int32_t el_sum_int8(const int8_t *w, int32_t k) {
  int32_t acc = 0;
  const uint32_t ones = 0x00010001u;
  for (; k >= 4; k -= 4, w += 4) {
    const uint32_t v = el_ld32(w);
    acc = el_smlad(el_sxtb16(v), ones, acc);
    acc = el_smlad(el_sxtb16_hi(v), ones, acc);
  }
  for (; k > 0; k--) acc += *w++;
  return acc;
}

/* Requantises one accumulator (already holding the bias) to int8 with the output offset and the clamp. */
static inline int8_t el_requant_out(const el_rq *r, int32_t acc, int32_t out_offset, int32_t lo, int32_t hi) {
  const int32_t v = el_rq_apply(r, acc) + out_offset;
  return (int8_t)(v < lo ? lo : (v > hi ? hi : v));
}

/* Dot products of two int8 rows of weights (w0, w1) with two int8 columns (x0, x1), k terms:
 * acc[0] = w0.x0, acc[1] = w0.x1, acc[2] = w1.x0, acc[3] = w1.x1. */
static inline void el_dot_2x2(const int8_t *w0, const int8_t *w1, const int8_t *x0, const int8_t *x1, int32_t k,
                              int32_t acc[4]) {
  int32_t a00 = 0, a01 = 0, a10 = 0, a11 = 0;
  for (int32_t i = k >> 2; i > 0; i--) {
    const uint32_t xa = el_ld32(x0), xb = el_ld32(x1);
    const uint32_t wa = el_ld32(w0), wb = el_ld32(w1);
    x0 += 4;
    x1 += 4;
    w0 += 4;
    w1 += 4;
    const uint32_t xa_l = el_sxtb16(xa), xa_h = el_sxtb16_hi(xa);
    const uint32_t xb_l = el_sxtb16(xb), xb_h = el_sxtb16_hi(xb);
    uint32_t t = el_sxtb16(wa);
    a00 = el_smlad(t, xa_l, a00);
    a01 = el_smlad(t, xb_l, a01);
    t = el_sxtb16_hi(wa);
    a00 = el_smlad(t, xa_h, a00);
    a01 = el_smlad(t, xb_h, a01);
    t = el_sxtb16(wb);
    a10 = el_smlad(t, xa_l, a10);
    a11 = el_smlad(t, xb_l, a11);
    t = el_sxtb16_hi(wb);
    a10 = el_smlad(t, xa_h, a10);
    a11 = el_smlad(t, xb_h, a11);
  }
  for (int32_t i = k & 3; i > 0; i--) {
    const int32_t p = *x0++, q = *x1++, u = *w0++, v = *w1++;
    a00 += u * p;
    a01 += u * q;
    a10 += v * p;
    a11 += v * q;
  }
  acc[0] = a00;
  acc[1] = a01;
  acc[2] = a10;
  acc[3] = a11;
}

/* One weight row against two columns. */
static inline void el_dot_1x2(const int8_t *w0, const int8_t *x0, const int8_t *x1, int32_t k, int32_t acc[2]) {
  int32_t a0 = 0, a1 = 0;
  for (int32_t i = k >> 2; i > 0; i--) {
    const uint32_t xa = el_ld32(x0), xb = el_ld32(x1), wa = el_ld32(w0);
    x0 += 4;
    x1 += 4;
    w0 += 4;
    uint32_t t = el_sxtb16(wa);
    a0 = el_smlad(t, el_sxtb16(xa), a0);
    a1 = el_smlad(t, el_sxtb16(xb), a1);
    t = el_sxtb16_hi(wa);
    a0 = el_smlad(t, el_sxtb16_hi(xa), a0);
    a1 = el_smlad(t, el_sxtb16_hi(xb), a1);
  }
  for (int32_t i = k & 3; i > 0; i--) {
    const int32_t u = *w0++;
    a0 += u * *x0++;
    a1 += u * *x1++;
  }
  acc[0] = a0;
  acc[1] = a1;
}

#endif
