/* Per-channel requantisation for the optimised kernels: the same function as el_mbqm (el_fixedpoint.h) in
 * both build flavours, with the per-channel constants worked out once in Prepare, so the per-output cost
 * is one 32x32->64 multiply-accumulate and a few shifts instead of the general 64-bit code.
 *
 * Single rounding: el_mbqm = (x*m + 2^(t-1)) >> t with t = 31 - shift. For t >= 32 (shift <= -1, every
 * real model) this is ((x*m + 2^(t-1)) >> 32) >> (t - 32): the high word of one SMLAL, then one ASR.
 * Default (double rounding): SaturatingRoundingDoublingHighMul(a, m) for m >= 0 is floor((a*m + 2^30) / 2^31)
 * (the reference's truncating division of a*m + nudge gives the same for both signs; the saturating case
 * needs m == INT32_MIN, which a quantised multiplier never is), then RoundingDivideByPOT as the reference. */
#ifndef EL_REQUANT_H
#define EL_REQUANT_H

#include <stdint.h>

#include "../el_fixedpoint.h"
#include "../el_internal.h"
#include "el_simd.h"

typedef struct el_rq {
  int32_t mult;
#ifdef EL_SINGLE_ROUNDING
  int32_t shift;  /* original shift (slow path when > -1) */
  int32_t rshift; /* t - 32 */
  int32_t fast;
  int64_t round; /* 2^(t-1) */
#else
  int32_t left;  /* max(shift, 0) */
  int32_t right; /* max(-shift, 0) */
  int32_t mask;  /* 2^right - 1 */
  int32_t half;  /* mask >> 1 */
#endif
} el_rq;

static inline void el_rq_init(el_rq *r, int32_t mult, int32_t shift) {
  r->mult = mult;
#ifdef EL_SINGLE_ROUNDING
  const int t = 31 - shift;
  r->shift = shift;
  r->fast = t >= 32;
  r->rshift = t - 32;
  r->round = (int64_t)1 << (t - 1);
#else
  r->left = shift > 0 ? shift : 0;
  r->right = shift > 0 ? 0 : -shift;
  r->mask = (int32_t)(((int64_t)1 << r->right) - 1);
  r->half = r->mask >> 1;
#endif
}

static inline int32_t el_rq_apply(const el_rq *r, int32_t x) {
#ifdef EL_SINGLE_ROUNDING
  if (!r->fast) return el_mbqm(x, r->mult, r->shift);
  const int64_t p = (int64_t)x * r->mult + r->round;
  return (int32_t)(p >> 32) >> r->rshift;
#else
  const int64_t p = (int64_t)el_shl_wrap(x, r->left) * r->mult + ((int64_t)1 << 30);
  const int32_t h = (int32_t)(p >> 31);
  const int32_t rem = h & r->mask;
  return (h >> r->right) + (rem > r->half + (h < 0 ? 1 : 0) ? 1 : 0);
#endif
}

/* Fills `channels` el_rq (in the operator's scratch, once per invoke: persistent memory keeps only the 8-byte
 * multiplier and shift per channel) from the kernel's per-channel multipliers and shifts. */
static inline el_rq *el_rq_fill(void *scratch, const int32_t *mult, const int32_t *shift, int32_t channels) {
  el_rq *r = scratch;
  for (int32_t i = 0; i < channels; i++) el_rq_init(&r[i], mult[i], shift[i]);
  return r;
}

/* RoundingDivideByPOT(h, right) (el_rdbpot: h / 2^right rounded half away from zero) for 1 <= right <= 31, with
 * its constant worked out once: (h + 2^(right-1) - [h < 0]) >> right, three instructions (ADD with ASR #31).
 * Requires h + 2^(right-1) to stay in int32 (|h| < 2^30 always does): the optimised ADD/SUB's output rescaling. */
typedef struct el_rshift {
  int32_t right, round;
} el_rshift;

static inline el_rshift el_rshift_init(int32_t right) {
  el_rshift s;
  s.right = right;
  s.round = (int32_t)1 << (right - 1);
  return s;
}

static inline int32_t el_rshift_apply(el_rshift s, int32_t h) { return (h + (h >> 31) + s.round) >> s.right; }

/* el_mbqm(x, mult, shift) (either build flavour) for |x| < 2^30 and shift <= -1 (a multiplier below 1/2), with
 * its constants worked out once: r = -shift, y = x*mult.
 *   default: SaturatingRoundingDoublingHighMul = floor((y + 2^30) / 2^31) = SMMULR(2x, mult), then
 *            RoundingDivideByPOT by r as el_rshift;
 *   single rounding: (y + 2^(30+r)) >> (31+r) = (floor(y / 2^31) + 2^(r-1)) >> r (the dropped low bits cannot
 *            carry into the integer part), floor(y / 2^31) = SMMUL(2x, mult).
 * Three or four instructions where el_rq_apply needs a 64-bit multiply-accumulate and several shifts: MUL's
 * products (|x| <= 255 * 255). */
typedef struct el_rq_small {
  int32_t mult, right, round;
} el_rq_small;

static inline el_rq_small el_rq_small_init(int32_t mult, int32_t shift) {
  el_rq_small r;
  r.mult = mult;
  r.right = -shift;
  r.round = (int32_t)1 << (-shift - 1);
  return r;
}

static inline int32_t el_rq_small_apply(el_rq_small r, int32_t x) {
#ifdef EL_SINGLE_ROUNDING
  return (el_smmul(2 * x, r.mult) + r.round) >> r.right;
#else
  const int32_t h = el_smmulr(2 * x, r.mult);
  return (h + (h >> 31) + r.round) >> r.right;
#endif
}

/* Scratch bytes of el_rq_fill, a multiple of 16. */
static inline size_t el_rq_bytes(int32_t channels) { return (sizeof(el_rq) * (size_t)channels + 15u) & ~(size_t)15u; }

#endif
