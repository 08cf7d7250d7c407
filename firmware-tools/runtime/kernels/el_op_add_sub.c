/* ADD and SUB, int8 with broadcasting. Both rescale the inputs to a common scale with 20 bits of
 * headroom, as TFLite's reference int8 Add/Sub (PrepareGeneralSubOp) do. */
#include "../el_fixedpoint.h"
#include "../el_internal.h"
#include "el_broadcast.h"

enum { OPT_ACTIVATION = 0, OPT_POT_SCALE_INT16 = 1 };

typedef struct {
  el_bcast bc;
  int32_t in1_offset, in2_offset, out_offset, left_shift;
  int32_t in1_mult, in2_mult, out_mult;
  int in1_shift, in2_shift, out_shift;
  int32_t act_min, act_max;
} addsub_data;

static el_status prepare_common(el_prepare_ctx *c, el_node *n) {
  EL_TRY(el_expect_binary_int8(n));
  const el_tensor *a = n->in[0], *b = n->in[1], *out = n->out[0];
  addsub_data *d = el_alloc(c, sizeof *d);
  EL_ENSURE(d != NULL, EL_ERR_ARENA_TOO_SMALL);
  EL_TRY(el_bcast_prepare(a, b, out, &d->bc));
  uint8_t act;
  EL_TRY(el_fbt_u8(&c->options, OPT_ACTIVATION, 0, &act));
  EL_TRY(el_activation_range(act, out, &d->act_min, &d->act_max));
  d->in1_offset = -a->zero_point;
  d->in2_offset = -b->zero_point;
  d->out_offset = out->zero_point;
  d->left_shift = 20;
  const double twice_max = (double)(2.0f * EL_MAX(a->scale, b->scale));
  const double real1 = (double)a->scale / twice_max;
  const double real2 = (double)b->scale / twice_max;
  const double real_out = twice_max / (double)((float)(1 << d->left_shift) * out->scale);
  EL_ENSURE(el_quantize_multiplier(real1, &d->in1_mult, &d->in1_shift) == 0 && d->in1_shift <= 0, EL_ERR_QUANTIZATION);
  EL_ENSURE(el_quantize_multiplier(real2, &d->in2_mult, &d->in2_shift) == 0 && d->in2_shift <= 0, EL_ERR_QUANTIZATION);
  EL_ENSURE(el_quantize_multiplier(real_out, &d->out_mult, &d->out_shift) == 0 && d->out_shift <= 0,
            EL_ERR_QUANTIZATION);
  n->data = d;
  c->macs = out->count;
  /* Same-shape inputs with enough elements to pay for two 256-entry tables: the optimised path. */
  if (a->count == out->count && b->count == out->count && out->count >= 1024u) el_request_scratch(n, 2u * 256u * 4u);
  return EL_OK;
}

static inline int32_t scaled(const addsub_data *d, int32_t a, int32_t b, int sub) {
  const int32_t s1 = el_mbqm_small((a + d->in1_offset) * (1 << d->left_shift), d->in1_mult, d->in1_shift);
  const int32_t s2 = el_mbqm_small((b + d->in2_offset) * (1 << d->left_shift), d->in2_mult, d->in2_shift);
  const int32_t raw = sub ? s1 - s2 : s1 + s2;
  const int32_t o = el_mbqm_small(raw, d->out_mult, d->out_shift) + d->out_offset;
  return el_clamp(o, d->act_min, d->act_max);
}

static int8_t add_one(const void *p, int32_t a, int32_t b) { return (int8_t)scaled(p, a, b, 0); }
static int8_t sub_one(const void *p, int32_t a, int32_t b) { return (int8_t)scaled(p, a, b, 1); }

/* Optimised same-shape ADD/SUB: each input's rescaled value depends only on its int8 value, so the two
 * rescalings (a 64-bit multiply each) become two 256-entry tables, built per invoke in scratch with the
 * reference's own arithmetic; the output rescaling is the reference's MultiplyByQuantizedMultiplierSmaller-
 * ThanOneExp with its constants worked out once (floor((x*m + 2^30) / 2^31), then the rounding shift). */
static void eval_fast(const el_node *n, int sub) {
  const addsub_data *d = n->data;
  int32_t *t1 = n->scratch, *t2 = t1 + 256;
  for (int32_t v = -128; v < 128; v++) {
    t1[v + 128] = el_mbqm_small((v + d->in1_offset) * (1 << d->left_shift), d->in1_mult, d->in1_shift);
    const int32_t s2 = el_mbqm_small((v + d->in2_offset) * (1 << d->left_shift), d->in2_mult, d->in2_shift);
    t2[v + 128] = sub ? -s2 : s2;
  }
  const int8_t *a = n->in[0]->data, *b = n->in[1]->data;
  int8_t *y = n->out[0]->data;
  const int32_t m = d->out_mult, right = -d->out_shift, mask = (int32_t)(((int64_t)1 << right) - 1), half = mask >> 1;
  const int32_t out_offset = d->out_offset, lo = d->act_min, hi = d->act_max;
  const uint32_t count = d->bc.count;
  for (uint32_t i = 0; i < count; i++) {
    const int32_t raw = t1[a[i] + 128] + t2[b[i] + 128];
    const int32_t h = (int32_t)(((int64_t)raw * m + ((int64_t)1 << 30)) >> 31);
    const int32_t r = (h >> right) + ((h & mask) > half + (h < 0 ? 1 : 0) ? 1 : 0) + out_offset;
    y[i] = (int8_t)(r < lo ? lo : (r > hi ? hi : r));
  }
}

static void eval_add(const el_node *n) {
  const addsub_data *d = n->data;
  if (!n->reference && n->scratch != NULL) {
    eval_fast(n, 0);
  } else {
    el_bcast_run(&d->bc, n->in[0]->data, n->in[1]->data, n->out[0]->data, add_one, d);
  }
}

static void eval_sub(const el_node *n) {
  const addsub_data *d = n->data;
  if (!n->reference && n->scratch != NULL) {
    eval_fast(n, 1);
  } else {
    el_bcast_run(&d->bc, n->in[0]->data, n->in[1]->data, n->out[0]->data, sub_one, d);
  }
}

const el_kernel el_kernel_add = {EL_OP_ADD, "ADD", 5, EL_OPT_ADD, prepare_common, eval_add};
const el_kernel el_kernel_sub = {EL_OP_SUB, "SUB", 5, EL_OPT_SUB, prepare_common, eval_sub};
