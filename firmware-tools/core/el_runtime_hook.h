/*
 * Hook for a model runtime (the on-device int8 interpreter lives in firmware-tools/runtime/, built separately).
 * A runtime registers itself once at start-up; prepare() is then called whenever a slot becomes READY (by the model
 * store after a development load, by the package upload, and by el_firmware_init() at boot for slots already READY),
 * so validation happens once, at load.
 * The runtime adds its own protocol commands (e.g. RUN in the 0x30..0x3F range) with el_dispatch_register().
 */
#ifndef EL_RUNTIME_HOOK_H
#define EL_RUNTIME_HOOK_H
#include <stdint.h>

typedef struct {
  const char *name;
  /* Validates and prepares the model of a slot; returns EL_ST_OK or EL_ST_ERR_MODEL_INVALID. */
  uint8_t (*prepare)(uint8_t slot, const uint8_t *model, uint32_t size);
  /* Forgets a slot's prepared state (the slot is being overwritten). */
  void (*release)(uint8_t slot);
} el_runtime_hook_t;

void el_runtime_hook_register(const el_runtime_hook_t *runtime);
/* The registered runtime or NULL. */
const el_runtime_hook_t *el_runtime_hook(void);
#endif
