#include "el_firmware.h"
#include <stdbool.h>
#include "el_dispatch.h"
#include "el_frame.h"
#include "el_keystore.h"
#include "el_slots.h"

static el_frame_rx_t g_rx;
static bool g_modules_registered;

void el_firmware_init(void) {
  if (!g_modules_registered && el_firmware_modules_register) el_firmware_modules_register();
  g_modules_registered = true;
  el_frame_rx_init(&g_rx);
  el_dispatch_init();
  el_keystore_init();
  el_slots_init();
}

void el_firmware_rx(const uint8_t *data, size_t len) {
  el_frame_t f;
  for (size_t i = 0; i < len; i++) {
    el_rx_result_t r = el_frame_rx_byte(&g_rx, data[i], &f);
    if (r == EL_RX_FRAME)
      el_dispatch_frame(&f);
    else if (r == EL_RX_DROPPED)
      el_dispatch_count_drop();
  }
}

uint8_t el_firmware_flags(void) {
  uint8_t f = 0;
#ifdef EL_DEV_UPLOAD
  f |= EL_FIRMWARE_FLAG_DEV_UPLOAD;
#endif
#ifdef EL_SINGLE_ROUNDING
  f |= EL_FIRMWARE_FLAG_SINGLE_ROUNDING;
#endif
  return f;
}
