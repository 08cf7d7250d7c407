/* RESIZE_BILINEAR on NHWC. int8 (input and output share parameters): TFLite's integer kernel
 * (ResizeBilinearInteger, what TFLite Micro runs): source coordinates in 10-bit fixed point,
 *   scale = round(1024 * in / out) (align_corners: 1024 * (in - 1) / (out - 1)),
 *   at = i * scale (half_pixel_centers: i * scale + scale / 2 - 512), lo = max(at / 1024, 0),
 *   hi = min(ceil(at / 1024), in - 1),
 * the four codes weighted by 10-bit distances summed in 64 bits and divided by 2^20, rounding half away from
 * zero (-DEL_SINGLE_ROUNDING: half up, as TFLITE_SINGLE_ROUNDING). float32: TFLite's float reference kernel.
 * The per-row and per-column coordinates are worked out once in Prepare. */
#include <math.h>

#include "../el_internal.h"
#include "el_resize_common.h"

enum { OPT_ALIGN_CORNERS = 2, OPT_HALF_PIXEL_CENTERS = 3 };

typedef struct {
  int32_t lo, hi;
  int32_t frac; /* int8: at - 1024 * lo */
  float f;      /* float: at - lo */
} axis_tap;

typedef struct {
  el_resize_shape s;
  axis_tap *ty; /* [out_h] */
  axis_tap *tx; /* [out_w] */
} bilinear_data;

static void integer_taps(axis_tap *t, int32_t out, int32_t in, int align_corners, int half_pixel_centers) {
  int32_t scale = ((1 << 10) * in + out / 2) / out;
  if (align_corners && out > 1) scale = ((1 << 10) * (in - 1) + (out - 1) / 2) / (out - 1);
  for (int32_t i = 0; i < out; i++) {
    const int32_t at = half_pixel_centers ? i * scale + scale / 2 - (1 << 9) : i * scale;
    t[i].lo = EL_MIN(EL_MAX(at / (1 << 10), 0), in - 1); /* the upper clamp never binds for a valid size */
    t[i].hi = EL_MIN((at + (1 << 10) - 1) / (1 << 10), in - 1);
    t[i].frac = at - (1 << 10) * t[i].lo;
  }
}

static void float_taps(axis_tap *t, int32_t out, int32_t in, int align_corners, int half_pixel_centers) {
  float scale = (float)in / (float)out;
  if (align_corners && out > 1) scale = (float)(in - 1) / (float)(out - 1);
  for (int32_t i = 0; i < out; i++) {
    const float at = half_pixel_centers ? ((float)i + 0.5f) * scale - 0.5f : (float)i * scale;
    t[i].lo = EL_MIN(EL_MAX((int32_t)floorf(at), 0), in - 1);
    t[i].hi = EL_MIN((int32_t)ceilf(at), in - 1);
    t[i].f = at - (float)t[i].lo;
  }
}

static el_status prepare(el_prepare_ctx *c, el_node *n) {
  bilinear_data *d = el_alloc(c, sizeof *d);
  EL_ENSURE(d != NULL, EL_ERR_ARENA_TOO_SMALL);
  EL_TRY(el_resize_prepare(c, n, OPT_ALIGN_CORNERS, OPT_HALF_PIXEL_CENTERS, &d->s));
  d->ty = el_alloc(c, sizeof(axis_tap) * (size_t)d->s.out_h);
  d->tx = el_alloc(c, sizeof(axis_tap) * (size_t)d->s.out_w);
  EL_ENSURE(d->ty != NULL && d->tx != NULL, EL_ERR_ARENA_TOO_SMALL);
  const int ac = d->s.align_corners, hp = d->s.half_pixel_centers;
  if (n->in[0]->type == EL_INT8) {
    integer_taps(d->ty, d->s.out_h, d->s.in_h, ac, hp);
    integer_taps(d->tx, d->s.out_w, d->s.in_w, ac, hp);
  } else {
    float_taps(d->ty, d->s.out_h, d->s.in_h, ac, hp);
    float_taps(d->tx, d->s.out_w, d->s.in_w, ac, hp);
  }
  n->data = d;
  c->macs = (uint64_t)n->out[0]->count * 4u;
  return EL_OK;
}

static int8_t blend(int64_t sum) {
#ifdef EL_SINGLE_ROUNDING
  return (int8_t)((sum + (1 << 19)) >> 20);
#else
  return (int8_t)((sum + (sum > 0 ? (1 << 19) : -(1 << 19))) / (1 << 20));
#endif
}

static void eval_int8(const bilinear_data *d, const int8_t *x, int8_t *y) {
  const el_resize_shape *s = &d->s;
  const size_t row = (size_t)s->in_w * (size_t)s->depth;
  const int32_t one = 1 << 10;
  for (int32_t b = 0; b < s->batches; b++) {
    const int8_t *image = x + (size_t)b * s->in_h * row;
    for (int32_t oy = 0; oy < s->out_h; oy++) {
      const axis_tap *ty = &d->ty[oy];
      const int8_t *r0 = image + (size_t)ty->lo * row, *r1 = image + (size_t)ty->hi * row;
      for (int32_t ox = 0; ox < s->out_w; ox++) {
        const axis_tap *tx = &d->tx[ox];
        const int64_t w00 = (int64_t)(one - ty->frac) * (one - tx->frac), w10 = (int64_t)ty->frac * (one - tx->frac);
        const int64_t w01 = (int64_t)(one - ty->frac) * tx->frac, w11 = (int64_t)ty->frac * tx->frac;
        const int8_t *p00 = r0 + (size_t)tx->lo * s->depth, *p10 = r1 + (size_t)tx->lo * s->depth;
        const int8_t *p01 = r0 + (size_t)tx->hi * s->depth, *p11 = r1 + (size_t)tx->hi * s->depth;
        for (int32_t ch = 0; ch < s->depth; ch++)
          *y++ = blend(p00[ch] * w00 + p10[ch] * w10 + p01[ch] * w01 + p11[ch] * w11);
      }
    }
  }
}

static void eval_float(const bilinear_data *d, const float *x, float *y) {
  const el_resize_shape *s = &d->s;
  const size_t row = (size_t)s->in_w * (size_t)s->depth;
  for (int32_t b = 0; b < s->batches; b++) {
    const float *image = x + (size_t)b * s->in_h * row;
    for (int32_t oy = 0; oy < s->out_h; oy++) {
      const axis_tap *ty = &d->ty[oy];
      const float *r0 = image + (size_t)ty->lo * row, *r1 = image + (size_t)ty->hi * row;
      for (int32_t ox = 0; ox < s->out_w; ox++) {
        const axis_tap *tx = &d->tx[ox];
        const float *p00 = r0 + (size_t)tx->lo * s->depth, *p10 = r1 + (size_t)tx->lo * s->depth;
        const float *p01 = r0 + (size_t)tx->hi * s->depth, *p11 = r1 + (size_t)tx->hi * s->depth;
        const float fy = ty->f, fx = tx->f;
        /* the reference's expression and evaluation order */
        for (int32_t ch = 0; ch < s->depth; ch++)
          *y++ = p00[ch] * (1 - fy) * (1 - fx) + p10[ch] * fy * (1 - fx) + p01[ch] * (1 - fy) * fx + p11[ch] * fy * fx;
      }
    }
  }
}

static void eval(const el_node *n) {
  const bilinear_data *d = n->data;
  if (n->in[0]->type == EL_INT8) {
    eval_int8(d, n->in[0]->data, n->out[0]->data);
  } else {
    eval_float(d, n->in[0]->data, n->out[0]->data);
  }
}

const el_kernel el_kernel_resize_bilinear = {EL_OP_RESIZE_BILINEAR,  "RESIZE_BILINEAR", 4,
                                             EL_OPT_RESIZE_BILINEAR, prepare,           eval};
