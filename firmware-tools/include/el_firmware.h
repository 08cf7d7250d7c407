/* Firmware core entry points, called by a board's main loop. */
#ifndef EL_FIRMWARE_H
#define EL_FIRMWARE_H
#include <stddef.h>
#include <stdint.h>

/* (Re)initialises all core state from persistent storage. Call at boot and after a host-sim reset. */
void el_firmware_init(void);
/* Feeds received serial bytes; answers are written with board_serial_write() before this returns. */
void el_firmware_rx(const uint8_t *data, size_t len);
#endif
