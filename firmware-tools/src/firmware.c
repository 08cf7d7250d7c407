#include "el_firmware.h"
#include "el_dispatch.h"
#include "el_frame.h"
#include "el_keystore.h"
#include "el_model_store.h"

static el_frame_rx_t g_rx;

void el_firmware_init(void) {
  el_frame_rx_init(&g_rx);
  el_dispatch_init();
  el_keystore_init();
  el_model_store_init();
}

void el_firmware_rx(const uint8_t *data, size_t len) {
  el_frame_t f;
  for (size_t i = 0; i < len; i++) {
    el_rx_result_t r = el_frame_rx_byte(&g_rx, data[i], &f);
    if (r == EL_RX_FRAME) el_dispatch_frame(&f);
    else if (r == EL_RX_DROPPED) el_dispatch_count_drop();
  }
}
