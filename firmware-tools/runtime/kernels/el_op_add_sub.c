/* ADD and SUB, int8 with broadcasting. Both rescale the inputs to a common scale with 20 bits of
 * headroom, as TFLite's reference int8 Add/Sub (PrepareGeneralSubOp) do. */
#include "../el_fixedpoint.h"
#include "../el_internal.h"
#include "el_broadcast.h"
#include "el_requant.h"
#include "el_simd.h"

typedef struct {
  el_binary_q q;
  int32_t left_shift;
  int32_t in1_mult, in2_mult, out_mult;
  int in1_shift, in2_shift, out_shift;
} addsub_data;

/* Elements from which the optimised path's tables pay for themselves (512 reference rescalings build them; a
 * reference element costs two and a half). Scratch: the two tables (src/compiler/runtime-scratch.ts asks the same). */
#define EL_ADD_FAST_MIN 256u

static el_status prepare_common(el_prepare_ctx *c, el_node *n) {
  EL_TRY(el_expect_binary_int8(n));
  addsub_data *d = el_alloc(c, sizeof *d);
  EL_ENSURE(d != NULL, EL_ERR_ARENA_TOO_SMALL);
  EL_TRY(el_binary_prepare(c, n, &d->q));
  const el_tensor *a = n->in[0], *b = n->in[1], *out = n->out[0];
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
  /* Enough elements to pay for two 256-entry tables: the optimised path (eval_fast). */
  if (out->count >= EL_ADD_FAST_MIN) el_request_scratch(n, 2u * 256u * 4u);
  return EL_OK;
}

static inline int32_t scaled(const addsub_data *d, int32_t a, int32_t b, int sub) {
  const int32_t s1 = el_mbqm_small((a + d->q.in1_offset) * (1 << d->left_shift), d->in1_mult, d->in1_shift);
  const int32_t s2 = el_mbqm_small((b + d->q.in2_offset) * (1 << d->left_shift), d->in2_mult, d->in2_shift);
  const int32_t raw = sub ? s1 - s2 : s1 + s2;
  const int32_t o = el_mbqm_small(raw, d->out_mult, d->out_shift) + d->q.out_offset;
  return el_clamp(o, d->q.act_min, d->q.act_max);
}

static int8_t add_one(const void *p, int32_t a, int32_t b) { return (int8_t)scaled(p, a, b, 0); }
static int8_t sub_one(const void *p, int32_t a, int32_t b) { return (int8_t)scaled(p, a, b, 1); }

/* Optimised ADD/SUB, any broadcast: each input's rescaled value depends only on its int8 value, so the two
 * rescalings (a 64-bit multiply each) become two 256-entry tables, built per invoke in scratch with the
 * reference's own arithmetic (SUB negates the second), stored doubled: |rescaled| <= 255 * 2^20 < 2^28, so
 * twice the sum of two fits 30 bits. The output rescaling is the reference's MultiplyByQuantizedMultiplier-
 * SmallerThanOneExp: its high multiply floor((raw*m + 2^30) / 2^31) is floor((2*raw*m + 2^31) / 2^32), one
 * SMMULR of the doubled sum, then the rounding shift (half away from zero) as (h + 2^(r-1) - [h < 0]) >> r
 * (el_rshift; r >= 1).
 * The broadcast runs as the fewest nested runs (el_bcast_runs), the inner loop specialised for inputs that
 * are contiguous or one repeated element. */
typedef struct {
  const int32_t *t1, *t2; /* indexed by the int8 value + 128 */
  el_rshift shift;
  int32_t m, out_offset, lo, hi, stride_a, stride_b;
} add_fast;

/* Output stores through int8_t pointers may alias anything, so the constants live in locals (registers), not
 * behind the context pointer. */
#define EL_ADD_OUT(sum2)                                               \
  do {                                                                 \
    const int32_t r_ = el_rshift_apply(sh, el_smmulr((sum2), m)) + oo; \
    y[i] = (int8_t)(r_ < lo ? lo : (r_ > hi ? hi : r_));               \
  } while (0)

static void add_row(const int8_t *a, const int8_t *b, int8_t *y, int32_t n, const void *p) {
  const add_fast *k = p;
  const int32_t *t1 = k->t1 + 128, *t2 = k->t2 + 128;
  const el_rshift sh = k->shift;
  const int32_t m = k->m, oo = k->out_offset, lo = k->lo, hi = k->hi;
  if (k->stride_a != 0 && k->stride_b != 0) {
    for (int32_t i = 0; i < n; i++) EL_ADD_OUT(t1[a[i]] + t2[b[i]]);
  } else if (k->stride_b == 0) {
    const int32_t vb = t2[b[0]];
    for (int32_t i = 0; i < n; i++) EL_ADD_OUT(t1[a[i]] + vb);
  } else {
    const int32_t va = t1[a[0]];
    for (int32_t i = 0; i < n; i++) EL_ADD_OUT(va + t2[b[i]]);
  }
}
#undef EL_ADD_OUT

static void eval_fast(const el_node *n, int sub) {
  const addsub_data *d = n->data;
  int32_t *t1 = n->scratch, *t2 = t1 + 256;
  for (int32_t v = -128; v < 128; v++) {
    t1[v + 128] = 2 * el_mbqm_small((v + d->q.in1_offset) * (1 << d->left_shift), d->in1_mult, d->in1_shift);
    const int32_t s2 = el_mbqm_small((v + d->q.in2_offset) * (1 << d->left_shift), d->in2_mult, d->in2_shift);
    t2[v + 128] = sub ? -2 * s2 : 2 * s2;
  }
  el_bcast_runs runs;
  el_bcast_runs_of(&d->q.bc, &runs);
  const add_fast k = {t1,
                      t2,
                      el_rshift_init(-d->out_shift),
                      d->out_mult,
                      d->q.out_offset,
                      d->q.act_min,
                      d->q.act_max,
                      runs.stride_a[0],
                      runs.stride_b[0]};
  el_bcast_rows(&runs, n->in[0]->data, n->in[1]->data, n->out[0]->data, add_row, &k);
}

/* The optimised path needs a rounding shift of at least 1 (el_rshift): any real model's output multiplier is far
 * below 1/2 (the inputs are rescaled with 20 bits of headroom). */
static int fast_usable(const el_node *n) {
  const addsub_data *d = n->data;
  return !n->reference && n->scratch != NULL && d->out_shift < 0;
}

static void eval_add(const el_node *n) {
  const addsub_data *d = n->data;
  if (fast_usable(n)) {
    eval_fast(n, 0);
  } else {
    el_bcast_run(&d->q.bc, n->in[0]->data, n->in[1]->data, n->out[0]->data, add_one, d);
  }
}

static void eval_sub(const el_node *n) {
  const addsub_data *d = n->data;
  if (fast_usable(n)) {
    eval_fast(n, 1);
  } else {
    el_bcast_run(&d->q.bc, n->in[0]->data, n->in[1]->data, n->out[0]->data, sub_one, d);
  }
}

const el_kernel el_kernel_add = {EL_OP_ADD, "ADD", 5, EL_OPT_ADD, prepare_common, eval_add};
const el_kernel el_kernel_sub = {EL_OP_SUB, "SUB", 5, EL_OPT_SUB, prepare_common, eval_sub};
