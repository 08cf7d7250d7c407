/* KEY_WRITE and KEY_CHECK. */
#include "el_commands.h"
#include "el_keystore.h"

uint8_t el_cmd_key_write(const uint8_t *req, uint16_t req_len, uint8_t *rsp, uint16_t *rsp_len) {
  (void)req_len;
  (void)rsp;
  (void)rsp_len;
  return el_keystore_write(req[EL_KEY_WRITE_REQ_SLOT_OFF], req + EL_KEY_WRITE_REQ_KEY_OFF);
}

uint8_t el_cmd_key_check(const uint8_t *req, uint16_t req_len, uint8_t *rsp, uint16_t *rsp_len) {
  (void)req_len;
  static const uint8_t msg[] = EL_KCV_MESSAGE;
  uint8_t st =
      el_keystore_hmac(req[EL_KEY_CHECK_REQ_SLOT_OFF], msg, EL_KCV_MESSAGE_LEN, rsp + EL_KEY_CHECK_RSP_KCV_OFF);
  if (st == EL_ST_OK) *rsp_len = EL_KEY_CHECK_RSP_FIXED_SIZE;
  return st;
}
