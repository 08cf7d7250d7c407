/* DEPTHWISE_CONV_2D, optimised (same outputs as the reference loop in el_op_depthwise_conv.c, bit for bit).
 *
 * Per output row, the kh input rows it reads are widened once into scratch: int16, input offset added,
 * one entry per output channel (with a depth multiplier dm > 1, input channel c is repeated for the output
 * channels c*dm .. c*dm+dm-1, so everything after the widening is the dm = 1 loop over output channels),
 * channels padded to a multiple of 4 and stored in the order SXTB16 produces (channels 0,2 | 1,3 of each
 * group of 4 in two words), the columns of the padding set to 0 (an input equal to the zero point, which
 * contributes nothing, exactly as the reference's skipped taps). The weights are widened the same way once
 * per invoke (not in Prepare: the unlock hook may replace them after Prepare). Then every output pixel and
 * group of 4 channels is a branch-free loop over the taps: two LDRDs (inputs, weights) and four 16x16
 * multiply-accumulates (SMLABB, SMLATT) into the four channel accumulators, which start at the bias. 3x3 kernels get the same loop
 * with constant bounds (unrolled by the compiler). */
#include "../el_internal.h"
#include "el_conv_common.h"
#include "el_conv_fast.h"

typedef struct {
  int32_t cg;    /* channel groups of 4 */
  int32_t width; /* columns of a widened row: the input columns the output row reads, from -pad_w */
} dw_dims;

static dw_dims dims_of(const el_tensor *in, const el_tensor *w, const el_tensor *out, const el_conv_params *p) {
  dw_dims d;
  (void)in;
  d.cg = (out->dims[3] + 3) / 4; /* output channels: input channels x depth multiplier */
  d.width = (out->dims[2] - 1) * p->stride_w + (w->dims[2] - 1) * p->dil_w + 1;
  return d;
}

size_t el_depthwise_fast_scratch(const el_tensor *in, const el_tensor *w, const el_tensor *out,
                                 const el_conv_params *p) {
  const dw_dims d = dims_of(in, w, out, p);
  const size_t group = 8u; /* bytes of 4 widened channels */
  return el_rq_bytes(out->dims[3]) + 16u * (size_t)d.cg +
         group * (size_t)d.cg * ((size_t)w->dims[1] * w->dims[2] + (size_t)w->dims[1] * d.width);
}

/* Widens 4 int8 channels (fewer at the end of a pixel: n) into two words, adding `off` to each half. */
static inline void widen4(uint32_t *dst, const int8_t *src, int32_t n, uint32_t off) {
  uint32_t v;
  if (n >= 4) {
    v = el_ld32(src);
  } else {
    v = 0;
    for (int32_t i = 0; i < n; i++) v |= (uint32_t)(uint8_t)src[i] << (8 * i);
  }
  dst[0] = el_sadd16(el_sxtb16(v), off);
  dst[1] = el_sadd16(el_sxtb16_hi(v), off);
}

/* One input pixel of `ic` channels widened for depth multiplier dm: output channel o = c*dm + m gets input
 * channel c plus the offset, as int16 in the group layout (group g's words at dst + g * gstride; in a group,
 * channels 0,2 are the halves of word 0 and 1,3 of word 1); the padding channels of the last group are 0. */
static void widen_repeated(uint32_t *dst, int32_t gstride, const int8_t *xp, int32_t ic, int32_t dm, int32_t off) {
  const int32_t oc = ic * dm, cg = (oc + 3) / 4;
  int32_t ch = 0, m = 0;
  for (int32_t g = 0; g < cg; g++, dst += gstride) {
    uint32_t h[4] = {0, 0, 0, 0};
    for (int32_t i = 0; i < 4 && 4 * g + i < oc; i++) {
      h[i] = (uint32_t)(uint16_t)(int16_t)(xp[ch] + off);
      if (++m == dm) {
        m = 0;
        ch++;
      }
    }
    dst[0] = h[0] | h[2] << 16;
    dst[1] = h[1] | h[3] << 16;
  }
}

typedef struct {
  const int32_t *bias; /* the channels' bias, padded to groups of 4 (zeros without a bias) */
  const el_rq *rq;
  int32_t c, out_offset, lo, hi;
} dw_out;

/* Requantises a group's accumulators a0..a3 into output channels ch0 .. ch0 + 3 of the pixel at yp (fewer than four
 * in the last group when c is not a multiple of 4), with the rq, c, out_offset, lo and hi of the enclosing function.
 * A macro rather than a function: both pixel loops then compile exactly as with the code written out (an inline
 * function changed the register allocation and cost up to 1% more instructions). */
#define EL_DW_STORE(yp, ch0_, a0, a1, a2, a3)                                                                         \
  do {                                                                                                                \
    const int32_t ch0 = (ch0_);                                                                                       \
    if (c - ch0 >= 4) {                                                                                               \
      (yp)[ch0] = el_requant_out(&rq[ch0], (a0), out_offset, lo, hi);                                                 \
      (yp)[ch0 + 1] = el_requant_out(&rq[ch0 + 1], (a1), out_offset, lo, hi);                                         \
      (yp)[ch0 + 2] = el_requant_out(&rq[ch0 + 2], (a2), out_offset, lo, hi);                                         \
      (yp)[ch0 + 3] = el_requant_out(&rq[ch0 + 3], (a3), out_offset, lo, hi);                                         \
    } else {                                                                                                          \
      const int32_t acc[4] = {(a0), (a1), (a2), (a3)};                                                                \
      for (int32_t i = 0; i < c - ch0; i++) (yp)[ch0 + i] = el_requant_out(&rq[ch0 + i], acc[i], out_offset, lo, hi); \
    }                                                                                                                 \
  } while (0)

/* Output pixel at widened column `col`: every group of 4 channels. Layouts (words): a widened row is
 * [group][column][2], the weights [group][tap][2], so the taps of a row are consecutive for dilation 1. */
static inline void pixel_groups(const uint32_t *const *rows, const uint32_t *wbuf, int32_t col, int32_t cg,
                                int32_t width, int32_t kh, int32_t kw, int32_t dil_w, const dw_out *o, int8_t *yp) {
  const int32_t c = o->c, out_offset = o->out_offset, lo = o->lo, hi = o->hi, taps = kh * kw;
  const el_rq *rq = o->rq;
  for (int32_t g = 0; g < cg; g++) {
    /* accumulators start at the bias: every product goes through SMLABB/SMLATT, which wrap like the
     * reference's int32 sum-then-add-bias */
    const int32_t *b4 = o->bias + 4 * g;
    int32_t a0 = b4[0], a1 = b4[1], a2 = b4[2], a3 = b4[3];
    const uint32_t *wp = wbuf + (size_t)2 * g * taps;
    const size_t at = (size_t)2 * ((size_t)g * width + col);
    for (int32_t fy = 0; fy < kh; fy++) {
      const uint32_t *xp = rows[fy] + at;
      for (int32_t fx = 0; fx < kw; fx++, xp += 2 * dil_w, wp += 2) {
        const uint32_t xl = xp[0], xh = xp[1], wl = wp[0], wh = wp[1];
        a0 = el_smlabb(xl, wl, a0);
        a2 = el_smlatt(xl, wl, a2);
        a1 = el_smlabb(xh, wh, a1);
        a3 = el_smlatt(xh, wh, a3);
      }
    }
    EL_DW_STORE(yp, 4 * g, a0, a1, a2, a3);
  }
}

/* The 3x3, dilation-1 case with the nine taps unrolled: immediate-offset loads only. */
static inline void pixel_groups_3x3(const uint32_t *const *rows, const uint32_t *wbuf, int32_t col, int32_t cg,
                                    int32_t width, const dw_out *o, int8_t *yp) {
  const int32_t c = o->c, out_offset = o->out_offset, lo = o->lo, hi = o->hi;
  const el_rq *rq = o->rq;
  const uint32_t *r0 = rows[0] + 2 * col, *r1 = rows[1] + 2 * col, *r2 = rows[2] + 2 * col;
  const int32_t gstride = 2 * width;
  for (int32_t g = 0; g < cg; g++, r0 += gstride, r1 += gstride, r2 += gstride, wbuf += 18) {
    const int32_t *b4 = o->bias + 4 * g;
    int32_t a0 = b4[0], a1 = b4[1], a2 = b4[2], a3 = b4[3];
#define EL_DW_TAP(r, fx, t)                                    \
  do {                                                         \
    const uint32_t xl = (r)[2 * (fx)], xh = (r)[2 * (fx) + 1]; \
    const uint32_t wl = wbuf[2 * (t)], wh = wbuf[2 * (t) + 1]; \
    a0 = el_smlabb(xl, wl, a0);                                \
    a2 = el_smlatt(xl, wl, a2);                                \
    a1 = el_smlabb(xh, wh, a1);                                \
    a3 = el_smlatt(xh, wh, a3);                                \
  } while (0)
    EL_DW_TAP(r0, 0, 0);
    EL_DW_TAP(r0, 1, 1);
    EL_DW_TAP(r0, 2, 2);
    EL_DW_TAP(r1, 0, 3);
    EL_DW_TAP(r1, 1, 4);
    EL_DW_TAP(r1, 2, 5);
    EL_DW_TAP(r2, 0, 6);
    EL_DW_TAP(r2, 1, 7);
    EL_DW_TAP(r2, 2, 8);
#undef EL_DW_TAP
    EL_DW_STORE(yp, 4 * g, a0, a1, a2, a3);
  }
}

#undef EL_DW_STORE

void el_depthwise_fast_eval(const el_node *n) {
  const el_conv_params *p = n->data;
  const el_tensor *in = n->in[0], *wt = n->in[1], *out = n->out[0];
  const el_tensor *bias_t = n->n_in > 2 ? n->in[2] : NULL;
  const int32_t *bias = bias_t != NULL ? (const int32_t *)bias_t->data : NULL;
  const int8_t *x = in->data, *w = wt->data;
  int8_t *y = out->data;
  const int32_t ih = in->dims[1], iw = in->dims[2], ic = in->dims[3], kh = wt->dims[1], kw = wt->dims[2];
  const int32_t c = out->dims[3], dm = p->depth_multiplier; /* c: output channels, ic * dm */
  const int32_t oh = out->dims[1], ow = out->dims[2];
  const dw_dims d = dims_of(in, wt, out, p);
  const el_rq *rq = el_rq_fill(n->scratch, p->mult, p->shift, c);
  int32_t *bias4 = (int32_t *)((uint8_t *)n->scratch + el_rq_bytes(c));
  for (int32_t i = 0; i < 4 * d.cg; i++) bias4[i] = bias != NULL && i < c ? bias[i] : 0;
  const dw_out o = {bias4, rq, c, p->out_offset, p->act_min, p->act_max};
  uint32_t *wbuf = (uint32_t *)(bias4 + 4 * d.cg);
  uint32_t *rowbuf = wbuf + (size_t)2 * d.cg * kh * kw;
  const uint32_t off = ((uint32_t)p->in_offset & 0xFFFFu) * 0x00010001u;
  const int32_t row_words = 2 * d.cg * d.width;

  for (int32_t t = 0; t < kh * kw; t++) {
    for (int32_t g = 0; g < d.cg; g++)
      widen4(wbuf + 2 * ((size_t)g * kh * kw + t), w + (size_t)t * c + 4 * g, c - 4 * g, 0);
  }
  const uint32_t *rows[16];
  for (int32_t b = 0; b < in->dims[0]; b++) {
    const int8_t *xb = x + (size_t)b * ih * iw * ic;
    for (int32_t oy = 0; oy < oh; oy++) {
      const int32_t y0 = oy * p->stride_h - p->pad_h;
      for (int32_t fy = 0; fy < kh; fy++) {
        /* kh <= 16 here (el_depthwise_fast_usable); rows beyond the input are zeros */
        uint32_t *row = rowbuf + (size_t)fy * row_words;
        rows[fy] = row;
        const int32_t iy = y0 + p->dil_h * fy;
        if (iy < 0 || iy >= ih) {
          memset(row, 0, (size_t)row_words * 4u);
          continue;
        }
        const int8_t *xr = xb + (size_t)iy * iw * ic;
        const int32_t gstride = 2 * d.width;
        for (int32_t j = 0; j < d.width; j++) {
          const int32_t ix = j - p->pad_w;
          uint32_t *dst = row + 2 * j;
          if (ix < 0 || ix >= iw) {
            for (int32_t g = 0; g < d.cg; g++, dst += gstride) dst[0] = dst[1] = 0;
            continue;
          }
          const int8_t *xp = xr + (size_t)ix * ic;
          if (dm != 1) {
            widen_repeated(dst, gstride, xp, ic, dm, p->in_offset);
            continue;
          }
          int32_t g = 0;
          for (; 4 * g + 4 <= c; g++, dst += gstride, xp += 4) {
            const uint32_t v = el_ld32(xp);
            dst[0] = el_sadd16(el_sxtb16(v), off);
            dst[1] = el_sadd16(el_sxtb16_hi(v), off);
          }
          if (g < d.cg) widen4(dst, xp, c - 4 * g, off);
        }
      }
      int8_t *yr = y + (((size_t)b * oh + oy) * ow) * c;
      for (int32_t ox = 0; ox < ow; ox++) {
        const int32_t col = ox * p->stride_w;
        if (kh == 3 && kw == 3 && p->dil_w == 1) {
          pixel_groups_3x3(rows, wbuf, col, d.cg, d.width, &o, yr + (size_t)ox * c);
        } else {
          pixel_groups(rows, wbuf, col, d.cg, d.width, kh, kw, p->dil_w, &o, yr + (size_t)ox * c);
        }
      }
    }
  }
}

int el_depthwise_fast_usable(const el_tensor *w, const el_conv_params *p) {
  (void)p;
  return w->dims[1] <= 16;
}
