/*
 * Key store with one-time-programmable semantics: a slot is written once, never read out; only HMACs computed
 * with the key leave this module. Persistence through el_record (two copies).
 */
#ifndef EL_KEYSTORE_H
#define EL_KEYSTORE_H
#include <stddef.h>
#include <stdint.h>
#include "el_hmac.h"
#include "el_protocol.h"

void el_keystore_init(void);
/* Bit n set: slot n is provisioned. */
uint8_t el_keystore_mask(void);
/* EL_ST_OK (written), EL_ST_OK_UNCHANGED (same key already there), EL_ST_ERR_KEY_CONFLICT, EL_ST_ERR_KEY_SLOT,
 * EL_ST_ERR_STORAGE. */
uint8_t el_keystore_write(uint8_t slot, const uint8_t key[EL_KEY_SIZE]);
/* HMAC-SHA256(key[slot], msg). EL_ST_OK, EL_ST_ERR_KEY_EMPTY or EL_ST_ERR_KEY_SLOT. */
uint8_t el_keystore_hmac(uint8_t slot, const uint8_t *msg, size_t len, uint8_t out[32]);
/* HKDF-SHA256(ikm = key[slot], salt, info = the NUL-terminated string `info`), 32 bytes: derives a key from a stored
 * key without exposing it (lock keys, wrap keys). EL_ST_OK, EL_ST_ERR_KEY_EMPTY or EL_ST_ERR_KEY_SLOT; on error `out`
 * is zeroed. */
uint8_t el_keystore_hkdf(uint8_t slot, const uint8_t *salt, size_t salt_len, const char *info, uint8_t out[32]);
/* The HMAC state (el_hmac_init, after the key block) of the key HKDF-SHA256(ikm = slot 0's key, salt = empty, info),
 * the derived key wiped: a keyed function's per-boot state (the response mark's, the score offsets'), kept by its
 * caller beside the key store. EL_ST_OK, or el_keystore_hkdf's error with `out` untouched. */
uint8_t el_keystore_hmac_state(const char *info, el_hmac_t *out);
#endif
