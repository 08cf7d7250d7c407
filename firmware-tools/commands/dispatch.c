#include "el_dispatch.h"
#include "el_board.h"
#include "el_bytes.h"
#include "el_cobs.h"
#include <string.h>

extern const el_command_t el_core_commands[];
extern const size_t el_core_command_count;

static struct {
  const el_command_t *table;
  size_t count;
} g_tables[EL_DISPATCH_MAX_TABLES];
static size_t g_table_count;

/* The repeat cache: the last request's identity and the wire bytes of its answer. */
static struct {
  bool valid;
  uint8_t type;
  uint16_t seq;
  uint32_t crc;
  size_t len;
  uint8_t wire[EL_MAX_ENCODED_FRAME];
} g_cache;

static uint8_t g_rsp[EL_MAX_PAYLOAD];
static uint8_t g_scratch[EL_MAX_RAW_FRAME];
static uint32_t g_executed, g_dropped;
/* The seq of the last executed request: a request behind it is a late duplicate and is not executed. */
static bool g_have_last;
static uint16_t g_last_seq;
static uint8_t
    g_stale_wire[EL_COBS_MAX_ENCODED(EL_FRAME_HEADER_SIZE + EL_STALE_SEQ_FIXED_SIZE + 1u + EL_FRAME_CRC_SIZE) + 1u];
static bool g_reset_requested;
static uint8_t g_current_type;

int el_dispatch_register(const el_command_t *table, size_t count) {
  if (g_table_count >= EL_DISPATCH_MAX_TABLES) return 0;
  g_tables[g_table_count].table = table;
  g_tables[g_table_count].count = count;
  g_table_count++;
  return 1;
}

void el_dispatch_init(void) {
  memset(&g_cache, 0, sizeof g_cache);
  g_executed = g_dropped = 0;
  g_reset_requested = false;
  g_have_last = false;
}

const el_command_t *el_dispatch_find(uint8_t id) {
  for (size_t i = 0; i < el_core_command_count; i++)
    if (el_core_commands[i].id == id) return &el_core_commands[i];
  for (size_t t = 0; t < g_table_count; t++)
    for (size_t i = 0; i < g_tables[t].count; i++)
      if (g_tables[t].table[i].id == id) return &g_tables[t].table[i];
  return NULL;
}

static uint16_t execute(const el_frame_t *f) {
  uint16_t rsp_len = 1;
  if (f->version != EL_PROTOCOL_VERSION) {
    g_rsp[0] = EL_ST_ERR_VERSION;
    return rsp_len;
  }
  g_current_type = f->type;
  const el_command_t *c = (f->type & EL_RESPONSE_FLAG) ? NULL : el_dispatch_find(f->type);
  if (!c) {
    g_rsp[0] = EL_ST_ERR_UNKNOWN_COMMAND;
  } else if (f->len < c->min_len || f->len > c->max_len) {
    g_rsp[0] = EL_ST_ERR_BAD_LENGTH;
  } else {
    g_executed++;
    g_rsp[0] = c->handler(f->payload, f->len, g_rsp, &rsp_len);
  }
  return rsp_len;
}

void el_dispatch_frame(const el_frame_t *f) {
  if (g_cache.valid && g_cache.seq == f->seq && g_cache.type == f->type && g_cache.crc == f->crc) {
    board_serial_write(g_cache.wire, g_cache.len);
    return;
  }
  uint16_t behind = (uint16_t)(g_last_seq - f->seq);
  if (g_have_last && behind != 0 && behind < 0x8000u) {
    uint8_t body[1 + EL_STALE_SEQ_FIXED_SIZE];
    body[0] = EL_ST_ERR_STALE_SEQ;
    el_put_u16(body + 1 + EL_STALE_SEQ_LAST_SEQ_OFF, g_last_seq);
    size_t n =
        el_frame_encode((uint8_t)(f->type | EL_RESPONSE_FLAG), f->seq, body, sizeof body, g_scratch, g_stale_wire);
    board_serial_write(g_stale_wire, n);
    return;
  }
  uint16_t rsp_len = execute(f);
  g_have_last = true;
  g_last_seq = f->seq;
  g_cache.valid = true;
  g_cache.seq = f->seq;
  g_cache.type = f->type;
  g_cache.crc = f->crc;
  g_cache.len = el_frame_encode((uint8_t)(f->type | EL_RESPONSE_FLAG), f->seq, g_rsp, rsp_len, g_scratch, g_cache.wire);
  board_serial_write(g_cache.wire, g_cache.len);
  if (g_reset_requested) {
    g_reset_requested = false;
    board_reset();
  }
}

uint32_t el_dispatch_executed(void) { return g_executed; }
uint32_t el_dispatch_dropped(void) { return g_dropped; }
void el_dispatch_count_drop(void) { g_dropped++; }

void el_dispatch_rx(el_frame_rx_t *rx, const uint8_t *data, size_t len) {
  el_frame_t f;
  for (size_t i = 0; i < len; i++) {
    el_rx_result_t r = el_frame_rx_byte(rx, data[i], &f);
    if (r == EL_RX_FRAME)
      el_dispatch_frame(&f);
    else if (r == EL_RX_DROPPED)
      el_dispatch_count_drop();
  }
}
void el_dispatch_request_reset(void) { g_reset_requested = true; }
uint8_t el_dispatch_current_type(void) { return g_current_type; }
