/*
 * The runtime's protocol commands: RUN (fill the inputs of a slot's prepared model, invoke it timed with the
 * board's cycle counter, answer the outputs) and MODEL_IO (describe the inputs and outputs). Layouts come from
 * the generated el_protocol.h. Prepare ran at load (el_runtime_module.c), so RUN only copies and invokes.
 */
#include <string.h>

#include "el_board.h"
#include "el_bytes.h"
#include "el_commands.h"
#include "el_dispatch.h"
#include "el_lock_unseal.h"
#include "el_protocol.h"
#include "el_query_limit.h"
#include "el_response_mark.h"
#include "el_score_offsets.h"
#include "el_runtime.h"
#include "el_runtime_module.h"

#if EL_IO_DIMS != EL_MAX_DIMS
#error "the protocol's TENSOR_DESC must carry the runtime's EL_MAX_DIMS dimensions"
#endif

/* Writes a RUN_FAILURE record (el_status, failed operator, status name) at rsp[1..]. */
static void put_failure(uint8_t *rsp, uint16_t *rsp_len, el_status st, uint32_t failed_op) {
  const char *name = el_status_name(st);
  size_t n = strlen(name);
  uint8_t *rec = rsp + 1;
  if (n > EL_MAX_PAYLOAD - 1u - EL_RUN_FAILURE_FIXED_SIZE) n = EL_MAX_PAYLOAD - 1u - EL_RUN_FAILURE_FIXED_SIZE;
  rec[EL_RUN_FAILURE_EL_STATUS_OFF] = (uint8_t)st;
  el_put_u32(rec + EL_RUN_FAILURE_FAILED_OP_OFF, failed_op);
  memcpy(rec + EL_RUN_FAILURE_NAME_OFF, name, n);
  *rsp_len = (uint16_t)(1u + EL_RUN_FAILURE_FIXED_SIZE + n);
}

/* The slot's prepared model, or NULL with the status (and, for a rejected model, its RUN_FAILURE) set. */
static el_model *slot_model(uint8_t slot, uint8_t *rsp, uint16_t *rsp_len, uint8_t *status) {
  el_model *m;
  uint32_t failed_op = UINT32_MAX;
  el_status why;
  if (slot >= EL_MODEL_SLOTS) {
    *status = EL_ST_ERR_MODEL_SLOT;
    return NULL;
  }
  m = el_runtime_slot_model(slot);
  if (m != NULL) return m;
  *status = el_lock_slot_status(slot); /* a locked model without its key, or with a bad descriptor */
  if (*status != EL_ST_OK) return NULL;
  *status = EL_ST_ERR_MODEL_EMPTY;
  why = el_runtime_slot_status(slot, &failed_op);
  if (why != EL_OK) put_failure(rsp, rsp_len, why, failed_op);
  return NULL;
}

static void put_desc(uint8_t *p, const el_tensor_info *t) {
  uint32_t scale_bits;
  uint32_t d;
  p[EL_TENSOR_DESC_TYPE_OFF] = (uint8_t)t->type;
  p[EL_TENSOR_DESC_RANK_OFF] = (uint8_t)t->rank;
  for (d = 0; d < EL_IO_DIMS; d++)
    el_put_u32(p + EL_TENSOR_DESC_DIMS_OFF + 4u * d, d < t->rank ? (uint32_t)t->dims[d] : 0u);
  memcpy(&scale_bits, &t->scale, sizeof scale_bits);
  el_put_u32(p + EL_TENSOR_DESC_SCALE_OFF, scale_bits);
  el_put_u32(p + EL_TENSOR_DESC_ZERO_POINT_OFF, (uint32_t)t->zero_point);
  el_put_u32(p + EL_TENSOR_DESC_BYTES_OFF, (uint32_t)t->bytes);
}

static uint8_t cmd_run(const uint8_t *req, uint16_t req_len, uint8_t *rsp, uint16_t *rsp_len) {
  uint8_t status = EL_ST_OK;
  el_model *m = slot_model(req[EL_RUN_REQ_SLOT_OFF], rsp, rsp_len, &status);
  const uint8_t *in = req + EL_RUN_REQ_INPUT_OFF;
  size_t in_len = (size_t)req_len - EL_RUN_REQ_FIXED_SIZE;
  size_t need = 0, used;
  uint64_t t0, cycles;
  el_tensor_info t;
  el_status st;
  uint32_t i, n;
  if (m == NULL) return status;
  n = el_model_input_count(m);
  for (i = 0; i < n; i++) {
    if (el_model_input(m, i, &t) != EL_OK) return EL_ST_ERR_INTERNAL;
    /* RUN carries each input's bytes as the model stores them: int8, or float32 (little-endian) for --io float */
    if (t.type != EL_INT8 && t.type != EL_FLOAT32) return EL_ST_ERR_BAD_ARGUMENT;
    need += t.bytes;
  }
  if (need != in_len) return EL_ST_ERR_BAD_LENGTH;
  for (i = 0; i < n; i++) {
    (void)el_model_input(m, i, &t);
    memcpy(t.data, in, t.bytes);
    in += t.bytes;
  }
  /* The answer must fit one frame: check before invoking so a too-large model fails without running. */
  n = el_model_output_count(m);
  used = EL_RUN_RSP_FIXED_SIZE;
  for (i = 0; i < n; i++) {
    if (el_model_output(m, i, &t) != EL_OK) return EL_ST_ERR_INTERNAL;
    if (t.type != EL_INT8 && t.type != EL_FLOAT32) return EL_ST_ERR_BAD_ARGUMENT;
    used += EL_TENSOR_DESC_FIXED_SIZE + t.bytes;
  }
  if (used > EL_MAX_PAYLOAD) return EL_ST_ERR_BAD_ARGUMENT;
  /* The active package's query limits (el_query_limit.h): counted before the model runs, refused without running. */
  status = el_query_admit(1u, rsp, rsp_len);
  if (status != EL_ST_OK) return status;
  t0 = board_cycles();
  st = el_model_invoke(m);
  cycles = board_cycles() - t0;
  if (st != EL_OK) {
    put_failure(rsp, rsp_len, st, m->failed_op);
    return EL_ST_ERR_RUN;
  }
  /* The active package's score offsets (el_score_offsets.h), then its response mark (el_response_mark.h), on a model
   * with one int8 input and one output, both on the request's input bytes (the arena may reuse the input tensor during
   * the inference). A package whose offsets do not fit the answer gets no answer at all. */
  if (el_model_input_count(m) == 1u && n == 1u) {
    el_tensor_info o;
    (void)el_model_input(m, 0, &t);
    (void)el_model_output(m, 0, &o);
    if (t.type == EL_INT8) {
      const int8_t *input = (const int8_t *)(req + EL_RUN_REQ_INPUT_OFF);
      uint32_t size = o.type == EL_INT8 ? 1u : 4u, classes = (uint32_t)(o.bytes / size);
      int offset = el_offsets_apply(input, (uint32_t)in_len, (uint8_t *)o.data, classes, size);
      if (offset < 0) return (uint8_t)-offset;
      int marked = el_mark_apply(input, (uint32_t)in_len, (uint8_t *)o.data, classes, size);
      if (marked < 0) return (uint8_t)-marked;
    }
  }
  el_put_u32(rsp + EL_RUN_RSP_CYCLES_LO_OFF, (uint32_t)cycles);
  el_put_u32(rsp + EL_RUN_RSP_CYCLES_HI_OFF, (uint32_t)(cycles >> 32));
  rsp[EL_RUN_RSP_OUTPUT_COUNT_OFF] = (uint8_t)n;
  used = EL_RUN_RSP_OUTPUTS_OFF;
  for (i = 0; i < n; i++) {
    (void)el_model_output(m, i, &t);
    put_desc(rsp + used, &t);
    used += EL_TENSOR_DESC_FIXED_SIZE;
    memcpy(rsp + used, t.data, t.bytes);
    used += t.bytes;
  }
  *rsp_len = (uint16_t)used;
  return EL_ST_OK;
}

static uint8_t cmd_model_io(const uint8_t *req, uint16_t req_len, uint8_t *rsp, uint16_t *rsp_len) {
  uint8_t status = EL_ST_OK;
  el_model *m = slot_model(req[EL_MODEL_IO_REQ_SLOT_OFF], rsp, rsp_len, &status);
  uint32_t ni, no, i;
  size_t used = EL_MODEL_IO_RSP_TENSORS_OFF;
  el_tensor_info t;
  (void)req_len;
  if (m == NULL) return status;
  ni = el_model_input_count(m);
  no = el_model_output_count(m);
  if (used + (size_t)(ni + no) * EL_TENSOR_DESC_FIXED_SIZE > EL_MAX_PAYLOAD) return EL_ST_ERR_INTERNAL;
  for (i = 0; i < ni + no; i++) {
    if ((i < ni ? el_model_input(m, i, &t) : el_model_output(m, i - ni, &t)) != EL_OK) return EL_ST_ERR_INTERNAL;
    put_desc(rsp + used, &t);
    used += EL_TENSOR_DESC_FIXED_SIZE;
  }
  rsp[EL_MODEL_IO_RSP_INPUT_COUNT_OFF] = (uint8_t)ni;
  rsp[EL_MODEL_IO_RSP_OUTPUT_COUNT_OFF] = (uint8_t)no;
  *rsp_len = (uint16_t)used;
  return EL_ST_OK;
}

static const el_command_t g_runtime_commands[] = {
    {EL_CMD_RUN, EL_RUN_REQ_FIXED_SIZE, EL_MAX_PAYLOAD, cmd_run},
    {EL_CMD_MODEL_IO, EL_MODEL_IO_REQ_FIXED_SIZE, EL_MODEL_IO_REQ_FIXED_SIZE, cmd_model_io},
};

void el_runtime_commands_register(void) {
  (void)el_dispatch_register(g_runtime_commands, sizeof g_runtime_commands / sizeof g_runtime_commands[0]);
}
