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

/* The node has two int8 inputs and one int8 output (the checks every broadcasting binary int8 op starts with). */
el_status el_expect_binary_int8(const el_node *n);

/* Validates that a and b broadcast to exactly out's shape. */
el_status el_bcast_prepare(const el_tensor *a, const el_tensor *b, const el_tensor *out, el_bcast *bc);

typedef int8_t (*el_binary_fn)(const void *params, int32_t a, int32_t b);

void el_bcast_run(const el_bcast *bc, const int8_t *a, const int8_t *b, int8_t *out, el_binary_fn fn,
                  const void *params);

#endif
