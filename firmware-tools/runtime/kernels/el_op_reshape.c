/* RESHAPE and SQUEEZE: the element order does not change; the bytes are copied. */
#include <string.h>

#include "../el_internal.h"

static el_status prepare(el_prepare_ctx *c, el_node *n) {
  EL_TRY(el_expect_io(n, 1, 2, 1));
  const el_tensor *in = n->in[0], *out = n->out[0];
  EL_ENSURE(in->type == out->type, EL_ERR_TYPE);
  EL_ENSURE(in->count == out->count, EL_ERR_SHAPE);
  if (in->type == EL_INT8) {
    EL_ENSURE(in->has_quant && out->has_quant && in->scale == out->scale && in->zero_point == out->zero_point,
              EL_ERR_QUANTIZATION);
  }
  c->macs = 0;
  return EL_OK;
}

static void eval(const el_node *n) {
  if (n->out[0]->data != n->in[0]->data) memcpy(n->out[0]->data, n->in[0]->data, n->out[0]->bytes);
}

const el_kernel el_kernel_reshape = {EL_OP_RESHAPE, "RESHAPE", 2, EL_OPT_RESHAPE, prepare, eval};
const el_kernel el_kernel_squeeze = {EL_OP_SQUEEZE, "SQUEEZE", 1, EL_OPT_SQUEEZE, prepare, eval};
