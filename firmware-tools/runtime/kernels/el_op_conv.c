/* CONV_2D, int8 activations, int8 per-channel (or per-tensor) symmetric weights, int32 bias.
 * Matches TFLite's reference_integer_ops::ConvPerChannel. */
#include "../el_fixedpoint.h"
#include "../el_internal.h"
#include "el_conv_common.h"

enum { OPT_DILATION_W = 4, OPT_DILATION_H = 5 }; /* after the options el_conv_read_options reads */

typedef el_conv_params conv_data;

static el_status prepare(el_prepare_ctx *c, el_node *n) {
  EL_TRY(el_expect_io(n, 2, 3, 1));
  const el_tensor *in = n->in[0], *w = n->in[1], *bias = n->n_in > 2 ? n->in[2] : NULL, *out = n->out[0];
  EL_TRY(el_conv_check_shapes(in, w, bias, out, NULL));
  const int32_t oc = w->dims[0], kh = w->dims[1], kw = w->dims[2], ic = w->dims[3];

  uint8_t padding, act;
  conv_data *d;
  EL_TRY(el_conv_read_options(c, &d, &padding, &act));
  EL_TRY(el_fbt_i32(&c->options, OPT_DILATION_W, 1, &d->dil_w));
  EL_TRY(el_fbt_i32(&c->options, OPT_DILATION_H, 1, &d->dil_h));
  EL_TRY(el_padding(padding, in->dims[1], kh, d->stride_h, d->dil_h, out->dims[1], &d->pad_h));
  EL_TRY(el_padding(padding, in->dims[2], kw, d->stride_w, d->dil_w, out->dims[2], &d->pad_w));
  EL_TRY(el_conv_requant(c, in, w, out, oc, act, d));
  el_request_scratch(n, el_conv_fast_scratch(in, w, out, d));
  n->data = d;
  c->macs = (uint64_t)out->count * (uint64_t)kh * kw * ic;
  return EL_OK;
}

/* The reference loop (el_model_use_reference_kernels). */
static void eval_reference(const el_node *n) {
  const conv_data *d = n->data;
  const el_tensor *in = n->in[0], *w = n->in[1], *out = n->out[0];
  const el_tensor *bias_t = n->n_in > 2 ? n->in[2] : NULL;
  const int32_t *bias = bias_t != NULL ? (const int32_t *)bias_t->data : NULL;
  const int8_t *x = in->data;
  const int8_t *f = w->data;
  int8_t *y = out->data;
  const int32_t batches = in->dims[0], ih = in->dims[1], iw = in->dims[2], ic = in->dims[3];
  const int32_t oh = out->dims[1], ow = out->dims[2], oc = out->dims[3];
  const int32_t kh = w->dims[1], kw = w->dims[2];
  for (int32_t b = 0; b < batches; b++) {
    for (int32_t oy = 0; oy < oh; oy++) {
      const int32_t y0 = oy * d->stride_h - d->pad_h;
      for (int32_t ox = 0; ox < ow; ox++) {
        const int32_t x0 = ox * d->stride_w - d->pad_w;
        for (int32_t o = 0; o < oc; o++) {
          int32_t acc = 0;
          for (int32_t fy = 0; fy < kh; fy++) {
            const int32_t iy = y0 + d->dil_h * fy;
            if (iy < 0 || iy >= ih) continue;
            for (int32_t fx = 0; fx < kw; fx++) {
              const int32_t ix = x0 + d->dil_w * fx;
              if (ix < 0 || ix >= iw) continue;
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

static void eval(const el_node *n) {
  if (n->reference) {
    eval_reference(n);
  } else {
    el_conv_fast_eval(n);
  }
}

const el_kernel el_kernel_conv_2d = {EL_OP_CONV_2D, "CONV_2D", 3, EL_OPT_CONV_2D, prepare, eval};
