#include "el_keystore.h"
#include "el_bytes.h"
#include "el_hkdf.h"
#include "el_hmac.h"
#include "el_record.h"
#include <string.h>

/* Record body: mask u8 | key[EL_KEY_SLOTS][EL_KEY_SIZE] */
#define BODY_LEN (1u + EL_KEY_SLOTS * EL_KEY_SIZE)

static const el_record_def_t k_def = {{EL_REGION_KEYS_A, EL_REGION_KEYS_B}, 0x314B4C45u /* "ELK1" */, BODY_LEN};
static uint8_t g_body[BODY_LEN];
static el_record_state_t g_state;

void el_keystore_init(void) {
  if (!el_record_load(&k_def, g_body, &g_state)) memset(g_body, 0, sizeof g_body);
}

uint8_t el_keystore_mask(void) { return g_body[0]; }

static const uint8_t *slot_key(uint8_t slot) { return g_body + 1u + (size_t)slot * EL_KEY_SIZE; }

uint8_t el_keystore_write(uint8_t slot, const uint8_t key[EL_KEY_SIZE]) {
  if (slot >= EL_KEY_SLOTS) return EL_ST_ERR_KEY_SLOT;
  if (g_body[0] & (1u << slot))
    return el_ct_equal(slot_key(slot), key, EL_KEY_SIZE) ? EL_ST_OK_UNCHANGED : EL_ST_ERR_KEY_CONFLICT;
  uint8_t next[BODY_LEN];
  memcpy(next, g_body, sizeof next);
  next[0] |= (uint8_t)(1u << slot);
  memcpy(next + 1u + (size_t)slot * EL_KEY_SIZE, key, EL_KEY_SIZE);
  bool ok = el_record_store(&k_def, next, &g_state);
  if (ok) memcpy(g_body, next, sizeof g_body);
  el_wipe(next, sizeof next);
  return ok ? EL_ST_OK : EL_ST_ERR_STORAGE;
}

uint8_t el_keystore_hmac(uint8_t slot, const uint8_t *msg, size_t len, uint8_t out[32]) {
  if (slot >= EL_KEY_SLOTS) return EL_ST_ERR_KEY_SLOT;
  if (!(g_body[0] & (1u << slot))) return EL_ST_ERR_KEY_EMPTY;
  el_hmac_sha256(slot_key(slot), EL_KEY_SIZE, msg, len, out);
  return EL_ST_OK;
}

uint8_t el_keystore_hmac_state(const char *info, el_hmac_t *out) {
  uint8_t key[32];
  uint8_t st = el_keystore_hkdf(0, NULL, 0, info, key);
  if (st == EL_ST_OK) el_hmac_init(out, key, sizeof key);
  el_wipe(key, sizeof key);
  return st;
}

uint8_t el_keystore_hkdf(uint8_t slot, const uint8_t *salt, size_t salt_len, const char *info, uint8_t out[32]) {
  memset(out, 0, 32);
  if (slot >= EL_KEY_SLOTS) return EL_ST_ERR_KEY_SLOT;
  if (!(g_body[0] & (1u << slot))) return EL_ST_ERR_KEY_EMPTY;
  return el_hkdf(salt, salt_len, slot_key(slot), EL_KEY_SIZE, (const uint8_t *)info, strlen(info), out, 32)
             ? EL_ST_OK
             : EL_ST_ERR_INTERNAL;
}
