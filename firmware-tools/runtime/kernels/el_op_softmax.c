/*
 * SOFTMAX, int8 in, int8 out (scale 1/256, zero point -128).
 * Follows the kernel the TFLite runtime (our oracle) runs for int8 softmax (optimized_ops::Softmax
 * with a float lookup table): table[255 - k] = expf(-in_scale * beta * k), per row the max is
 * subtracted through the table offset, probabilities are table / (sum * out_scale), rounded and offset.
 * TFLite Micro's reference kernel instead uses gemmlowp fixed-point exp; the two can differ by one
 * quantisation step. Float results depend on the C library's expf to the last ulp.
 */
#include <math.h>

#include "../el_fixedpoint.h"
#include "../el_internal.h"

enum { OPT_BETA = 0 };

typedef struct {
  float table[256];
  float out_scale;
  int32_t out_zp;
  int32_t rows, depth;
} softmax_data;

static el_status prepare(el_prepare_ctx *c, el_node *n) {
  EL_TRY(el_expect_unary_int8(n));
  const el_tensor *in = n->in[0], *out = n->out[0];
  EL_ENSURE(in->rank >= 1, EL_ERR_SHAPE);
  EL_ENSURE(out->zero_point == -128 && fabsf(out->scale - 1.0f / 256) <= 0.001f / 256, EL_ERR_QUANTIZATION);
  float beta;
  EL_TRY(el_fbt_f32(&c->options, OPT_BETA, 0.0f, &beta));
  EL_ENSURE(beta > 0.0f && !isinf(beta), EL_ERR_OPTIONS);
  softmax_data *d = el_alloc(c, sizeof *d);
  EL_ENSURE(d != NULL, EL_ERR_ARENA_TOO_SMALL);
  const float scale = -in->scale * beta;
  for (int32_t k = 0; k <= 255; k++) d->table[255 - k] = expf(scale * (float)k);
  d->out_scale = out->scale;
  d->out_zp = out->zero_point;
  d->depth = in->dims[in->rank - 1];
  d->rows = (int32_t)(in->count / (uint32_t)d->depth);
  n->data = d;
  c->macs = (uint64_t)in->count * 2u;
  return EL_OK;
}

static void eval(const el_node *n) {
  const softmax_data *d = n->data;
  const int8_t *x = n->in[0]->data;
  int8_t *y = n->out[0]->data;
  for (int32_t r = 0; r < d->rows; r++, x += d->depth, y += d->depth) {
    int32_t max = -128;
    for (int32_t j = 0; j < d->depth; j++) max = x[j] > max ? x[j] : max;
    const float *t = &d->table[255 - max];
    float sum = 0.0f;
    for (int32_t j = 0; j < d->depth; j++) sum += t[x[j]];
    const float inv = 1.0f / (sum * d->out_scale);
    for (int32_t j = 0; j < d->depth; j++) {
      int32_t q = el_f2i_sat(roundf(t[x[j]] * inv)) + d->out_zp;
      y[j] = (int8_t)(q < -128 ? -128 : (q > 127 ? 127 : q));
    }
  }
}

const el_kernel el_kernel_softmax = {EL_OP_SOFTMAX, "SOFTMAX", 3, EL_OPT_SOFTMAX, prepare, eval};
