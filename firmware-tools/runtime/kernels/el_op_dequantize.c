/* DEQUANTIZE: int8 -> float32, (float)(double(scale) * (x - zero_point)). */
#include "../el_internal.h"

typedef struct {
  double scale;
  int32_t zp;
} dequantize_data;

static el_status prepare(el_prepare_ctx *c, el_node *n) {
  EL_TRY(el_expect_io(n, 1, 1, 1));
  const el_tensor *in = n->in[0], *out = n->out[0];
  EL_TRY(el_expect_int8(in));
  EL_TRY(el_expect_type(out, EL_FLOAT32));
  EL_ENSURE(el_same_shape(in, out), EL_ERR_SHAPE);
  dequantize_data *d = el_alloc(c, sizeof *d);
  EL_ENSURE(d != NULL, EL_ERR_ARENA_TOO_SMALL);
  d->scale = (double)in->scale;
  d->zp = in->zero_point;
  n->data = d;
  c->macs = in->count;
  return EL_OK;
}

static void eval(const el_node *n) {
  const dequantize_data *d = n->data;
  const int8_t *x = n->in[0]->data;
  float *y = n->out[0]->data;
  const uint32_t count = n->in[0]->count;
  for (uint32_t i = 0; i < count; i++) y[i] = (float)(d->scale * (double)((int32_t)x[i] - d->zp));
}

const el_kernel el_kernel_dequantize = {EL_OP_DEQUANTIZE, "DEQUANTIZE", 5, EL_OPT_DEQUANTIZE, prepare, eval};
