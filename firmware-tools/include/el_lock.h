/*
 * Lock keys of locked models (docs/security.md, "What the firmware must do"). The key store never hands out the
 * device key; this module derives from it inside el_keystore_hkdf():
 *   binding 1 (device-bound):  lock key = HKDF-SHA256(ikm = device key (key slot 0), salt = lock id, "edgelock lock key v1")
 *   binding 2 (model key):     lock key = the model key, delivered wrapped for this device (per model slot):
 *       wrap key = HKDF-SHA256(ikm = device key, salt = lock id, info = "edgelock key wrap v1")
 *       model key = wrapped XOR ChaCha20(key = wrap key, nonce = 12 zero bytes, counter 0)[0..32)
 *   key id(k) = HMAC-SHA256(k, "edgelock key id")[0..8)
 * The unwrapped key is authenticated by the key id in the model's lock descriptor.
 */
#ifndef EL_LOCK_H
#define EL_LOCK_H
#include <stdint.h>

#define EL_LOCK_ID_SIZE 16u
#define EL_LOCK_KEY_ID_SIZE 8u
#define EL_LOCK_BINDING_DEVICE 1u
#define EL_LOCK_BINDING_MODEL 2u
/* The device key's slot in the key store. */
#define EL_LOCK_DEVICE_KEY_SLOT 0u

/* Wrapped model key of the model about to be prepared in `slot` (from its package record), or NULL to clear. */
void el_lock_set_wrapped_key(uint8_t slot, const uint8_t wrapped[32]);

/* The lock key of a model in model slot `slot` with the given binding and lock id. EL_ST_OK; EL_ST_ERR_KEY_EMPTY (no
 * device key provisioned); EL_ST_ERR_LOCK_KEY (binding 2 and no wrapped key set for the slot, or an unknown binding);
 * EL_ST_ERR_MODEL_SLOT. `key` is zeroed on failure; the caller wipes it after use. The key is not checked here: compare
 * el_lock_key_id() with the descriptor's. */
uint8_t el_lock_derive_key(uint8_t slot, uint8_t binding, const uint8_t lock_id[EL_LOCK_ID_SIZE], uint8_t key[32]);

/* key id = HMAC-SHA256(key, "edgelock key id")[0..8). */
void el_lock_key_id(const uint8_t key[32], uint8_t id[EL_LOCK_KEY_ID_SIZE]);
#endif
