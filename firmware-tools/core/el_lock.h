/*
 * Lock keys of locked models (docs/security.md, "What the firmware must do"). The key store never hands out the
 * device key; this module derives from it inside el_keystore_hkdf() a root key:
 *   binding 1 (device-bound):  root = HKDF-SHA256(ikm = device key (key slot 0), salt = lock id, "edgelock lock key v1")
 *   binding 2 (model key):     root = the model key, delivered wrapped for this device (per model slot):
 *       wrap key = HKDF-SHA256(ikm = device key, salt = lock id, info = "edgelock key wrap v1")
 *       model key = wrapped XOR ChaCha20(key = wrap key, nonce = 12 zero bytes, counter 0)[0..32)
 * and binds it to the model (descriptor version 2, src/lock/model-binding.ts):
 *   lock key = HKDF-SHA256(ikm = root, salt = binding hash of the model, info = "edgelock tflite lock key v2")
 *   key id(k) = HMAC-SHA256(k, "edgelock key id")[0..8)
 * The key is authenticated by the key id in the model's lock descriptor. Only a slot whose model arrived in a package
 * whose tag verified (el_lock_set_package) gets a key: a development upload never does.
 */
#ifndef EL_LOCK_H
#define EL_LOCK_H
#include <stdint.h>

#define EL_LOCK_ID_SIZE 16u
#define EL_LOCK_KEY_ID_SIZE 8u
#define EL_LOCK_BINDING_HASH_SIZE 32u
#define EL_LOCK_BINDING_DEVICE 1u
#define EL_LOCK_BINDING_MODEL 2u
/* The device key's slot in the key store. */
#define EL_LOCK_DEVICE_KEY_SLOT 0u

/* The model about to be prepared in `slot` came from a package whose tag verified; `wrapped` is its wrapped model key
 * record, or NULL. Set by the package installer at FLASH_END and at every boot (RAM only). */
void el_lock_set_package(uint8_t slot, const uint8_t *wrapped);

/* Forgets that `slot` holds a package (it is being overwritten, or receives a development upload). */
void el_lock_clear(uint8_t slot);

/* 1 when `slot` was set by el_lock_set_package since its last clear. */
uint8_t el_lock_slot_is_package(uint8_t slot);

/* The lock key of a model in model slot `slot` with the given binding, lock id and binding hash. EL_ST_OK;
 * EL_ST_ERR_LOCK_SOURCE (the slot's model did not arrive in an authenticated package); EL_ST_ERR_KEY_EMPTY (no device
 * key provisioned); EL_ST_ERR_LOCK_KEY (binding 2 and no wrapped key set for the slot, or an unknown binding);
 * EL_ST_ERR_MODEL_SLOT. `key` is zeroed on failure; the caller wipes it after use. The key is not checked here:
 * compare el_lock_key_id() with the descriptor's. */
uint8_t el_lock_derive_key(uint8_t slot, uint8_t binding, const uint8_t lock_id[EL_LOCK_ID_SIZE],
                           const uint8_t binding_hash[EL_LOCK_BINDING_HASH_SIZE], uint8_t key[32]);

/* key id = HMAC-SHA256(key, "edgelock key id")[0..8). */
void el_lock_key_id(const uint8_t key[32], uint8_t id[EL_LOCK_KEY_ID_SIZE]);
#endif
