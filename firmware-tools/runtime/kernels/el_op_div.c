/* DIV, float32 with NumPy broadcasting and a fused activation (TFLite's reference Div: x / y, then clamp to the
 * activation's range). IEEE division is exact-rounded, so results are bit-identical to TFLite's. The compiler
 * emits DIV only in float graphs (a constant divisor becomes MUL by its reciprocal; TFLite has no int8 DIV). */
#include <math.h>

#include "../el_internal.h"
#include "el_broadcast.h"

enum { OPT_ACTIVATION = 0 };

typedef struct {
  el_bcast bc;
  float act_min, act_max;
} div_data;

static el_status prepare(el_prepare_ctx *c, el_node *n) {
  EL_TRY(el_expect_io(n, 2, 2, 1));
  const el_tensor *a = n->in[0], *b = n->in[1], *out = n->out[0];
  EL_TRY(el_expect_type(a, EL_FLOAT32));
  EL_TRY(el_expect_type(b, EL_FLOAT32));
  EL_TRY(el_expect_type(out, EL_FLOAT32));
  div_data *d = el_alloc(c, sizeof *d);
  EL_ENSURE(d != NULL, EL_ERR_ARENA_TOO_SMALL);
  EL_TRY(el_bcast_prepare(a, b, out, &d->bc));
  uint8_t act;
  EL_TRY(el_fbt_u8(&c->options, OPT_ACTIVATION, 0, &act));
  d->act_min = -INFINITY;
  d->act_max = INFINITY;
  switch (act) {
    case 0:
      break;
    case 1: /* RELU */
      d->act_min = 0.0f;
      break;
    case 2: /* RELU_N1_TO_1 */
      d->act_min = -1.0f;
      d->act_max = 1.0f;
      break;
    case 3: /* RELU6 */
      d->act_min = 0.0f;
      d->act_max = 6.0f;
      break;
    default:
      return EL_ERR_OPTIONS;
  }
  n->data = d;
  c->macs = out->count;
  return EL_OK;
}

typedef struct {
  const div_data *d;
  const float *a, *b;
  float *out;
} div_rows;

static void div_row(void *ctx, size_t oa, size_t ob, size_t o) {
  const div_rows *r = ctx;
  const el_bcast *bc = &r->d->bc;
  const int last = EL_MAX_DIMS - 1;
  const int32_t n = bc->dims[last], sa = bc->stride_a[last], sb = bc->stride_b[last];
  for (int32_t j = 0; j < n; j++) {
    const float q = r->a[oa + (size_t)j * sa] / r->b[ob + (size_t)j * sb];
    r->out[o + (size_t)j] = q < r->d->act_min ? r->d->act_min : (q > r->d->act_max ? r->d->act_max : q);
  }
}

static void eval(const el_node *n) {
  div_rows r = {n->data, n->in[0]->data, n->in[1]->data, n->out[0]->data};
  el_bcast_walk(&r.d->bc, div_row, &r);
}

const el_kernel el_kernel_div = {EL_OP_DIV, "DIV", 2, EL_OPT_DIV, prepare, eval};
