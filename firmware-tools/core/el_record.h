/*
 * A small record kept power-loss safe in two regions (copy A and B).
 * Layout of a copy: magic u32 | seq u32 | len u16 | body[len] | crc32 u32 (over everything before it).
 * Store: erase the copy that does not hold the newest record, program everything but the magic, program the
 * magic last (commit), read back and verify. Load: take the valid copy with the higher seq. A power loss at any
 * point leaves the previous record valid in the other copy, so the state is either the old or the new one.
 */
#ifndef EL_RECORD_H
#define EL_RECORD_H
#include <stdbool.h>
#include <stdint.h>
#include "el_storage.h"

#define EL_RECORD_OVERHEAD 14u
#define EL_RECORD_MAX_BODY 240u

typedef struct {
  el_region_t copy[2];
  uint32_t magic;
  uint16_t body_len;
} el_record_def_t;

typedef struct {
  uint32_t seq; /* seq of the newest valid copy; 0 when none */
  int newest;   /* 0 or 1, -1 when none is valid */
} el_record_state_t;

/* Returns true and fills body when a valid copy exists; false on a fresh (or wholly corrupt) store. */
bool el_record_load(const el_record_def_t *def, uint8_t *body, el_record_state_t *st);
/* Writes body as the new newest record. Returns false on a storage failure (the old record stays valid). */
bool el_record_store(const el_record_def_t *def, const uint8_t *body, el_record_state_t *st);
#endif
