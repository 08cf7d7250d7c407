#include "el_record.h"
#include "el_board.h"
#include "el_bytes.h"
#include "el_crc32.h"
#include <string.h>

#define OFF_MAGIC 0u
#define OFF_SEQ 4u
#define OFF_LEN 8u
#define OFF_BODY 10u

static uint8_t g_copy[EL_RECORD_MAX_BODY + EL_RECORD_OVERHEAD];

/* Reads one copy into g_copy; returns its seq, or 0 when the copy is not a valid record. */
static uint32_t read_copy(const el_record_def_t *def, int i) {
  uint32_t total = def->body_len + EL_RECORD_OVERHEAD;
  if (!board_storage_read(def->copy[i], 0, g_copy, total)) return 0;
  if (el_get_u32(g_copy + OFF_MAGIC) != def->magic) return 0;
  if (el_get_u16(g_copy + OFF_LEN) != def->body_len) return 0;
  uint32_t crc_at = OFF_BODY + def->body_len;
  if (el_crc32(0, g_copy, crc_at) != el_get_u32(g_copy + crc_at)) return 0;
  uint32_t seq = el_get_u32(g_copy + OFF_SEQ);
  return seq == 0xFFFFFFFFu ? 0 : seq;
}

bool el_record_load(const el_record_def_t *def, uint8_t *body, el_record_state_t *st) {
  st->seq = 0;
  st->newest = -1;
  if (def->body_len > EL_RECORD_MAX_BODY) return false;
  for (int i = 0; i < 2; i++) {
    uint32_t seq = read_copy(def, i);
    if (seq != 0 && seq > st->seq) {
      st->seq = seq;
      st->newest = i;
      memcpy(body, g_copy + OFF_BODY, def->body_len);
    }
  }
  return st->newest >= 0;
}

bool el_record_store(const el_record_def_t *def, const uint8_t *body, el_record_state_t *st) {
  if (def->body_len > EL_RECORD_MAX_BODY) return false;
  int target = st->newest == 0 ? 1 : 0;
  uint32_t seq = st->seq + 1u;
  uint32_t total = def->body_len + EL_RECORD_OVERHEAD;
  el_put_u32(g_copy + OFF_MAGIC, def->magic);
  el_put_u32(g_copy + OFF_SEQ, seq);
  el_put_u16(g_copy + OFF_LEN, def->body_len);
  memcpy(g_copy + OFF_BODY, body, def->body_len);
  el_put_u32(g_copy + OFF_BODY + def->body_len, el_crc32(0, g_copy, OFF_BODY + def->body_len));
  el_region_t r = def->copy[target];
  bool ok = board_storage_erase(r) && board_storage_program(r, OFF_SEQ, g_copy + OFF_SEQ, total - OFF_SEQ) &&
            board_storage_program(r, OFF_MAGIC, g_copy + OFF_MAGIC, 4u);
  el_wipe(g_copy, sizeof g_copy);
  if (!ok || read_copy(def, target) != seq || memcmp(g_copy + OFF_BODY, body, def->body_len) != 0) {
    el_wipe(g_copy, sizeof g_copy);
    return false;
  }
  el_wipe(g_copy, sizeof g_copy);
  st->seq = seq;
  st->newest = target;
  return true;
}
