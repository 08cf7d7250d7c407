/* The build flags of this firmware (EL_FIRMWARE_FLAG_*), reported by INFO and ATTEST: set by the compiler flags of the
 * board build (EL_DEV_UPLOAD: development upload compiled in; EL_SINGLE_ROUNDING: the runtime's rounding). */
#ifndef EL_BUILD_H
#define EL_BUILD_H
#include <stdint.h>
#include "el_protocol.h"

static inline uint8_t el_firmware_flags(void) {
  uint8_t f = 0;
#ifdef EL_DEV_UPLOAD
  f |= EL_FIRMWARE_FLAG_DEV_UPLOAD;
#endif
#ifdef EL_SINGLE_ROUNDING
  f |= EL_FIRMWARE_FLAG_SINGLE_ROUNDING;
#endif
  return f;
}
#endif
