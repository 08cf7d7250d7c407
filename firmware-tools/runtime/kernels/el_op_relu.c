/* RELU and RELU6, int8: requantise input to output scale, then clamp to the activation range
 * (TFLite's QuantizedReluX). */
#include <math.h>

#include "../el_fixedpoint.h"
#include "../el_internal.h"

typedef struct {
  int32_t in_zp, out_zp, mult, act_min, act_max;
  int shift;
} relu_data;

static el_status prepare_relu_x(el_prepare_ctx *c, el_node *n, float act_max) {
  EL_TRY(el_expect_unary_int8(n));
  const el_tensor *in = n->in[0], *out = n->out[0];
  relu_data *d = el_alloc(c, sizeof *d);
  EL_ENSURE(d != NULL, EL_ERR_ARENA_TOO_SMALL);
  const float ratio = in->scale / out->scale;
  EL_ENSURE(el_quantize_multiplier((double)ratio, &d->mult, &d->shift) == 0, EL_ERR_QUANTIZATION);
  d->in_zp = in->zero_point;
  d->out_zp = out->zero_point;
  d->act_min = EL_MAX(-128, out->zero_point + el_f2i_sat(roundf(0.0f / out->scale)));
  d->act_max = isinf(act_max) ? 127 : EL_MIN(127, out->zero_point + el_f2i_sat(roundf(act_max / out->scale)));
  n->data = d;
  c->macs = in->count;
  return EL_OK;
}

static el_status prepare_relu(el_prepare_ctx *c, el_node *n) { return prepare_relu_x(c, n, INFINITY); }
static el_status prepare_relu6(el_prepare_ctx *c, el_node *n) { return prepare_relu_x(c, n, 6.0f); }

static void eval(const el_node *n) {
  const relu_data *d = n->data;
  const int8_t *x = n->in[0]->data;
  int8_t *y = n->out[0]->data;
  const uint32_t count = n->in[0]->count;
  for (uint32_t i = 0; i < count; i++) {
    const int32_t v = d->out_zp + el_mbqm((int32_t)x[i] - d->in_zp, d->mult, d->shift);
    y[i] = (int8_t)el_clamp(v, d->act_min, d->act_max);
  }
}

const el_kernel el_kernel_relu = {EL_OP_RELU, "RELU", 3, EL_OPT_RELU, prepare_relu, eval};
const el_kernel el_kernel_relu6 = {EL_OP_RELU6, "RELU6", 3, EL_OPT_RELU6, prepare_relu6, eval};
