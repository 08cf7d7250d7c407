#include "el_conv_common.h"

#include "../el_fixedpoint.h"

el_status el_conv_check_weights(const el_tensor *w, const el_tensor *bias, int32_t channels, uint32_t channel_axis) {
  EL_TRY(el_expect_type(w, EL_INT8));
  EL_ENSURE(w->is_const && w->has_quant, EL_ERR_QUANTIZATION);
  EL_ENSURE(w->zero_point == 0, EL_ERR_QUANTIZATION);
  if (w->nscales > 1) EL_ENSURE(w->qdim == channel_axis && w->nscales == (uint32_t)channels, EL_ERR_QUANTIZATION);
  if (bias != NULL) {
    EL_TRY(el_expect_type(bias, EL_INT32));
    EL_ENSURE(bias->is_const, EL_ERR_TYPE);
    EL_ENSURE(bias->count == (uint32_t)channels, EL_ERR_SHAPE);
  }
  return EL_OK;
}

el_status el_conv_check_shapes(const el_tensor *in, const el_tensor *w, const el_tensor *bias, const el_tensor *out,
                               const el_tensor *out_shape) {
  EL_TRY(el_expect_int8(in));
  EL_TRY(el_expect_int8(out));
  EL_ENSURE(in->rank == 4 && w->rank == 4 && out->rank == 4, EL_ERR_SHAPE);
  if (out_shape != NULL) {
    EL_ENSURE(out_shape->is_const && out_shape->type == EL_INT32 && out_shape->count == 4, EL_ERR_SHAPE);
    for (uint32_t i = 0; i < 4; i++) {
      int32_t v;
      EL_TRY(el_const_i32(out_shape, i, &v));
      EL_ENSURE(v == out->dims[i], EL_ERR_SHAPE);
    }
  }
  const int32_t oc = w->dims[0], kh = w->dims[1], kw = w->dims[2], ic = w->dims[3];
  EL_ENSURE(in->dims[3] == ic && out->dims[3] == oc && out->dims[0] == in->dims[0], EL_ERR_SHAPE);
  EL_TRY(el_conv_check_weights(w, bias, oc, 0));
  EL_ENSURE((int64_t)kh * kw * ic <= EL_MAX_ACCUMULATION, EL_ERR_LIMIT);
  return EL_OK;
}

el_status el_conv_multipliers(el_prepare_ctx *c, const el_tensor *in, const el_tensor *w, const el_tensor *out,
                              int32_t channels, int32_t **mult, int32_t **shift) {
  *mult = el_alloc(c, sizeof(int32_t) * (size_t)channels);
  *shift = el_alloc(c, sizeof(int32_t) * (size_t)channels);
  EL_ENSURE(*mult != NULL && *shift != NULL, EL_ERR_ARENA_TOO_SMALL);
  for (int32_t ch = 0; ch < channels; ch++) {
    const double real = (double)in->scale * (double)el_channel_scale(w, (uint32_t)ch) / (double)out->scale;
    int s;
    EL_ENSURE(el_quantize_multiplier(real, &(*mult)[ch], &s) == 0, EL_ERR_QUANTIZATION);
    (*shift)[ch] = s;
  }
  return EL_OK;
}

enum { OPT_PADDING = 0, OPT_STRIDE_W = 1, OPT_STRIDE_H = 2, OPT_ACTIVATION = 3 };

el_status el_conv_read_options(el_prepare_ctx *c, el_conv_params **p, uint8_t *padding, uint8_t *activation) {
  el_conv_params *d = el_alloc(c, sizeof *d);
  EL_ENSURE(d != NULL, EL_ERR_ARENA_TOO_SMALL);
  EL_TRY(el_fbt_u8(&c->options, OPT_PADDING, 0, padding));
  EL_TRY(el_fbt_i32(&c->options, OPT_STRIDE_W, 0, &d->stride_w));
  EL_TRY(el_fbt_i32(&c->options, OPT_STRIDE_H, 0, &d->stride_h));
  EL_TRY(el_fbt_u8(&c->options, OPT_ACTIVATION, 0, activation));
  *p = d;
  return EL_OK;
}

el_status el_conv_requant(el_prepare_ctx *c, const el_tensor *in, const el_tensor *w, const el_tensor *out,
                          int32_t channels, uint8_t activation, el_conv_params *p) {
  EL_TRY(el_activation_range(activation, out, &p->act_min, &p->act_max));
  p->in_offset = -in->zero_point;
  p->out_offset = out->zero_point;
  return el_conv_multipliers(c, in, w, out, channels, &p->mult, &p->shift);
}
