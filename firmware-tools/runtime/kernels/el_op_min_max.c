/* MAXIMUM and MINIMUM, int8 with broadcasting: compare raw int8 values (TFLite's
 * MaximumMinimumBroadcast does not rescale; the compiler gives inputs and output one scale). */
#include "../el_internal.h"
#include "el_broadcast.h"

static el_status prepare(el_prepare_ctx *c, el_node *n) {
  EL_TRY(el_expect_binary_int8(n));
  const el_tensor *a = n->in[0], *b = n->in[1], *out = n->out[0];
  el_bcast *bc = el_alloc(c, sizeof *bc);
  EL_ENSURE(bc != NULL, EL_ERR_ARENA_TOO_SMALL);
  EL_TRY(el_bcast_prepare(a, b, out, bc));
  n->data = bc;
  c->macs = out->count;
  return EL_OK;
}

static int8_t max_one(const void *p, int32_t a, int32_t b) {
  (void)p;
  return (int8_t)(a > b ? a : b);
}

static int8_t min_one(const void *p, int32_t a, int32_t b) {
  (void)p;
  return (int8_t)(a < b ? a : b);
}

static void eval_max(const el_node *n) {
  el_bcast_run(n->data, n->in[0]->data, n->in[1]->data, n->out[0]->data, max_one, NULL);
}
static void eval_min(const el_node *n) {
  el_bcast_run(n->data, n->in[0]->data, n->in[1]->data, n->out[0]->data, min_one, NULL);
}

const el_kernel el_kernel_maximum = {EL_OP_MAXIMUM, "MAXIMUM", 4, EL_OPT_MAXIMUM, prepare, eval_max};
const el_kernel el_kernel_minimum = {EL_OP_MINIMUM, "MINIMUM", 4, EL_OPT_MINIMUM, prepare, eval_min};
