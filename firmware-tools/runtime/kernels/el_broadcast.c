#include "el_broadcast.h"

static void strides_of(const el_tensor *t, const el_bcast *bc, int32_t *stride) {
  int32_t s = 1;
  for (int i = EL_MAX_DIMS - 1; i >= 0; i--) {
    const int src = i - (EL_MAX_DIMS - (int)t->rank);
    const int32_t d = src >= 0 ? t->dims[src] : 1;
    stride[i] = (d == 1 && bc->dims[i] != 1) ? 0 : s;
    s *= d;
  }
}

el_status el_bcast_prepare(const el_tensor *a, const el_tensor *b, const el_tensor *out, el_bcast *bc) {
  EL_ENSURE(a->rank <= out->rank && b->rank <= out->rank, EL_ERR_SHAPE);
  for (int i = 0; i < EL_MAX_DIMS; i++) {
    const int k = i - (EL_MAX_DIMS - (int)out->rank);
    bc->dims[i] = k >= 0 ? out->dims[k] : 1;
    const int ka = i - (EL_MAX_DIMS - (int)a->rank);
    const int kb = i - (EL_MAX_DIMS - (int)b->rank);
    const int32_t da = ka >= 0 ? a->dims[ka] : 1;
    const int32_t db = kb >= 0 ? b->dims[kb] : 1;
    EL_ENSURE(da == bc->dims[i] || da == 1, EL_ERR_SHAPE);
    EL_ENSURE(db == bc->dims[i] || db == 1, EL_ERR_SHAPE);
    EL_ENSURE(bc->dims[i] == EL_MAX(da, db), EL_ERR_SHAPE);
  }
  strides_of(a, bc, bc->stride_a);
  strides_of(b, bc, bc->stride_b);
  bc->count = out->count;
  return EL_OK;
}

el_status el_binary_prepare(el_prepare_ctx *c, const el_node *n, el_binary_q *q) {
  const el_tensor *a = n->in[0], *b = n->in[1], *out = n->out[0];
  EL_TRY(el_bcast_prepare(a, b, out, &q->bc));
  uint8_t act;
  EL_TRY(el_fbt_u8(&c->options, 0, 0, &act));
  EL_TRY(el_activation_range(act, out, &q->act_min, &q->act_max));
  q->in1_offset = -a->zero_point;
  q->in2_offset = -b->zero_point;
  q->out_offset = out->zero_point;
  return EL_OK;
}

typedef struct {
  const int8_t *a, *b;
  int8_t *out;
  el_binary_fn fn;
  const void *params;
  int32_t n, sa, sb;
} int8_rows;

static void int8_row(void *ctx, size_t oa, size_t ob, size_t o) {
  const int8_rows *r = ctx;
  for (int32_t j = 0; j < r->n; j++)
    r->out[o + (size_t)j] = r->fn(r->params, r->a[oa + (size_t)j * r->sa], r->b[ob + (size_t)j * r->sb]);
}

void el_bcast_run(const el_bcast *bc, const int8_t *a, const int8_t *b, int8_t *out, el_binary_fn fn,
                  const void *params) {
  const int last = EL_MAX_DIMS - 1;
  int8_rows r = {a, b, out, fn, params, bc->dims[last], bc->stride_a[last], bc->stride_b[last]};
  el_bcast_walk(bc, int8_row, &r);
}

void el_bcast_walk(const el_bcast *bc, el_bcast_row_at row, void *ctx) {
  int32_t idx[EL_MAX_DIMS] = {0};
  const int last = EL_MAX_DIMS - 1;
  const uint32_t inner = (uint32_t)bc->dims[last];
  for (uint32_t done = 0; done < bc->count; done += inner) {
    size_t oa = 0, ob = 0;
    for (int i = 0; i < last; i++) {
      oa += (size_t)idx[i] * (size_t)bc->stride_a[i];
      ob += (size_t)idx[i] * (size_t)bc->stride_b[i];
    }
    row(ctx, oa, ob, done);
    for (int i = last - 1; i >= 0; i--) {
      if (++idx[i] < bc->dims[i]) break;
      idx[i] = 0;
    }
  }
}

void el_bcast_runs_of(const el_bcast *bc, el_bcast_runs *r) {
  int32_t k = -1;
  for (int i = EL_MAX_DIMS - 1; i >= 0; i--) {
    const int32_t d = bc->dims[i], sa = bc->stride_a[i], sb = bc->stride_b[i];
    if (d == 1) continue;
    if (k >= 0) {
      const int32_t ia = r->stride_a[k], ib = r->stride_b[k], n = r->dims[k];
      const int ok_a = (sa == 0 && ia == 0) || (sa != 0 && ia != 0 && sa == ia * n);
      const int ok_b = (sb == 0 && ib == 0) || (sb != 0 && ib != 0 && sb == ib * n);
      if (ok_a && ok_b) {
        r->dims[k] = n * d;
        continue;
      }
    }
    k++;
    r->dims[k] = d;
    r->stride_a[k] = sa;
    r->stride_b[k] = sb;
  }
  if (k < 0) { /* a single element */
    k = 0;
    r->dims[0] = 1;
    r->stride_a[0] = r->stride_b[0] = 1;
  }
  r->rank = k + 1;
}

void el_bcast_rows(const el_bcast_runs *r, const int8_t *a, const int8_t *b, int8_t *out, el_bcast_row_fn row,
                   const void *params) {
  int32_t idx[EL_MAX_DIMS] = {0};
  const int32_t inner = r->dims[0];
  uint32_t rows = 1;
  for (int32_t k = 1; k < r->rank; k++) rows *= (uint32_t)r->dims[k];
  size_t oa = 0, ob = 0; /* wrap-around arithmetic: back to the axis start after its last step */
  for (uint32_t i = 0; i < rows; i++, out += inner) {
    row(a + oa, b + ob, out, inner, params);
    for (int32_t k = 1; k < r->rank; k++) {
      oa += (size_t)r->stride_a[k];
      ob += (size_t)r->stride_b[k];
      if (++idx[k] < r->dims[k]) break;
      oa -= (size_t)r->stride_a[k] * (size_t)r->dims[k];
      ob -= (size_t)r->stride_b[k] * (size_t)r->dims[k];
      idx[k] = 0;
    }
  }
}
