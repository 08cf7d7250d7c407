/* The model runtime as a firmware module (built only with runtime/firmware.mk): its slot hook, then its commands.
 * el_firmware_init() calls this once (el_firmware.h). */
#include "el_commands.h"
#include "el_firmware.h"
#include "el_runtime_module.h"

void el_firmware_modules_register(void) {
  el_runtime_module_register();
  el_runtime_commands_register();
  el_watermark_commands_register();
}
