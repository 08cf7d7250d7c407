#include "el_lock.h"
#include "el_bytes.h"
#include "el_chacha20.h"
#include "el_hkdf.h"
#include "el_hmac.h"
#include "el_keystore.h"
#include "el_protocol.h"
#include <string.h>

static const char k_lock_info[] = "edgelock lock key v1";
static const char k_wrap_info[] = "edgelock key wrap v1";
static const char k_bound_info[] = "edgelock tflite lock key v2";
static const char k_key_id_msg[] = "edgelock key id";

/* RAM only: whoever installs a package sets the record again at every boot, before the slot is prepared. A slot that
 * was not set this way (empty, or a development upload) never gets a lock key. */
static uint8_t g_wrapped[EL_MODEL_SLOTS][32];
static uint8_t g_has_wrapped[EL_MODEL_SLOTS];
static uint8_t g_package[EL_MODEL_SLOTS];

void el_lock_set_package(uint8_t slot, const uint8_t *wrapped) {
  if (slot >= EL_MODEL_SLOTS) return;
  el_lock_clear(slot);
  g_package[slot] = 1;
  if (wrapped != NULL) {
    memcpy(g_wrapped[slot], wrapped, sizeof g_wrapped[slot]);
    g_has_wrapped[slot] = 1;
  }
}

void el_lock_clear(uint8_t slot) {
  if (slot >= EL_MODEL_SLOTS) return;
  el_wipe(g_wrapped[slot], sizeof g_wrapped[slot]);
  g_has_wrapped[slot] = 0;
  g_package[slot] = 0;
}

uint8_t el_lock_slot_is_package(uint8_t slot) { return slot < EL_MODEL_SLOTS ? g_package[slot] : 0; }

/* The root key: binding 1 derived from the device key in the key store, binding 2 the unwrapped model key. */
static uint8_t root_key(uint8_t slot, uint8_t binding, const uint8_t lock_id[EL_LOCK_ID_SIZE], uint8_t key[32]) {
  static const uint8_t zero_nonce[EL_CHACHA20_NONCE] = {0};
  uint8_t wrap_key[32];
  uint8_t st;
  if (binding == EL_LOCK_BINDING_DEVICE)
    return el_keystore_hkdf(EL_LOCK_DEVICE_KEY_SLOT, lock_id, EL_LOCK_ID_SIZE, k_lock_info, key);
  if (binding != EL_LOCK_BINDING_MODEL) return EL_ST_ERR_LOCK_KEY;
  st = el_keystore_hkdf(EL_LOCK_DEVICE_KEY_SLOT, lock_id, EL_LOCK_ID_SIZE, k_wrap_info, wrap_key);
  if (st != EL_ST_OK) return st;
  if (!g_has_wrapped[slot])
    st = EL_ST_ERR_LOCK_KEY;
  else
    el_chacha20_xor(wrap_key, zero_nonce, 0, g_wrapped[slot], key, 32);
  el_wipe(wrap_key, sizeof wrap_key);
  return st;
}

uint8_t el_lock_derive_key(uint8_t slot, uint8_t binding, const uint8_t lock_id[EL_LOCK_ID_SIZE],
                           const uint8_t binding_hash[EL_LOCK_BINDING_HASH_SIZE], uint8_t key[32]) {
  uint8_t root[32];
  uint8_t st;
  memset(key, 0, 32);
  if (slot >= EL_MODEL_SLOTS) return EL_ST_ERR_MODEL_SLOT;
  if (!g_package[slot]) return EL_ST_ERR_LOCK_SOURCE;
  memset(root, 0, sizeof root);
  st = root_key(slot, binding, lock_id, root);
  if (st == EL_ST_OK && !el_hkdf(binding_hash, EL_LOCK_BINDING_HASH_SIZE, root, sizeof root,
                                 (const uint8_t *)k_bound_info, sizeof k_bound_info - 1u, key, 32))
    st = EL_ST_ERR_INTERNAL;
  el_wipe(root, sizeof root);
  if (st != EL_ST_OK) el_wipe(key, 32);
  return st;
}

void el_lock_key_id(const uint8_t key[32], uint8_t id[EL_LOCK_KEY_ID_SIZE]) {
  uint8_t mac[32];
  el_hmac_sha256(key, 32, (const uint8_t *)k_key_id_msg, sizeof k_key_id_msg - 1u, mac);
  memcpy(id, mac, EL_LOCK_KEY_ID_SIZE);
  el_wipe(mac, sizeof mac);
}
