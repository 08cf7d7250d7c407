/* FULLY_CONNECTED, int8, per-tensor or per-channel weights, optional int32 bias.
 * Matches TFLite's reference_integer_ops::FullyConnected (and its per-channel variant). */
#include "../el_fixedpoint.h"
#include "../el_internal.h"
#include "el_conv_common.h"
#include "el_conv_fast.h"

enum { OPT_ACTIVATION = 0, OPT_WEIGHTS_FORMAT = 1, OPT_KEEP_NUM_DIMS = 2, OPT_ASYMMETRIC_INPUTS = 3 };

typedef struct {
  int32_t in_offset, out_offset, act_min, act_max, batches, depth, units;
  int32_t *mult;
  int32_t *shift;
  uint8_t per_channel;
} fc_data;

static el_status prepare(el_prepare_ctx *c, el_node *n) {
  EL_TRY(el_expect_io(n, 2, 3, 1));
  const el_tensor *in = n->in[0], *w = n->in[1], *bias = n->n_in > 2 ? n->in[2] : NULL, *out = n->out[0];
  EL_TRY(el_expect_int8(in));
  EL_TRY(el_expect_int8(out));
  EL_ENSURE(w->rank == 2, EL_ERR_SHAPE);
  const int32_t units = w->dims[0], depth = w->dims[1];
  EL_ENSURE(in->count % (uint32_t)depth == 0, EL_ERR_SHAPE);
  const int32_t batches = (int32_t)(in->count / (uint32_t)depth);
  EL_ENSURE(out->count == (uint32_t)batches * (uint32_t)units && el_dim(out, -1) == units, EL_ERR_SHAPE);
  EL_TRY(el_conv_check_weights(w, bias, units, 0));
  EL_ENSURE(depth <= EL_MAX_ACCUMULATION, EL_ERR_LIMIT);

  uint8_t act, format, asym;
  EL_TRY(el_fbt_u8(&c->options, OPT_ACTIVATION, 0, &act));
  EL_TRY(el_fbt_u8(&c->options, OPT_WEIGHTS_FORMAT, 0, &format));
  EL_TRY(el_fbt_u8(&c->options, OPT_ASYMMETRIC_INPUTS, 0, &asym));
  EL_ENSURE(format == 0 && asym == 0, EL_ERR_OPTIONS);

  fc_data *d = el_alloc(c, sizeof *d);
  EL_ENSURE(d != NULL, EL_ERR_ARENA_TOO_SMALL);
  EL_TRY(el_activation_range(act, out, &d->act_min, &d->act_max));
  d->in_offset = -in->zero_point;
  d->out_offset = out->zero_point;
  d->batches = batches;
  d->depth = depth;
  d->units = units;
  d->per_channel = w->nscales > 1;
  if (d->per_channel) {
    EL_TRY(el_conv_multipliers(c, in, w, out, units, &d->mult, &d->shift));
  } else {
    /* TFLite's GetQuantizedConvolutionMultipler: the scale product is a float product. */
    d->mult = el_alloc(c, sizeof(int32_t));
    d->shift = el_alloc(c, sizeof(int32_t));
    EL_ENSURE(d->mult != NULL && d->shift != NULL, EL_ERR_ARENA_TOO_SMALL);
    const float product = in->scale * w->scale;
    int s;
    EL_ENSURE(el_quantize_multiplier((double)product / (double)out->scale, d->mult, &s) == 0, EL_ERR_QUANTIZATION);
    *d->shift = s;
  }
  el_request_scratch(n, el_col_bytes(depth));
  n->data = d;
  c->macs = (uint64_t)batches * (uint64_t)units * (uint64_t)depth;
  return EL_OK;
}

/* The reference loop (el_model_use_reference_kernels). */
static void eval_reference(const el_node *n) {
  const fc_data *d = n->data;
  const el_tensor *bias_t = n->n_in > 2 ? n->in[2] : NULL;
  const int32_t *bias = bias_t != NULL ? (const int32_t *)bias_t->data : NULL;
  const int8_t *x = n->in[0]->data;
  const int8_t *f = n->in[1]->data;
  int8_t *y = n->out[0]->data;
  for (int32_t b = 0; b < d->batches; b++) {
    const int8_t *xb = x + (size_t)b * d->depth;
    for (int32_t o = 0; o < d->units; o++) {
      const int8_t *fo = f + (size_t)o * d->depth;
      int32_t acc = 0;
      for (int32_t k = 0; k < d->depth; k++) acc += (int32_t)fo[k] * ((int32_t)xb[k] + d->in_offset);
      if (bias != NULL) acc = el_add_wrap(acc, bias[o]);
      const int ch = d->per_channel ? o : 0;
      acc = el_mbqm(acc, d->mult[ch], d->shift[ch]) + d->out_offset;
      y[(size_t)b * d->units + o] = (int8_t)el_clamp(acc, d->act_min, d->act_max);
    }
  }
}

static inline int8_t requant(int32_t acc, int32_t mult, int32_t shift, int32_t out_offset, int32_t lo, int32_t hi) {
  return (int8_t)el_clamp(el_mbqm(acc, mult, shift) + out_offset, lo, hi);
}

/* Optimised: each batch row's inputs are widened once to int16 with the input offset added (el_widen_col),
 * then two weight rows per pass (el_dot_2x1: per 4 inputs two word loads of weights, SXTB16, four SMLADs),
 * the accumulators starting at the bias; requantisation as the reference (one per `depth` MACs). Same outputs as eval_reference, bit for bit. */
static void eval_fast(const el_node *n) {
  const fc_data *d = n->data;
  const el_tensor *bias_t = n->n_in > 2 ? n->in[2] : NULL;
  const int32_t *bias = bias_t != NULL ? (const int32_t *)bias_t->data : NULL;
  const int8_t *x = n->in[0]->data;
  const int8_t *f = n->in[1]->data;
  int8_t *y = n->out[0]->data;
  const int32_t units = d->units, depth = d->depth, out_offset = d->out_offset, lo = d->act_min, hi = d->act_max;
  uint32_t *col = n->scratch;
  const int32_t step = d->per_channel ? 1 : 0;
  for (int32_t b = 0; b < d->batches; b++) {
    el_widen_col(col, x + (size_t)b * depth, depth, d->in_offset);
    int8_t *yb = y + (size_t)b * units;
    const int8_t *fo = f;
    int32_t o = 0;
    for (; o + 1 < units; o += 2, fo += 2 * (size_t)depth) {
      int32_t acc[2];
      el_dot_2x1(fo, depth, col, bias != NULL ? bias[o] : 0, bias != NULL ? bias[o + 1] : 0, acc);
      yb[o] = requant(acc[0], d->mult[o * step], d->shift[o * step], out_offset, lo, hi);
      yb[o + 1] = requant(acc[1], d->mult[(o + 1) * step], d->shift[(o + 1) * step], out_offset, lo, hi);
    }
    if (o < units) {
      const int32_t acc = el_dot_1x1(fo, depth, col, bias != NULL ? bias[o] : 0);
      yb[o] = requant(acc, d->mult[o * step], d->shift[o * step], out_offset, lo, hi);
    }
  }
}

static void eval(const el_node *n) {
  if (n->reference) {
    eval_reference(n);
  } else {
    eval_fast(n);
  }
}

const el_kernel el_kernel_fully_connected = {EL_OP_FULLY_CONNECTED,  "FULLY_CONNECTED", 9,
                                             EL_OPT_FULLY_CONNECTED, prepare,           eval};
