#include "el_identity.h"
#include "el_board.h"
#include "el_bytes.h"
#include "el_crc32.h"

/* Region layout: magic u32 | uid[EL_UID_SIZE] | crc32 u32 (over magic and uid). The magic is programmed last. */
#define MAGIC 0x31444945u /* "EID1" */
#define LEN (8u + EL_UID_SIZE)

static bool valid(const uint8_t *rec) {
  return el_get_u32(rec) == MAGIC && el_crc32(0, rec, 4u + EL_UID_SIZE) == el_get_u32(rec + 4u + EL_UID_SIZE);
}

bool el_identity_from_storage(uint8_t out[EL_UID_SIZE]) {
  uint8_t rec[LEN];
  if (board_storage_read(EL_REGION_IDENTITY, 0, rec, LEN) && valid(rec)) {
    for (unsigned i = 0; i < EL_UID_SIZE; i++) out[i] = rec[4 + i];
    return true;
  }
  el_put_u32(rec, MAGIC);
  if (!board_random(rec + 4, EL_UID_SIZE)) return false;
  el_put_u32(rec + 4 + EL_UID_SIZE, el_crc32(0, rec, 4u + EL_UID_SIZE));
  if (!board_storage_erase(EL_REGION_IDENTITY) || !board_storage_program(EL_REGION_IDENTITY, 4, rec + 4, LEN - 4) ||
      !board_storage_program(EL_REGION_IDENTITY, 0, rec, 4))
    return false;
  if (!board_storage_read(EL_REGION_IDENTITY, 0, rec, LEN) || !valid(rec)) return false;
  for (unsigned i = 0; i < EL_UID_SIZE; i++) out[i] = rec[4 + i];
  return true;
}
