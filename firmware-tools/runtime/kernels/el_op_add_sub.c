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
  EL_ENSURE(el_quantize_multiplier(real1, &d->in1_mult, &d->in1_shift) == 0 && d->in1_shift <= 0,
            EL_ERR_QUANTIZATION);
  EL_ENSURE(el_quantize_multiplier(real2, &d->in2_mult, &d->in2_shift) == 0 && d->in2_shift <= 0,
            EL_ERR_QUANTIZATION);
  EL_ENSURE(el_quantize_multiplier(real_out, &d->out_mult, &d->out_shift) == 0 && d->out_shift <= 0,
            EL_ERR_QUANTIZATION);
  n->data = d;
  c->macs = out->count;
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

static void eval_add(const el_node *n) {
  const addsub_data *d = n->data;
  el_bcast_run(&d->bc, n->in[0]->data, n->in[1]->data, n->out[0]->data, add_one, d);
}

static void eval_sub(const el_node *n) {
  const addsub_data *d = n->data;
  el_bcast_run(&d->bc, n->in[0]->data, n->in[1]->data, n->out[0]->data, sub_one, d);
}

const el_kernel el_kernel_add = {EL_OP_ADD, "ADD", 5, EL_OPT_ADD, prepare_common, eval_add};
const el_kernel el_kernel_sub = {EL_OP_SUB, "SUB", 5, EL_OPT_SUB, prepare_common, eval_sub};
