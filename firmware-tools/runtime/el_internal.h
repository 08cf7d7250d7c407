/* Runtime internals shared by the model loader and the kernels (not part of the public API). */
#ifndef EL_INTERNAL_H
#define EL_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include "el_flatbuffer.h"
#include "el_runtime.h"

typedef struct el_tensor {
  uint8_t type; /* el_type */
  uint8_t rank;
  uint8_t is_const; /* data lives in the flatbuffer (or an override) */
  uint8_t has_quant;
  int32_t dims[EL_MAX_DIMS];
  uint32_t count; /* elements */
  size_t bytes;
  void *data;
  float scale;        /* first scale */
  int32_t zero_point; /* first zero point */
  uint32_t nscales;   /* 1: per tensor; >1: per channel along qdim */
  uint32_t qdim;
  const uint8_t *scales; /* little-endian float[nscales] inside the flatbuffer */
  /* planning */
  int32_t first_use, last_use;
  size_t offset;
  uint8_t placed;
  uint8_t is_graph_input;
} el_tensor;

struct el_kernel;

typedef struct el_node {
  const struct el_kernel *kernel;
  uint32_t n_in, n_out;
  el_tensor **in; /* NULL entries for omitted optional inputs */
  el_tensor **out;
  void *data;           /* kernel's prepared data (in the arena) */
  size_t scratch_bytes; /* per-invoke work memory the kernel asked for in Prepare (el_request_scratch) */
  void *scratch;        /* that memory: one arena region after the activations, shared by every operator */
  uint8_t reference;    /* run the plain reference loop instead of the optimised kernel
                      * (el_model_use_reference_kernels), so tests compare both in one build */
} el_node;

typedef struct el_prepare_ctx {
  el_model *m;
  const el_fb *fb;
  el_fbt options; /* the operator's builtin options (absent table: defaults) */
  int32_t version;
  uint8_t *head; /* persistent allocations grow upward from here */
  uint8_t *end;
  size_t needed; /* bytes the persistent allocations asked for in total */
  uint64_t macs; /* set by prepare: work per invoke of this node */
} el_prepare_ctx;

typedef el_status (*el_prepare_fn)(el_prepare_ctx *c, el_node *n);
typedef void (*el_eval_fn)(const el_node *n);

typedef struct el_kernel {
  int32_t code; /* TFLite BuiltinOperator */
  const char *name;
  int32_t max_version;  /* versions 1..max_version accepted */
  uint8_t options_type; /* BuiltinOptions union tag, 0: none */
  el_prepare_fn prepare;
  el_eval_fn eval;
} el_kernel;

/* Registry (el_kernels.c). */
const el_kernel *el_find_kernel(int32_t code);
uint32_t el_kernel_count(void);
const el_kernel *el_kernel_at(uint32_t i);

/* Persistent arena allocation (16-byte aligned); NULL when the arena is exhausted. */
void *el_alloc(el_prepare_ctx *c, size_t bytes);

/* Asks for `bytes` of scratch memory for node `n`'s Eval (valid only during that Eval, shared by all
 * operators, 16-byte aligned, planned in the arena after the activations): n->scratch after Prepare. */
void el_request_scratch(el_node *n, size_t bytes);

/* Common Prepare checks. */
el_status el_expect_io(const el_node *n, uint32_t min_in, uint32_t max_in, uint32_t n_out);
el_status el_expect_int8(const el_tensor *t); /* int8, per-tensor quantised */
el_status el_expect_type(const el_tensor *t, el_type type);
int el_same_shape(const el_tensor *a, const el_tensor *b);
/* One input and one output, both int8 per-tensor quantised, of the same shape (element-wise operators). */
el_status el_expect_unary_int8(const el_node *n);
/* Two int8 inputs and one int8 output, all per-tensor quantised (the shapes: el_bcast_prepare). */
el_status el_expect_binary_int8(const el_node *n);
int32_t el_dim(const el_tensor *t, int i); /* negative i counts from the end */
el_status el_activation_range(uint8_t fused, const el_tensor *out, int32_t *mn, int32_t *mx);
el_status el_padding(uint8_t padding, int32_t in, int32_t filter, int32_t stride, int32_t dilation, int32_t out,
                     int32_t *pad);
float el_channel_scale(const el_tensor *t, uint32_t c);
/* Reads a constant int32 tensor element (axis/perm/pad tensors). */
el_status el_const_i32(const el_tensor *t, uint32_t i, int32_t *v);

#define EL_TRY(expr)                          \
  do {                                        \
    el_status el_try_s_ = (expr);             \
    if (el_try_s_ != EL_OK) return el_try_s_; \
  } while (0)
#define EL_ENSURE(cond, status)   \
  do {                            \
    if (!(cond)) return (status); \
  } while (0)

#define EL_MIN(a, b) ((a) < (b) ? (a) : (b))
#define EL_MAX(a, b) ((a) > (b) ? (a) : (b))

/* EL_OP_* builtin codes, EL_OPT_* options tags and the EL_RUNTIME_OPS list: generated from src/tflite/builtins.ts. */
#include "el_ops.h"

#endif
