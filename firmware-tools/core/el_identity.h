/* Unique id for boards without a hardware id: generated once from board_random() and kept in EL_REGION_IDENTITY. */
#ifndef EL_IDENTITY_H
#define EL_IDENTITY_H
#include <stdbool.h>
#include <stdint.h>
#include "el_protocol.h"

bool el_identity_from_storage(uint8_t out[EL_UID_SIZE]);
#endif
