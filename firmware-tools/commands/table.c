/* The core command table: id, request length bounds (from the generated layouts), handler. */
#include "el_commands.h"
#include "el_dispatch.h"
#include "el_attest.h"
#include "el_flash.h"

#define EXACT(NAME) EL_##NAME##_REQ_FIXED_SIZE, EL_##NAME##_REQ_FIXED_SIZE
#define TAIL(NAME) EL_##NAME##_REQ_FIXED_SIZE, EL_MAX_PAYLOAD

const el_command_t el_core_commands[] = {
    {EL_CMD_PING, TAIL(PING), el_cmd_ping},
    {EL_CMD_INFO, EXACT(INFO), el_cmd_info},
    {EL_CMD_RESET, EXACT(RESET), el_cmd_reset},
    {EL_CMD_KEY_WRITE, EXACT(KEY_WRITE), el_cmd_key_write},
    {EL_CMD_KEY_CHECK, EXACT(KEY_CHECK), el_cmd_key_check},
#ifdef EL_DEV_UPLOAD
    {EL_CMD_MODEL_LOAD_BEGIN, EXACT(MODEL_LOAD_BEGIN), el_cmd_model_load_begin},
    {EL_CMD_MODEL_LOAD_CHUNK, TAIL(MODEL_LOAD_CHUNK), el_cmd_model_load_chunk},
    {EL_CMD_MODEL_LOAD_END, EXACT(MODEL_LOAD_END), el_cmd_model_load_end},
#else
    /* Production firmware: no development upload; the ids answer ERR_DEVELOPMENT_ONLY whatever the payload. */
    {EL_CMD_MODEL_LOAD_BEGIN, 0, EL_MAX_PAYLOAD, el_cmd_development_only},
    {EL_CMD_MODEL_LOAD_CHUNK, 0, EL_MAX_PAYLOAD, el_cmd_development_only},
    {EL_CMD_MODEL_LOAD_END, 0, EL_MAX_PAYLOAD, el_cmd_development_only},
#endif
    {EL_CMD_FLASH_BEGIN, EXACT(FLASH_BEGIN), el_cmd_flash_begin},
    {EL_CMD_FLASH_CHUNK, TAIL(FLASH_CHUNK), el_cmd_flash_chunk},
    {EL_CMD_FLASH_END, EXACT(FLASH_END), el_cmd_flash_end},
    {EL_CMD_FLASH_STATUS, EXACT(FLASH_STATUS), el_cmd_flash_status},
    {EL_CMD_ATTEST, EXACT(ATTEST), el_cmd_attest},
};
const size_t el_core_command_count = sizeof el_core_commands / sizeof el_core_commands[0];
