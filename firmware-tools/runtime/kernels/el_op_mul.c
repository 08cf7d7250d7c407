/* MUL, int8 with broadcasting (TFLite reference_integer_ops::Mul arithmetic). */
#include "../el_fixedpoint.h"
#include "../el_internal.h"
#include "el_broadcast.h"

enum { OPT_ACTIVATION = 0 };

typedef struct {
  el_bcast bc;
  int32_t in1_offset, in2_offset, out_offset, mult, act_min, act_max;
  int shift;
} mul_data;

static el_status prepare(el_prepare_ctx *c, el_node *n) {
  EL_TRY(el_expect_binary_int8(n));
  const el_tensor *a = n->in[0], *b = n->in[1], *out = n->out[0];
  mul_data *d = el_alloc(c, sizeof *d);
  EL_ENSURE(d != NULL, EL_ERR_ARENA_TOO_SMALL);
  EL_TRY(el_bcast_prepare(a, b, out, &d->bc));
  uint8_t act;
  EL_TRY(el_fbt_u8(&c->options, OPT_ACTIVATION, 0, &act));
  EL_TRY(el_activation_range(act, out, &d->act_min, &d->act_max));
  d->in1_offset = -a->zero_point;
  d->in2_offset = -b->zero_point;
  d->out_offset = out->zero_point;
  const double real = (double)a->scale * (double)b->scale / (double)out->scale;
  EL_ENSURE(el_quantize_multiplier(real, &d->mult, &d->shift) == 0, EL_ERR_QUANTIZATION);
  n->data = d;
  c->macs = out->count;
  return EL_OK;
}

static int8_t mul_one(const void *p, int32_t a, int32_t b) {
  const mul_data *d = p;
  const int32_t r = d->out_offset + el_mbqm((a + d->in1_offset) * (b + d->in2_offset), d->mult, d->shift);
  return (int8_t)el_clamp(r, d->act_min, d->act_max);
}

static void eval(const el_node *n) {
  const mul_data *d = n->data;
  el_bcast_run(&d->bc, n->in[0]->data, n->in[1]->data, n->out[0]->data, mul_one, d);
}

const el_kernel el_kernel_mul = {EL_OP_MUL, "MUL", 6, EL_OPT_MUL, prepare, eval};
