/* QUANTIZE: float32 -> int8 (round(x / scale) in double, as TFLite's AffineQuantize) and
 * int8 -> int8 requantisation (MultiplyByQuantizedMultiplier by in_scale / out_scale). */
#include <math.h>

#include "../el_fixedpoint.h"
#include "../el_internal.h"

typedef struct {
  double scale;
  int32_t in_zp, out_zp, mult;
  int shift;
  uint8_t from_float;
} quantize_data;

static el_status prepare(el_prepare_ctx *c, el_node *n) {
  EL_TRY(el_expect_io(n, 1, 1, 1));
  const el_tensor *in = n->in[0], *out = n->out[0];
  EL_TRY(el_expect_int8(out));
  EL_ENSURE(el_same_shape(in, out), EL_ERR_SHAPE);
  quantize_data *d = el_alloc(c, sizeof *d);
  EL_ENSURE(d != NULL, EL_ERR_ARENA_TOO_SMALL);
  d->out_zp = out->zero_point;
  if (in->type == EL_FLOAT32) {
    d->from_float = 1;
    d->scale = (double)out->scale;
  } else {
    EL_TRY(el_expect_int8(in));
    d->in_zp = in->zero_point;
    EL_ENSURE(el_quantize_multiplier((double)in->scale / (double)out->scale, &d->mult, &d->shift) == 0,
              EL_ERR_QUANTIZATION);
  }
  n->data = d;
  c->macs = in->count;
  return EL_OK;
}

static void eval(const el_node *n) {
  const quantize_data *d = n->data;
  int8_t *y = n->out[0]->data;
  const uint32_t count = n->out[0]->count;
  if (d->from_float) {
    const float *x = n->in[0]->data;
    for (uint32_t i = 0; i < count; i++) {
      double r = round((double)x[i] / d->scale);
      if (!(r == r)) r = 0.0; /* NaN */
      r = r < -1000.0 ? -1000.0 : (r > 1000.0 ? 1000.0 : r);
      y[i] = (int8_t)el_clamp((int32_t)r + d->out_zp, -128, 127);
    }
  } else {
    const int8_t *x = n->in[0]->data;
    for (uint32_t i = 0; i < count; i++) {
      y[i] = (int8_t)el_clamp(el_mbqm((int32_t)x[i] - d->in_zp, d->mult, d->shift) + d->out_zp, -128, 127);
    }
  }
}

const el_kernel el_kernel_quantize = {EL_OP_QUANTIZE, "QUANTIZE", 2, EL_OPT_QUANTIZE, prepare, eval};
