/* LEAKY_RELU, int8: two requantisations (identity for x >= zp, alpha for x < zp), as TFLite's
 * QuantizeLeakyRelu. */
#include <math.h>

#include "../el_fixedpoint.h"
#include "../el_internal.h"

enum { OPT_ALPHA = 0 };

typedef struct {
  int32_t in_zp, out_zp, mult_identity, mult_alpha;
  int shift_identity, shift_alpha;
} leaky_data;

static el_status prepare(el_prepare_ctx *c, el_node *n) {
  EL_TRY(el_expect_unary_int8(n));
  const el_tensor *in = n->in[0], *out = n->out[0];
  float alpha;
  EL_TRY(el_fbt_f32(&c->options, OPT_ALPHA, 0.0f, &alpha));
  EL_ENSURE(isfinite(alpha) && alpha >= 0.0f, EL_ERR_OPTIONS);
  leaky_data *d = el_alloc(c, sizeof *d);
  EL_ENSURE(d != NULL, EL_ERR_ARENA_TOO_SMALL);
  const float alpha_ratio = in->scale * alpha / out->scale;
  const float identity_ratio = in->scale / out->scale;
  EL_ENSURE(el_quantize_multiplier((double)alpha_ratio, &d->mult_alpha, &d->shift_alpha) == 0, EL_ERR_QUANTIZATION);
  EL_ENSURE(el_quantize_multiplier((double)identity_ratio, &d->mult_identity, &d->shift_identity) == 0,
            EL_ERR_QUANTIZATION);
  d->in_zp = in->zero_point;
  d->out_zp = out->zero_point;
  n->data = d;
  c->macs = in->count;
  return EL_OK;
}

static void eval(const el_node *n) {
  const leaky_data *d = n->data;
  const int8_t *x = n->in[0]->data;
  int8_t *y = n->out[0]->data;
  const uint32_t count = n->in[0]->count;
  for (uint32_t i = 0; i < count; i++) {
    const int32_t v = (int32_t)x[i] - d->in_zp;
    const int32_t r =
        v >= 0 ? el_mbqm(v, d->mult_identity, d->shift_identity) : el_mbqm(v, d->mult_alpha, d->shift_alpha);
    y[i] = (int8_t)el_clamp(d->out_zp + r, -128, 127);
  }
}

const el_kernel el_kernel_leaky_relu = {EL_OP_LEAKY_RELU, "LEAKY_RELU", 2, EL_OPT_LEAKY_RELU, prepare, eval};
