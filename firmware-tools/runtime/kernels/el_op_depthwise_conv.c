/* DEPTHWISE_CONV_2D, int8 with per-channel weights and any depth multiplier.
 * Matches TFLite's reference_integer_ops::DepthwiseConvPerChannel. */
#include "../el_fixedpoint.h"
#include "../el_internal.h"
#include "el_conv_common.h"

enum {
  OPT_PADDING = 0,
  OPT_STRIDE_W = 1,
  OPT_STRIDE_H = 2,
  OPT_DEPTH_MULTIPLIER = 3,
  OPT_ACTIVATION = 4,
  OPT_DILATION_W = 5,
  OPT_DILATION_H = 6
};

typedef el_conv_params dw_data;

static el_status prepare(el_prepare_ctx *c, el_node *n) {
  EL_TRY(el_expect_io(n, 2, 3, 1));
  const el_tensor *in = n->in[0], *w = n->in[1], *bias = n->n_in > 2 ? n->in[2] : NULL, *out = n->out[0];
  EL_TRY(el_expect_int8(in));
  EL_TRY(el_expect_int8(out));
  EL_ENSURE(in->rank == 4 && w->rank == 4 && out->rank == 4, EL_ERR_SHAPE);
  const int32_t kh = w->dims[1], kw = w->dims[2], oc = w->dims[3], ic = in->dims[3];
  EL_ENSURE(w->dims[0] == 1 && out->dims[3] == oc && out->dims[0] == in->dims[0], EL_ERR_SHAPE);
  EL_ENSURE(oc % ic == 0, EL_ERR_SHAPE);
  EL_TRY(el_conv_check_weights(w, bias, oc, 3));
  EL_ENSURE((int64_t)kh * kw <= EL_MAX_ACCUMULATION, EL_ERR_LIMIT);

  dw_data *d = el_alloc(c, sizeof *d);
  EL_ENSURE(d != NULL, EL_ERR_ARENA_TOO_SMALL);
  uint8_t padding, act;
  int32_t dm;
  EL_TRY(el_fbt_u8(&c->options, OPT_PADDING, 0, &padding));
  EL_TRY(el_fbt_i32(&c->options, OPT_STRIDE_W, 0, &d->stride_w));
  EL_TRY(el_fbt_i32(&c->options, OPT_STRIDE_H, 0, &d->stride_h));
  EL_TRY(el_fbt_i32(&c->options, OPT_DEPTH_MULTIPLIER, 0, &dm));
  EL_TRY(el_fbt_u8(&c->options, OPT_ACTIVATION, 0, &act));
  EL_TRY(el_fbt_i32(&c->options, OPT_DILATION_W, 1, &d->dil_w));
  EL_TRY(el_fbt_i32(&c->options, OPT_DILATION_H, 1, &d->dil_h));
  d->depth_multiplier = oc / ic;
  EL_ENSURE(dm == 0 || dm == d->depth_multiplier, EL_ERR_OPTIONS);
  EL_TRY(el_padding(padding, in->dims[1], kh, d->stride_h, d->dil_h, out->dims[1], &d->pad_h));
  EL_TRY(el_padding(padding, in->dims[2], kw, d->stride_w, d->dil_w, out->dims[2], &d->pad_w));
  EL_TRY(el_conv_requant(c, in, w, out, oc, act, d));
  if (el_depthwise_fast_usable(w, d)) el_request_scratch(n, el_depthwise_fast_scratch(in, w, out, d));
  n->data = d;
  c->macs = (uint64_t)out->count * (uint64_t)kh * kw;
  return EL_OK;
}

/* The reference loop (el_model_use_reference_kernels, kernels over 16 rows). */
static void eval_reference(const el_node *n) {
  const dw_data *d = n->data;
  const el_tensor *in = n->in[0], *w = n->in[1], *out = n->out[0];
  const el_tensor *bias_t = n->n_in > 2 ? n->in[2] : NULL;
  const int32_t *bias = bias_t != NULL ? (const int32_t *)bias_t->data : NULL;
  const int8_t *x = in->data;
  const int8_t *f = w->data;
  int8_t *y = out->data;
  const int32_t batches = in->dims[0], ih = in->dims[1], iw = in->dims[2], ic = in->dims[3];
  const int32_t oh = out->dims[1], ow = out->dims[2], oc = out->dims[3];
  const int32_t kh = w->dims[1], kw = w->dims[2], dm = d->depth_multiplier;
  for (int32_t b = 0; b < batches; b++) {
    for (int32_t oy = 0; oy < oh; oy++) {
      const int32_t y0 = oy * d->stride_h - d->pad_h;
      for (int32_t ox = 0; ox < ow; ox++) {
        const int32_t x0 = ox * d->stride_w - d->pad_w;
        for (int32_t ch = 0; ch < ic; ch++) {
          for (int32_t m = 0; m < dm; m++) {
            const int32_t o = ch * dm + m;
            int32_t acc = 0;
            for (int32_t fy = 0; fy < kh; fy++) {
              const int32_t iy = y0 + d->dil_h * fy;
              if (iy < 0 || iy >= ih) continue;
              for (int32_t fx = 0; fx < kw; fx++) {
                const int32_t ix = x0 + d->dil_w * fx;
                if (ix < 0 || ix >= iw) continue;
                const int32_t xv = x[(((size_t)b * ih + iy) * iw + ix) * ic + ch];
                const int32_t fv = f[((size_t)fy * kw + fx) * oc + o];
                acc += fv * (xv + d->in_offset);
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
}

static void eval(const el_node *n) {
  const dw_data *d = n->data;
  if (n->reference || !el_depthwise_fast_usable(n->in[1], d)) {
    eval_reference(n);
  } else {
    el_depthwise_fast_eval(n);
  }
}

const el_kernel el_kernel_depthwise_conv_2d = {
    EL_OP_DEPTHWISE_CONV_2D, "DEPTHWISE_CONV_2D", 7, EL_OPT_DEPTHWISE_CONV_2D, prepare, eval};
