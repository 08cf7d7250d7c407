#include "el_slots.h"
#include "el_board.h"
#include "el_bytes.h"
#include "el_build.h"
#include "el_lock.h"
#include "el_query_limit.h"
#include "el_response_mark.h"
#include "el_score_offsets.h"
#include "el_runtime_hook.h"
#include "el_record.h"
#include "el_sha256.h"
#include <string.h>

/* Slot table record body: EL_MODEL_SLOTS x MODEL_SLOT_INFO (the layout INFO reports), EL_MODEL_SLOTS kind bytes,
 * then PACKAGE_STATE (active slot, security counter). */
#define INFO_SIZE EL_MODEL_SLOT_INFO_FIXED_SIZE
#define KINDS_OFF (EL_MODEL_SLOTS * INFO_SIZE)
#define PKG_OFF (KINDS_OFF + EL_MODEL_SLOTS)
#define BODY_LEN (PKG_OFF + EL_PACKAGE_STATE_FIXED_SIZE)

static const el_record_def_t k_def = {{EL_REGION_SLOTS_A, EL_REGION_SLOTS_B}, 0x32534C45u /* "ELS2" */, BODY_LEN};
static uint8_t g_table[BODY_LEN];
static el_record_state_t g_state;

/* The development upload in progress (RAM only: a reset abandons it and the slot stays LOADING). */
static struct {
  bool active;
  uint8_t slot;
  uint32_t size;
  uint32_t next;
} g_load;

static uint8_t *info(uint8_t slot) { return g_table + (size_t)slot * INFO_SIZE; }

/* Forgets the slot's prepared model and any wrapped model key set for it (the slot is being overwritten). */
static void release(uint8_t slot) {
  const el_runtime_hook_t *rt = el_runtime_hook();
  if (rt && rt->release) rt->release(slot);
  el_lock_clear(slot);
  el_query_slot_limits(slot, NULL);
  el_mark_slot_params(slot, NULL);
  el_offsets_slot_record(slot, NULL, 0);
}

void el_slots_init(void) {
  memset(&g_load, 0, sizeof g_load);
  if (!el_record_load(&k_def, g_table, &g_state)) {
    memset(g_table, 0, sizeof g_table);
    g_table[PKG_OFF + EL_PACKAGE_STATE_ACTIVE_SLOT_OFF] = EL_SLOT_NONE;
  }
}

void el_slot_info(uint8_t slot, uint8_t out[INFO_SIZE]) { memcpy(out, info(slot), INFO_SIZE); }

static bool ready_of_kind(uint8_t slot, uint8_t kind) {
  return info(slot)[EL_MODEL_SLOT_INFO_STATE_OFF] == EL_SLOT_STATE_READY && g_table[KINDS_OFF + slot] == kind;
}

void el_slots_firmware_state(uint8_t out[EL_FIRMWARE_STATE_FIXED_SIZE]) {
  memset(out, 0, EL_FIRMWARE_STATE_FIXED_SIZE);
  out[EL_FIRMWARE_STATE_FLAGS_OFF] = el_firmware_flags();
  for (uint8_t s = 0; s < EL_MODEL_SLOTS && s < EL_FIRMWARE_STATE_SLOT_KINDS_LEN; s++)
    out[EL_FIRMWARE_STATE_SLOT_KINDS_OFF + s] = ready_of_kind(s, EL_SLOT_KIND_PACKAGE) ? 1u : 0u;
}

uint8_t el_slots_dev_models(void) {
  uint8_t n = 0;
  for (uint8_t s = 0; s < EL_MODEL_SLOTS; s++) n = (uint8_t)(n + (ready_of_kind(s, EL_SLOT_KIND_RAW) ? 1u : 0u));
  return n;
}
void el_slots_package_state(uint8_t out[EL_PACKAGE_STATE_FIXED_SIZE]) {
  memcpy(out, g_table + PKG_OFF, EL_PACKAGE_STATE_FIXED_SIZE);
}
uint8_t el_slots_active(void) { return g_table[PKG_OFF + EL_PACKAGE_STATE_ACTIVE_SLOT_OFF]; }
uint32_t el_slots_counter(void) { return el_get_u32(g_table + PKG_OFF + EL_PACKAGE_STATE_SECURITY_COUNTER_OFF); }
uint8_t el_slot_state(uint8_t slot) {
  return slot < EL_MODEL_SLOTS ? info(slot)[EL_MODEL_SLOT_INFO_STATE_OFF] : EL_SLOT_STATE_EMPTY;
}
uint8_t el_slot_kind(uint8_t slot) { return slot < EL_MODEL_SLOTS ? g_table[KINDS_OFF + slot] : EL_SLOT_KIND_RAW; }
uint32_t el_slot_size(uint8_t slot) { return el_get_u32(info(slot) + EL_MODEL_SLOT_INFO_SIZE_OFF); }
const uint8_t *el_slot_sha256(uint8_t slot) { return info(slot) + EL_MODEL_SLOT_INFO_SHA256_OFF; }
const uint8_t *el_slot_bytes(uint8_t slot) {
  return slot < EL_MODEL_SLOTS ? board_storage_map(EL_REGION_MODEL(slot)) : NULL;
}

/* Writes a new table: the slot's state/size/hash/kind, and optionally the active slot and counter (active < 0: keep). */
static bool set_slot(uint8_t slot, uint8_t state, uint32_t size, const uint8_t *sha, uint8_t kind, int active,
                     const uint32_t *counter) {
  uint8_t next[BODY_LEN];
  memcpy(next, g_table, sizeof next);
  uint8_t *p = next + (size_t)slot * INFO_SIZE;
  p[EL_MODEL_SLOT_INFO_STATE_OFF] = state;
  el_put_u32(p + EL_MODEL_SLOT_INFO_SIZE_OFF, size);
  if (sha)
    memcpy(p + EL_MODEL_SLOT_INFO_SHA256_OFF, sha, EL_SHA256_SIZE);
  else
    memset(p + EL_MODEL_SLOT_INFO_SHA256_OFF, 0, EL_SHA256_SIZE);
  next[KINDS_OFF + slot] = kind;
  if (active >= 0) next[PKG_OFF + EL_PACKAGE_STATE_ACTIVE_SLOT_OFF] = (uint8_t)active;
  if (counter) el_put_u32(next + PKG_OFF + EL_PACKAGE_STATE_SECURITY_COUNTER_OFF, *counter);
  if (!el_record_store(&k_def, next, &g_state)) return false;
  memcpy(g_table, next, sizeof g_table);
  return true;
}

static uint32_t capacity(uint8_t slot) {
  uint32_t cap = board_storage_size(EL_REGION_MODEL(slot));
  return cap > EL_MODEL_SLOT_SIZE ? EL_MODEL_SLOT_SIZE : cap;
}

/* Overwriting the active slot deactivates it (the counter stays). */
static int deactivate_if_active(uint8_t slot) { return el_slots_active() == slot ? (int)EL_SLOT_NONE : -1; }

uint8_t el_slot_begin(uint8_t slot, uint32_t size) {
  if (slot >= EL_MODEL_SLOTS) return EL_ST_ERR_MODEL_SLOT;
  if (size == 0) return EL_ST_ERR_BAD_ARGUMENT;
  if (size > capacity(slot)) return EL_ST_ERR_MODEL_TOO_LARGE;
  g_load.active = false;
  release(slot);
  /* Mark the slot LOADING before touching its bytes, so a power loss never leaves a READY slot half erased. */
  if (!set_slot(slot, EL_SLOT_STATE_LOADING, size, NULL, EL_SLOT_KIND_RAW, deactivate_if_active(slot), NULL) ||
      !board_storage_erase(EL_REGION_MODEL(slot)))
    return EL_ST_ERR_STORAGE;
  g_load.active = true;
  g_load.slot = slot;
  g_load.size = size;
  g_load.next = 0;
  return EL_ST_OK;
}

uint8_t el_slot_chunk(uint8_t slot, uint32_t offset, const uint8_t *data, uint32_t len, uint32_t *next_offset) {
  *next_offset = g_load.active && g_load.slot == slot ? g_load.next : 0;
  if (slot >= EL_MODEL_SLOTS) return EL_ST_ERR_MODEL_SLOT;
  if (!g_load.active || g_load.slot != slot || offset != g_load.next) return EL_ST_ERR_MODEL_SEQUENCE;
  if (len == 0 || len > g_load.size - offset) return EL_ST_ERR_BAD_ARGUMENT;
  if (!board_storage_program(EL_REGION_MODEL(slot), offset, data, len)) return EL_ST_ERR_STORAGE;
  g_load.next += len;
  *next_offset = g_load.next;
  return EL_ST_OK;
}

bool el_slot_hash(uint8_t slot, uint32_t size, uint8_t out[EL_SHA256_SIZE]) {
  el_region_t r = EL_REGION_MODEL(slot);
  el_sha256_t c;
  el_sha256_init(&c);
  const uint8_t *mapped = board_storage_map(r);
  if (mapped) {
    el_sha256_update(&c, mapped, size);
  } else {
    uint8_t buf[256];
    for (uint32_t off = 0; off < size; off += sizeof buf) {
      uint32_t n = size - off < sizeof buf ? size - off : (uint32_t)sizeof buf;
      if (!board_storage_read(r, off, buf, n)) return false;
      el_sha256_update(&c, buf, n);
    }
  }
  el_sha256_final(&c, out);
  return true;
}

uint8_t el_slot_end(uint8_t slot, const uint8_t sha256[EL_SHA256_SIZE]) {
  if (slot >= EL_MODEL_SLOTS) return EL_ST_ERR_MODEL_SLOT;
  if (!g_load.active || g_load.slot != slot || g_load.next != g_load.size) return EL_ST_ERR_MODEL_SEQUENCE;
  g_load.active = false;
  uint8_t got[EL_SHA256_SIZE];
  if (!el_slot_hash(slot, g_load.size, got)) return EL_ST_ERR_STORAGE;
  if (!el_ct_equal(got, sha256, EL_SHA256_SIZE)) return EL_ST_ERR_MODEL_HASH;
  const el_runtime_hook_t *rt = el_runtime_hook();
  const uint8_t *mapped = board_storage_map(EL_REGION_MODEL(slot));
  if (rt && rt->prepare && (!mapped || rt->prepare(slot, mapped, g_load.size) != EL_ST_OK))
    return EL_ST_ERR_MODEL_INVALID;
  if (!set_slot(slot, EL_SLOT_STATE_READY, g_load.size, got, EL_SLOT_KIND_RAW, -1, NULL)) return EL_ST_ERR_STORAGE;
  return EL_ST_OK;
}

const uint8_t *el_slot_model(uint8_t slot, uint32_t *size) {
  if (slot >= EL_MODEL_SLOTS || info(slot)[EL_MODEL_SLOT_INFO_STATE_OFF] != EL_SLOT_STATE_READY ||
      g_table[KINDS_OFF + slot] != EL_SLOT_KIND_RAW)
    return NULL;
  *size = el_get_u32(info(slot) + EL_MODEL_SLOT_INFO_SIZE_OFF);
  return board_storage_map(EL_REGION_MODEL(slot));
}

uint8_t el_slot_package_begin(uint8_t slot, uint32_t size, const uint8_t sha256[EL_SHA256_SIZE]) {
  if (slot >= EL_MODEL_SLOTS) return EL_ST_ERR_MODEL_SLOT;
  if (size == 0) return EL_ST_ERR_BAD_ARGUMENT;
  if (size > capacity(slot)) return EL_ST_ERR_MODEL_TOO_LARGE;
  if (g_load.active && g_load.slot == slot) g_load.active = false;
  release(slot);
  if (!set_slot(slot, EL_SLOT_STATE_LOADING, size, sha256, EL_SLOT_KIND_PACKAGE, deactivate_if_active(slot), NULL) ||
      !board_storage_erase(EL_REGION_MODEL(slot)))
    return EL_ST_ERR_STORAGE;
  return EL_ST_OK;
}

bool el_slot_program(uint8_t slot, uint32_t offset, const uint8_t *data, uint32_t len) {
  return slot < EL_MODEL_SLOTS && board_storage_program(EL_REGION_MODEL(slot), offset, data, len);
}

uint8_t el_slot_activate(uint8_t slot, uint32_t security_counter) {
  if (slot >= EL_MODEL_SLOTS) return EL_ST_ERR_MODEL_SLOT;
  uint8_t sha[EL_SHA256_SIZE];
  memcpy(sha, el_slot_sha256(slot), sizeof sha);
  return set_slot(slot, EL_SLOT_STATE_READY, el_slot_size(slot), sha, EL_SLOT_KIND_PACKAGE, slot, &security_counter)
             ? EL_ST_OK
             : EL_ST_ERR_STORAGE;
}

uint8_t el_slot_discard(uint8_t slot) {
  if (slot >= EL_MODEL_SLOTS) return EL_ST_ERR_MODEL_SLOT;
  release(slot);
  return set_slot(slot, EL_SLOT_STATE_EMPTY, 0, NULL, EL_SLOT_KIND_RAW, deactivate_if_active(slot), NULL)
             ? EL_ST_OK
             : EL_ST_ERR_STORAGE;
}
