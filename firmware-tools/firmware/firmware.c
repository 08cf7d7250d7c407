#include "el_firmware.h"
#include <stdbool.h>
#include "el_dispatch.h"
#include "el_flash.h"
#include "el_frame.h"
#include "el_keystore.h"
#include "el_query_limit.h"
#include "el_response_mark.h"
#include "el_score_offsets.h"
#include "el_runtime_hook.h"
#include "el_slots.h"

static el_frame_rx_t g_rx;
static bool g_modules_registered;

/* A slot READY at boot gets its model prepared again (prepared models live in RAM only): a package is verified again
 * first, which also sets its lock key (el_flash_prepare_slot); a development upload is prepared as it is, or emptied
 * by a production firmware, which keeps none (one left by a development firmware). */
static void prepare_stored_slot(uint8_t slot) {
  if (el_slot_kind(slot) == EL_SLOT_KIND_PACKAGE) {
    (void)el_flash_prepare_slot(slot);
    return;
  }
#ifdef EL_DEV_UPLOAD
  const el_runtime_hook_t *rt = el_runtime_hook();
  uint32_t size;
  const uint8_t *m = el_slot_model(slot, &size);
  if (rt && rt->prepare && m) (void)rt->prepare(slot, m, size);
#else
  (void)el_slot_discard(slot);
#endif
}

void el_firmware_init(void) {
  if (!g_modules_registered && el_firmware_modules_register) el_firmware_modules_register();
  g_modules_registered = true;
  el_frame_rx_init(&g_rx);
  el_dispatch_init();
  el_keystore_init();
  el_query_init();   /* before the slots are prepared: verifying a package sets its query limits */
  el_mark_init();    /* likewise its response mark */
  el_offsets_init(); /* and its score offsets */
  el_slots_init();
  for (uint8_t s = 0; s < EL_MODEL_SLOTS; s++)
    if (el_slot_state(s) == EL_SLOT_STATE_READY) prepare_stored_slot(s);
}

void el_firmware_rx(const uint8_t *data, size_t len) { el_dispatch_rx(&g_rx, data, len); }
