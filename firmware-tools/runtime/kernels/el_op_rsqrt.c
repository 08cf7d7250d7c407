/*
 * RSQRT. float32: 1 / sqrtf(x). int8: TFLite's integer arithmetic (elementwise RsqrtEvalQuantized, the same in
 * TFLite and TFLite Micro), evaluated once per input code in Prepare into a 256-entry table; Eval is a lookup.
 * For a code q with v = q - input_zero_point:
 *   v == 0: 127 (the kernel's stand-in for +infinity);
 *   otherwise m, e = GetInvSqrtQuantizedMultiplierExp(v) (a fixed-point Newton-Raphson 1/sqrt(v), below),
 *   t = MultiplyByQuantizedMultiplier(1, m, e + 20), out = MultiplyByQuantizedMultiplier(t, M, S - 20) + out_zp,
 *   clamped to int8, with M, S = QuantizeMultiplier(1 / (double)(sqrtf(in_scale) * out_scale)) (float product,
 *   as the TFLite runtime computes it).
 * TFLite stops with an error when an input is below the zero point (a negative value); this table gives such
 * codes the result of v = 1 (what the integer routine returns for any v <= 1), so Eval never fails.
 */
#include <math.h>

#include "../el_fixedpoint.h"
#include "../el_internal.h"

/* gemmlowp SaturatingRoundingMultiplyByPOT for a positive exponent: a left shift saturating to int32. */
static int32_t sat_shl(int32_t x, int exponent) {
  const int32_t threshold = (int32_t)((1u << (31 - exponent)) - 1u);
  if (x > threshold) return INT32_MAX;
  if (x < -threshold) return INT32_MIN;
  return el_shl_wrap(x, exponent);
}

static int32_t sub_wrap(int32_t a, int32_t b) { return (int32_t)((uint32_t)a - (uint32_t)b); }

/* 1/sqrt(v) as a Q0.31 multiplier and a right shift (v > 1): normalise v into [2^27, 2^29) by pairs of bits,
 * five Newton-Raphson steps x <- 1.5 x - (v/2) x^3 in Q3.28 starting from 1, times sqrt(2)/2. */
static void inv_sqrt_multiplier(int32_t v, int32_t *mult, int *right_shift) {
  if (v <= 1) {
    *mult = INT32_MAX;
    *right_shift = 0;
    return;
  }
  int shift = 11;
  while (v >= (1 << 29)) {
    v /= 4;
    ++shift;
  }
  int leading = 0;
  for (uint32_t u = (uint32_t)v; u < 0x80000000u; u <<= 1) leading++;
  const int pairs = (leading - 1) / 2 - 1;
  shift -= pairs;
  v = el_shl_wrap(v, 2 * pairs);
  const int32_t input = v >> 1;                   /* Q3.28 */
  const int32_t half_input = el_rdbpot(input, 1); /* v / 2 */
  const int32_t half_three = (1 << 28) + (1 << 27);
  int32_t x = 1 << 28; /* 1.0 in Q3.28 */
  for (int i = 0; i < 5; i++) {
    const int32_t x3 = sat_shl(el_srdhm(el_srdhm(x, x), x), 6);                       /* Q9 -> Q3 */
    const int32_t step = sub_wrap(el_srdhm(half_three, x), el_srdhm(half_input, x3)); /* Q6 */
    x = sat_shl(step, 3);                                                             /* Q6 -> Q3 */
  }
  x = el_srdhm(x, 1518500250); /* sqrt(2)/2 in Q0.31 */
  if (shift < 0) {
    x = el_shl_wrap(x, -shift);
    shift = 0;
  }
  *mult = x;
  *right_shift = shift;
}

static el_status prepare(el_prepare_ctx *c, el_node *n) {
  EL_TRY(el_expect_io(n, 1, 1, 1));
  const el_tensor *in = n->in[0], *out = n->out[0];
  EL_ENSURE(el_same_shape(in, out), EL_ERR_SHAPE);
  c->macs = in->count;
  if (in->type == EL_FLOAT32) return el_expect_type(out, EL_FLOAT32);
  EL_TRY(el_expect_int8(in));
  EL_TRY(el_expect_int8(out));
  EL_ENSURE(in->scale > 0.0f && out->scale > 0.0f, EL_ERR_QUANTIZATION);
  int32_t mult;
  int shift;
  const float denominator = sqrtf(in->scale) * out->scale;
  EL_ENSURE(el_quantize_multiplier(1.0 / (double)denominator, &mult, &shift) == 0, EL_ERR_QUANTIZATION);
  EL_ENSURE(shift >= -11, EL_ERR_QUANTIZATION); /* the second multiply's right shift (20 - shift) stays below 32 */
  int8_t *table = el_alloc(c, 256);
  EL_ENSURE(table != NULL, EL_ERR_ARENA_TOO_SMALL);
  for (int32_t q = -128; q <= 127; q++) {
    const int32_t v = q - in->zero_point;
    int32_t r = 127;
    if (v != 0) {
      int32_t m;
      int e;
      inv_sqrt_multiplier(v, &m, &e);
      const int32_t t = el_mbqm(1, m, 20 - e);
      r = el_clamp(el_mbqm(t, mult, shift - 20) + out->zero_point, -128, 127);
    }
    table[(uint8_t)(int8_t)q] = (int8_t)r;
  }
  n->data = table;
  return EL_OK;
}

static void eval(const el_node *n) {
  const uint32_t count = n->in[0]->count;
  if (n->in[0]->type == EL_FLOAT32) {
    const float *x = n->in[0]->data;
    float *y = n->out[0]->data;
    for (uint32_t i = 0; i < count; i++) y[i] = 1.0f / sqrtf(x[i]);
    return;
  }
  const int8_t *table = n->data;
  const int8_t *x = n->in[0]->data;
  int8_t *y = n->out[0]->data;
  for (uint32_t i = 0; i < count; i++) y[i] = table[(uint8_t)x[i]];
}

const el_kernel el_kernel_rsqrt = {EL_OP_RSQRT, "RSQRT", 2, EL_OPT_RSQRT, prepare, eval};
