/* TRANSPOSE with a constant permutation (int8, int32 or float32 elements). */
#include <string.h>

#include "../el_internal.h"

typedef struct {
  uint32_t rank;
  size_t esize;
  int32_t out_dims[EL_MAX_DIMS];
  uint32_t in_stride[EL_MAX_DIMS]; /* input stride (elements) of each output axis */
} transpose_data;

static el_status prepare(el_prepare_ctx *c, el_node *n) {
  EL_TRY(el_expect_io(n, 2, 2, 1));
  const el_tensor *in = n->in[0], *perm = n->in[1], *out = n->out[0];
  EL_ENSURE(in->type == out->type && in->rank == out->rank && in->rank >= 1, EL_ERR_SHAPE);
  if (in->type == EL_INT8) {
    EL_TRY(el_expect_int8(in));
    EL_TRY(el_expect_int8(out));
    EL_ENSURE(in->scale == out->scale && in->zero_point == out->zero_point, EL_ERR_QUANTIZATION);
  }
  EL_ENSURE(perm->is_const && perm->type == EL_INT32 && perm->count == in->rank, EL_ERR_OPTIONS);
  transpose_data *d = el_alloc(c, sizeof *d);
  EL_ENSURE(d != NULL, EL_ERR_ARENA_TOO_SMALL);
  d->rank = in->rank;
  d->esize = in->type == EL_INT8 ? 1 : 4;
  uint32_t stride[EL_MAX_DIMS];
  uint32_t s = 1;
  for (int k = (int)in->rank - 1; k >= 0; k--) {
    stride[k] = s;
    s *= (uint32_t)in->dims[k];
  }
  uint32_t seen = 0;
  for (uint32_t k = 0; k < in->rank; k++) {
    int32_t p;
    EL_TRY(el_const_i32(perm, k, &p));
    if (p < 0) p += (int32_t)in->rank;
    EL_ENSURE(p >= 0 && p < (int32_t)in->rank && !(seen & (1u << p)), EL_ERR_OPTIONS);
    seen |= 1u << p;
    EL_ENSURE(out->dims[k] == in->dims[p], EL_ERR_SHAPE);
    d->out_dims[k] = out->dims[k];
    d->in_stride[k] = stride[p];
  }
  n->data = d;
  c->macs = 0;
  return EL_OK;
}

static void eval(const el_node *n) {
  const transpose_data *d = n->data;
  const uint8_t *x = n->in[0]->data;
  uint8_t *y = n->out[0]->data;
  const uint32_t count = n->out[0]->count;
  int32_t idx[EL_MAX_DIMS] = {0};
  size_t src = 0;
  for (uint32_t i = 0; i < count; i++) {
    memcpy(y + (size_t)i * d->esize, x + src * d->esize, d->esize);
    for (int k = (int)d->rank - 1; k >= 0; k--) {
      src += d->in_stride[k];
      if (++idx[k] < d->out_dims[k]) break;
      src -= (size_t)d->in_stride[k] * (size_t)d->out_dims[k];
      idx[k] = 0;
    }
  }
}

const el_kernel el_kernel_transpose = {EL_OP_TRANSPOSE, "TRANSPOSE", 6, EL_OPT_TRANSPOSE, prepare, eval};
