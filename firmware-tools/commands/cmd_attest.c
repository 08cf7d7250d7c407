#include "el_attest.h"
#include "el_board.h"
#include "el_bytes.h"
#include "el_build.h"
#include "el_keystore.h"
#include "el_package.h"
#include "el_protocol.h"
#include "el_slots.h"
#include <string.h>

uint8_t el_cmd_attest(const uint8_t *req, uint16_t req_len, uint8_t *rsp, uint16_t *rsp_len) {
  (void)req_len;
  uint8_t msg[32u + EL_UID_SIZE + EL_SHA256_SIZE + 2u];
  uint8_t active = el_slots_active();
  uint32_t version_len = 0;
  memcpy(msg, req + EL_ATTEST_REQ_NONCE_OFF, 32u);
  if (!board_unique_id(msg + 32u)) return EL_ST_ERR_STORAGE;
  if (active != EL_SLOT_NONE)
    memcpy(msg + 32u + EL_UID_SIZE, el_slot_sha256(active), EL_SHA256_SIZE);
  else
    memset(msg + 32u + EL_UID_SIZE, 0, EL_SHA256_SIZE);
  msg[32u + EL_UID_SIZE + EL_SHA256_SIZE] = el_firmware_flags();
  msg[32u + EL_UID_SIZE + EL_SHA256_SIZE + 1u] = el_slots_dev_models();
  uint8_t st = el_keystore_hmac(0, msg, sizeof msg, rsp + EL_ATTEST_RSP_MAC_OFF);
  if (st != EL_ST_OK) return st;
  memcpy(rsp + EL_ATTEST_RSP_UID_OFF, msg + 32u, EL_UID_SIZE);
  rsp[EL_ATTEST_RSP_ACTIVE_SLOT_OFF] = active;
  memcpy(rsp + EL_ATTEST_RSP_PACKAGE_SHA256_OFF, msg + 32u + EL_UID_SIZE, EL_SHA256_SIZE);
  el_put_u32(rsp + EL_ATTEST_RSP_SECURITY_COUNTER_OFF, el_slots_counter());
  rsp[EL_ATTEST_RSP_FIRMWARE_FLAGS_OFF] = msg[32u + EL_UID_SIZE + EL_SHA256_SIZE];
  rsp[EL_ATTEST_RSP_DEV_MODELS_OFF] = msg[32u + EL_UID_SIZE + EL_SHA256_SIZE + 1u];
  if (active != EL_SLOT_NONE) {
    el_package_t p;
    const uint8_t *b = el_slot_bytes(active);
    if (b && el_package_parse(b, el_slot_size(active), &p) == EL_ST_OK) {
      version_len = p.version_len;
      memcpy(rsp + EL_ATTEST_RSP_VERSION_OFF, p.version, version_len);
    }
  }
  *rsp_len = (uint16_t)(EL_ATTEST_RSP_FIXED_SIZE + version_len);
  return EL_ST_OK;
}
