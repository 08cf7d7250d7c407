/* MEAN over any constant set of axes (rank <= 6), int8: what the TFLite runtime's reduce kernel does outside the
 * NHWC H,W case (el_op_mean.c): the raw codes summed in int32 over the reduced axes, then
 * - input and output parameters equal: sum / count, truncated (reference_ops::Mean);
 * - otherwise (reference_ops::QuantizedMeanOrSum, mean): in float, mean = sum / count,
 *   round(mean * (in_scale / out_scale) - in_zp * (in_scale / out_scale)) + out_zp, clamped to int8.
 * LayerNorm's MEAN over the normalised (last) axis takes this path. */
#ifndef EL_MEAN_AXES_H
#define EL_MEAN_AXES_H

#include "../el_internal.h"

/* Prepare for `n` (input, constant axes, output) with keep_dims `keep`. */
el_status el_mean_axes_prepare(el_prepare_ctx *c, el_node *n, uint8_t keep);
void el_mean_axes_eval(const el_node *n);

#endif
