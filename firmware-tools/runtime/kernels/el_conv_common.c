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
