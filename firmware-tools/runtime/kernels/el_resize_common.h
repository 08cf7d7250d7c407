/* Shared Prepare of RESIZE_NEAREST_NEIGHBOR and RESIZE_BILINEAR: NHWC input, a constant int32 [2] size tensor
 * equal to the output's H and W, the flags (align_corners and half_pixel_centers are exclusive), and int8
 * tensors sharing one set of quantisation parameters, or both without any (both kernels copy or blend codes
 * without requantising, so TFLite accepts int8 tensors without parameters too). */
#ifndef EL_RESIZE_COMMON_H
#define EL_RESIZE_COMMON_H

#include "../el_internal.h"

typedef struct el_resize_shape {
  int32_t batches, in_h, in_w, depth, out_h, out_w;
  uint8_t align_corners, half_pixel_centers;
} el_resize_shape;

/* `align_field`, `half_field`: the two flags' field numbers in the options table. */
el_status el_resize_prepare(el_prepare_ctx *c, const el_node *n, unsigned align_field, unsigned half_field,
                            el_resize_shape *s);

#endif
