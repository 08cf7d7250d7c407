/* CONV_2D, optimised (same outputs as the reference loop in el_op_conv.c, bit for bit).
 *
 * The convolution is a matrix product: weights [oc][K] (K = kh*kw*ic, the layout TFLite stores) times one
 * column of K input values per output pixel. Per pass the inner loop (el_dot_2x2) computes 2 output
 * channels x 2 output pixels from four 32-bit loads per 4 taps, widening int8 pairs to 16 bits with SXTB16
 * and accumulating with the dual 16-bit MAC SMLAD (portable C elsewhere).
 *
 * The input offset (minus the input zero point) is folded into the bias once per invoke:
 *   sum_k w[k] * (x[k] + off) = sum_k w[k] * x[k] + off * sum_k w[k],
 * so the inner loop multiplies raw int8 values. Taps in the padding are filled with the input zero point,
 * whose contribution w*zp + off*w is 0, exactly what the reference's skipped taps contribute. The weight
 * sums are computed in Eval, not Prepare: the unlock hook may replace the weights after Prepare. All
 * int32 arithmetic wraps like the reference's (the reference's accumulator cannot overflow: Prepare
 * bounds K), so the sums agree bit for bit.
 *
 * Columns: for a 1x1 kernel without padding each pixel's column is its input pixel's channel vector, read
 * in place; otherwise two columns at a time are gathered (im2col) into scratch. */
#include "../el_internal.h"
#include "el_conv_common.h"
#include "el_conv_fast.h"

static int direct_columns(const el_tensor *w, const el_conv_params *p) {
  return w->dims[1] == 1 && w->dims[2] == 1 && p->pad_h == 0 && p->pad_w == 0;
}

size_t el_conv_fast_scratch(const el_tensor *in, const el_tensor *w, const el_tensor *out, const el_conv_params *p) {
  (void)in;
  const size_t oc = (size_t)out->dims[3], k = (size_t)w->dims[1] * w->dims[2] * w->dims[3];
  return 4u * oc + (direct_columns(w, p) ? 0u : 2u * ((k + 3u) & ~(size_t)3u));
}

typedef struct {
  const int8_t *x;
  int32_t ih, iw, ic, kh, kw, ow, zp;
  const el_conv_params *p;
} geom;

/* Gathers the K input values of output pixel (b, oy, ox) into col; taps outside the input get the zero point. */
static void im2col(const geom *g, int32_t b, int32_t oy, int32_t ox, int8_t *col) {
  const el_conv_params *p = g->p;
  const int32_t y0 = oy * p->stride_h - p->pad_h, x0 = ox * p->stride_w - p->pad_w;
  const int32_t ic = g->ic, run = g->kw * ic;
  for (int32_t fy = 0; fy < g->kh; fy++, col += run) {
    const int32_t iy = y0 + p->dil_h * fy;
    if (iy < 0 || iy >= g->ih) {
      memset(col, g->zp, (size_t)run);
      continue;
    }
    const int8_t *row = g->x + ((size_t)b * g->ih + iy) * g->iw * ic;
    if (p->dil_w == 1 && x0 >= 0 && x0 + g->kw <= g->iw) {
      el_copy_bytes(col, row + (size_t)x0 * ic, run);
      continue;
    }
    for (int32_t fx = 0; fx < g->kw; fx++) {
      const int32_t ix = x0 + p->dil_w * fx;
      if (ix < 0 || ix >= g->iw) {
        memset(col + fx * ic, g->zp, (size_t)ic);
      } else {
        el_copy_bytes(col + fx * ic, row + (size_t)ix * ic, ic);
      }
    }
  }
}

void el_conv_fast_eval(const el_node *n) {
  const el_conv_params *p = n->data;
  const el_tensor *in = n->in[0], *wt = n->in[1], *out = n->out[0];
  const el_tensor *bias_t = n->n_in > 2 ? n->in[2] : NULL;
  const int32_t *bias = bias_t != NULL ? (const int32_t *)bias_t->data : NULL;
  const int8_t *w = wt->data;
  int8_t *y = out->data;
  const int32_t oc = out->dims[3], oh = out->dims[1], ow = out->dims[2];
  const int32_t k = wt->dims[1] * wt->dims[2] * wt->dims[3];
  const int32_t lo = p->act_min, hi = p->act_max, out_offset = p->out_offset;
  const geom g = {in->data, in->dims[1], in->dims[2], in->dims[3], wt->dims[1], wt->dims[2], ow, in->zero_point, p};

  /* Bias with the input offset folded in. */
  int32_t *bias_f = n->scratch;
  for (int32_t o = 0; o < oc; o++) {
    const uint32_t folded = p->in_offset != 0 ? (uint32_t)p->in_offset * (uint32_t)el_sum_int8(w + (size_t)o * k, k) : 0u;
    bias_f[o] = (int32_t)((bias != NULL ? (uint32_t)bias[o] : 0u) + folded);
  }
  const int direct = direct_columns(wt, p);
  int8_t *col0 = (int8_t *)(bias_f + oc);
  int8_t *col1 = col0 + ((k + 3) & ~3);

  const int32_t pixels = in->dims[0] * oh * ow;
  for (int32_t px = 0; px < pixels; px += 2) {
    const int two = px + 1 < pixels;
    const int8_t *c0, *c1;
    int32_t b = px / (oh * ow), r = px % (oh * ow);
    int32_t oy = r / ow, ox = r % ow;
    if (direct) {
      c0 = g.x + (((size_t)b * g.ih + (size_t)oy * p->stride_h) * g.iw + (size_t)ox * p->stride_w) * g.ic;
    } else {
      im2col(&g, b, oy, ox, col0);
      c0 = col0;
    }
    if (two) {
      if (++ox == ow) {
        ox = 0;
        if (++oy == oh) {
          oy = 0;
          b++;
        }
      }
      if (direct) {
        c1 = g.x + (((size_t)b * g.ih + (size_t)oy * p->stride_h) * g.iw + (size_t)ox * p->stride_w) * g.ic;
      } else {
        im2col(&g, b, oy, ox, col1);
        c1 = col1;
      }
    } else {
      c1 = c0; /* computed and discarded */
    }
    int8_t *y0 = y + (size_t)px * oc;
    int8_t *y1 = y0 + oc;
    const int8_t *wo = w;
    int32_t o = 0;
    for (; o + 1 < oc; o += 2, wo += 2 * (size_t)k) {
      int32_t acc[4];
      el_dot_2x2(wo, wo + k, c0, c1, k, acc);
      const el_rq *rq = &p->rq[o];
      y0[o] = el_requant_out(rq, (int32_t)((uint32_t)acc[0] + (uint32_t)bias_f[o]), out_offset, lo, hi);
      y0[o + 1] = el_requant_out(rq + 1, (int32_t)((uint32_t)acc[2] + (uint32_t)bias_f[o + 1]), out_offset, lo, hi);
      if (two) {
        y1[o] = el_requant_out(rq, (int32_t)((uint32_t)acc[1] + (uint32_t)bias_f[o]), out_offset, lo, hi);
        y1[o + 1] = el_requant_out(rq + 1, (int32_t)((uint32_t)acc[3] + (uint32_t)bias_f[o + 1]), out_offset, lo, hi);
      }
    }
    if (o < oc) {
      int32_t acc[2];
      el_dot_1x2(wo, c0, c1, k, acc);
      y0[o] = el_requant_out(&p->rq[o], (int32_t)((uint32_t)acc[0] + (uint32_t)bias_f[o]), out_offset, lo, hi);
      if (two) y1[o] = el_requant_out(&p->rq[o], (int32_t)((uint32_t)acc[1] + (uint32_t)bias_f[o]), out_offset, lo, hi);
    }
  }
}
