/* PAD and PADV2, int8 (and float32/int32 for PAD), constant paddings; the pad value is the output zero
 * point (PAD) or the constant_values input (PADV2). */
#include <string.h>

#include "../el_internal.h"

typedef struct {
  int32_t before[EL_MAX_DIMS];
  int32_t in_dims[EL_MAX_DIMS];
  int32_t out_dims[EL_MAX_DIMS];
  uint32_t rank;
  size_t esize;
  uint8_t pad_bytes[4];
} pad_data;

static el_status prepare(el_prepare_ctx *c, el_node *n) {
  EL_TRY(el_expect_io(n, 2, 3, 1));
  const el_tensor *in = n->in[0], *paddings = n->in[1], *out = n->out[0];
  const el_tensor *value = n->n_in > 2 ? n->in[2] : NULL;
  EL_ENSURE(in->type == out->type && in->rank == out->rank && in->rank >= 1, EL_ERR_SHAPE);
  EL_ENSURE(paddings->is_const && paddings->type == EL_INT32 && paddings->count == 2u * in->rank, EL_ERR_OPTIONS);
  pad_data *d = el_alloc(c, sizeof *d);
  EL_ENSURE(d != NULL, EL_ERR_ARENA_TOO_SMALL);
  d->rank = in->rank;
  for (uint32_t k = 0; k < in->rank; k++) {
    int32_t before, after;
    EL_TRY(el_const_i32(paddings, 2 * k, &before));
    EL_TRY(el_const_i32(paddings, 2 * k + 1, &after));
    EL_ENSURE(before >= 0 && after >= 0, EL_ERR_OPTIONS);
    EL_ENSURE((int64_t)in->dims[k] + before + after == out->dims[k], EL_ERR_SHAPE);
    d->before[k] = before;
    d->in_dims[k] = in->dims[k];
    d->out_dims[k] = out->dims[k];
  }
  if (in->type == EL_INT8) {
    EL_TRY(el_expect_int8(in));
    EL_TRY(el_expect_int8(out));
    EL_ENSURE(in->scale == out->scale && in->zero_point == out->zero_point, EL_ERR_QUANTIZATION);
    d->esize = 1;
    int8_t v = (int8_t)out->zero_point;
    if (value != NULL) {
      EL_ENSURE(value->is_const && value->type == EL_INT8 && value->count == 1, EL_ERR_OPTIONS);
      v = *(const int8_t *)value->data;
    }
    d->pad_bytes[0] = (uint8_t)v;
  } else {
    EL_ENSURE(in->type == EL_FLOAT32 || in->type == EL_INT32, EL_ERR_TYPE);
    EL_ENSURE(value == NULL, EL_ERR_OPTIONS);
    d->esize = 4; /* zero bytes: 0.0f / 0 */
  }
  n->data = d;
  c->macs = 0;
  return EL_OK;
}

/* The reference loop (el_model_use_reference_kernels): every output element's source index. */
static void eval_reference(const el_node *n) {
  const pad_data *d = n->data;
  const uint8_t *x = n->in[0]->data;
  uint8_t *y = n->out[0]->data;
  const uint32_t count = n->out[0]->count;
  int32_t idx[EL_MAX_DIMS] = {0};
  for (uint32_t i = 0; i < count; i++) {
    int inside = 1;
    size_t src = 0;
    for (uint32_t k = 0; k < d->rank; k++) {
      const int32_t p = idx[k] - d->before[k];
      if (p < 0 || p >= d->in_dims[k]) inside = 0;
      src = src * (size_t)d->in_dims[k] + (size_t)(p < 0 ? 0 : p);
    }
    if (inside) {
      memcpy(y + (size_t)i * d->esize, x + src * d->esize, d->esize);
    } else if (d->esize == 1) {
      y[i] = d->pad_bytes[0];
    } else {
      memset(y + (size_t)i * d->esize, 0, d->esize);
    }
    for (int k = (int)d->rank - 1; k >= 0; k--) {
      if (++idx[k] < d->out_dims[k]) break;
      idx[k] = 0;
    }
  }
}

/* Optimised: the trailing dimensions without padding are folded into one contiguous run, so each output
 * row along the innermost padded dimension is a fill, one memcpy of the input row and a fill (or one fill
 * when the row lies in the padding of an outer dimension). Same bytes as eval_reference. */
static void eval_fast(const el_node *n) {
  const pad_data *d = n->data;
  const uint8_t *x = n->in[0]->data;
  uint8_t *y = n->out[0]->data;
  const uint8_t v = d->esize == 1 ? d->pad_bytes[0] : 0; /* float32/int32 pad with zero bytes */
  int32_t k = (int32_t)d->rank - 1;
  size_t inner = d->esize;
  while (k > 0 && d->before[k] == 0 && d->in_dims[k] == d->out_dims[k]) inner *= (size_t)d->in_dims[k--];
  const size_t before = (size_t)d->before[k] * inner, in_row = (size_t)d->in_dims[k] * inner;
  const size_t out_row = (size_t)d->out_dims[k] * inner, after = out_row - before - in_row;
  size_t rows = 1;
  for (int32_t j = 0; j < k; j++) rows *= (size_t)d->out_dims[j];
  int32_t idx[EL_MAX_DIMS] = {0};
  for (size_t r = 0; r < rows; r++, y += out_row) {
    int inside = 1;
    size_t src = 0;
    for (int32_t j = 0; j < k; j++) {
      const int32_t p = idx[j] - d->before[j];
      if (p < 0 || p >= d->in_dims[j]) inside = 0;
      src = src * (size_t)d->in_dims[j] + (size_t)(p < 0 ? 0 : p);
    }
    if (inside) {
      memset(y, v, before);
      memcpy(y + before, x + src * in_row, in_row);
      memset(y + before + in_row, v, after);
    } else {
      memset(y, v, out_row);
    }
    for (int32_t j = k - 1; j >= 0; j--) {
      if (++idx[j] < d->out_dims[j]) break;
      idx[j] = 0;
    }
  }
}

static void eval(const el_node *n) {
  if (n->reference) {
    eval_reference(n);
  } else {
    eval_fast(n);
  }
}

const el_kernel el_kernel_pad = {EL_OP_PAD, "PAD", 4, EL_OPT_PAD, prepare, eval};
const el_kernel el_kernel_padv2 = {EL_OP_PADV2, "PADV2", 4, EL_OPT_PADV2, prepare, eval};
