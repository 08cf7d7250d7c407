/* PING, INFO and RESET. */
#include "el_commands.h"
#include "el_board.h"
#include "el_bytes.h"
#include "el_dispatch.h"
#include "el_keystore.h"
#include "el_query_limit.h"
#include "el_response_mark.h"
#include "el_slots.h"
#include <string.h>

uint8_t el_cmd_ping(const uint8_t *req, uint16_t req_len, uint8_t *rsp, uint16_t *rsp_len) {
  if (req_len > EL_MAX_PAYLOAD - EL_PING_RSP_FIXED_SIZE) return EL_ST_ERR_BAD_LENGTH;
  memcpy(rsp + EL_PING_RSP_DATA_OFF, req, req_len);
  *rsp_len = (uint16_t)(EL_PING_RSP_FIXED_SIZE + req_len);
  return EL_ST_OK;
}

uint8_t el_cmd_info(const uint8_t *req, uint16_t req_len, uint8_t *rsp, uint16_t *rsp_len) {
  (void)req;
  (void)req_len;
  rsp[EL_INFO_RSP_PROTOCOL_VERSION_OFF] = EL_PROTOCOL_VERSION;
  rsp[EL_INFO_RSP_FW_MAJOR_OFF] = EL_FW_VERSION_MAJOR;
  rsp[EL_INFO_RSP_FW_MINOR_OFF] = EL_FW_VERSION_MINOR;
  rsp[EL_INFO_RSP_FW_PATCH_OFF] = EL_FW_VERSION_PATCH;
  if (!board_unique_id(rsp + EL_INFO_RSP_UID_OFF)) return EL_ST_ERR_STORAGE;
  memset(rsp + EL_INFO_RSP_BOARD_NAME_OFF, 0, EL_INFO_RSP_BOARD_NAME_LEN);
  const char *name = board_name();
  size_t n = strlen(name);
  memcpy(rsp + EL_INFO_RSP_BOARD_NAME_OFF, name, n < EL_INFO_RSP_BOARD_NAME_LEN ? n : EL_INFO_RSP_BOARD_NAME_LEN);
  el_put_u16(rsp + EL_INFO_RSP_MAX_PAYLOAD_OFF, EL_MAX_PAYLOAD);
  rsp[EL_INFO_RSP_KEY_SLOTS_OFF] = EL_KEY_SLOTS;
  rsp[EL_INFO_RSP_KEY_MASK_OFF] = el_keystore_mask();
  el_put_u32(rsp + EL_INFO_RSP_EXECUTED_OFF, el_dispatch_executed());
  el_put_u32(rsp + EL_INFO_RSP_RX_DROPPED_OFF, el_dispatch_dropped());
  rsp[EL_INFO_RSP_MODEL_SLOTS_OFF] = EL_MODEL_SLOTS;
  for (uint8_t s = 0; s < EL_MODEL_SLOTS; s++)
    el_slot_info(s, rsp + EL_INFO_RSP_SLOTS_OFF + (size_t)s * EL_MODEL_SLOT_INFO_FIXED_SIZE);
  el_slots_package_state(rsp + EL_INFO_RSP_SLOTS_OFF + (size_t)EL_MODEL_SLOTS * EL_MODEL_SLOT_INFO_FIXED_SIZE);
  el_slots_firmware_state(rsp + EL_INFO_RSP_SLOTS_OFF + (size_t)EL_MODEL_SLOTS * EL_MODEL_SLOT_INFO_FIXED_SIZE +
                          EL_PACKAGE_STATE_FIXED_SIZE);
  uint8_t *qs = rsp + EL_INFO_RSP_SLOTS_OFF + (size_t)EL_MODEL_SLOTS * EL_MODEL_SLOT_INFO_FIXED_SIZE +
                EL_PACKAGE_STATE_FIXED_SIZE + EL_FIRMWARE_STATE_FIXED_SIZE;
  el_query_state(qs);
  if (el_mark_active() != NULL) qs[EL_QUERY_STATE_FLAGS_OFF] |= 2u; /* the active package carries a response mark */
  *rsp_len = (uint16_t)(EL_INFO_RSP_FIXED_SIZE + EL_MODEL_SLOTS * EL_MODEL_SLOT_INFO_FIXED_SIZE +
                        EL_PACKAGE_STATE_FIXED_SIZE + EL_FIRMWARE_STATE_FIXED_SIZE + EL_QUERY_STATE_FIXED_SIZE);
  return EL_ST_OK;
}

uint8_t el_cmd_reset(const uint8_t *req, uint16_t req_len, uint8_t *rsp, uint16_t *rsp_len) {
  (void)req;
  (void)req_len;
  (void)rsp;
  (void)rsp_len;
  el_dispatch_request_reset();
  return EL_ST_OK;
}
