/* MUL, int8 with broadcasting (TFLite reference_integer_ops::Mul arithmetic). */
#include "../el_fixedpoint.h"
#include "../el_internal.h"
#include "el_broadcast.h"
#include "el_conv_fast.h"

typedef struct {
  el_binary_q q;
  int32_t mult;
  int shift;
} mul_data;

static el_status prepare(el_prepare_ctx *c, el_node *n) {
  EL_TRY(el_expect_binary_int8(n));
  mul_data *d = el_alloc(c, sizeof *d);
  EL_ENSURE(d != NULL, EL_ERR_ARENA_TOO_SMALL);
  EL_TRY(el_binary_prepare(c, n, &d->q));
  const el_tensor *a = n->in[0], *b = n->in[1], *out = n->out[0];
  const double real = (double)a->scale * (double)b->scale / (double)out->scale;
  EL_ENSURE(el_quantize_multiplier(real, &d->mult, &d->shift) == 0, EL_ERR_QUANTIZATION);
  n->data = d;
  c->macs = out->count;
  /* the optimised path's requantisation constants (el_rq, worked out per invoke, as the convolutions do) */
  el_request_scratch(n, el_rq_bytes(1));
  return EL_OK;
}

static int8_t mul_one(const void *p, int32_t a, int32_t b) {
  const mul_data *d = p;
  const int32_t r = d->q.out_offset + el_mbqm((a + d->q.in1_offset) * (b + d->q.in2_offset), d->mult, d->shift);
  return (int8_t)el_clamp(r, d->q.act_min, d->q.act_max);
}

/* Optimised MUL, any broadcast: the runs of el_bcast_runs, the inner loop specialised for contiguous inputs
 * or one repeated element. Contiguous pairs go four at a time: one word of each input, widened with the
 * offsets added (SXTB16, SADD16: int16 lanes, |x + offset| <= 255), four 16x16 products (SMULBB, SMULTT),
 * the same int32 products as the reference's. The requantisation is the reference's el_mbqm in both build
 * flavours: el_rq_small (SMMUL/SMMULR and a rounding shift, |product| <= 255 * 255) for multipliers below 1/2,
 * el_rq_apply with its constants worked out once otherwise. */
typedef struct {
  const el_rq *rq;
  el_rq_small rs;
  int32_t in1_offset, in2_offset, out_offset, lo, hi, stride_a, stride_b;
} mul_fast;

/* One row function per requantisation; REQ(p) is the rescaled product. Constants in locals: the int8_t output
 * stores may alias anything behind a pointer. */
#define EL_MUL_ROW(NAME, REQ)                                                                                  \
  static void NAME(const int8_t *a, const int8_t *b, int8_t *y, int32_t n, const void *p) {                    \
    const mul_fast *k = p;                                                                                     \
    const el_rq rq_local = *k->rq;                                                                             \
    const el_rq *rq = &rq_local;                                                                               \
    const el_rq_small rs = k->rs;                                                                              \
    const int32_t oo = k->out_offset, lo = k->lo, hi = k->hi, o1 = k->in1_offset, o2 = k->in2_offset;          \
    (void)rq;                                                                                                  \
    (void)rs;                                                                                                  \
    int32_t i = 0;                                                                                             \
    if (k->stride_a != 0 && k->stride_b != 0) {                                                                \
      const uint32_t w1 = ((uint32_t)o1 & 0xFFFFu) * 0x00010001u, w2 = ((uint32_t)o2 & 0xFFFFu) * 0x00010001u; \
      for (; i + 4 <= n; i += 4) {                                                                             \
        const uint32_t va = el_ld32(a + i), vb = el_ld32(b + i);                                               \
        const uint32_t a02 = el_sadd16(el_sxtb16(va), w1), a13 = el_sadd16(el_sxtb16_hi(va), w1);              \
        const uint32_t b02 = el_sadd16(el_sxtb16(vb), w2), b13 = el_sadd16(el_sxtb16_hi(vb), w2);              \
        y[i] = mul_clamp(REQ(el_smulbb(a02, b02)) + oo, lo, hi);                                               \
        y[i + 1] = mul_clamp(REQ(el_smulbb(a13, b13)) + oo, lo, hi);                                           \
        y[i + 2] = mul_clamp(REQ(el_smultt(a02, b02)) + oo, lo, hi);                                           \
        y[i + 3] = mul_clamp(REQ(el_smultt(a13, b13)) + oo, lo, hi);                                           \
      }                                                                                                        \
      for (; i < n; i++) y[i] = mul_clamp(REQ((a[i] + o1) * (b[i] + o2)) + oo, lo, hi);                        \
    } else if (k->stride_b == 0) {                                                                             \
      const int32_t vb = b[0] + o2;                                                                            \
      for (; i < n; i++) y[i] = mul_clamp(REQ((a[i] + o1) * vb) + oo, lo, hi);                                 \
    } else {                                                                                                   \
      const int32_t va = a[0] + o1;                                                                            \
      for (; i < n; i++) y[i] = mul_clamp(REQ(va * (b[i] + o2)) + oo, lo, hi);                                 \
    }                                                                                                          \
  }

static inline int8_t mul_clamp(int32_t v, int32_t lo, int32_t hi) { return (int8_t)(v < lo ? lo : (v > hi ? hi : v)); }

#define EL_MUL_REQ_SMALL(x) el_rq_small_apply(rs, (x))
#define EL_MUL_REQ_GENERAL(x) el_rq_apply(rq, (x))
EL_MUL_ROW(mul_row_small, EL_MUL_REQ_SMALL)
EL_MUL_ROW(mul_row_general, EL_MUL_REQ_GENERAL)
#undef EL_MUL_ROW
#undef EL_MUL_REQ_SMALL
#undef EL_MUL_REQ_GENERAL

static void eval(const el_node *n) {
  const mul_data *d = n->data;
  if (n->reference) {
    el_bcast_run(&d->q.bc, n->in[0]->data, n->in[1]->data, n->out[0]->data, mul_one, d);
    return;
  }
  el_bcast_runs runs;
  el_bcast_runs_of(&d->q.bc, &runs);
  int32_t shift = d->shift;
  el_rq *rq = el_rq_fill(n->scratch, &d->mult, &shift, 1);
  const int small = d->shift <= -1;
  const mul_fast k = {rq,
                      small ? el_rq_small_init(d->mult, d->shift) : el_rq_small_init(0, -1),
                      d->q.in1_offset,
                      d->q.in2_offset,
                      d->q.out_offset,
                      d->q.act_min,
                      d->q.act_max,
                      runs.stride_a[0],
                      runs.stride_b[0]};
  el_bcast_rows(&runs, n->in[0]->data, n->in[1]->data, n->out[0]->data, small ? mul_row_small : mul_row_general, &k);
}

const el_kernel el_kernel_mul = {EL_OP_MUL, "MUL", 6, EL_OPT_MUL, prepare, eval};
