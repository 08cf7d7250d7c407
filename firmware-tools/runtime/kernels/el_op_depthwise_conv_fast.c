/* DEPTHWISE_CONV_2D with depth multiplier 1, optimised (same outputs as the reference loop in
 * el_op_depthwise_conv.c, bit for bit; other multipliers run the reference loop).
 *
 * Channels are innermost in NHWC and in the [1][kh][kw][C] weights, so four channels come in one 32-bit load
 * of inputs and one of weights. Per output pixel and group of 4 channels, every tap inside the input: SXTB16
 * widens inputs (bytes 0,2 | 1,3) and weights alike, SADD16 adds the input offset to both input halves, and
 * four 16x16 multiply-accumulates (SMLABB, SMLATT) update the four channel accumulators. Taps outside the
 * input are skipped, as in the reference. A 3x3 kernel takes the same loop with its tap loops unrolled by
 * the compiler (constant bounds). Channels beyond a multiple of 4 run the scalar loop. */
#include "../el_internal.h"
#include "el_conv_common.h"
#include "el_conv_fast.h"

size_t el_depthwise_fast_scratch(const el_tensor *in, const el_tensor *w, const el_tensor *out, const el_conv_params *p) {
  (void)in;
  (void)w;
  (void)p;
  return el_rq_bytes(out->dims[3]);
}

typedef struct {
  const int8_t *x;
  const int8_t *w;
  const int32_t *bias;
  int8_t *y;
  const el_rq *rq;
  int32_t ih, iw, c, kh, kw;
  const el_conv_params *p;
} dw_geom;

static inline void pixel(const dw_geom *g, const int8_t *xb, int32_t y0, int32_t x0, int8_t *yp, int32_t kh, int32_t kw) {
  const el_conv_params *p = g->p;
  const int32_t c = g->c, fy0 = 0;
  const uint32_t off = ((uint32_t)p->in_offset & 0xFFFFu) * 0x00010001u;
  int32_t ch = 0;
  for (; ch + 4 <= c; ch += 4) {
    int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    for (int32_t fy = fy0; fy < kh; fy++) {
      const int32_t iy = y0 + p->dil_h * fy;
      if (iy < 0 || iy >= g->ih) continue;
      const int8_t *xr = xb + (size_t)iy * g->iw * c + ch;
      const int8_t *wr = g->w + (size_t)fy * kw * c + ch;
      for (int32_t fx = 0; fx < kw; fx++) {
        const int32_t ix = x0 + p->dil_w * fx;
        if (ix < 0 || ix >= g->iw) continue;
        const uint32_t xv = el_ld32(xr + (size_t)ix * c), wv = el_ld32(wr + (size_t)fx * c);
        const uint32_t xl = el_sadd16(el_sxtb16(xv), off), xh = el_sadd16(el_sxtb16_hi(xv), off);
        const uint32_t wl = el_sxtb16(wv), wh = el_sxtb16_hi(wv);
        a0 = el_smlabb(xl, wl, a0);
        a2 = el_smlatt(xl, wl, a2);
        a1 = el_smlabb(xh, wh, a1);
        a3 = el_smlatt(xh, wh, a3);
      }
    }
    int32_t acc[4] = {a0, a1, a2, a3};
    for (int32_t i = 0; i < 4; i++) {
      int32_t v = acc[i];
      if (g->bias != NULL) v = el_add_wrap(v, g->bias[ch + i]);
      yp[ch + i] = el_requant_out(&g->rq[ch + i], v, p->out_offset, p->act_min, p->act_max);
    }
  }
  for (; ch < c; ch++) {
    int32_t acc = 0;
    for (int32_t fy = 0; fy < kh; fy++) {
      const int32_t iy = y0 + p->dil_h * fy;
      if (iy < 0 || iy >= g->ih) continue;
      for (int32_t fx = 0; fx < kw; fx++) {
        const int32_t ix = x0 + p->dil_w * fx;
        if (ix < 0 || ix >= g->iw) continue;
        acc += (int32_t)g->w[((size_t)fy * kw + fx) * c + ch] * ((int32_t)xb[((size_t)iy * g->iw + ix) * c + ch] + p->in_offset);
      }
    }
    if (g->bias != NULL) acc = el_add_wrap(acc, g->bias[ch]);
    yp[ch] = el_requant_out(&g->rq[ch], acc, p->out_offset, p->act_min, p->act_max);
  }
}

void el_depthwise_fast_eval(const el_node *n) {
  const el_conv_params *p = n->data;
  const el_tensor *in = n->in[0], *wt = n->in[1], *out = n->out[0];
  const el_tensor *bias_t = n->n_in > 2 ? n->in[2] : NULL;
  const dw_geom g = {in->data, wt->data, bias_t != NULL ? (const int32_t *)bias_t->data : NULL, out->data,
                     el_rq_fill(n->scratch, p->mult, p->shift, out->dims[3]), in->dims[1], in->dims[2], in->dims[3], wt->dims[1], wt->dims[2], p};
  const int32_t oh = out->dims[1], ow = out->dims[2], c = g.c;
  const int three = g.kh == 3 && g.kw == 3;
  for (int32_t b = 0; b < in->dims[0]; b++) {
    const int8_t *xb = g.x + (size_t)b * g.ih * g.iw * c;
    for (int32_t oy = 0; oy < oh; oy++) {
      const int32_t y0 = oy * p->stride_h - p->pad_h;
      int8_t *yr = g.y + (((size_t)b * oh + oy) * ow) * c;
      for (int32_t ox = 0; ox < ow; ox++) {
        const int32_t x0 = ox * p->stride_w - p->pad_w;
        if (three) {
          pixel(&g, xb, y0, x0, yr + (size_t)ox * c, 3, 3);
        } else {
          pixel(&g, xb, y0, x0, yr + (size_t)ox * c, g.kh, g.kw);
        }
      }
    }
  }
}
