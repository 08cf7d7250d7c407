/*
 * Model slots: bytes in EL_REGION_MODEL_n, per-slot state in a two-copy record (el_record). A slot holds either a
 * raw model (development load) or an authenticated package (commands/cmd_flash.c); the record also holds which slot is the
 * active package and the anti-rollback security counter, so activation is one power-safe record write.
 */
#ifndef EL_SLOTS_H
#define EL_SLOTS_H
#include <stdbool.h>
#include <stdint.h>
#include "el_protocol.h"

#define EL_SLOT_NONE 0xFFu
#define EL_SLOT_KIND_RAW 0u     /* a bare .tflite (MODEL_LOAD_*, development) */
#define EL_SLOT_KIND_PACKAGE 1u /* an .elp package (FLASH_*): its model record is prepared in place */

/* Loads the slot table from storage. Prepares no model: el_firmware_init() then prepares the slots that are READY. */
void el_slots_init(void);
/* Writes the MODEL_SLOT_INFO record of a slot (EL_MODEL_SLOT_INFO_FIXED_SIZE bytes). */
void el_slot_info(uint8_t slot, uint8_t out[EL_MODEL_SLOT_INFO_FIXED_SIZE]);
/* Writes the PACKAGE_STATE record (active slot, security counter). */
void el_slots_package_state(uint8_t out[EL_PACKAGE_STATE_FIXED_SIZE]);
/* Writes the FIRMWARE_STATE record (build flags, which slots hold an authenticated package). */
void el_slots_firmware_state(uint8_t out[EL_FIRMWARE_STATE_FIXED_SIZE]);
/* Slots holding a READY development upload (always 0 on a production firmware). */
uint8_t el_slots_dev_models(void);
uint8_t el_slot_begin(uint8_t slot, uint32_t size);
uint8_t el_slot_chunk(uint8_t slot, uint32_t offset, const uint8_t *data, uint32_t len, uint32_t *next_offset);
uint8_t el_slot_end(uint8_t slot, const uint8_t sha256[EL_SHA256_SIZE]);
/* The bytes of a READY raw slot in place (memory-mapped storage), or NULL. */
const uint8_t *el_slot_model(uint8_t slot, uint32_t *size);

/* --- for package uploads (commands/cmd_flash.c) and the boot-time preparation (firmware/firmware.c) */
uint8_t el_slots_active(void);
uint32_t el_slots_counter(void);
uint8_t el_slot_state(uint8_t slot);
uint8_t el_slot_kind(uint8_t slot);
uint32_t el_slot_size(uint8_t slot);
const uint8_t *el_slot_sha256(uint8_t slot);
/* Releases the slot's prepared model, marks it LOADING (kind package, target size and hash, persisted), erases it. */
uint8_t el_slot_package_begin(uint8_t slot, uint32_t size, const uint8_t sha256[EL_SHA256_SIZE]);
bool el_slot_program(uint8_t slot, uint32_t offset, const uint8_t *data, uint32_t len);
/* SHA-256 of the first `size` stored bytes of a slot. */
bool el_slot_hash(uint8_t slot, uint32_t size, uint8_t out[EL_SHA256_SIZE]);
/* The slot's storage, memory-mapped, whatever its state (NULL when the board has no mapping). */
const uint8_t *el_slot_bytes(uint8_t slot);
/* One record write: the slot READY (package), active, and the security counter set. */
uint8_t el_slot_activate(uint8_t slot, uint32_t security_counter);
/* The slot EMPTY (its runtime state released). */
uint8_t el_slot_discard(uint8_t slot);
#endif
