/* Shared Prepare steps of the convolution-like kernels (CONV_2D, TRANSPOSE_CONV, DEPTHWISE_CONV_2D, FULLY_CONNECTED). */
#ifndef EL_CONV_COMMON_H
#define EL_CONV_COMMON_H

#include "../el_internal.h"
#include "el_requant.h"

/* Prepared data of CONV_2D and DEPTHWISE_CONV_2D. */
typedef struct el_conv_params {
  int32_t stride_w, stride_h, dil_w, dil_h, pad_w, pad_h, depth_multiplier;
  int32_t in_offset, out_offset, act_min, act_max;
  int32_t *mult;
  int32_t *shift;
} el_conv_params;

/* The optimised Evals (el_op_conv_fast.c, el_op_depthwise_conv_fast.c) and the scratch bytes they need. */
void el_conv_fast_eval(const el_node *n);
size_t el_conv_fast_scratch(const el_tensor *in, const el_tensor *w, const el_tensor *out, const el_conv_params *p);
void el_depthwise_fast_eval(const el_node *n);
int el_depthwise_fast_usable(const el_tensor *w, const el_conv_params *p); /* kh <= 16 */
size_t el_depthwise_fast_scratch(const el_tensor *in, const el_tensor *w, const el_tensor *out,
                                 const el_conv_params *p);

/* Weights: constant int8, symmetric, per-tensor or per-channel along `channel_axis` with
 * `channels` entries; bias (optional): constant int32 [channels]. */
el_status el_conv_check_weights(const el_tensor *w, const el_tensor *bias, int32_t channels, uint32_t channel_axis);

/* The shape checks of CONV_2D and TRANSPOSE_CONV: int8 input and output of rank 4, weights [OC, KH, KW, IC]
 * (el_conv_check_weights, channel axis 0) with IC the input's depth and OC the output's, the same batch, and at most
 * EL_MAX_ACCUMULATION taps per output. `out_shape` (TRANSPOSE_CONV's output shape input, NULL for CONV_2D): a
 * constant int32 [4] equal to the output's dimensions. */
el_status el_conv_check_shapes(const el_tensor *in, const el_tensor *w, const el_tensor *bias, const el_tensor *out,
                               const el_tensor *out_shape);

/* Taps per output (kernel h * w * input depth) above which an int32 accumulator of
 * int8 x (int8 - zero point) products could overflow: 65536 * 255 * 128 < 2^31. */
#define EL_MAX_ACCUMULATION 65536

/* Per-channel multipliers as TFLite's PopulateConvolutionQuantizationParams computes them:
 * (double)input_scale * (double)filter_scale[c] / (double)output_scale. */
el_status el_conv_multipliers(el_prepare_ctx *c, const el_tensor *in, const el_tensor *w, const el_tensor *out,
                              int32_t channels, int32_t **mult, int32_t **shift);

/* The options CONV_2D and TRANSPOSE_CONV share (fields 0-3: padding, stride w, stride h, fused activation): `*p`
 * allocated from the arena with its strides set; padding and activation codes returned for the caller's checks. */
el_status el_conv_read_options(el_prepare_ctx *c, el_conv_params **p, uint8_t *padding, uint8_t *activation);

/* A convolution's output requantisation in `p`: the fused activation's range, the input and output offsets and the
 * per-channel multipliers (el_conv_multipliers). */
el_status el_conv_requant(el_prepare_ctx *c, const el_tensor *in, const el_tensor *w, const el_tensor *out,
                          int32_t channels, uint8_t activation, el_conv_params *p);

#endif
