/* Identities the optimised kernels rely on, checked against the runtime's own reference primitives
 * (el_fixedpoint.h) where random models almost never reach: every rounding tie of el_rshift_apply against
 * RoundingDivideByPOT (el_rdbpot) for shifts 1-31, the optimised ADD/SUB's high multiply el_smmulr(2x, m)
 * against SaturatingRoundingDoublingHighMul (el_srdhm) for |x| <= 2^29, ties included, and MUL's
 * el_rq_small_apply against el_mbqm (this build's flavour) for every product |x| <= 255 * 255 and shifts -1 to -31.
 * Built in both flavours and run by test/runtime/kernels.test.ts; prints "ok <checks>" or the first mismatch
 * (exit 1). */
#include <stdio.h>

#include "kernels/el_requant.h"
#include "kernels/el_simd.h"

static uint32_t state = 12345u;
static uint32_t next(void) {
  state ^= state << 13;
  state ^= state >> 17;
  state ^= state << 5;
  return state;
}

static long checks = 0;

static int shift_case(int32_t h, int32_t right) {
  checks++;
  const int32_t want = el_rdbpot(h, right), got = el_rshift_apply(el_rshift_init(right), h);
  if (want == got) return 0;
  printf("el_rshift_apply(%ld, %ld) = %ld, el_rdbpot = %ld\n", (long)h, (long)right, (long)got, (long)want);
  return 1;
}

static int mul_case(int32_t x, int32_t m) {
  checks++;
  const int32_t want = el_srdhm(x, m), got = el_smmulr(2 * x, m);
  if (want == got) return 0;
  printf("el_smmulr(2 * %ld, %ld) = %ld, el_srdhm = %ld\n", (long)x, (long)m, (long)got, (long)want);
  return 1;
}

int main(void) {
  const int32_t lim = (int32_t)1 << 29;
  for (int32_t right = 1; right <= 31; right++) {
    const int64_t unit = (int64_t)1 << right;
    for (int64_t k = -40; k <= 40; k++) {
      /* exact ties (k + 1/2) * 2^right, their neighbours, and multiples */
      for (int64_t d = -1; d <= 1; d++) {
        const int64_t tie = k * unit + unit / 2 + d, mul = k * unit + d;
        if (tie > -lim && tie < lim && shift_case((int32_t)tie, right)) return 1;
        if (mul > -lim && mul < lim && shift_case((int32_t)mul, right)) return 1;
      }
    }
    for (int i = 0; i < 20000; i++) {
      const int32_t h = (int32_t)(next() % (2u * (uint32_t)lim)) - lim;
      if (shift_case(h, right)) return 1;
    }
  }
  const int32_t ms[] = {0, 1, 1 << 30, (1 << 30) + 1, 0x7FFFFFFF, 0x5A827999};
  for (unsigned j = 0; j < sizeof ms / sizeof ms[0]; j++) {
    for (int32_t x = -1000; x <= 1000; x++) {
      if (mul_case(x, ms[j]) || mul_case(lim - 1000 + x, ms[j]) || mul_case(-lim + 1000 + x, ms[j])) return 1;
    }
  }
  for (int i = 0; i < 2000000; i++) {
    const int32_t x = (int32_t)(next() % (2u * (uint32_t)lim + 1u)) - lim;
    const int32_t m = (int32_t)(next() >> 1);
    if (mul_case(x, m) || mul_case(x, (int32_t)(((uint32_t)m >> 16) << 16))) return 1;
  }
  for (int32_t shift = -1; shift >= -31; shift--) {
    const int32_t mults[] = {1 << 30, (1 << 30) + 1, 0x7FFFFFFF, 0x5A827999, (int32_t)(next() >> 1) | (1 << 30)};
    for (unsigned j = 0; j < sizeof mults / sizeof mults[0]; j++) {
      const el_rq_small r = el_rq_small_init(mults[j], shift);
      for (int32_t x = -65025; x <= 65025; x++) {
        checks++;
        const int32_t want = el_mbqm(x, mults[j], shift), got = el_rq_small_apply(r, x);
        if (want != got) {
          printf("el_rq_small_apply(%ld; %ld, %ld) = %ld, el_mbqm = %ld\n", (long)x, (long)mults[j], (long)shift,
                 (long)got, (long)want);
          return 1;
        }
      }
    }
  }
  printf("ok %ld\n", checks);
  return 0;
}
