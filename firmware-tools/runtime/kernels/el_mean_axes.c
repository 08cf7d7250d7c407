#include "el_mean_axes.h"

#include <math.h>

typedef struct {
  uint32_t rank;
  int32_t dims[EL_MAX_DIMS];
  uint32_t out_stride[EL_MAX_DIMS]; /* output stride of each input axis, 0 on reduced axes */
  int32_t count;                    /* inputs per output */
  uint8_t same_params;
  float scale, bias;
  int32_t out_zp;
} mean_axes_data;

el_status el_mean_axes_prepare(el_prepare_ctx *c, el_node *n, uint8_t keep) {
  const el_tensor *in = n->in[0], *axis = n->in[1], *out = n->out[0];
  EL_ENSURE(in->rank >= 1, EL_ERR_SHAPE);
  EL_ENSURE(axis->is_const && axis->type == EL_INT32 && axis->count >= 1 && axis->count <= 16, EL_ERR_OPTIONS);
  uint32_t reduced = 0;
  for (uint32_t i = 0; i < axis->count; i++) {
    int32_t a;
    EL_TRY(el_const_i32(axis, i, &a));
    if (a < 0) a += (int32_t)in->rank;
    EL_ENSURE(a >= 0 && a < (int32_t)in->rank, EL_ERR_OPTIONS);
    reduced |= 1u << a;
  }
  /* the output: reduced axes are 1 (keep_dims) or gone */
  uint32_t k = 0;
  int64_t count = 1;
  for (uint32_t i = 0; i < in->rank; i++) {
    if (reduced & (1u << i)) {
      count *= in->dims[i];
      if (keep) EL_ENSURE(k < out->rank && out->dims[k++] == 1, EL_ERR_SHAPE);
    } else {
      EL_ENSURE(k < out->rank && out->dims[k++] == in->dims[i], EL_ERR_SHAPE);
    }
  }
  EL_ENSURE(k == out->rank, EL_ERR_SHAPE);
  EL_ENSURE(count <= (1 << 23), EL_ERR_LIMIT); /* int32 sum of 8-bit codes */
  mean_axes_data *d = el_alloc(c, sizeof *d);
  EL_ENSURE(d != NULL, EL_ERR_ARENA_TOO_SMALL);
  d->rank = in->rank;
  uint32_t stride = 1;
  for (int i = (int)in->rank - 1; i >= 0; i--) {
    d->dims[i] = in->dims[i];
    d->out_stride[i] = (reduced & (1u << i)) ? 0 : stride;
    if (!(reduced & (1u << i))) stride *= (uint32_t)in->dims[i];
  }
  d->count = (int32_t)count;
  d->same_params = in->scale == out->scale && in->zero_point == out->zero_point;
  d->scale = in->scale / out->scale;
  d->bias = (float)(-in->zero_point) * d->scale;
  d->out_zp = out->zero_point;
  n->data = d;
  el_request_scratch(n, sizeof(int32_t) * (size_t)out->count);
  c->macs = in->count;
  return EL_OK;
}

void el_mean_axes_eval(const el_node *n) {
  const mean_axes_data *d = n->data;
  const int8_t *x = n->in[0]->data;
  int8_t *y = n->out[0]->data;
  int32_t *sum = n->scratch;
  const uint32_t outputs = n->out[0]->count, inputs = n->in[0]->count;
  for (uint32_t i = 0; i < outputs; i++) sum[i] = 0;
  int32_t idx[EL_MAX_DIMS] = {0};
  size_t at = 0;
  for (uint32_t i = 0; i < inputs; i++) {
    sum[at] += x[i];
    for (int k = (int)d->rank - 1; k >= 0; k--) {
      at += d->out_stride[k];
      if (++idx[k] < d->dims[k]) break;
      at -= (size_t)d->out_stride[k] * (size_t)d->dims[k];
      idx[k] = 0;
    }
  }
  for (uint32_t i = 0; i < outputs; i++) {
    if (d->same_params) {
      y[i] = (int8_t)(sum[i] / d->count);
      continue;
    }
    /* volatile: the product must be rounded to float before the addition, as in the reference (no fused
     * multiply-add on FPUs that have one) */
    volatile float scaled = ((float)sum[i] / (float)d->count) * d->scale;
    float r = roundf(scaled + d->bias) + (float)d->out_zp;
    r = r > 127.0f ? 127.0f : r;
    r = r < -128.0f ? -128.0f : r;
    y[i] = (int8_t)r;
  }
}
