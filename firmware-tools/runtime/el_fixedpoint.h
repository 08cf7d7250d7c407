/*
 * TFLite's integer arithmetic primitives (gemmlowp semantics, "double rounding" variant that the
 * TFLite runtime uses by default). Implemented from the documented semantics:
 *  - SaturatingRoundingDoublingHighMul(a, b): round-half-away-from-zero of a*b / 2^31, saturating
 *    the single overflow case a == b == INT32_MIN;
 *  - RoundingDivideByPOT(x, e): x / 2^e rounded half away from zero;
 *  - MultiplyByQuantizedMultiplier(x, m, s): left shift by max(s,0), high-mul by m, then rounding
 *    right shift by max(-s,0).
 */
#ifndef EL_FIXEDPOINT_H
#define EL_FIXEDPOINT_H

#include <stdint.h>

static inline int32_t el_srdhm(int32_t a, int32_t b) {
  if (a == b && a == INT32_MIN) return INT32_MAX;
  int64_t ab = (int64_t)a * (int64_t)b;
  int64_t nudge = ab >= 0 ? (1LL << 30) : (1 - (1LL << 30));
  return (int32_t)((ab + nudge) / (1LL << 31));
}

static inline int32_t el_rdbpot(int32_t x, int exponent) {
  const int32_t mask = (int32_t)((1LL << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/* x * 2^left_shift with two's-complement wrap-around (as the reference's int32 multiply). */
static inline int32_t el_shl_wrap(int32_t x, int left_shift) { return (int32_t)((uint32_t)x << left_shift); }

/* int32 addition with two's-complement wrap-around (the reference's int32 add, without UB). */
static inline int32_t el_add_wrap(int32_t a, int32_t b) { return (int32_t)((uint32_t)a + (uint32_t)b); }

#ifdef EL_SINGLE_ROUNDING
/* TFLITE_SINGLE_ROUNDING variant: one round-half-up of x * m / 2^(31 - shift). */
static inline int32_t el_mbqm(int32_t x, int32_t multiplier, int shift) {
  const int total = 31 - shift;
  const int64_t r = ((int64_t)x * multiplier + ((int64_t)1 << (total - 1))) >> total;
  return (int32_t)r;
}
#else
static inline int32_t el_mbqm(int32_t x, int32_t multiplier, int shift) {
  const int left = shift > 0 ? shift : 0;
  const int right = shift > 0 ? 0 : -shift;
  return el_rdbpot(el_srdhm(el_shl_wrap(x, left), multiplier), right);
}
#endif

/* MultiplyByQuantizedMultiplierSmallerThanOneExp: `left_shift` <= 0. */
static inline int32_t el_mbqm_small(int32_t x, int32_t multiplier, int left_shift) {
  return el_rdbpot(el_srdhm(x, multiplier), -left_shift);
}

/* float -> int32 conversion that saturates to +-2^30 and maps NaN to 0 (C leaves out-of-range
 * conversions undefined; only hostile quantisation parameters get there). */
static inline int32_t el_f2i_sat(float f) {
  if (!(f == f)) return 0;
  if (f > 1073741824.0f) return 1073741824;
  if (f < -1073741824.0f) return -1073741824;
  return (int32_t)f;
}

/* int16 gemmlowp variants (HARD_SWISH). */
static inline int16_t el_srdhm16(int16_t a, int16_t b) {
  if (a == b && a == INT16_MIN) return INT16_MAX;
  int32_t ab = (int32_t)a * (int32_t)b;
  int32_t nudge = ab >= 0 ? (1 << 14) : (1 - (1 << 14));
  return (int16_t)((ab + nudge) / (1 << 15));
}

static inline int16_t el_sdhm16(int16_t a, int16_t b) {
  if (a == b && a == INT16_MIN) return INT16_MAX;
  return (int16_t)(((int32_t)a * (int32_t)b) / (1 << 15));
}

static inline int16_t el_rdbpot16(int16_t x, int exponent) {
  const int16_t mask = (int16_t)((1 << exponent) - 1);
  const int16_t remainder = (int16_t)(x & mask);
  const int16_t threshold = (int16_t)((mask >> 1) + (x < 0 ? 1 : 0));
  return (int16_t)((x >> exponent) + (remainder > threshold ? 1 : 0));
}

static inline int16_t el_sat_shl16(int16_t x, int shift) {
  int32_t r = (int32_t)x * (1 << shift);
  if (r > INT16_MAX) return INT16_MAX;
  if (r < INT16_MIN) return INT16_MIN;
  return (int16_t)r;
}

static inline int32_t el_clamp(int32_t v, int32_t lo, int32_t hi) { return v < lo ? lo : (v > hi ? hi : v); }

/* QuantizeMultiplier: m = q * 2^shift with q in Q0.31. Fails (returns nonzero) for m < 0,
 * non-finite m or shift > 30 (multipliers >= 2^30 never occur in sane models). */
int el_quantize_multiplier(double m, int32_t *quantized, int *shift);

#endif
