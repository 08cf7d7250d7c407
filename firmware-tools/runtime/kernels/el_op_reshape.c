/* RESHAPE and SQUEEZE: the element order does not change; the bytes are copied. RESHAPE checks the
 * element count (its shape input/option only restate the output shape); SQUEEZE checks its axes. */
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

/* SQUEEZE: the output shape is the input's without the squeezed size-1 axes (all of them when
 * squeeze_dims is empty). */
static el_status prepare_squeeze(el_prepare_ctx *c, el_node *n) {
  EL_TRY(prepare(c, n));
  const el_tensor *in = n->in[0], *out = n->out[0];
  el_fbv dims;
  EL_TRY(el_fbt_vector(&c->options, 0, 4, &dims));
  uint32_t squeeze = 0; /* bit mask of axes to drop */
  for (uint32_t i = 0; i < dims.n; i++) {
    int32_t a = el_rd_i32(el_fbv_at(c->fb, &dims, 4, i));
    if (a < 0) a += in->rank;
    EL_ENSURE(a >= 0 && a < (int32_t)in->rank && in->dims[a] == 1, EL_ERR_OPTIONS);
    squeeze |= 1u << a;
  }
  uint32_t k = 0;
  for (uint32_t a = 0; a < in->rank; a++) {
    const int drop = dims.n ? (squeeze >> a) & 1u : in->dims[a] == 1;
    if (drop) continue;
    EL_ENSURE(k < out->rank && out->dims[k] == in->dims[a], EL_ERR_SHAPE);
    k++;
  }
  EL_ENSURE(k == out->rank, EL_ERR_SHAPE);
  return EL_OK;
}

static void eval(const el_node *n) {
  if (n->out[0]->data != n->in[0]->data) memcpy(n->out[0]->data, n->in[0]->data, n->out[0]->bytes);
}

const el_kernel el_kernel_reshape = {EL_OP_RESHAPE, "RESHAPE", 2, EL_OPT_RESHAPE, prepare, eval};
const el_kernel el_kernel_squeeze = {EL_OP_SQUEEZE, "SQUEEZE", 1, EL_OPT_SQUEEZE, prepare_squeeze, eval};
