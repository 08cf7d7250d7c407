/* MEAN over the spatial axes (1, 2) of an NHWC int8 tensor, keep_dims either way.
 * Arithmetic of TFLite's reference_integer_ops::Mean: sum of (x - zp_in), MultiplyByQuantizedMultiplier
 * by in_scale / out_scale, divide by the tap count rounding half away from zero, add zp_out.
 * Any other set of axes: el_mean_axes.c. */
#include "../el_fixedpoint.h"
#include "../el_internal.h"
#include "el_mean_axes.h"
#include "el_simd.h"

enum { OPT_KEEP_DIMS = 0 };

typedef struct {
  int32_t mult, in_zp, out_zp;
  int shift;
} mean_data;

static el_status prepare(el_prepare_ctx *c, el_node *n) {
  EL_TRY(el_expect_io(n, 2, 2, 1));
  const el_tensor *in = n->in[0], *axis = n->in[1], *out = n->out[0];
  EL_TRY(el_expect_int8(in));
  EL_TRY(el_expect_int8(out));
  EL_ENSURE(axis->is_const && axis->type == EL_INT32, EL_ERR_OPTIONS);
  uint8_t keep;
  EL_TRY(el_fbt_u8(&c->options, OPT_KEEP_DIMS, 0, &keep));
  int32_t a0 = 0, a1 = 0;
  if (in->rank == 4 && axis->count == 2) {
    EL_TRY(el_const_i32(axis, 0, &a0));
    EL_TRY(el_const_i32(axis, 1, &a1));
    if (a0 < 0) a0 += 4;
    if (a1 < 0) a1 += 4;
  }
  if (!((a0 == 1 && a1 == 2) || (a0 == 2 && a1 == 1))) return el_mean_axes_prepare(c, n, keep);
  EL_ENSURE((int64_t)in->dims[1] * in->dims[2] <= (1 << 23), EL_ERR_LIMIT); /* int32 sum of 8-bit values */
  if (keep) {
    EL_ENSURE(out->rank == 4 && out->dims[0] == in->dims[0] && out->dims[1] == 1 && out->dims[2] == 1 &&
                  out->dims[3] == in->dims[3],
              EL_ERR_SHAPE);
  } else {
    EL_ENSURE(out->rank == 2 && out->dims[0] == in->dims[0] && out->dims[1] == in->dims[3], EL_ERR_SHAPE);
  }
  mean_data *d = el_alloc(c, sizeof *d);
  EL_ENSURE(d != NULL, EL_ERR_ARENA_TOO_SMALL);
  EL_ENSURE(el_quantize_multiplier((double)in->scale / (double)out->scale, &d->mult, &d->shift) == 0,
            EL_ERR_QUANTIZATION);
  d->in_zp = in->zero_point;
  d->out_zp = out->zero_point;
  n->data = d;
  c->macs = in->count;
  return EL_OK;
}

static void eval_spatial(const el_node *n) {
  const mean_data *d = n->data;
  const el_tensor *in = n->in[0];
  const int8_t *x = in->data;
  int8_t *y = n->out[0]->data;
  const int32_t batches = in->dims[0], h = in->dims[1], w = in->dims[2], ch = in->dims[3];
  const int32_t taps = h * w;
  for (int32_t b = 0; b < batches; b++) {
    for (int32_t c = 0; c < ch; c++) {
      int32_t acc = 0;
      for (int32_t i = 0; i < taps; i++) acc += x[((size_t)b * taps + i) * ch + c] - d->in_zp;
      acc = el_mbqm(acc, d->mult, d->shift);
      acc = acc > 0 ? (acc + taps / 2) / taps : (acc - taps / 2) / taps;
      y[(size_t)b * ch + c] = (int8_t)el_clamp(acc + d->out_zp, -128, 127);
    }
  }
}

/* Optimised spatial MEAN: four channels per 32-bit word, the taps summed into 16-bit lane pairs (SXTAB16, SXTAB16
 * ROR #8: channels 0,2 and 1,3) moved into 32-bit sums every 256 taps (256 * -128 and 256 * 127 fit 16 bits);
 * the sum of (x - zp) is then sum(x) - taps * zp, the same integer as the reference's (|sum| < 2^31: at most
 * 2^23 taps), followed by the reference's rescaling, division and clamp. */
static inline int8_t mean_out(const mean_data *d, int32_t sum, int32_t taps) {
  int32_t acc = el_mbqm(sum - taps * d->in_zp, d->mult, d->shift);
  acc = acc > 0 ? (acc + taps / 2) / taps : (acc - taps / 2) / taps;
  return (int8_t)el_clamp(acc + d->out_zp, -128, 127);
}

static void eval_spatial_fast(const el_node *n) {
  const mean_data *d = n->data;
  const el_tensor *in = n->in[0];
  const int8_t *x = in->data;
  int8_t *y = n->out[0]->data;
  const int32_t batches = in->dims[0], ch = in->dims[3], taps = in->dims[1] * in->dims[2];
  for (int32_t b = 0; b < batches; b++, x += (size_t)taps * ch, y += ch) {
    int32_t c = 0;
    for (; c + 4 <= ch; c += 4) {
      int32_t s[4] = {0, 0, 0, 0};
      const int8_t *p = x + c;
      for (int32_t i = 0; i < taps;) {
        uint32_t e = 0, o = 0;
        const int32_t end = EL_MIN(taps, i + 256);
        for (; i < end; i++, p += ch) {
          const uint32_t v = el_ld32(p);
          e = el_sxtab16(e, v);
          o = el_sxtab16_hi(o, v);
        }
        el_add_lanes16(s, e, o);
      }
      y[c] = mean_out(d, s[0], taps);
      y[c + 1] = mean_out(d, s[1], taps);
      y[c + 2] = mean_out(d, s[2], taps);
      y[c + 3] = mean_out(d, s[3], taps);
    }
    for (; c < ch; c++) {
      int32_t s = 0;
      const int8_t *p = x + c;
      for (int32_t i = 0; i < taps; i++, p += ch) s += *p;
      y[c] = mean_out(d, s, taps);
    }
  }
}

/* Prepare chose the path from the constant axes; Eval reads them again to dispatch. */
static void eval(const el_node *n) {
  const el_tensor *axis = n->in[1];
  if (n->in[0]->rank == 4 && axis->count == 2) {
    int32_t a0 = 0, a1 = 0;
    (void)el_const_i32(axis, 0, &a0);
    (void)el_const_i32(axis, 1, &a1);
    if (a0 < 0) a0 += 4;
    if (a1 < 0) a1 += 4;
    if ((a0 == 1 && a1 == 2) || (a0 == 2 && a1 == 1)) {
      if (n->reference) {
        eval_spatial(n);
      } else {
        eval_spatial_fast(n);
      }
      return;
    }
  }
  el_mean_axes_eval(n);
}

const el_kernel el_kernel_mean = {EL_OP_MEAN, "MEAN", 3, EL_OPT_MEAN, prepare, eval};
