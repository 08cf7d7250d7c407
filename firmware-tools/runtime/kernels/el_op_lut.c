/*
 * LOGISTIC and TANH, int8: a 256-entry table built in Prepare exactly as the TFLite runtime builds it
 * for int8 (LUTPopulate): dequantise (float), apply the float function, multiply by 1/out_scale,
 * round, add the output zero point, clamp. Eval is a table lookup.
 */
#include <math.h>

#include "../el_fixedpoint.h"
#include "../el_internal.h"

typedef float (*lut_fn)(float);

static float logistic(float v) { return 1.0f / (1.0f + expf(-v)); }
static float hyperbolic_tangent(float v) { return tanhf(v); }

static el_status prepare_lut(el_prepare_ctx *c, el_node *n, lut_fn fn) {
  EL_TRY(el_expect_unary_int8(n));
  const el_tensor *in = n->in[0], *out = n->out[0];
  int8_t *table = el_alloc(c, 256);
  EL_ENSURE(table != NULL, EL_ERR_ARENA_TOO_SMALL);
  const float inverse_scale = 1.0f / out->scale;
  for (int32_t v = -128; v <= 127; v++) {
    const float dequantized = in->scale * (float)(v - in->zero_point);
    const float rescaled = roundf(fn(dequantized) * inverse_scale);
    int32_t q = el_f2i_sat(rescaled + (float)out->zero_point);
    table[(uint8_t)(int8_t)v] = (int8_t)(q < -128 ? -128 : (q > 127 ? 127 : q));
  }
  n->data = table;
  c->macs = in->count;
  return EL_OK;
}

static el_status prepare_logistic(el_prepare_ctx *c, el_node *n) { return prepare_lut(c, n, logistic); }
static el_status prepare_tanh(el_prepare_ctx *c, el_node *n) { return prepare_lut(c, n, hyperbolic_tangent); }

static void eval(const el_node *n) {
  const int8_t *table = n->data;
  const int8_t *x = n->in[0]->data;
  int8_t *y = n->out[0]->data;
  const uint32_t count = n->in[0]->count;
  for (uint32_t i = 0; i < count; i++) y[i] = table[(uint8_t)x[i]];
}

const el_kernel el_kernel_logistic = {EL_OP_LOGISTIC, "LOGISTIC", 3, EL_OPT_LOGISTIC, prepare_logistic, eval};
const el_kernel el_kernel_tanh = {EL_OP_TANH, "TANH", 3, EL_OPT_TANH, prepare_tanh, eval};
