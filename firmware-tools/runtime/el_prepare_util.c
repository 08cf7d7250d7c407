/* Checks and computations shared by the kernels' Prepare functions. */
#include <math.h>
#include <string.h>

#include "el_fixedpoint.h"
#include "el_internal.h"

void *el_alloc(el_prepare_ctx *c, size_t bytes) {
  size_t rounded = (bytes + 15u) & ~(size_t)15u;
  c->needed += rounded;
  if (rounded < bytes || (size_t)(c->end - c->head) < rounded) return NULL;
  void *p = c->head;
  memset(p, 0, rounded);
  c->head += rounded;
  return p;
}

void el_request_scratch(el_node *n, size_t bytes) {
  if (bytes > n->scratch_bytes) n->scratch_bytes = bytes;
}

el_status el_expect_io(const el_node *n, uint32_t min_in, uint32_t max_in, uint32_t n_out) {
  if (n->n_in < min_in || n->n_in > max_in || n->n_out != n_out) return EL_ERR_SHAPE;
  for (uint32_t i = 0; i < min_in; i++) {
    if (n->in[i] == NULL) return EL_ERR_SHAPE;
  }
  return EL_OK;
}

el_status el_expect_type(const el_tensor *t, el_type type) {
  return t != NULL && t->type == (uint8_t)type ? EL_OK : EL_ERR_TYPE;
}

el_status el_expect_int8(const el_tensor *t) {
  EL_TRY(el_expect_type(t, EL_INT8));
  if (!t->has_quant || t->nscales != 1) return EL_ERR_QUANTIZATION;
  return EL_OK;
}

int el_same_shape(const el_tensor *a, const el_tensor *b) {
  if (a->rank != b->rank) return 0;
  for (uint32_t i = 0; i < a->rank; i++) {
    if (a->dims[i] != b->dims[i]) return 0;
  }
  return 1;
}

el_status el_expect_unary_int8(const el_node *n) {
  EL_TRY(el_expect_io(n, 1, 1, 1));
  EL_TRY(el_expect_int8(n->in[0]));
  EL_TRY(el_expect_int8(n->out[0]));
  return el_same_shape(n->in[0], n->out[0]) ? EL_OK : EL_ERR_SHAPE;
}

el_status el_expect_binary_int8(const el_node *n) {
  EL_TRY(el_expect_io(n, 2, 2, 1));
  EL_TRY(el_expect_int8(n->in[0]));
  EL_TRY(el_expect_int8(n->in[1]));
  return el_expect_int8(n->out[0]);
}

int32_t el_dim(const el_tensor *t, int i) {
  if (i < 0) i += t->rank;
  return (i >= 0 && i < (int)t->rank) ? t->dims[i] : 1;
}

/* TFLite's CalculateActivationRangeQuantized for int8. */
el_status el_activation_range(uint8_t fused, const el_tensor *out, int32_t *mn, int32_t *mx) {
  const float s = out->scale;
  const int32_t zp = out->zero_point;
  *mn = -128;
  *mx = 127;
  switch (fused) {
    case 0: /* NONE */
      return EL_OK;
    case 1: /* RELU */
      *mn = EL_MAX(-128, zp);
      return EL_OK;
    case 2: /* RELU_N1_TO_1 */
      *mn = EL_MAX(-128, zp + el_f2i_sat(roundf(-1.0f / s)));
      *mx = EL_MIN(127, zp + el_f2i_sat(roundf(1.0f / s)));
      return EL_OK;
    case 3: /* RELU6 */
      *mn = EL_MAX(-128, zp);
      *mx = EL_MIN(127, zp + el_f2i_sat(roundf(6.0f / s)));
      return EL_OK;
    default:
      return EL_ERR_OPTIONS;
  }
}

/* Checks `out` against TFLite's output-size rule and returns the leading padding. */
el_status el_padding(uint8_t padding, int32_t in, int32_t filter, int32_t stride, int32_t dilation, int32_t out,
                     int32_t *pad) {
  if (stride < 1 || dilation < 1 || filter < 1 || stride > 65535 || dilation > 65535 || filter > 65535)
    return EL_ERR_OPTIONS;
  const int64_t eff = (int64_t)(filter - 1) * dilation + 1;
  if (eff > (1 << 24)) return EL_ERR_LIMIT;
  int64_t expected;
  if (padding == 0) {
    expected = ((int64_t)in + stride - 1) / stride;
  } else if (padding == 1) {
    expected = ((int64_t)in - eff + stride) / stride;
  } else {
    return EL_ERR_OPTIONS;
  }
  if (expected < 1 || expected != out) return EL_ERR_SHAPE;
  int64_t total = ((int64_t)out - 1) * stride + eff - in;
  if (total < 0) total = 0;
  *pad = padding == 0 ? (int32_t)(total / 2) : 0;
  return EL_OK;
}

float el_channel_scale(const el_tensor *t, uint32_t c) {
  return t->nscales > 1 ? el_rd_f32(t->scales + 4u * c) : t->scale;
}

el_status el_const_i32(const el_tensor *t, uint32_t i, int32_t *v) {
  if (t == NULL || !t->is_const || t->type != EL_INT32 || i >= t->count) return EL_ERR_SHAPE;
  *v = el_rd_i32((const uint8_t *)t->data + 4u * i);
  return EL_OK;
}
