/*
 * Authenticated package upload (FLASH_BEGIN / FLASH_CHUNK / FLASH_END / FLASH_STATUS) into the inactive model slot,
 * resumable after a disconnect or a reset, activated only when the package verifies (el_package_verify) and its
 * security counter is >= the board's. See docs/package.md.
 */
#ifndef EL_FLASH_H
#define EL_FLASH_H
#include <stdint.h>

/* Verifies the package stored in a READY package slot and prepares its model in place (boot). */
uint8_t el_flash_prepare_slot(uint8_t slot);

uint8_t el_cmd_flash_begin(const uint8_t *req, uint16_t req_len, uint8_t *rsp, uint16_t *rsp_len);
uint8_t el_cmd_flash_chunk(const uint8_t *req, uint16_t req_len, uint8_t *rsp, uint16_t *rsp_len);
uint8_t el_cmd_flash_end(const uint8_t *req, uint16_t req_len, uint8_t *rsp, uint16_t *rsp_len);
uint8_t el_cmd_flash_status(const uint8_t *req, uint16_t req_len, uint8_t *rsp, uint16_t *rsp_len);
#endif
