/* Command dispatch: tables of handlers, the repeat cache and response framing. */
#ifndef EL_DISPATCH_H
#define EL_DISPATCH_H
#include <stddef.h>
#include <stdint.h>
#include "el_frame.h"

/* A handler reads req[0..req_len) and writes its response payload from rsp[1] (rsp[0] is the status, set by the
 * dispatcher from the return value). *rsp_len is preset to 1; a handler that adds fields sets it. */
typedef uint8_t (*el_handler_t)(const uint8_t *req, uint16_t req_len, uint8_t *rsp, uint16_t *rsp_len);

typedef struct {
  uint8_t id;
  uint16_t min_len; /* request payload bounds, from el_protocol.h */
  uint16_t max_len;
  el_handler_t handler;
} el_command_t;

/* Adds a table of extra commands (e.g. a model runtime's), consulted after the core table. Call before
 * el_firmware_init(); registrations survive re-initialisation. At most EL_DISPATCH_MAX_TABLES tables. */
#define EL_DISPATCH_MAX_TABLES 4
int el_dispatch_register(const el_command_t *table, size_t count);

void el_dispatch_init(void);
/* The command with this id (core table first, then the registered tables), or NULL. */
const el_command_t *el_dispatch_find(uint8_t id);
/* The id of the request being executed: lets one handler serve several ids (e.g. a forwarder to a secure image). */
uint8_t el_dispatch_current_type(void);
/* Handles one valid frame: answers from the repeat cache or executes and answers. */
void el_dispatch_frame(const el_frame_t *frame);
/* A board's receive path: feeds received bytes to the frame layer `rx`, handles every complete frame and counts the
 * dropped ones. */
void el_dispatch_rx(el_frame_rx_t *rx, const uint8_t *data, size_t len);
/* Counters reported by INFO. */
uint32_t el_dispatch_executed(void);
uint32_t el_dispatch_dropped(void);
void el_dispatch_count_drop(void);
/* Set by a handler that must restart the board once its answer has been sent. */
void el_dispatch_request_reset(void);
#endif
