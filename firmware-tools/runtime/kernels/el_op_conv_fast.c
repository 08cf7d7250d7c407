/* CONV_2D, optimised (same outputs as the reference loop in el_op_conv.c, bit for bit).
 *
 * The convolution is a matrix product: weights [oc][K] (K = kh*kw*ic, the layout TFLite stores) times one
 * column of K input values per output pixel. Output pixels are taken two at a time: their columns are
 * gathered (im2col; taps in the padding get the input zero point) and widened once to int16 with the input
 * offset added (el_widen_cols, in scratch), so padding taps become 0 exactly as the reference's skipped
 * taps. Then each pass of the inner loop (el_dot_2x2) computes 2 output channels x 2 output pixels: per 4
 * taps, two LDRDs for the columns, two word loads of int8 weights, SXTB16 to widen the weights and eight
 * SMLADs (dual 16-bit multiply-accumulate), the accumulators starting at the bias. The products are the reference's and int32 sums are the same
 * whatever the order (Prepare bounds K so the reference accumulator cannot overflow), so the outputs are
 * identical. Requantisation: el_requant.h. */
#include "../el_internal.h"
#include "el_conv_common.h"
#include "el_conv_fast.h"

static int direct_columns(const el_tensor *w, const el_conv_params *p) {
  return w->dims[1] == 1 && w->dims[2] == 1 && p->pad_h == 0 && p->pad_w == 0;
}

size_t el_conv_fast_scratch(const el_tensor *in, const el_tensor *w, const el_tensor *out, const el_conv_params *p) {
  (void)in;
  const int32_t k = w->dims[1] * w->dims[2] * w->dims[3];
  const size_t raw = direct_columns(w, p) ? 0u : 2u * (((size_t)k + 3u) & ~(size_t)3u);
  return el_rq_bytes(out->dims[3]) + el_cols_bytes(k) + raw;
}

typedef struct {
  const int8_t *x;
  int32_t ih, iw, ic, kh, kw, zp;
  const el_conv_params *p;
} geom;

/* Gathers the K input values of output pixel (b, oy, ox) into col; taps outside the input get the zero point. */
static void im2col(const geom *g, int32_t b, int32_t oy, int32_t ox, int8_t *col) {
  /* everything in locals: the byte stores below may alias any memory, so fields would be re-read */
  const el_conv_params *p = g->p;
  const int32_t y0 = oy * p->stride_h - p->pad_h, x0 = ox * p->stride_w - p->pad_w;
  const int32_t ic = g->ic, kw = g->kw, kh = g->kh, run = kw * ic, dil_w = p->dil_w, dil_h = p->dil_h;
  const int32_t ih = g->ih, iw = g->iw;
  const int8_t zp = (int8_t)g->zp;
  const int8_t *xb = g->x + (size_t)b * ih * iw * ic;
  /* the taps of a row inside the input: fx in [fx0, fx1) */
  int32_t fx0 = 0, fx1 = kw;
  if (dil_w == 1) {
    fx0 = x0 < 0 ? -x0 : 0;
    fx1 = iw - x0 < kw ? iw - x0 : kw;
    if (fx1 < fx0) fx1 = fx0;
    if (fx0 > kw) fx0 = fx1 = kw;
  }
  for (int32_t fy = 0; fy < kh; fy++, col += run) {
    const int32_t iy = y0 + dil_h * fy;
    if (iy < 0 || iy >= ih) {
      el_fill_bytes(col, zp, run);
      continue;
    }
    const int8_t *row = xb + (size_t)iy * iw * ic;
    if (dil_w == 1) {
      el_fill_bytes(col, zp, fx0 * ic);
      el_copy_bytes(col + fx0 * ic, row + (ptrdiff_t)(x0 + fx0) * ic, (fx1 - fx0) * ic);
      el_fill_bytes(col + fx1 * ic, zp, (kw - fx1) * ic);
      continue;
    }
    for (int32_t fx = 0; fx < kw; fx++) {
      const int32_t ix = x0 + dil_w * fx;
      if (ix < 0 || ix >= iw) {
        el_fill_bytes(col + fx * ic, zp, ic);
      } else {
        el_copy_bytes(col + fx * ic, row + (size_t)ix * ic, ic);
      }
    }
  }
}

/* A window wholly inside the input with dilation 1 (most pixels): kh runs of kw*ic bytes, rowstride apart. */
static void im2col_inside(int8_t *col, const int8_t *src, int32_t kh, int32_t run, size_t rowstride) {
  for (; kh > 0; kh--, col += run, src += rowstride) el_copy_bytes(col, src, run);
}

/* The column of pixel (b, oy, ox): in place for a 1x1 kernel without padding, else gathered into buf. */
static const int8_t *column(const geom *g, int direct, int32_t b, int32_t oy, int32_t ox, int8_t *buf) {
  const el_conv_params *p = g->p;
  if (direct) return g->x + (((size_t)b * g->ih + (size_t)oy * p->stride_h) * g->iw + (size_t)ox * p->stride_w) * g->ic;
  const int32_t y0 = oy * p->stride_h - p->pad_h, x0 = ox * p->stride_w - p->pad_w;
  if (p->dil_w == 1 && p->dil_h == 1 && y0 >= 0 && x0 >= 0 && y0 + g->kh <= g->ih && x0 + g->kw <= g->iw) {
    im2col_inside(buf, g->x + (((size_t)b * g->ih + y0) * g->iw + x0) * g->ic, g->kh, g->kw * g->ic,
                  (size_t)g->iw * g->ic);
  } else {
    im2col(g, b, oy, ox, buf);
  }
  return buf;
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
  const geom g = {in->data, in->dims[1], in->dims[2], in->dims[3], wt->dims[1], wt->dims[2], in->zero_point, p};
  const int direct = direct_columns(wt, p);
  const el_rq *rqs = el_rq_fill(n->scratch, p->mult, p->shift, oc);
  uint32_t *cols = (uint32_t *)((uint8_t *)n->scratch + el_rq_bytes(oc));
  int8_t *raw0 = (int8_t *)cols + el_cols_bytes(k);
  int8_t *raw1 = raw0 + ((k + 3) & ~3);

  const int32_t plane = oh * ow, pixels = in->dims[0] * plane;
  for (int32_t px = 0; px < pixels; px += 2) {
    const int two = px + 1 < pixels;
    int32_t b = px / plane, oy = (px % plane) / ow, ox = px % ow;
    const int8_t *c0 = column(&g, direct, b, oy, ox, raw0);
    const int8_t *c1 = c0; /* an odd last pixel: computed twice, stored once */
    if (two) {
      if (++ox == ow) {
        ox = 0;
        if (++oy == oh) {
          oy = 0;
          b++;
        }
      }
      c1 = column(&g, direct, b, oy, ox, raw1);
    }
    el_widen_cols(cols, c0, c1, k, p->in_offset);
    int8_t *y0 = y + (size_t)px * oc;
    int8_t *y1 = two ? y0 + oc : y0;
    const int8_t *wo = w;
    int32_t o = 0;
    for (; o + 1 < oc; o += 2, wo += 2 * (size_t)k) {
      int32_t acc[4];
      el_dot_2x2(wo, k, cols, bias != NULL ? bias[o] : 0, bias != NULL ? bias[o + 1] : 0, acc);
      const el_rq *rq = &rqs[o];
      y1[o] = el_requant_out(rq, acc[1], out_offset, lo, hi);
      y1[o + 1] = el_requant_out(rq + 1, acc[3], out_offset, lo, hi);
      y0[o] = el_requant_out(rq, acc[0], out_offset, lo, hi);
      y0[o + 1] = el_requant_out(rq + 1, acc[2], out_offset, lo, hi);
    }
    if (o < oc) {
      int32_t acc[2];
      el_dot_1x2(wo, k, cols, bias != NULL ? bias[o] : 0, acc);
      y1[o] = el_requant_out(&rqs[o], acc[1], out_offset, lo, hi);
      y0[o] = el_requant_out(&rqs[o], acc[0], out_offset, lo, hi);
    }
  }
}
