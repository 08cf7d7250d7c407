/*
 * Running locked models (docs/security.md, "What the firmware must do"): the device side of edgelock's lock.
 * A locked .tflite carries the binary descriptor "edgelock.lock" (metadata) and sealed constant tensors. At load the
 * descriptor is read in place and checked against the prepared model; then (now, or at the first RUN after the key
 * became available) the lock key is derived from the key store (el_lock.h), checked against the descriptor's key id,
 * and every sealed tensor is restored into this module's static RAM and handed to el_model_set_tensor_data().
 */
#ifndef EL_LOCK_UNSEAL_H
#define EL_LOCK_UNSEAL_H

#include <stddef.h>
#include <stdint.h>

#include "el_runtime.h"

/* RAM per model slot for unsealed tensors (each rounded up to 16 bytes). Two modes, chosen per model at load:
 *  - RAM mode: every sealed tensor is restored once, at unlock, and stays restored (no cost per inference). Used
 *    when the sum of the sealed tensors fits EL_LOCK_RAM_BYTES (every zoo model: MNIST MLP 110,080 B).
 *  - streaming mode: before each operator its sealed inputs are restored into this RAM (ChaCha20 from the model's
 *    sealed bytes), and the RAM is wiped after the last operator: only the largest operator's sealed inputs must fit,
 *    so the model's total sealed bytes are not bounded by it. Used when the sum does not fit, or for every locked
 *    model when the firmware is built with EL_LOCK_STREAMING=1 (build flavour lock-streaming).
 * A locked model whose largest operator's sealed inputs do not fit is refused at load with EL_ST_ERR_LOCK_RAM. */
#ifndef EL_LOCK_RAM_BYTES
#define EL_LOCK_RAM_BYTES (128u * 1024u)
#endif
#ifndef EL_LOCK_STREAMING
#define EL_LOCK_STREAMING 0
#endif

/* At load, after a successful el_model_prepare(m): finds the lock descriptor, validates it and every entry against
 * the model (key-independent checks) and tries to unlock. EL_ST_OK when the model is not locked, or locked and well
 * formed (unlocked, or waiting for its key); EL_ST_ERR_LOCK_DESCRIPTOR or EL_ST_ERR_LOCK_RAM otherwise. */
uint8_t el_lock_slot_load(uint8_t slot, el_model *m);

/* EL_ST_OK when the slot's model may run (not locked, or unlocked). Otherwise tries to unlock again (a key may have
 * been provisioned, or a wrapped model key set, since the load) and returns why it cannot: EL_ST_ERR_KEY_EMPTY,
 * EL_ST_ERR_LOCK_KEY, or the load's failure. Cheap once unlocked. */
uint8_t el_lock_slot_unlock(uint8_t slot, el_model *m);

/* The slot's last lock status (what el_lock_slot_load/el_lock_slot_unlock last answered; EL_ST_OK when none). */
uint8_t el_lock_slot_status(uint8_t slot);

/* Bytes of the slot's unseal RAM its locked model needs (RAM mode: all sealed tensors; streaming: the largest
 * operator's); 0 when its model is not locked. */
size_t el_lock_slot_ram_used(uint8_t slot);

/* Forgets the slot's lock and wipes its unsealed tensors (the slot is rewritten or reloaded). */
void el_lock_slot_release(uint8_t slot);

#endif
