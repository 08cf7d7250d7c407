/* AVERAGE_POOL_2D and MAX_POOL_2D, int8 (TFLite reference_integer_ops::AveragePool / MaxPool:
 * the average divides by the number of in-bounds taps, rounding half away from zero). */
#include "../el_fixedpoint.h"
#include "../el_internal.h"
#include "el_simd.h"

enum { OPT_PADDING = 0, OPT_STRIDE_W = 1, OPT_STRIDE_H = 2, OPT_FILTER_W = 3, OPT_FILTER_H = 4, OPT_ACTIVATION = 5 };

/* The window along one axis (h or w). */
typedef struct {
  int32_t stride, filter, pad;
} pool_axis;

typedef struct {
  pool_axis h, w;
  int32_t act_min, act_max;
} pool_data;

/* The in-bounds part of output `o`'s window along axis `a` of an input `size` long: the window starts at input
 * index `start` and its taps [lo, hi) fall inside the input (hi <= lo: none), TFLite's filter_*_start and _end. */
typedef struct {
  int32_t start, lo, hi;
} pool_span;

static inline pool_span window(const pool_axis *a, int32_t o, int32_t size) {
  pool_span s;
  s.start = o * a->stride - a->pad;
  s.lo = EL_MAX(0, -s.start);
  s.hi = EL_MIN(a->filter, size - s.start);
  return s;
}

static el_status prepare(el_prepare_ctx *c, el_node *n) {
  EL_TRY(el_expect_io(n, 1, 1, 1));
  const el_tensor *in = n->in[0], *out = n->out[0];
  EL_TRY(el_expect_int8(in));
  EL_TRY(el_expect_int8(out));
  EL_ENSURE(in->rank == 4 && out->rank == 4 && in->dims[0] == out->dims[0] && in->dims[3] == out->dims[3],
            EL_ERR_SHAPE);
  EL_ENSURE(in->scale == out->scale && in->zero_point == out->zero_point, EL_ERR_QUANTIZATION);
  pool_data *d = el_alloc(c, sizeof *d);
  EL_ENSURE(d != NULL, EL_ERR_ARENA_TOO_SMALL);
  uint8_t padding, act;
  EL_TRY(el_fbt_u8(&c->options, OPT_PADDING, 0, &padding));
  EL_TRY(el_fbt_i32(&c->options, OPT_STRIDE_W, 0, &d->w.stride));
  EL_TRY(el_fbt_i32(&c->options, OPT_STRIDE_H, 0, &d->h.stride));
  EL_TRY(el_fbt_i32(&c->options, OPT_FILTER_W, 0, &d->w.filter));
  EL_TRY(el_fbt_i32(&c->options, OPT_FILTER_H, 0, &d->h.filter));
  EL_TRY(el_fbt_u8(&c->options, OPT_ACTIVATION, 0, &act));
  EL_TRY(el_padding(padding, in->dims[1], d->h.filter, d->h.stride, 1, out->dims[1], &d->h.pad));
  EL_TRY(el_padding(padding, in->dims[2], d->w.filter, d->w.stride, 1, out->dims[2], &d->w.pad));
  EL_TRY(el_activation_range(act, out, &d->act_min, &d->act_max));
  EL_ENSURE((int64_t)d->w.filter * d->h.filter <= (1 << 23), EL_ERR_LIMIT); /* int32 sum of 8-bit values */
  n->data = d;
  /* taps actually visited: the window is clipped to the input */
  c->macs =
      (uint64_t)out->count * (uint64_t)EL_MIN(d->w.filter, in->dims[2]) * (uint64_t)EL_MIN(d->h.filter, in->dims[1]);
  return EL_OK;
}

/* The average's output before the clamp: sum / count rounded half away from zero (count >= 1). */
static inline int32_t avg_round(int32_t acc, int32_t count) {
  return acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
}

/* The reference's average: the sum divided by the in-bounds taps, rounded half away from zero, clamped. */
static inline int8_t avg_out(int32_t acc, int32_t count, int32_t lo, int32_t hi) {
  return (int8_t)el_clamp(avg_round(acc, count), lo, hi);
}

static void pool(const el_node *n, int is_max) {
  const pool_data *d = n->data;
  const el_tensor *in = n->in[0], *out = n->out[0];
  const int8_t *x = in->data;
  int8_t *y = out->data;
  const int32_t batches = in->dims[0], ih = in->dims[1], iw = in->dims[2], ch = in->dims[3];
  const int32_t oh = out->dims[1], ow = out->dims[2];
  for (int32_t b = 0; b < batches; b++) {
    for (int32_t oy = 0; oy < oh; oy++) {
      const pool_span sy = window(&d->h, oy, ih);
      const int32_t y0 = sy.start, fy0 = sy.lo, fy1 = sy.hi;
      for (int32_t ox = 0; ox < ow; ox++) {
        const pool_span sx = window(&d->w, ox, iw);
        const int32_t x0 = sx.start, fx0 = sx.lo, fx1 = sx.hi;
        for (int32_t c = 0; c < ch; c++) {
          int32_t acc = is_max ? -128 : 0, count = 0;
          for (int32_t fy = fy0; fy < fy1; fy++) {
            for (int32_t fx = fx0; fx < fx1; fx++) {
              const int32_t v = x[(((size_t)b * ih + y0 + fy) * iw + x0 + fx) * ch + c];
              if (is_max) {
                acc = v > acc ? v : acc;
              } else {
                acc += v;
              }
              count++;
            }
          }
          if (!is_max) acc = avg_round(acc, count == 0 ? 1 : count);
          y[(((size_t)b * oh + oy) * ow + ox) * ch + c] = (int8_t)el_clamp(acc, d->act_min, d->act_max);
        }
      }
    }
  }
}

/* Optimised MAX_POOL_2D: four channels per 32-bit word, bytewise signed max of the in-bounds taps (SSUB8 +
 * SEL on the DSP extension), then the activation clamp the same way; channels beyond a multiple of 4 and
 * the order of operations are the reference's, so the outputs are identical. */
static void max_fast(const el_node *n) {
  const pool_data *d = n->data;
  const el_tensor *in = n->in[0], *out = n->out[0];
  const int8_t *x = in->data;
  int8_t *y = out->data;
  const int32_t batches = in->dims[0], ih = in->dims[1], iw = in->dims[2], ch = in->dims[3];
  const int32_t oh = out->dims[1], ow = out->dims[2], lo = d->act_min, hi = d->act_max;
  const uint32_t lo4 = (uint32_t)(uint8_t)lo * 0x01010101u, hi4 = (uint32_t)(uint8_t)hi * 0x01010101u;
  for (int32_t b = 0; b < batches; b++) {
    for (int32_t oy = 0; oy < oh; oy++) {
      const pool_span sy = window(&d->h, oy, ih);
      const int32_t y0 = sy.start, fy0 = sy.lo, fy1 = sy.hi;
      for (int32_t ox = 0; ox < ow; ox++) {
        const pool_span sx = window(&d->w, ox, iw);
        const int32_t x0 = sx.start, fx0 = sx.lo, fx1 = sx.hi;
        const int8_t *xb = x + (size_t)b * ih * iw * ch;
        int8_t *yp = y + (((size_t)b * oh + oy) * ow + ox) * ch;
        int32_t c = 0;
        for (; c + 4 <= ch; c += 4) {
          uint32_t m = 0x80808080u; /* -128 in every lane, the reference's start value */
          for (int32_t fy = fy0; fy < fy1; fy++) {
            const int8_t *row = xb + ((size_t)(y0 + fy) * iw + (size_t)(x0 + fx0)) * ch + c;
            for (int32_t fx = fx0; fx < fx1; fx++, row += ch) m = el_max8x4(m, el_ld32(row));
          }
          el_st32(yp + c, el_min8x4(el_max8x4(m, lo4), hi4));
        }
        for (; c < ch; c++) {
          int32_t acc = -128;
          for (int32_t fy = fy0; fy < fy1; fy++) {
            for (int32_t fx = fx0; fx < fx1; fx++) {
              const int32_t v = xb[((size_t)(y0 + fy) * iw + (size_t)(x0 + fx)) * ch + c];
              acc = v > acc ? v : acc;
            }
          }
          yp[c] = (int8_t)el_clamp(acc, lo, hi);
        }
      }
    }
  }
}

/* Widest window row avg_fast takes: 256 taps of int8 values always fit a 16-bit sum. */
#define EL_AVG_ROW_MAX 256

/* Optimised AVERAGE_POOL_2D: four channels per 32-bit word, the taps summed into two pairs of 16-bit lanes
 * (SXTAB16 and SXTAB16 ROR #8: channels 0,2 and 1,3, one instruction per two channels and tap), moved into
 * 32-bit sums before a lane could overflow (every 256 taps at most: 256 * -128 = -32,768 and 256 * 127 = 32,512
 * fit 16 bits); the division and clamp are the reference's. The sums
 * are the same integers as the reference's, so the outputs are identical. Window rows wider than 256 taps run
 * the reference loop. */
static void avg_fast(const el_node *n) {
  const pool_data *d = n->data;
  const el_tensor *in = n->in[0], *out = n->out[0];
  const int8_t *x = in->data;
  int8_t *y = out->data;
  const int32_t batches = in->dims[0], ih = in->dims[1], iw = in->dims[2], ch = in->dims[3];
  const int32_t oh = out->dims[1], ow = out->dims[2], lo = d->act_min, hi = d->act_max;
  for (int32_t b = 0; b < batches; b++) {
    const int8_t *xb = x + (size_t)b * ih * iw * ch;
    for (int32_t oy = 0; oy < oh; oy++) {
      const pool_span sy = window(&d->h, oy, ih);
      const int32_t y0 = sy.start, fy0 = sy.lo, fy1 = sy.hi;
      for (int32_t ox = 0; ox < ow; ox++) {
        const pool_span sx = window(&d->w, ox, iw);
        const int32_t x0 = sx.start, fx0 = sx.lo, fx1 = sx.hi;
        const int32_t row_taps = EL_MAX(fx1 - fx0, 0), rows = EL_MAX(fy1 - fy0, 0);
        int32_t count = row_taps * rows;
        if (count == 0) count = 1;
        /* window rows summed in 16-bit lanes before a flush into the 32-bit sums */
        const int32_t rows_per_flush = row_taps > 0 ? EL_AVG_ROW_MAX / row_taps : 1;
        const int8_t *win = xb + ((size_t)(y0 + fy0) * iw + (size_t)(x0 + fx0)) * ch;
        int8_t *yp = y + (((size_t)b * oh + oy) * ow + ox) * ch;
        int32_t c = 0;
        for (; c + 4 <= ch; c += 4) {
          int32_t s[4] = {0, 0, 0, 0};
          for (int32_t fy = 0; fy < rows;) {
            uint32_t e = 0, o = 0; /* lanes: channels 0,2 and 1,3 */
            const int32_t end = EL_MIN(rows, fy + rows_per_flush);
            for (; fy < end; fy++) {
              const int8_t *p = win + (size_t)fy * iw * ch + c;
              for (int32_t fx = 0; fx < row_taps; fx++, p += ch) {
                const uint32_t v = el_ld32(p);
                e = el_sxtab16(e, v);
                o = el_sxtab16_hi(o, v);
              }
            }
            el_add_lanes16(s, e, o);
          }
          yp[c] = avg_out(s[0], count, lo, hi);
          yp[c + 1] = avg_out(s[1], count, lo, hi);
          yp[c + 2] = avg_out(s[2], count, lo, hi);
          yp[c + 3] = avg_out(s[3], count, lo, hi);
        }
        for (; c < ch; c++) {
          int32_t acc = 0;
          for (int32_t fy = 0; fy < rows; fy++) {
            const int8_t *p = win + (size_t)fy * iw * ch + c;
            for (int32_t fx = 0; fx < row_taps; fx++, p += ch) acc += *p;
          }
          yp[c] = avg_out(acc, count, lo, hi);
        }
      }
    }
  }
}

static void eval_avg(const el_node *n) {
  const pool_data *d = n->data;
  if (n->reference || d->w.filter > EL_AVG_ROW_MAX) {
    pool(n, 0);
  } else {
    avg_fast(n);
  }
}
static void eval_max(const el_node *n) {
  if (n->reference) {
    pool(n, 1);
  } else {
    max_fast(n);
  }
}

const el_kernel el_kernel_average_pool_2d = {EL_OP_AVERAGE_POOL_2D,  "AVERAGE_POOL_2D", 3,
                                             EL_OPT_AVERAGE_POOL_2D, prepare,           eval_avg};
const el_kernel el_kernel_max_pool_2d = {EL_OP_MAX_POOL_2D, "MAX_POOL_2D", 3, EL_OPT_MAX_POOL_2D, prepare, eval_max};
