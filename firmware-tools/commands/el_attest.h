/* ATTEST: mac = HMAC-SHA256(device key, nonce || uid || active package SHA-256), computed in the key store. */
#ifndef EL_ATTEST_H
#define EL_ATTEST_H
#include <stdint.h>

uint8_t el_cmd_attest(const uint8_t *req, uint16_t req_len, uint8_t *rsp, uint16_t *rsp_len);
#endif
