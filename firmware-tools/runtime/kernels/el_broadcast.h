/* NumPy-style broadcasting of two int8 inputs onto an output (ranks up to EL_MAX_DIMS). */
#ifndef EL_BROADCAST_H
#define EL_BROADCAST_H

#include "../el_internal.h"

typedef struct el_bcast {
  int32_t dims[EL_MAX_DIMS];     /* output dims, left-padded with 1 */
  int32_t stride_a[EL_MAX_DIMS]; /* element strides of input a (0 on broadcast axes) */
  int32_t stride_b[EL_MAX_DIMS];
  uint32_t count;
} el_bcast;

/* Validates that a and b broadcast to exactly out's shape. */
el_status el_bcast_prepare(const el_tensor *a, const el_tensor *b, const el_tensor *out, el_bcast *bc);

/* What the int8 ADD, SUB and MUL prepare alike: the broadcast, the input offsets (minus the zero points), the output
 * zero point and the fused activation's range. */
typedef struct el_binary_q {
  el_bcast bc;
  int32_t in1_offset, in2_offset, out_offset, act_min, act_max;
} el_binary_q;

/* After el_expect_binary_int8 (called first, before the kernel allocates): el_bcast_prepare and the rest of `q`, the
 * fused activation read from option field 0 (as AddOptions, SubOptions and MulOptions have it). */
el_status el_binary_prepare(el_prepare_ctx *c, const el_node *n, el_binary_q *q);

/* The index walk of a broadcast, whatever the element type: calls row(ctx, a, b, out) for every innermost row, in
 * output order, with the element offsets where the row starts in a, b and the output. A row is
 * dims[EL_MAX_DIMS - 1] outputs; along it a steps by stride_a[EL_MAX_DIMS - 1], b by stride_b[EL_MAX_DIMS - 1]. */
typedef void (*el_bcast_row_at)(void *ctx, size_t a, size_t b, size_t out);
void el_bcast_walk(const el_bcast *bc, el_bcast_row_at row, void *ctx);

typedef int8_t (*el_binary_fn)(const void *params, int32_t a, int32_t b);

void el_bcast_run(const el_bcast *bc, const int8_t *a, const int8_t *b, int8_t *out, el_binary_fn fn,
                  const void *params);

/* The broadcast as the fewest nested runs (for the optimised kernels): axes of size 1 dropped, neighbouring
 * axes merged where each input steps through both as one (contiguously, or not at all); axis 0 is the
 * innermost run, where each input's stride is 0 (one element repeated) or 1 (contiguous). */
typedef struct el_bcast_runs {
  int32_t rank; /* >= 1 */
  int32_t dims[EL_MAX_DIMS];
  int32_t stride_a[EL_MAX_DIMS];
  int32_t stride_b[EL_MAX_DIMS];
} el_bcast_runs;

void el_bcast_runs_of(const el_bcast *bc, el_bcast_runs *r);

/* Calls row(a, b, out, n, params) for every innermost run, in output order. */
typedef void (*el_bcast_row_fn)(const int8_t *a, const int8_t *b, int8_t *out, int32_t n, const void *params);
void el_bcast_rows(const el_bcast_runs *r, const int8_t *a, const int8_t *b, int8_t *out, el_bcast_row_fn row,
                   const void *params);

#endif
