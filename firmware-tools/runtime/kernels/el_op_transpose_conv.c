/* TRANSPOSE_CONV, int8 activations, int8 per-channel (or per-tensor) symmetric weights [OC, KH, KW, IC], optional
 * int32 bias, no fused activation. Inputs: output shape (constant int32 [4]), weights, input, bias. Matches TFLite's
 * reference_integer_ops::TransposeConv: every output sums (input + input offset) x weight over the input pixels
 * whose scattered kernel window covers it (TFLite scatters into an int32 buffer; this gathers per output, the same
 * int32 sums), adds the bias, requantises per channel (MultiplyByQuantizedMultiplier), adds the output zero point
 * and clamps. Padding is TFLite's: the forward convolution's SAME/VALID padding from the output size to the input
 * size. */
#include "../el_fixedpoint.h"
#include "../el_internal.h"
#include "el_conv_common.h"

typedef el_conv_params tconv_data;

static el_status prepare(el_prepare_ctx *c, el_node *n) {
  EL_TRY(el_expect_io(n, 3, 4, 1));
  const el_tensor *shape = n->in[0], *w = n->in[1], *in = n->in[2], *out = n->out[0];
  const el_tensor *bias = n->n_in > 3 ? n->in[3] : NULL;
  EL_TRY(el_conv_check_shapes(in, w, bias, out, shape));
  const int32_t oc = w->dims[0], kh = w->dims[1], kw = w->dims[2];

  uint8_t padding, act;
  tconv_data *d;
  EL_TRY(el_conv_read_options(c, &d, &padding, &act));
  /* TFLite runtimes disagree on this newer field (the TFLite runtime of the oracle ignores it, TFLite Micro
   * clamps): refused rather than guessed. The compiler never sets it. */
  EL_ENSURE(act == 0, EL_ERR_OPTIONS);
  d->dil_w = d->dil_h = 1;
  /* TFLite pads as the forward convolution from an output-sized input to an input-sized output */
  EL_TRY(el_padding(padding, out->dims[1], kh, d->stride_h, 1, in->dims[1], &d->pad_h));
  EL_TRY(el_padding(padding, out->dims[2], kw, d->stride_w, 1, in->dims[2], &d->pad_w));
  EL_TRY(el_conv_requant(c, in, w, out, oc, act, d));
  n->data = d;
  c->macs = (uint64_t)in->count * (uint64_t)kh * kw * oc;
  return EL_OK;
}

static void eval(const el_node *n) {
  const tconv_data *d = n->data;
  const el_tensor *w = n->in[1], *in = n->in[2], *out = n->out[0];
  const int32_t *bias = n->n_in > 3 && n->in[3] != NULL ? (const int32_t *)n->in[3]->data : NULL;
  const int8_t *x = in->data;
  const int8_t *f = w->data;
  int8_t *y = out->data;
  const int32_t batches = in->dims[0], ih = in->dims[1], iw = in->dims[2], ic = in->dims[3];
  const int32_t oh = out->dims[1], ow = out->dims[2], oc = out->dims[3];
  const int32_t kh = w->dims[1], kw = w->dims[2];
  for (int32_t b = 0; b < batches; b++) {
    for (int32_t oy = 0; oy < oh; oy++) {
      for (int32_t ox = 0; ox < ow; ox++) {
        for (int32_t o = 0; o < oc; o++) {
          int32_t acc = 0;
          for (int32_t fy = 0; fy < kh; fy++) {
            /* input row iy reaches output row iy * stride - pad + fy */
            const int32_t ty = oy + d->pad_h - fy;
            if (ty < 0 || ty % d->stride_h != 0 || ty / d->stride_h >= ih) continue;
            const int32_t iy = ty / d->stride_h;
            for (int32_t fx = 0; fx < kw; fx++) {
              const int32_t tx = ox + d->pad_w - fx;
              if (tx < 0 || tx % d->stride_w != 0 || tx / d->stride_w >= iw) continue;
              const int32_t ix = tx / d->stride_w;
              const int8_t *xp = x + (((size_t)b * ih + iy) * iw + ix) * ic;
              const int8_t *fp = f + (((size_t)o * kh + fy) * kw + fx) * ic;
              for (int32_t i = 0; i < ic; i++) acc += (int32_t)fp[i] * ((int32_t)xp[i] + d->in_offset);
            }
          }
          if (bias != NULL) acc = el_add_wrap(acc, bias[o]);
          acc = el_mbqm(acc, d->mult[o], d->shift[o]) + d->out_offset;
          y[(((size_t)b * oh + oy) * ow + ox) * oc + o] = (int8_t)el_clamp(acc, d->act_min, d->act_max);
        }
      }
    }
  }
}

const el_kernel el_kernel_transpose_conv = {EL_OP_TRANSPOSE_CONV,  "TRANSPOSE_CONV", 3,
                                            EL_OPT_TRANSPOSE_CONV, prepare,          eval};
