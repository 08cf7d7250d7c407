/* CONCATENATION, int8 inputs sharing the output's scale and zero point (as TFLite requires for
 * int8): a strided byte copy. */
#include <string.h>

#include "../el_internal.h"

enum { OPT_AXIS = 0, OPT_ACTIVATION = 1 };

typedef struct {
  uint32_t outer; /* product of dims before the axis */
  uint32_t inner; /* product of dims after the axis */
} concat_data;

static el_status prepare(el_prepare_ctx *c, el_node *n) {
  EL_ENSURE(n->n_in >= 1 && n->n_out == 1, EL_ERR_SHAPE);
  const el_tensor *out = n->out[0];
  EL_TRY(el_expect_int8(out));
  int32_t axis;
  uint8_t act;
  EL_TRY(el_fbt_i32(&c->options, OPT_AXIS, 0, &axis));
  EL_TRY(el_fbt_u8(&c->options, OPT_ACTIVATION, 0, &act));
  EL_ENSURE(act == 0, EL_ERR_OPTIONS);
  if (axis < 0) axis += out->rank;
  EL_ENSURE(axis >= 0 && axis < (int32_t)out->rank, EL_ERR_OPTIONS);
  int64_t total = 0;
  for (uint32_t i = 0; i < n->n_in; i++) {
    const el_tensor *t = n->in[i];
    EL_ENSURE(t != NULL, EL_ERR_SHAPE);
    EL_TRY(el_expect_int8(t));
    EL_ENSURE(t->scale == out->scale && t->zero_point == out->zero_point, EL_ERR_QUANTIZATION);
    EL_ENSURE(t->rank == out->rank, EL_ERR_SHAPE);
    for (int32_t d = 0; d < (int32_t)out->rank; d++) {
      if (d != axis) EL_ENSURE(t->dims[d] == out->dims[d], EL_ERR_SHAPE);
    }
    total += t->dims[axis];
  }
  EL_ENSURE(total == out->dims[axis], EL_ERR_SHAPE);
  concat_data *d = el_alloc(c, sizeof *d);
  EL_ENSURE(d != NULL, EL_ERR_ARENA_TOO_SMALL);
  d->outer = 1;
  d->inner = 1;
  for (int32_t k = 0; k < axis; k++) d->outer *= (uint32_t)out->dims[k];
  for (int32_t k = axis + 1; k < (int32_t)out->rank; k++) d->inner *= (uint32_t)out->dims[k];
  n->data = d;
  c->macs = 0;
  return EL_OK;
}

static void eval(const el_node *n) {
  const concat_data *d = n->data;
  int8_t *y = n->out[0]->data;
  for (uint32_t o = 0; o < d->outer; o++) {
    for (uint32_t i = 0; i < n->n_in; i++) {
      const el_tensor *t = n->in[i];
      const size_t chunk = (size_t)t->count / d->outer;
      memcpy(y, (const int8_t *)t->data + o * chunk, chunk);
      y += chunk;
    }
  }
}

const el_kernel el_kernel_concatenation = {EL_OP_CONCATENATION,  "CONCATENATION", 4,
                                           EL_OPT_CONCATENATION, prepare,         eval};
