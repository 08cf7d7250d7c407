/* Handlers of the core commands (see el_dispatch.h for the handler contract). */
#ifndef EL_COMMANDS_H
#define EL_COMMANDS_H
#include <stdint.h>
#include "el_protocol.h"

uint8_t el_cmd_ping(const uint8_t *req, uint16_t req_len, uint8_t *rsp, uint16_t *rsp_len);
uint8_t el_cmd_info(const uint8_t *req, uint16_t req_len, uint8_t *rsp, uint16_t *rsp_len);
uint8_t el_cmd_reset(const uint8_t *req, uint16_t req_len, uint8_t *rsp, uint16_t *rsp_len);
uint8_t el_cmd_key_write(const uint8_t *req, uint16_t req_len, uint8_t *rsp, uint16_t *rsp_len);
uint8_t el_cmd_key_check(const uint8_t *req, uint16_t req_len, uint8_t *rsp, uint16_t *rsp_len);
uint8_t el_cmd_model_load_begin(const uint8_t *req, uint16_t req_len, uint8_t *rsp, uint16_t *rsp_len);
uint8_t el_cmd_model_load_chunk(const uint8_t *req, uint16_t req_len, uint8_t *rsp, uint16_t *rsp_len);
uint8_t el_cmd_model_load_end(const uint8_t *req, uint16_t req_len, uint8_t *rsp, uint16_t *rsp_len);
/* What a production firmware (built without EL_DEV_UPLOAD) answers to MODEL_LOAD_*: ERR_DEVELOPMENT_ONLY. */
uint8_t el_cmd_development_only(const uint8_t *req, uint16_t req_len, uint8_t *rsp, uint16_t *rsp_len);

/* The model runtime's command tables (built with the runtime module, runtime/firmware.mk), added with
 * el_dispatch_register(): RUN and MODEL_IO (cmd_run.c), WATERMARK_* (cmd_watermark.c). */
void el_runtime_commands_register(void);
void el_watermark_commands_register(void);
#endif
