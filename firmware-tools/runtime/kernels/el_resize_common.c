#include "el_resize_common.h"

el_status el_resize_prepare(el_prepare_ctx *c, const el_node *n, unsigned align_field, unsigned half_field,
                            el_resize_shape *s) {
  EL_TRY(el_expect_io(n, 2, 2, 1));
  const el_tensor *in = n->in[0], *size = n->in[1], *out = n->out[0];
  EL_ENSURE(in->rank == 4 && out->rank == 4, EL_ERR_SHAPE);
  EL_ENSURE(in->type == out->type, EL_ERR_TYPE);
  if (in->type == EL_INT8) {
    /* shared parameters, or none on either side (plain codes: TFLite accepts those too) */
    if (in->has_quant || out->has_quant) {
      EL_TRY(el_expect_int8(in));
      EL_TRY(el_expect_int8(out));
      EL_ENSURE(in->scale == out->scale && in->zero_point == out->zero_point, EL_ERR_QUANTIZATION);
    }
  } else {
    EL_TRY(el_expect_type(in, EL_FLOAT32));
  }
  EL_ENSURE(size->is_const && size->type == EL_INT32 && size->count == 2, EL_ERR_SHAPE);
  int32_t h, w;
  EL_TRY(el_const_i32(size, 0, &h));
  EL_TRY(el_const_i32(size, 1, &w));
  EL_ENSURE(h == out->dims[1] && w == out->dims[2], EL_ERR_SHAPE);
  EL_ENSURE(out->dims[0] == in->dims[0] && out->dims[3] == in->dims[3], EL_ERR_SHAPE);
  EL_ENSURE(in->dims[1] >= 1 && in->dims[2] >= 1 && h >= 1 && w >= 1, EL_ERR_SHAPE);
  /* the bilinear kernel's 10-bit fixed-point coordinates: (1 << 10) * in and out * scale stay in int32 */
  EL_ENSURE(in->dims[1] <= (1 << 16) && in->dims[2] <= (1 << 16) && h <= (1 << 16) && w <= (1 << 16), EL_ERR_LIMIT);
  EL_TRY(el_fbt_u8(&c->options, align_field, 0, &s->align_corners));
  EL_TRY(el_fbt_u8(&c->options, half_field, 0, &s->half_pixel_centers));
  EL_ENSURE(!(s->align_corners && s->half_pixel_centers), EL_ERR_OPTIONS);
  s->batches = in->dims[0];
  s->in_h = in->dims[1];
  s->in_w = in->dims[2];
  s->depth = in->dims[3];
  s->out_h = h;
  s->out_w = w;
  return EL_OK;
}
