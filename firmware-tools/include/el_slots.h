/* Model slots: bytes in EL_REGION_MODEL_n, per-slot state in a two-copy record (el_record). */
#ifndef EL_SLOTS_H
#define EL_SLOTS_H
#include <stdint.h>
#include "el_protocol.h"

void el_slots_init(void);
/* Writes the MODEL_SLOT_INFO record of a slot (EL_MODEL_SLOT_INFO_FIXED_SIZE bytes). */
void el_slot_info(uint8_t slot, uint8_t out[EL_MODEL_SLOT_INFO_FIXED_SIZE]);
uint8_t el_slot_begin(uint8_t slot, uint32_t size);
uint8_t el_slot_chunk(uint8_t slot, uint32_t offset, const uint8_t *data, uint32_t len, uint32_t *next_offset);
uint8_t el_slot_end(uint8_t slot, const uint8_t sha256[EL_SHA256_SIZE]);
/* The bytes of a READY slot in place (memory-mapped storage), or NULL. */
const uint8_t *el_slot_model(uint8_t slot, uint32_t *size);
#endif
