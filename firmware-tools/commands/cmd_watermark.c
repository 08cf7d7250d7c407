/*
 * Watermark check on the board (docs/watermark.md, "On the board"): WATERMARK_BEGIN derives the stamp of an owner
 * signature for a slot's model (el_watermark.h), WATERMARK_BASES streams unstamped base samples that the device
 * stamps, quantises into the model input, runs and answers with arg-max labels, WATERMARK_END wipes. No trigger
 * image travels; the signature stays in RAM only while the stamp is derived. Layouts come from el_protocol.h.
 *
 * RAM: two bitmaps of EL_WM_MAX_SAMPLE bits (the stamped positions and their signs) and a 1 KB value table.
 */
#include <string.h>

#include "el_board.h"
#include "el_bytes.h"
#include "el_commands.h"
#include "el_dispatch.h"
#include "el_lock_unseal.h"
#include "el_protocol.h"
#include "el_query_limit.h"
#include "el_runtime.h"
#include "el_runtime_module.h"
#include "el_watermark.h"

/* Largest sample (values) a check can stamp. */
#ifndef EL_WM_MAX_SAMPLE
#define EL_WM_MAX_SAMPLE (64u * 1024u)
#endif
#define WM_TABLE_MAX 256u
#define WM_ENC_F32 0u
#define WM_ENC_TABLE 1u

typedef struct {
  uint8_t open;
  uint8_t slot;
  uint8_t encoding;
  uint32_t channels; /* 1, or C when values move from [C, H, W] to [H, W, C] */
  uint32_t plane;    /* H * W */
  uint32_t sample_size;
  uint32_t next; /* value index of the stream the next WATERMARK_BASES starts at */
  float delta, lo, hi;
  uint32_t table_len;
  float table[WM_TABLE_MAX];
  uint8_t stamped[EL_WM_MAX_SAMPLE / 8u];
  uint8_t negative[EL_WM_MAX_SAMPLE / 8u];
} wm_check;

static wm_check g_wm;

static void wm_close(void) { el_wipe(&g_wm, sizeof g_wm); }

static int is_finite(float f) { return f == f && f - f == 0.0f; }

static uint32_t elem_size(el_type t) { return t == EL_FLOAT32 ? 4u : 1u; }

/* The slot's model with its one input and first output, when they are int8 or float32; else a status. */
static uint8_t wm_model(uint8_t slot, el_model **m, el_tensor_info *in, el_tensor_info *out) {
  if (slot >= EL_MODEL_SLOTS) return EL_ST_ERR_MODEL_SLOT;
  *m = el_runtime_slot_model(slot);
  if (*m == NULL) {
    uint8_t lock = el_lock_slot_status(slot); /* a locked model without its key says so */
    return lock != EL_ST_OK ? lock : EL_ST_ERR_MODEL_EMPTY;
  }
  if (el_model_input_count(*m) != 1u || el_model_output_count(*m) < 1u) return EL_ST_ERR_WATERMARK_PARAMS;
  if (el_model_input(*m, 0, in) != EL_OK || el_model_output(*m, 0, out) != EL_OK) return EL_ST_ERR_INTERNAL;
  if ((in->type != EL_INT8 && in->type != EL_FLOAT32) || (out->type != EL_INT8 && out->type != EL_FLOAT32))
    return EL_ST_ERR_WATERMARK_PARAMS;
  if (in->type == EL_INT8 && !(in->scale > 0.0f)) return EL_ST_ERR_WATERMARK_PARAMS;
  if (out->bytes < elem_size(out->type)) return EL_ST_ERR_WATERMARK_PARAMS;
  return EL_ST_OK;
}

static uint8_t cmd_begin(const uint8_t *req, uint16_t req_len, uint8_t *rsp, uint16_t *rsp_len) {
  el_model *m;
  el_tensor_info in, out;
  uint8_t signature[EL_WM_SIGNATURE_SIZE];
  uint8_t *sig_in_frame = (uint8_t *)(uintptr_t)(req + EL_WATERMARK_BEGIN_REQ_SIGNATURE_OFF);
  uint32_t table_bytes = (uint32_t)req_len - EL_WATERMARK_BEGIN_REQ_FIXED_SIZE;
  uint32_t i, size, positions, channels;
  uint8_t st;
  (void)rsp;
  (void)rsp_len;
  wm_close(); /* a new check replaces the open one */
  memcpy(signature, sig_in_frame, sizeof signature);
  el_wipe(sig_in_frame, sizeof signature); /* the decoded frame buffer is the firmware's own; drop that copy too */
  g_wm.slot = req[EL_WATERMARK_BEGIN_REQ_SLOT_OFF];
  g_wm.encoding = req[EL_WATERMARK_BEGIN_REQ_ENCODING_OFF];
  channels = el_get_u16(req + EL_WATERMARK_BEGIN_REQ_CHANNELS_OFF);
  size = el_get_u32(req + EL_WATERMARK_BEGIN_REQ_SAMPLE_SIZE_OFF);
  positions = el_get_u32(req + EL_WATERMARK_BEGIN_REQ_POSITIONS_OFF);
  g_wm.delta = el_get_f32(req + EL_WATERMARK_BEGIN_REQ_DELTA_OFF);
  g_wm.lo = el_get_f32(req + EL_WATERMARK_BEGIN_REQ_LO_OFF);
  g_wm.hi = el_get_f32(req + EL_WATERMARK_BEGIN_REQ_HI_OFF);
  st = wm_model(g_wm.slot, &m, &in, &out);
  if (st == EL_ST_OK) {
    st = EL_ST_ERR_WATERMARK_PARAMS;
    if (size == 0u || size > EL_WM_MAX_SAMPLE || in.bytes != (size_t)size * elem_size(in.type)) goto fail;
    if (positions == 0u || positions > size) goto fail;
    if (!is_finite(g_wm.delta) || !(g_wm.delta > 0.0f) || !is_finite(g_wm.lo) || !is_finite(g_wm.hi) ||
        !(g_wm.lo < g_wm.hi))
      goto fail;
    if (channels == 0u || size % channels != 0u) goto fail;
    if (channels > 1u && (in.rank < 2u || (uint32_t)in.dims[in.rank - 1u] != channels)) goto fail;
    if (g_wm.encoding == WM_ENC_F32) {
      if (table_bytes != 0u) goto fail;
    } else if (g_wm.encoding == WM_ENC_TABLE) {
      if (table_bytes == 0u || table_bytes % 4u != 0u || table_bytes / 4u > WM_TABLE_MAX) goto fail;
      g_wm.table_len = table_bytes / 4u;
      for (i = 0; i < g_wm.table_len; i++) g_wm.table[i] = el_get_f32(req + EL_WATERMARK_BEGIN_REQ_TABLE_OFF + 4u * i);
    } else {
      goto fail;
    }
    g_wm.channels = channels;
    g_wm.plane = size / channels;
    g_wm.sample_size = size;
    g_wm.next = 0;
    (void)el_wm_stamp_plan(signature, positions, size, g_wm.stamped, g_wm.negative, NULL, NULL);
    el_wipe(signature, sizeof signature);
    g_wm.open = 1;
    return EL_ST_OK;
  }
fail:
  el_wipe(signature, sizeof signature);
  wm_close();
  return st;
}

static uint8_t sequence_error(uint8_t *rsp, uint16_t *rsp_len) {
  el_put_u32(rsp + EL_WATERMARK_BASES_RSP_NEXT_OFFSET_OFF, g_wm.next);
  *rsp_len = EL_WATERMARK_BASES_RSP_NEXT_OFFSET_OFF + 4u;
  return EL_ST_ERR_WATERMARK_SEQUENCE;
}

static uint8_t cmd_bases(const uint8_t *req, uint16_t req_len, uint8_t *rsp, uint16_t *rsp_len) {
  const uint8_t *v = req + EL_WATERMARK_BASES_REQ_VALUES_OFF;
  uint32_t n_bytes = (uint32_t)req_len - EL_WATERMARK_BASES_REQ_FIXED_SIZE;
  uint32_t vsize = g_wm.encoding == WM_ENC_F32 ? 4u : 1u;
  uint32_t count, completes, k, labels = 0, out_elems;
  uint64_t cycles = 0;
  el_model *m;
  el_tensor_info in, out;
  uint8_t st;
  if (!g_wm.open || el_get_u32(req + EL_WATERMARK_BASES_REQ_OFFSET_OFF) != g_wm.next || n_bytes % vsize != 0u)
    return sequence_error(rsp, rsp_len);
  count = n_bytes / vsize;
  st = wm_model(g_wm.slot, &m, &in, &out);
  if (st != EL_ST_OK) return st;
  if (in.bytes != (size_t)g_wm.sample_size * elem_size(in.type)) return EL_ST_ERR_WATERMARK_PARAMS; /* model replaced */
  completes = (uint32_t)(((uint64_t)g_wm.next + count) / g_wm.sample_size - g_wm.next / g_wm.sample_size);
  if (EL_WATERMARK_BASES_RSP_FIXED_SIZE + 2u * (uint64_t)completes > EL_MAX_PAYLOAD) return EL_ST_ERR_BAD_LENGTH;
  if (g_wm.encoding == WM_ENC_TABLE)
    for (k = 0; k < count; k++)
      if (v[k] >= g_wm.table_len) return EL_ST_ERR_BAD_ARGUMENT;
  /* Every sample this request completes is an inference under the active package's query limits: all of them are
   * admitted (and counted) before the first runs, or the request is refused and nothing runs. */
  st = el_query_admit(completes, rsp, rsp_len);
  if (st != EL_ST_OK) return st;
  out_elems = (uint32_t)(out.bytes / elem_size(out.type));
  for (k = 0; k < count; k++) {
    uint32_t i = g_wm.next % g_wm.sample_size;
    uint32_t dst = el_wm_channels_last(i, g_wm.channels, g_wm.plane);
    float x = vsize == 4u ? el_get_f32(v + 4u * k) : g_wm.table[v[k]];
    if (el_wm_bit(g_wm.stamped, i)) x = el_wm_stamp_value(x, el_wm_bit(g_wm.negative, i), g_wm.delta, g_wm.lo, g_wm.hi);
    if (in.type == EL_INT8)
      ((int8_t *)in.data)[dst] = (int8_t)el_wm_quantize(x, in.scale, in.zero_point, -128, 127);
    else
      ((float *)in.data)[dst] = x;
    g_wm.next++;
    if (g_wm.next % g_wm.sample_size == 0u) {
      uint64_t t0 = board_cycles();
      el_status rs = el_model_invoke(m);
      uint32_t label;
      cycles += board_cycles() - t0;
      if (rs != EL_OK) {
        const char *name = el_status_name(rs);
        size_t len = strlen(name);
        uint8_t *rec = rsp + 1;
        wm_close();
        if (len > EL_MAX_PAYLOAD - 1u - EL_RUN_FAILURE_FIXED_SIZE)
          len = EL_MAX_PAYLOAD - 1u - EL_RUN_FAILURE_FIXED_SIZE;
        rec[EL_RUN_FAILURE_EL_STATUS_OFF] = (uint8_t)rs;
        el_put_u32(rec + EL_RUN_FAILURE_FAILED_OP_OFF, m->failed_op);
        memcpy(rec + EL_RUN_FAILURE_NAME_OFF, name, len);
        *rsp_len = (uint16_t)(1u + EL_RUN_FAILURE_FIXED_SIZE + len);
        return EL_ST_ERR_RUN;
      }
      label = out.type == EL_INT8 ? el_wm_argmax_i8((const int8_t *)out.data, out_elems)
                                  : el_wm_argmax_f32((const float *)out.data, out_elems);
      el_put_u16(rsp + EL_WATERMARK_BASES_RSP_LABELS_OFF + 2u * labels, (uint16_t)label);
      labels++;
    }
  }
  el_put_u32(rsp + EL_WATERMARK_BASES_RSP_NEXT_OFFSET_OFF, g_wm.next);
  el_put_u32(rsp + EL_WATERMARK_BASES_RSP_CYCLES_LO_OFF, (uint32_t)cycles);
  el_put_u32(rsp + EL_WATERMARK_BASES_RSP_CYCLES_HI_OFF, (uint32_t)(cycles >> 32));
  *rsp_len = (uint16_t)(EL_WATERMARK_BASES_RSP_FIXED_SIZE + 2u * labels);
  return EL_ST_OK;
}

static uint8_t cmd_end(const uint8_t *req, uint16_t req_len, uint8_t *rsp, uint16_t *rsp_len) {
  (void)req;
  (void)req_len;
  (void)rsp;
  (void)rsp_len;
  wm_close();
  return EL_ST_OK;
}

static const el_command_t g_watermark_commands[] = {
    {EL_CMD_WATERMARK_BEGIN, EL_WATERMARK_BEGIN_REQ_FIXED_SIZE, EL_MAX_PAYLOAD, cmd_begin},
    {EL_CMD_WATERMARK_BASES, EL_WATERMARK_BASES_REQ_FIXED_SIZE, EL_MAX_PAYLOAD, cmd_bases},
    {EL_CMD_WATERMARK_END, EL_WATERMARK_END_REQ_FIXED_SIZE, EL_WATERMARK_END_REQ_FIXED_SIZE, cmd_end},
};

void el_watermark_commands_register(void) {
  (void)el_dispatch_register(g_watermark_commands, sizeof g_watermark_commands / sizeof g_watermark_commands[0]);
}
