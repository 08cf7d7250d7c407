/* Firmware core entry points, called by a board's main loop. */
#ifndef EL_FIRMWARE_H
#define EL_FIRMWARE_H
#include <stddef.h>
#include <stdint.h>

/* Optional link-time hook: a module built into the firmware (the model runtime: firmware/runtime_module.c, built with
 * runtime/firmware.mk) defines this function to call el_runtime_hook_register() and el_dispatch_register(). Boards
 * pick such modules up through the make variables EL_MODULE_SOURCES / EL_MODULE_INCLUDE (see docs/porting.md).
 * Called once, from the first el_firmware_init(). Weak: firmware without modules links without it. */
void el_firmware_modules_register(void) __attribute__((weak));

/* (Re)initialises all core state from persistent storage and prepares the models of the READY slots. Call at boot and
 * after a host-sim reset. */
void el_firmware_init(void);
/* Feeds received serial bytes; answers are written with board_serial_write() before this returns. */
void el_firmware_rx(const uint8_t *data, size_t len);
#endif
