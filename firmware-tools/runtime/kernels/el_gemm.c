/* The inner loops of the optimised CONV_2D and FULLY_CONNECTED (declared in el_conv_fast.h). Out of line on
 * purpose: each gets the whole register file (inlined into the kernels' larger functions, the compiler
 * spilled accumulators to the stack inside the loop). */
#include "el_conv_fast.h"

void el_dot_2x2(const int8_t *w, int32_t k, const uint32_t *cols, int32_t b0, int32_t b1, int32_t acc[4]) {
  int32_t a00 = b0, a01 = b0, a10 = b1, a11 = b1;
  const int8_t *w1 = w + k;
  for (int32_t g = k >> 2; g > 0; g--) {
    const uint32_t x0l = cols[0], x0h = cols[1], x1l = cols[2], x1h = cols[3];
    cols += 4;
    const uint32_t wa = el_ld32(w), wb = el_ld32(w1);
    w += 4;
    w1 += 4;
    uint32_t t = el_sxtb16(wa);
    a00 = el_smlad(t, x0l, a00);
    a01 = el_smlad(t, x1l, a01);
    t = el_sxtb16_hi(wa);
    a00 = el_smlad(t, x0h, a00);
    a01 = el_smlad(t, x1h, a01);
    t = el_sxtb16(wb);
    a10 = el_smlad(t, x0l, a10);
    a11 = el_smlad(t, x1l, a11);
    t = el_sxtb16_hi(wb);
    a10 = el_smlad(t, x0h, a10);
    a11 = el_smlad(t, x1h, a11);
  }
  const int32_t tail = k & 3;
  const int16_t *t0 = (const int16_t *)cols, *t1 = t0 + tail;
  for (int32_t i = 0; i < tail; i++) {
    a00 = el_mac_wrap(a00, w[i], t0[i]);
    a01 = el_mac_wrap(a01, w[i], t1[i]);
    a10 = el_mac_wrap(a10, w1[i], t0[i]);
    a11 = el_mac_wrap(a11, w1[i], t1[i]);
  }
  acc[0] = a00;
  acc[1] = a01;
  acc[2] = a10;
  acc[3] = a11;
}

void el_dot_1x2(const int8_t *w, int32_t k, const uint32_t *cols, int32_t b0, int32_t acc[2]) {
  int32_t a0 = b0, a1 = b0;
  for (int32_t g = k >> 2; g > 0; g--) {
    const uint32_t wa = el_ld32(w);
    w += 4;
    uint32_t t = el_sxtb16(wa);
    a0 = el_smlad(t, cols[0], a0);
    a1 = el_smlad(t, cols[2], a1);
    t = el_sxtb16_hi(wa);
    a0 = el_smlad(t, cols[1], a0);
    a1 = el_smlad(t, cols[3], a1);
    cols += 4;
  }
  const int32_t tail = k & 3;
  const int16_t *t0 = (const int16_t *)cols, *t1 = t0 + tail;
  for (int32_t i = 0; i < tail; i++) {
    a0 = el_mac_wrap(a0, w[i], t0[i]);
    a1 = el_mac_wrap(a1, w[i], t1[i]);
  }
  acc[0] = a0;
  acc[1] = a1;
}

void el_dot_2x1(const int8_t *w, int32_t k, const uint32_t *col, int32_t b0, int32_t b1, int32_t acc[2]) {
  int32_t a0 = b0, a1 = b1;
  const int8_t *w1 = w + k;
  for (int32_t g = k >> 2; g > 0; g--) {
    const uint32_t xl = col[0], xh = col[1];
    col += 2;
    const uint32_t wa = el_ld32(w), wb = el_ld32(w1);
    w += 4;
    w1 += 4;
    a0 = el_smlad(el_sxtb16(wa), xl, a0);
    a0 = el_smlad(el_sxtb16_hi(wa), xh, a0);
    a1 = el_smlad(el_sxtb16(wb), xl, a1);
    a1 = el_smlad(el_sxtb16_hi(wb), xh, a1);
  }
  const int16_t *t = (const int16_t *)col;
  for (int32_t i = 0; i < (k & 3); i++) {
    a0 = el_mac_wrap(a0, w[i], t[i]);
    a1 = el_mac_wrap(a1, w1[i], t[i]);
  }
  acc[0] = a0;
  acc[1] = a1;
}

int32_t el_dot_1x1(const int8_t *w, int32_t k, const uint32_t *col, int32_t b0) {
  int32_t a0 = b0;
  for (int32_t g = k >> 2; g > 0; g--, col += 2, w += 4) {
    const uint32_t wa = el_ld32(w);
    a0 = el_smlad(el_sxtb16(wa), col[0], a0);
    a0 = el_smlad(el_sxtb16_hi(wa), col[1], a0);
  }
  const int16_t *t = (const int16_t *)col;
  for (int32_t i = 0; i < (k & 3); i++) a0 = el_mac_wrap(a0, w[i], t[i]);
  return a0;
}
