#include "el_lock.h"
#include "el_bytes.h"
#include "el_chacha20.h"
#include "el_hmac.h"
#include "el_keystore.h"
#include "el_protocol.h"
#include <string.h>

static const char k_lock_info[] = "edgelock lock key v1";
static const char k_wrap_info[] = "edgelock key wrap v1";
static const char k_key_id_msg[] = "edgelock key id";

/* RAM only: whoever installs a package sets the record again at every boot, before the slot is prepared. */
static uint8_t g_wrapped[EL_MODEL_SLOTS][32];
static uint8_t g_has_wrapped[EL_MODEL_SLOTS];

void el_lock_set_wrapped_key(uint8_t slot, const uint8_t wrapped[32]) {
  if (slot >= EL_MODEL_SLOTS) return;
  if (wrapped == NULL) {
    el_wipe(g_wrapped[slot], sizeof g_wrapped[slot]);
    g_has_wrapped[slot] = 0;
    return;
  }
  memcpy(g_wrapped[slot], wrapped, sizeof g_wrapped[slot]);
  g_has_wrapped[slot] = 1;
}

uint8_t el_lock_derive_key(uint8_t slot, uint8_t binding, const uint8_t lock_id[EL_LOCK_ID_SIZE], uint8_t key[32]) {
  static const uint8_t zero_nonce[EL_CHACHA20_NONCE] = { 0 };
  uint8_t wrap_key[32];
  uint8_t st;
  memset(key, 0, 32);
  if (slot >= EL_MODEL_SLOTS) return EL_ST_ERR_MODEL_SLOT;
  if (binding == EL_LOCK_BINDING_DEVICE)
    return el_keystore_hkdf(EL_LOCK_DEVICE_KEY_SLOT, lock_id, EL_LOCK_ID_SIZE, k_lock_info, key);
  if (binding != EL_LOCK_BINDING_MODEL) return EL_ST_ERR_LOCK_KEY;
  st = el_keystore_hkdf(EL_LOCK_DEVICE_KEY_SLOT, lock_id, EL_LOCK_ID_SIZE, k_wrap_info, wrap_key);
  if (st != EL_ST_OK) return st;
  if (!g_has_wrapped[slot]) st = EL_ST_ERR_LOCK_KEY;
  else el_chacha20_xor(wrap_key, zero_nonce, 0, g_wrapped[slot], key, 32);
  el_wipe(wrap_key, sizeof wrap_key);
  return st;
}

void el_lock_key_id(const uint8_t key[32], uint8_t id[EL_LOCK_KEY_ID_SIZE]) {
  uint8_t mac[32];
  el_hmac_sha256(key, 32, (const uint8_t *)k_key_id_msg, sizeof k_key_id_msg - 1u, mac);
  memcpy(id, mac, EL_LOCK_KEY_ID_SIZE);
  el_wipe(mac, sizeof mac);
}
