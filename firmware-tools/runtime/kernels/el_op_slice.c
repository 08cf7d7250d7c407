/* SLICE with constant begin and size (int8, int32 or float32 elements; int8 input and output share parameters):
 * copies the box [begin, begin + size) of the input. size -1 means "to the end" (checked against the output). */
#include <string.h>

#include "../el_internal.h"

typedef struct {
  uint32_t rank;
  size_t esize;
  int32_t begin[EL_MAX_DIMS];
  int32_t in_dims[EL_MAX_DIMS];
  int32_t out_dims[EL_MAX_DIMS];
} slice_data;

static el_status prepare(el_prepare_ctx *c, el_node *n) {
  EL_TRY(el_expect_io(n, 3, 3, 1));
  const el_tensor *in = n->in[0], *begin = n->in[1], *size = n->in[2], *out = n->out[0];
  EL_ENSURE(in->type == out->type && in->rank == out->rank && in->rank >= 1, EL_ERR_SHAPE);
  if (in->type == EL_INT8) {
    EL_TRY(el_expect_int8(in));
    EL_TRY(el_expect_int8(out));
    EL_ENSURE(in->scale == out->scale && in->zero_point == out->zero_point, EL_ERR_QUANTIZATION);
  }
  EL_ENSURE(begin->count == in->rank && size->count == in->rank, EL_ERR_OPTIONS);
  slice_data *d = el_alloc(c, sizeof *d);
  EL_ENSURE(d != NULL, EL_ERR_ARENA_TOO_SMALL);
  d->rank = in->rank;
  d->esize = in->type == EL_INT8 ? 1 : 4;
  for (uint32_t k = 0; k < in->rank; k++) {
    int32_t b, s;
    EL_TRY(el_const_i32(begin, k, &b));
    EL_TRY(el_const_i32(size, k, &s));
    EL_ENSURE(b >= 0 && b <= in->dims[k], EL_ERR_OPTIONS);
    if (s == -1) s = in->dims[k] - b;
    EL_ENSURE(s >= 0 && s <= in->dims[k] - b && s == out->dims[k], EL_ERR_SHAPE);
    d->begin[k] = b;
    d->in_dims[k] = in->dims[k];
    d->out_dims[k] = out->dims[k];
  }
  n->data = d;
  c->macs = 0;
  return EL_OK;
}

static void eval(const el_node *n) {
  const slice_data *d = n->data;
  const uint8_t *x = n->in[0]->data;
  uint8_t *y = n->out[0]->data;
  const uint32_t count = n->out[0]->count;
  if (count == 0) return;
  const int last = (int)d->rank - 1;
  const size_t run = (size_t)d->out_dims[last] * d->esize;
  int32_t idx[EL_MAX_DIMS] = {0};
  for (uint32_t done = 0; done < count; done += (uint32_t)d->out_dims[last]) {
    size_t src = 0;
    for (int k = 0; k <= last; k++) src = src * (size_t)d->in_dims[k] + (size_t)(idx[k] + d->begin[k]);
    memcpy(y, x + src * d->esize, run);
    y += run;
    for (int k = last - 1; k >= 0; k--) {
      if (++idx[k] < d->out_dims[k]) break;
      idx[k] = 0;
    }
  }
}

const el_kernel el_kernel_slice = {EL_OP_SLICE, "SLICE", 5, EL_OPT_SLICE, prepare, eval};
