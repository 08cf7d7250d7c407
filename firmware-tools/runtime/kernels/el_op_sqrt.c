/* SQRT, float32 (the only type TFLite and TFLite Micro implement): sqrtf, IEEE-exact, so bit-identical to them. */
#include <math.h>

#include "../el_internal.h"

static el_status prepare(el_prepare_ctx *c, el_node *n) {
  EL_TRY(el_expect_io(n, 1, 1, 1));
  EL_TRY(el_expect_type(n->in[0], EL_FLOAT32));
  EL_TRY(el_expect_type(n->out[0], EL_FLOAT32));
  EL_ENSURE(el_same_shape(n->in[0], n->out[0]), EL_ERR_SHAPE);
  c->macs = n->in[0]->count;
  return EL_OK;
}

static void eval(const el_node *n) {
  const float *x = n->in[0]->data;
  float *y = n->out[0]->data;
  const uint32_t count = n->in[0]->count;
  for (uint32_t i = 0; i < count; i++) y[i] = sqrtf(x[i]);
}

const el_kernel el_kernel_sqrt = {EL_OP_SQRT, "SQRT", 1, EL_OPT_SQRT, prepare, eval};
