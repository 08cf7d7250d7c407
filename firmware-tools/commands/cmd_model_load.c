/* Development-only model upload: MODEL_LOAD_BEGIN, MODEL_LOAD_CHUNK, MODEL_LOAD_END. Registered only in the development
 * flavour (EL_DEV_UPLOAD, `board start --flavour dev`); a production firmware answers el_cmd_development_only. A slot
 * loaded this way never gets a lock key (el_lock.h): a locked model in it does not run. */
#include "el_commands.h"
#include "el_bytes.h"
#include "el_slots.h"

uint8_t el_cmd_model_load_begin(const uint8_t *req, uint16_t req_len, uint8_t *rsp, uint16_t *rsp_len) {
  (void)req_len;
  (void)rsp;
  (void)rsp_len;
  return el_slot_begin(req[EL_MODEL_LOAD_BEGIN_REQ_SLOT_OFF], el_get_u32(req + EL_MODEL_LOAD_BEGIN_REQ_SIZE_OFF));
}

uint8_t el_cmd_model_load_chunk(const uint8_t *req, uint16_t req_len, uint8_t *rsp, uint16_t *rsp_len) {
  uint32_t next = 0;
  uint8_t st = el_slot_chunk(
      req[EL_MODEL_LOAD_CHUNK_REQ_SLOT_OFF], el_get_u32(req + EL_MODEL_LOAD_CHUNK_REQ_OFFSET_OFF),
      req + EL_MODEL_LOAD_CHUNK_REQ_DATA_OFF, (uint32_t)(req_len - EL_MODEL_LOAD_CHUNK_REQ_FIXED_SIZE), &next);
  if (st == EL_ST_OK || st == EL_ST_ERR_MODEL_SEQUENCE) {
    el_put_u32(rsp + EL_MODEL_LOAD_CHUNK_RSP_NEXT_OFFSET_OFF, next);
    *rsp_len = EL_MODEL_LOAD_CHUNK_RSP_FIXED_SIZE;
  }
  return st;
}

uint8_t el_cmd_model_load_end(const uint8_t *req, uint16_t req_len, uint8_t *rsp, uint16_t *rsp_len) {
  (void)req_len;
  (void)rsp;
  (void)rsp_len;
  return el_slot_end(req[EL_MODEL_LOAD_END_REQ_SLOT_OFF], req + EL_MODEL_LOAD_END_REQ_SHA256_OFF);
}

uint8_t el_cmd_development_only(const uint8_t *req, uint16_t req_len, uint8_t *rsp, uint16_t *rsp_len) {
  (void)req;
  (void)req_len;
  (void)rsp;
  (void)rsp_len;
  return EL_ST_ERR_DEVELOPMENT_ONLY;
}
