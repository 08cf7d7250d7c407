/*
 * The int8 runtime as a firmware module: one prepared el_model per model slot, each with its own
 * static arena. The firmware core's model store calls the registered hook when a slot becomes READY
 * (Prepare runs once there); a RUN command handler then only fills inputs, invokes and reads outputs.
 */
#ifndef EL_RUNTIME_MODULE_H
#define EL_RUNTIME_MODULE_H

#include <stdint.h>

#include "el_runtime.h"

/* Arena bytes per model slot (every zoo model needs < 64 KB). */
#ifndef EL_RUNTIME_ARENA_BYTES
#define EL_RUNTIME_ARENA_BYTES (96u * 1024u)
#endif

/* The prepared model of `slot`, or NULL when the slot has none (empty, loading, or rejected) or holds a locked model
 * that cannot be unlocked (yet): el_lock_slot_status(slot) (el_lock_unseal.h) then says why. A locked model whose key
 * was missing at load is unlocked here, at its first use after the key became available. */
el_model *el_runtime_slot_model(uint8_t slot);

/* Why the last Prepare of `slot` failed (EL_OK when it succeeded or never ran), and on which operator
 * (UINT32_MAX: not operator-specific). Lets a RUN/INFO handler report a precise reason. */
el_status el_runtime_slot_status(uint8_t slot, uint32_t *failed_op);

/* Registers the slot hook (el_runtime_hook.h); called by el_firmware_modules_register() (firmware/runtime_module.c). */
void el_runtime_module_register(void);

#endif
