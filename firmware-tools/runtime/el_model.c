/* Model loading (Prepare: parse, validate, plan the arena) and execution (Eval). */
#include <math.h>
#include <string.h>

#include "el_internal.h"

/* Field ids of the TFLite schema tables read here. */
enum { MODEL_VERSION = 0, MODEL_OPCODES = 1, MODEL_SUBGRAPHS = 2, MODEL_BUFFERS = 4 };
enum { OPCODE_DEPRECATED = 0, OPCODE_VERSION = 2, OPCODE_BUILTIN = 3 };
enum { SG_TENSORS = 0, SG_INPUTS = 1, SG_OUTPUTS = 2, SG_OPERATORS = 3 };
enum {
  TENSOR_SHAPE = 0,
  TENSOR_TYPE = 1,
  TENSOR_BUFFER = 2,
  TENSOR_QUANT = 4,
  TENSOR_VARIABLE = 5,
  TENSOR_SPARSITY = 6
};
enum { QUANT_SCALE = 2, QUANT_ZERO_POINT = 3, QUANT_DETAILS_TYPE = 4, QUANT_DIM = 6 };
enum {
  OP_OPCODE = 0,
  OP_INPUTS = 1,
  OP_OUTPUTS = 2,
  OP_OPTIONS_TYPE = 3,
  OP_OPTIONS = 4,
  OP_CUSTOM_OPTIONS = 5,
  OP_INTERMEDIATES = 8
};
enum { BUFFER_DATA = 0, BUFFER_OFFSET = 1, BUFFER_SIZE = 2 };

#define EL_MAX_ELEMENTS (1u << 28)

static int host_is_little_endian(void) {
  const uint16_t probe = 1;
  return *(const uint8_t *)&probe == 1;
}

static size_t type_size(uint8_t type) {
  switch (type) {
    case EL_INT8:
      return 1;
    case EL_INT32:
      return 4;
    case EL_FLOAT32:
      return 4;
    default:
      return 0;
  }
}

static el_status parse_quantization(const el_fb *fb, const el_fbt *tt, el_tensor *t) {
  el_fbt q;
  EL_TRY(el_fbt_table(tt, TENSOR_QUANT, &q));
  if (q.vt_len == 0) return EL_OK;
  uint8_t details;
  EL_TRY(el_fbt_u8(&q, QUANT_DETAILS_TYPE, 0, &details));
  if (details != 0) return EL_ERR_QUANTIZATION;
  el_fbv scales, zps;
  EL_TRY(el_fbt_vector(&q, QUANT_SCALE, 4, &scales));
  EL_TRY(el_fbt_vector(&q, QUANT_ZERO_POINT, 8, &zps));
  if (scales.n == 0) return EL_OK; /* min/max only: not quantised */
  if (zps.n != scales.n) return EL_ERR_QUANTIZATION;
  int32_t qdim;
  EL_TRY(el_fbt_i32(&q, QUANT_DIM, 0, &qdim));
  if (scales.n > 1) {
    if (qdim < 0 || qdim >= (int32_t)t->rank || (uint32_t)t->dims[qdim] != scales.n) return EL_ERR_QUANTIZATION;
  }
  for (uint32_t i = 0; i < scales.n; i++) {
    const float s = el_rd_f32(el_fbv_at(fb, &scales, 4, i));
    const int64_t zp = el_rd_i64(el_fbv_at(fb, &zps, 8, i));
    if (!(s > 0.0f) || isinf(s)) return EL_ERR_QUANTIZATION;
    if (t->type == EL_INT8 && (zp < -128 || zp > 127)) return EL_ERR_QUANTIZATION;
    if (t->type == EL_INT32 && zp != 0) return EL_ERR_QUANTIZATION;
    if (scales.n > 1 && zp != 0) return EL_ERR_QUANTIZATION; /* per-channel is symmetric */
  }
  t->has_quant = 1;
  t->nscales = scales.n;
  t->qdim = (uint32_t)qdim;
  t->scales = fb->buf + scales.pos;
  t->scale = el_rd_f32(t->scales);
  t->zero_point = (int32_t)el_rd_i64(fb->buf + zps.pos);
  return EL_OK;
}

static el_status parse_tensor(const el_fb *fb, const el_fbv *buffers, const el_fbt *tt, el_tensor *t) {
  el_fbv shape;
  EL_TRY(el_fbt_vector(tt, TENSOR_SHAPE, 4, &shape));
  if (shape.n > EL_MAX_DIMS) return EL_ERR_LIMIT;
  t->rank = (uint8_t)shape.n;
  uint64_t count = 1;
  for (uint32_t i = 0; i < shape.n; i++) {
    const int32_t d = el_rd_i32(el_fbv_at(fb, &shape, 4, i));
    if (d < 1) return EL_ERR_SHAPE;
    t->dims[i] = d;
    count *= (uint64_t)d;
    if (count > EL_MAX_ELEMENTS) return EL_ERR_LIMIT;
  }
  t->count = (uint32_t)count;
  EL_TRY(el_fbt_u8(tt, TENSOR_TYPE, 0, &t->type));
  const size_t esize = type_size(t->type);
  if (esize == 0) return EL_ERR_TYPE;
  t->bytes = (size_t)count * esize;
  uint8_t flag;
  EL_TRY(el_fbt_u8(tt, TENSOR_VARIABLE, 0, &flag));
  if (flag != 0) return EL_ERR_TYPE;
  if (el_fbt_has(tt, TENSOR_SPARSITY)) return EL_ERR_TYPE;
  EL_TRY(parse_quantization(fb, tt, t));

  uint32_t buffer;
  EL_TRY(el_fbt_u32(tt, TENSOR_BUFFER, 0, &buffer));
  if (buffer >= buffers->n) return EL_ERR_MALFORMED;
  el_fbt bt;
  EL_TRY(el_fbv_table(fb, buffers, buffer, &bt));
  uint64_t offset, size;
  EL_TRY(el_fbt_u64(&bt, BUFFER_OFFSET, 0, &offset));
  EL_TRY(el_fbt_u64(&bt, BUFFER_SIZE, 0, &size));
  if (offset != 0 || size != 0) return EL_ERR_MALFORMED; /* data outside the flatbuffer */
  el_fbv data;
  EL_TRY(el_fbt_vector(&bt, BUFFER_DATA, 1, &data));
  if (data.n != 0) {
    if (data.n != t->bytes) return EL_ERR_SHAPE;
    const uint8_t *p = fb->buf + data.pos;
    if (((uintptr_t)p % esize) != 0) return EL_ERR_ALIGNMENT;
    t->data = (void *)(uintptr_t)p;
    t->is_const = 1;
  }
  return EL_OK;
}

static el_status parse_io(const el_fb *fb, const el_fbt *sg, unsigned field, el_model *m, uint32_t *dst,
                          uint32_t *count) {
  el_fbv v;
  EL_TRY(el_fbt_vector(sg, field, 4, &v));
  if (v.n == 0) return EL_ERR_GRAPH;
  if (v.n > EL_MAX_IO) return EL_ERR_LIMIT;
  for (uint32_t i = 0; i < v.n; i++) {
    const int32_t idx = el_rd_i32(el_fbv_at(fb, &v, 4, i));
    if (idx < 0 || (uint32_t)idx >= m->tensor_count) return EL_ERR_MALFORMED;
    if (m->tensors[idx].is_const) return EL_ERR_GRAPH;
    dst[i] = (uint32_t)idx;
  }
  *count = v.n;
  return EL_OK;
}

static el_status read_index_list(const el_fb *fb, const el_fbv *v, el_model *m, el_tensor **dst, int allow_missing) {
  for (uint32_t i = 0; i < v->n; i++) {
    const int32_t idx = el_rd_i32(el_fbv_at(fb, v, 4, i));
    if (idx == -1 && allow_missing) {
      dst[i] = NULL;
      continue;
    }
    if (idx < 0 || (uint32_t)idx >= m->tensor_count) return EL_ERR_MALFORMED;
    dst[i] = &m->tensors[idx];
  }
  return EL_OK;
}

static el_status resolve_kernel(const el_fb *fb, const el_fbv *opcodes, uint32_t index, const el_kernel **k,
                                int32_t *version) {
  if (index >= opcodes->n) return EL_ERR_MALFORMED;
  el_fbt oc;
  EL_TRY(el_fbv_table(fb, opcodes, index, &oc));
  int8_t deprecated;
  int32_t builtin;
  EL_TRY(el_fbt_i8(&oc, OPCODE_DEPRECATED, 0, &deprecated));
  EL_TRY(el_fbt_i32(&oc, OPCODE_BUILTIN, 0, &builtin));
  EL_TRY(el_fbt_i32(&oc, OPCODE_VERSION, 1, version));
  /* Files written before builtin_code existed only carry the deprecated byte. */
  const int32_t code = EL_MAX((int32_t)deprecated, builtin);
  *k = el_find_kernel(code);
  if (*k == NULL) return EL_ERR_UNSUPPORTED_OP;
  if (*version < 1 || *version > (*k)->max_version) return EL_ERR_OP_VERSION;
  return EL_OK;
}

/* Wires up operator `i` and runs its kernel's Prepare. */
static el_status prepare_operator(el_prepare_ctx *c, const el_fbv *opcodes, const el_fbv *ops, uint32_t i) {
  el_model *m = c->m;
  const el_fb *fb = c->fb;
  el_fbt ot;
  EL_TRY(el_fbv_table(fb, ops, i, &ot));
  uint32_t opcode_index;
  EL_TRY(el_fbt_u32(&ot, OP_OPCODE, 0, &opcode_index));
  el_node *n = &m->nodes[i];
  EL_TRY(resolve_kernel(fb, opcodes, opcode_index, &n->kernel, &c->version));
  el_fbv custom, intermediates;
  EL_TRY(el_fbt_vector(&ot, OP_CUSTOM_OPTIONS, 1, &custom));
  EL_TRY(el_fbt_vector(&ot, OP_INTERMEDIATES, 4, &intermediates));
  if (custom.n != 0 || intermediates.n != 0) return EL_ERR_OPTIONS; /* empty vectors are harmless */

  uint8_t options_type;
  EL_TRY(el_fbt_u8(&ot, OP_OPTIONS_TYPE, 0, &options_type));
  if (options_type != EL_OPT_NONE && options_type != n->kernel->options_type) return EL_ERR_OPTIONS;
  if (options_type == EL_OPT_NONE) {
    el_fbt_empty(fb, &c->options);
  } else {
    EL_TRY(el_fbt_table(&ot, OP_OPTIONS, &c->options));
  }

  el_fbv ins, outs;
  EL_TRY(el_fbt_vector(&ot, OP_INPUTS, 4, &ins));
  EL_TRY(el_fbt_vector(&ot, OP_OUTPUTS, 4, &outs));
  if (ins.n > 64 || outs.n > 8) return EL_ERR_LIMIT;
  n->n_in = ins.n;
  n->n_out = outs.n;
  n->in = el_alloc(c, sizeof(el_tensor *) * (ins.n + 1));
  n->out = el_alloc(c, sizeof(el_tensor *) * (outs.n + 1));
  if (n->in == NULL || n->out == NULL) return EL_ERR_ARENA_TOO_SMALL;
  EL_TRY(read_index_list(fb, &ins, m, n->in, 1));
  EL_TRY(read_index_list(fb, &outs, m, n->out, 0));

  /* Data flow: inputs are constants, graph inputs or outputs of earlier operators; outputs are
   * written exactly once. */
  for (uint32_t k = 0; k < n->n_in; k++) {
    el_tensor *t = n->in[k];
    if (t == NULL || t->is_const) continue;
    if (t->first_use < 0) return EL_ERR_GRAPH;
    t->last_use = (int32_t)i;
  }
  for (uint32_t k = 0; k < n->n_out; k++) {
    el_tensor *t = n->out[k];
    if (t->is_const || t->first_use >= 0) return EL_ERR_GRAPH;
    t->first_use = (int32_t)i;
    t->last_use = (int32_t)i;
  }
  c->macs = 0;
  EL_TRY(n->kernel->prepare(c, n));
  m->macs += c->macs;
  return EL_OK;
}

/* Greedy placement, largest tensor first, at the lowest offset free during its lifetime
 * (the approach of TFLite Micro's GreedyMemoryPlanner). Returns the bytes needed. */
static size_t plan_arena(el_model *m) {
  size_t total = 0;
  for (;;) {
    el_tensor *next = NULL;
    for (uint32_t i = 0; i < m->tensor_count; i++) {
      el_tensor *t = &m->tensors[i];
      if (t->is_const || t->placed || t->first_use < 0) continue;
      if (next == NULL || t->bytes > next->bytes) next = t;
    }
    if (next == NULL) break;
    const size_t size = (next->bytes + 15u) & ~(size_t)15u;
    size_t offset = 0;
    int moved = 1;
    while (moved) {
      moved = 0;
      for (uint32_t i = 0; i < m->tensor_count; i++) {
        const el_tensor *o = &m->tensors[i];
        if (!o->placed || o->last_use < next->first_use || o->first_use > next->last_use) continue;
        const size_t osize = (o->bytes + 15u) & ~(size_t)15u;
        if (offset < o->offset + osize && o->offset < offset + size) {
          offset = o->offset + osize;
          moved = 1;
        }
      }
    }
    next->offset = offset;
    next->placed = 1;
    if (offset + size > total) total = offset + size;
  }
  return total;
}

static el_status prepare(el_model *m, const uint8_t *tflite, size_t len, uint8_t *arena, size_t arena_len) {
  el_fb fb = {tflite, len};
  el_fbt model, sg;
  EL_TRY(el_fb_root(&fb, "TFL3", &model));
  uint32_t version;
  EL_TRY(el_fbt_u32(&model, MODEL_VERSION, 0, &version));
  if (version != 3) return EL_ERR_SCHEMA_VERSION;
  el_fbv opcodes, subgraphs, buffers, tensors, ops;
  EL_TRY(el_fbt_vector(&model, MODEL_OPCODES, 4, &opcodes));
  EL_TRY(el_fbt_vector(&model, MODEL_SUBGRAPHS, 4, &subgraphs));
  EL_TRY(el_fbt_vector(&model, MODEL_BUFFERS, 4, &buffers));
  if (subgraphs.n != 1) return EL_ERR_SUBGRAPHS;
  EL_TRY(el_fbv_table(&fb, &subgraphs, 0, &sg));
  EL_TRY(el_fbt_vector(&sg, SG_TENSORS, 4, &tensors));
  EL_TRY(el_fbt_vector(&sg, SG_OPERATORS, 4, &ops));
  if (tensors.n == 0 || ops.n == 0) return EL_ERR_GRAPH;
  if (tensors.n > EL_MAX_TENSORS || ops.n > EL_MAX_OPS) return EL_ERR_LIMIT;

  el_prepare_ctx c;
  memset(&c, 0, sizeof c);
  c.m = m;
  c.fb = &fb;
  c.head = (uint8_t *)(((uintptr_t)arena + 15u) & ~(uintptr_t)15u);
  c.end = arena + arena_len;
  if (c.head > c.end) c.head = c.end;
  c.needed = (size_t)(c.head - arena);

  m->tensor_count = tensors.n;
  m->node_count = ops.n;
  m->tensors = el_alloc(&c, sizeof(el_tensor) * tensors.n);
  m->nodes = el_alloc(&c, sizeof(el_node) * ops.n);
  if (m->tensors == NULL || m->nodes == NULL) {
    m->arena_needed = c.needed;
    return EL_ERR_ARENA_TOO_SMALL;
  }
  for (uint32_t i = 0; i < tensors.n; i++) {
    el_fbt tt;
    EL_TRY(el_fbv_table(&fb, &tensors, i, &tt));
    m->tensors[i].first_use = -1;
    m->tensors[i].last_use = -1;
    EL_TRY(parse_tensor(&fb, &buffers, &tt, &m->tensors[i]));
  }
  EL_TRY(parse_io(&fb, &sg, SG_INPUTS, m, m->inputs, &m->input_count));
  EL_TRY(parse_io(&fb, &sg, SG_OUTPUTS, m, m->outputs, &m->output_count));
  for (uint32_t i = 0; i < m->input_count; i++) {
    el_tensor *t = &m->tensors[m->inputs[i]];
    t->first_use = 0;
    t->last_use = 0;
    t->is_graph_input = 1;
  }
  for (uint32_t i = 0; i < ops.n; i++) {
    el_status s = prepare_operator(&c, &opcodes, &ops, i);
    if (s != EL_OK) {
      m->failed_op = i;
      if (s == EL_ERR_ARENA_TOO_SMALL) m->arena_needed = c.needed;
      return s;
    }
  }
  if (m->macs > EL_MAX_MACS) return EL_ERR_LIMIT;
  for (uint32_t i = 0; i < m->output_count; i++) {
    el_tensor *t = &m->tensors[m->outputs[i]];
    if (t->first_use < 0) return EL_ERR_GRAPH;
    t->last_use = (int32_t)ops.n;
  }
  const size_t activations = plan_arena(m);
  /* Scratch: the largest request of any operator, after the activations (each operator's scratch lives only
   * during its own Eval, so all share one region). */
  size_t scratch = 0;
  for (uint32_t i = 0; i < ops.n; i++) scratch = EL_MAX(scratch, (m->nodes[i].scratch_bytes + 15u) & ~(size_t)15u);
  const size_t persistent = (size_t)(c.head - arena);
  if ((size_t)(c.end - c.head) < activations || (size_t)(c.end - c.head) - activations < scratch) {
    m->arena_needed = persistent + activations + scratch;
    return EL_ERR_ARENA_TOO_SMALL;
  }
  for (uint32_t i = 0; i < m->tensor_count; i++) {
    el_tensor *t = &m->tensors[i];
    if (t->placed) t->data = c.head + t->offset;
  }
  for (uint32_t i = 0; i < ops.n; i++) {
    if (m->nodes[i].scratch_bytes != 0) m->nodes[i].scratch = c.head + activations;
  }
  m->arena_used = persistent + activations + scratch;
  m->scratch_bytes = scratch;
  return EL_OK;
}

el_status el_model_prepare(el_model *m, const uint8_t *tflite, size_t len, uint8_t *arena, size_t arena_len) {
  if (m == NULL) return EL_ERR_ARGUMENT;
  memset(m, 0, sizeof *m);
  m->failed_op = UINT32_MAX;
  if (tflite == NULL || arena == NULL) return EL_ERR_ARGUMENT;
  if (!host_is_little_endian()) return EL_ERR_LIMIT;
  if (((uintptr_t)tflite & 3u) != 0) return EL_ERR_ALIGNMENT;
  m->fb = tflite;
  m->fb_len = len;
  el_status s = prepare(m, tflite, len, arena, arena_len);
  if (s != EL_OK) {
    const uint32_t failed = m->failed_op;
    const size_t needed = m->arena_needed;
    memset(m, 0, sizeof *m);
    m->failed_op = failed;
    m->arena_needed = needed;
    return s;
  }
  m->prepared = 1;
  return EL_OK;
}

el_status el_model_invoke(el_model *m) {
  if (m == NULL || !m->prepared) return EL_ERR_STATE;
  for (uint32_t i = 0; i < m->node_count; i++) {
    const el_node *n = &m->nodes[i];
    if (m->node_hook) m->node_hook(m, i, m->node_hook_ctx);
    n->kernel->eval(n);
  }
  if (m->node_hook) m->node_hook(m, m->node_count, m->node_hook_ctx);
  return EL_OK;
}

el_status el_model_use_reference_kernels(el_model *m, int on) {
  if (m == NULL || !m->prepared) return EL_ERR_STATE;
  m->reference_kernels = on != 0;
  for (uint32_t i = 0; i < m->node_count; i++) m->nodes[i].reference = (uint8_t)(on != 0);
  return EL_OK;
}

el_status el_model_set_node_hook(el_model *m, el_node_hook hook, void *ctx) {
  if (m == NULL) return EL_ERR_ARGUMENT;
  if (!m->prepared) return EL_ERR_STATE;
  m->node_hook = hook;
  m->node_hook_ctx = ctx;
  return EL_OK;
}

uint32_t el_model_node_count(const el_model *m) { return m != NULL && m->prepared ? m->node_count : 0; }

uint32_t el_model_node_input_count(const el_model *m, uint32_t node) {
  return m != NULL && m->prepared && node < m->node_count ? m->nodes[node].n_in : 0;
}

uint32_t el_model_node_input(const el_model *m, uint32_t node, uint32_t k) {
  if (m == NULL || !m->prepared || node >= m->node_count || k >= m->nodes[node].n_in || m->nodes[node].in[k] == NULL)
    return UINT32_MAX;
  return (uint32_t)(m->nodes[node].in[k] - m->tensors);
}

uint32_t el_model_input_count(const el_model *m) { return m != NULL && m->prepared ? m->input_count : 0; }
uint32_t el_model_output_count(const el_model *m) { return m != NULL && m->prepared ? m->output_count : 0; }

static el_status info_of(const el_model *m, uint32_t index, el_tensor_info *info) {
  const el_tensor *t = &m->tensors[index];
  info->type = (el_type)t->type;
  info->rank = t->rank;
  for (uint32_t d = 0; d < EL_MAX_DIMS; d++) info->dims[d] = d < t->rank ? t->dims[d] : 0;
  info->data = t->data;
  info->bytes = t->bytes;
  info->scale = t->has_quant ? t->scale : 0.0f;
  info->zero_point = t->has_quant ? t->zero_point : 0;
  return EL_OK;
}

el_status el_model_input(const el_model *m, uint32_t i, el_tensor_info *info) {
  if (m == NULL || info == NULL) return EL_ERR_ARGUMENT;
  if (!m->prepared) return EL_ERR_STATE;
  if (i >= m->input_count) return EL_ERR_ARGUMENT;
  return info_of(m, m->inputs[i], info);
}

el_status el_model_output(const el_model *m, uint32_t i, el_tensor_info *info) {
  if (m == NULL || info == NULL) return EL_ERR_ARGUMENT;
  if (!m->prepared) return EL_ERR_STATE;
  if (i >= m->output_count) return EL_ERR_ARGUMENT;
  return info_of(m, m->outputs[i], info);
}

el_status el_model_set_tensor_data(el_model *m, uint32_t tensor_index, const void *data, size_t len) {
  if (m == NULL || data == NULL) return EL_ERR_ARGUMENT;
  if (!m->prepared) return EL_ERR_STATE;
  if (tensor_index >= m->tensor_count) return EL_ERR_ARGUMENT;
  el_tensor *t = &m->tensors[tensor_index];
  if (!t->is_const || len != t->bytes) return EL_ERR_ARGUMENT;
  if (((uintptr_t)data % type_size(t->type)) != 0) return EL_ERR_ALIGNMENT;
  t->data = (void *)(uintptr_t)data;
  return EL_OK;
}

size_t el_model_tensor_bytes(const el_model *m, uint32_t tensor_index, int *is_constant) {
  if (m == NULL || !m->prepared || tensor_index >= m->tensor_count) return 0;
  if (is_constant != NULL) *is_constant = m->tensors[tensor_index].is_const;
  return m->tensors[tensor_index].bytes;
}

const char *el_status_name(el_status s) {
  static const char *const names[] = {"ok",
                                      "bad argument",
                                      "malformed flatbuffer",
                                      "file identifier is not TFL3",
                                      "schema version is not 3",
                                      "not exactly one subgraph",
                                      "unsupported operator",
                                      "unsupported operator version",
                                      "unsupported tensor type",
                                      "invalid quantisation",
                                      "inconsistent shapes",
                                      "unsupported operator options",
                                      "arena too small",
                                      "runtime limit exceeded",
                                      "misaligned data",
                                      "invalid data flow",
                                      "wrong API state"};
  const unsigned i = (unsigned)s;
  return i < sizeof names / sizeof names[0] ? names[i] : "unknown status";
}
