#include "el_query_limit.h"
#include "el_board.h"
#include "el_bytes.h"
#include "el_record.h"
#include "el_slots.h"
#include "el_storage.h"
#include <string.h>

/* Lifetime record body: u32 security counter the count belongs to | u32 inferences in erased tallies | u8 erasing
 * (1: the tally's bytes are already in the base and the tally is being erased; finished at the next load). */
#define REC_COUNTER 0u
#define REC_BASE 4u
#define REC_ERASING 8u
#define REC_LEN 9u

static const el_record_def_t k_def = {{EL_REGION_QUERY_A, EL_REGION_QUERY_B}, 0x31514C45u /* "ELQ1" */, REC_LEN};

static struct {
  bool loaded;
  bool valid; /* a record exists (else the count starts at the first lifetime-limited inference) */
  uint32_t counter;
  uint32_t base;
  uint32_t tally; /* programmed bytes of the tally region */
  el_record_state_t rec;
} g_life;

static el_query_limits_t g_limits[EL_MODEL_SLOTS];
static bool g_has_limits[EL_MODEL_SLOTS];
static uint32_t g_boot_used;
static bool g_window_open;
static uint64_t g_window_start;
static uint32_t g_window_used;

void el_query_init(void) {
  memset(&g_life, 0, sizeof g_life);
  memset(g_limits, 0, sizeof g_limits);
  memset(g_has_limits, 0, sizeof g_has_limits);
  g_boot_used = 0;
  g_window_open = false;
  g_window_start = 0;
  g_window_used = 0;
}

void el_query_slot_limits(uint8_t slot, const el_query_limits_t *limits) {
  if (slot >= EL_MODEL_SLOTS) return;
  g_has_limits[slot] = limits != NULL;
  if (limits) g_limits[slot] = *limits;
}

static bool store(uint32_t counter, uint32_t base, uint8_t erasing) {
  uint8_t body[REC_LEN];
  el_put_u32(body + REC_COUNTER, counter);
  el_put_u32(body + REC_BASE, base);
  body[REC_ERASING] = erasing;
  if (!el_record_store(&k_def, body, &g_life.rec)) return false;
  g_life.valid = true;
  g_life.counter = counter;
  g_life.base = base;
  return true;
}

/* Erases the tally once its bytes are in the record (erasing = 1), then clears the flag. */
static bool erase_tally(void) {
  if (!board_storage_erase(EL_REGION_QUERY_TALLY)) return false;
  g_life.tally = 0;
  return store(g_life.counter, g_life.base, 0);
}

static bool load(void) {
  uint8_t body[REC_LEN];
  uint8_t buf[64];
  uint32_t size = board_storage_size(EL_REGION_QUERY_TALLY);
  if (g_life.loaded) return true;
  memset(&g_life, 0, sizeof g_life);
  g_life.rec.newest = -1;
  if (el_record_load(&k_def, body, &g_life.rec)) {
    g_life.valid = true;
    g_life.counter = el_get_u32(body + REC_COUNTER);
    g_life.base = el_get_u32(body + REC_BASE);
    if (body[REC_ERASING] != 0u && !erase_tally()) return false;
  }
  /* The tally is programmed front to back, one byte per inference: the count is the index of the first erased byte
   * (a byte torn by a power cut during its program reads as programmed, or as erased when nothing was answered). */
  for (uint32_t at = 0; at < size; at += sizeof buf) {
    uint32_t n = size - at < sizeof buf ? size - at : (uint32_t)sizeof buf;
    if (!board_storage_read(EL_REGION_QUERY_TALLY, at, buf, n)) return false;
    for (uint32_t i = 0; i < n; i++)
      if (buf[i] == 0xFFu) {
        g_life.tally = at + i;
        g_life.loaded = true;
        return true;
      }
  }
  g_life.tally = size;
  g_life.loaded = true;
  return true;
}

/* The count under the board's security counter. A record of another counter (a package with a higher one was
 * activated), or none, starts a new count from 0: the record first (erasing = 1), so a power cut during the erase
 * is finished at the next load and the old tally is never counted under the new counter. */
static bool current(uint32_t *used) {
  uint32_t counter = el_slots_counter();
  if (!load()) return false;
  if (!g_life.valid || g_life.counter != counter) {
    g_life.counter = counter;
    g_life.base = 0;
    if (!store(counter, 0, 1) || !erase_tally()) return false;
  }
  *used = g_life.base + g_life.tally;
  return true;
}

/* Counts one inference in flash: the next tally byte programmed to 0; a full tally first moves into the base. */
static bool count_one(void) {
  uint32_t size = board_storage_size(EL_REGION_QUERY_TALLY);
  static const uint8_t zero = 0;
  if (g_life.tally >= size) {
    if (!store(g_life.counter, g_life.base + g_life.tally, 1) || !erase_tally()) return false;
  }
  if (!board_storage_program(EL_REGION_QUERY_TALLY, g_life.tally, &zero, 1)) return false;
  g_life.tally++;
  return true;
}

static uint8_t refuse(uint8_t status, uint8_t kind, uint32_t limit, uint32_t used, uint32_t retry_ms, uint8_t *rsp,
                      uint16_t *rsp_len) {
  uint8_t *rec = rsp + 1;
  rec[EL_QUERY_LIMIT_KIND_OFF] = kind;
  el_put_u32(rec + EL_QUERY_LIMIT_LIMIT_OFF, limit);
  el_put_u32(rec + EL_QUERY_LIMIT_USED_OFF, used);
  el_put_u32(rec + EL_QUERY_LIMIT_RETRY_AFTER_MS_OFF, retry_ms);
  *rsp_len = (uint16_t)(1u + EL_QUERY_LIMIT_FIXED_SIZE);
  return status;
}

uint8_t el_query_admit(uint32_t n, uint8_t *rsp, uint16_t *rsp_len) {
  uint8_t active = el_slots_active();
  if (active >= EL_MODEL_SLOTS || !g_has_limits[active] || n == 0u) return EL_ST_OK;
  const el_query_limits_t *l = &g_limits[active];
  uint32_t used = 0;
  if (l->lifetime != 0u) {
    if (!current(&used)) return EL_ST_ERR_STORAGE;
    if (used > l->lifetime || n > l->lifetime - used)
      return refuse(EL_ST_ERR_QUERY_BUDGET, EL_QUERY_KIND_LIFETIME, l->lifetime, used, 0, rsp, rsp_len);
  }
  if (l->per_boot != 0u && (g_boot_used > l->per_boot || n > l->per_boot - g_boot_used))
    return refuse(EL_ST_ERR_QUERY_BUDGET, EL_QUERY_KIND_PER_BOOT, l->per_boot, g_boot_used, 0, rsp, rsp_len);
  uint64_t now = board_millis();
  bool fresh = !g_window_open || now - g_window_start >= l->rate_window_ms;
  uint32_t in_window = fresh ? 0u : g_window_used;
  if (l->rate_count != 0u && (in_window > l->rate_count || n > l->rate_count - in_window)) {
    uint64_t left = fresh ? l->rate_window_ms : l->rate_window_ms - (now - g_window_start);
    return refuse(EL_ST_ERR_QUERY_RATE, EL_QUERY_KIND_RATE, l->rate_count, in_window, (uint32_t)left, rsp, rsp_len);
  }
  /* Admitted: the lifetime count reaches flash before anything is answered. */
  if (l->lifetime != 0u)
    for (uint32_t i = 0; i < n; i++)
      if (!count_one()) return EL_ST_ERR_STORAGE;
  g_boot_used = g_boot_used > UINT32_MAX - n ? UINT32_MAX : g_boot_used + n; /* saturating: never wraps to room */
  if (l->rate_count != 0u) {
    if (fresh) {
      g_window_open = true;
      g_window_start = now;
    }
    g_window_used = in_window + n;
  }
  return EL_ST_OK;
}

void el_query_state(uint8_t out[EL_QUERY_STATE_FIXED_SIZE]) {
  uint8_t active = el_slots_active();
  const el_query_limits_t *l = active < EL_MODEL_SLOTS && g_has_limits[active] ? &g_limits[active] : NULL;
  uint32_t life = 0;
  uint32_t window_used = 0;
  uint32_t window_left = 0;
  memset(out, 0, EL_QUERY_STATE_FIXED_SIZE);
  if (l) {
    out[EL_QUERY_STATE_FLAGS_OFF] = 1u;
    el_put_u32(out + EL_QUERY_STATE_LIFETIME_OFF, l->lifetime);
    el_put_u32(out + EL_QUERY_STATE_PER_BOOT_OFF, l->per_boot);
    el_put_u32(out + EL_QUERY_STATE_RATE_COUNT_OFF, l->rate_count);
    el_put_u32(out + EL_QUERY_STATE_RATE_WINDOW_MS_OFF, l->rate_window_ms);
    if (l->rate_count != 0u && g_window_open) {
      uint64_t elapsed = board_millis() - g_window_start;
      if (elapsed < l->rate_window_ms) {
        window_used = g_window_used;
        window_left = (uint32_t)(l->rate_window_ms - elapsed);
      }
    }
  }
  /* a record of another security counter, or none, means the next limited inference starts a new count from 0 */
  if (!load())
    life = UINT32_MAX;
  else if (g_life.valid && g_life.counter == el_slots_counter())
    life = g_life.base + g_life.tally;
  el_put_u32(out + EL_QUERY_STATE_LIFETIME_USED_OFF, life);
  el_put_u32(out + EL_QUERY_STATE_BOOT_USED_OFF, g_boot_used);
  el_put_u32(out + EL_QUERY_STATE_WINDOW_USED_OFF, window_used);
  el_put_u32(out + EL_QUERY_STATE_WINDOW_LEFT_MS_OFF, window_left);
}
