/*
 * edgelock int8 TFLite runtime for microcontrollers (C99, no malloc, model read in place).
 *
 * Life cycle:
 *   el_model m;
 *   el_model_prepare(&m, tflite_bytes, len, arena, arena_len);   validates everything once
 *   el_model_set_tensor_data(&m, t, ram, n);                      optional: sealed weights (locked models)
 *   el_model_input(&m, 0, &in);  fill in.data
 *   el_model_invoke(&m);                                          runs the graph, no checks
 *   el_model_output(&m, 0, &out); read out.data
 *
 * The model bytes are read in place and must stay valid and unchanged while `m` is in use;
 * they must start on a 4-byte boundary (16 recommended: the compiler aligns constant buffers
 * to 16 bytes relative to the file start). The arena holds every runtime structure (tensor
 * table, nodes, per-op prepared data) and every activation tensor; nothing else is allocated.
 * See docs/runtime.md.
 */
#ifndef EL_RUNTIME_H
#define EL_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes. Values are stable (the firmware maps them to protocol status codes). */
typedef enum el_status {
  EL_OK = 0,
  EL_ERR_ARGUMENT = 1,         /* NULL pointer, index out of range, wrong length at the API */
  EL_ERR_MALFORMED = 2,        /* not a well-formed TFLite flatbuffer (bad offset, out of bounds, ...) */
  EL_ERR_IDENTIFIER = 3,       /* file identifier is not "TFL3" */
  EL_ERR_SCHEMA_VERSION = 4,   /* Model.version is not 3 */
  EL_ERR_SUBGRAPHS = 5,        /* not exactly one subgraph */
  EL_ERR_UNSUPPORTED_OP = 6,   /* builtin/custom operator this runtime does not implement */
  EL_ERR_OP_VERSION = 7,       /* operator version this runtime does not implement */
  EL_ERR_TYPE = 8,             /* tensor type not supported for this op (int8 activations expected) */
  EL_ERR_QUANTIZATION = 9,     /* missing/invalid quantisation parameters */
  EL_ERR_SHAPE = 10,           /* tensor shapes inconsistent with the op */
  EL_ERR_OPTIONS = 11,         /* operator options invalid or unsupported (padding, activation, ...) */
  EL_ERR_ARENA_TOO_SMALL = 12, /* the arena cannot hold the runtime state and activations */
  EL_ERR_LIMIT = 13,           /* a compile-time limit (EL_MAX_*, incl. work per invoke) is exceeded */
  EL_ERR_ALIGNMENT = 14,       /* model or constant data not suitably aligned */
  EL_ERR_GRAPH = 15,           /* a tensor is read before it is written, or written twice */
  EL_ERR_STATE = 16            /* API called in the wrong state (e.g. invoke before prepare) */
} el_status;

/* Element types (values are TFLite's TensorType). */
typedef enum el_type { EL_FLOAT32 = 0, EL_INT32 = 2, EL_INT8 = 9 } el_type;

#define EL_MAX_DIMS 6
#ifndef EL_MAX_TENSORS
#define EL_MAX_TENSORS 1024
#endif
#ifndef EL_MAX_OPS
#define EL_MAX_OPS 512
#endif
#ifndef EL_MAX_MACS
#define EL_MAX_MACS (1ull << 31) /* work per invoke above which Prepare refuses a model (bounds Eval's time) */
#endif
#ifndef EL_MAX_IO
#define EL_MAX_IO 8 /* graph inputs and outputs, each */
#endif

/* A view of one graph input or output. `data` points into the arena. */
typedef struct el_tensor_info {
  el_type type;
  uint32_t rank;
  int32_t dims[EL_MAX_DIMS];
  void *data;
  size_t bytes;
  float scale; /* 0 for float tensors */
  int32_t zero_point;
} el_tensor_info;

struct el_tensor;
struct el_node;
struct el_model;

/* Called by el_model_invoke before node `node` runs, and once more with node == node count after the last one
 * (streaming unlock of locked models: el_lock_unseal.c). */
typedef void (*el_node_hook)(struct el_model *m, uint32_t node, void *ctx);

/* Runtime state. Allocate it anywhere (static, stack); its fields are private. */
typedef struct el_model {
  const uint8_t *fb;
  size_t fb_len;
  struct el_tensor *tensors;
  struct el_node *nodes;
  uint32_t tensor_count;
  uint32_t node_count;
  uint32_t inputs[EL_MAX_IO];
  uint32_t outputs[EL_MAX_IO];
  uint32_t input_count;
  uint32_t output_count;
  size_t arena_used;    /* bytes of the arena in use after a successful prepare */
  size_t arena_needed;  /* after EL_ERR_ARENA_TOO_SMALL: bytes needed so far (a lower bound) */
  uint64_t macs;        /* multiply-accumulates (or element operations) per invoke */
  size_t scratch_bytes; /* the shared scratch region (part of arena_used) */
  uint32_t failed_op;   /* operator index Prepare failed on, or UINT32_MAX */
  int prepared;
  int reference_kernels;  /* el_model_use_reference_kernels */
  el_node_hook node_hook; /* el_model_set_node_hook; NULL: none */
  void *node_hook_ctx;
} el_model;

/* Validates the model and plans the arena. On failure the model is unusable and
 * m->failed_op names the operator that was rejected (UINT32_MAX: not operator-specific). */
el_status el_model_prepare(el_model *m, const uint8_t *tflite, size_t len, uint8_t *arena, size_t arena_len);

/* Runs the graph once. Requires a successful prepare; performs no validation. */
el_status el_model_invoke(el_model *m);

/* Selects, after a successful prepare, the plain reference loops (`on` != 0) or the optimised kernels
 * (the default) for the following invokes. Both give bit-identical outputs; the reference loops exist
 * so that tests and benchmarks compare the two in one build. */
el_status el_model_use_reference_kernels(el_model *m, int on);

uint32_t el_model_input_count(const el_model *m);
uint32_t el_model_output_count(const el_model *m);
el_status el_model_input(const el_model *m, uint32_t i, el_tensor_info *info);
el_status el_model_output(const el_model *m, uint32_t i, el_tensor_info *info);

/*
 * Unlock hook (locked models): replaces the bytes of one constant tensor by `data`, e.g. weights
 * decrypted into RAM by the firmware after a key check. Call after el_model_prepare and before
 * el_model_invoke. `len` must equal the tensor's byte size, `data` must be aligned to the element
 * size and stay valid while the model is used. Prepare validated type, shape and quantisation from
 * the flatbuffer and computes nothing from weight values, so swapping the bytes is all it takes.
 * Returns EL_ERR_ARGUMENT for a non-constant tensor, an index out of range or a wrong length.
 */
el_status el_model_set_tensor_data(el_model *m, uint32_t tensor_index, const void *data, size_t len);

/* Byte size of tensor `tensor_index` (0 when out of range) and whether it is constant. */
size_t el_model_tensor_bytes(const el_model *m, uint32_t tensor_index, int *is_constant);

/* Installs (or with NULL removes) the hook el_model_invoke calls around the nodes. After a successful prepare. */
el_status el_model_set_node_hook(el_model *m, el_node_hook hook, void *ctx);

/* Operators in execution order, and the tensor index of input `k` of operator `node` (UINT32_MAX past its inputs
 * or for an omitted optional input). */
uint32_t el_model_node_count(const el_model *m);
uint32_t el_model_node_input_count(const el_model *m, uint32_t node);
uint32_t el_model_node_input(const el_model *m, uint32_t node, uint32_t k);

/* Human-readable name of a status (static string). */
const char *el_status_name(el_status s);

#ifdef __cplusplus
}
#endif

#endif /* EL_RUNTIME_H */
