/* qemu-mps2-an505 secure image: the board interface (el_board.h) the firmware core calls. Storage, identity,
 * entropy and the cycle counter are secure; the serial port belongs to the non-secure image. */
#include "an505.h"
#include "el_board.h"
#include "el_identity.h"

const char *board_name(void) { return "qemu-mps2-an505"; }

/* The secure image has no serial port: the non-secure image frames and sends every answer. The core's frame layer
 * is linked here only because el_firmware.c is; nothing in the secure image sends. */
void board_serial_write(const uint8_t *data, size_t len) {
  (void)data;
  (void)len;
}

bool board_unique_id(uint8_t out[EL_UID_SIZE]) { return el_identity_from_storage(out); }

/* board_random (the host's /dev/urandom through semihosting; a real part uses its TRNG, secure) and the cycle counter
 * on the secure SysTick: qemu-mps2-an386/qemu_board_common.c, as on that board. */

/* The secure SysTick counts the 20 MHz core clock: 20000 ticks per millisecond (under -icount shift=0, one tick is
 * 50 guest instructions). The non-secure image has its own (banked) SysTick and cannot move this one. */
uint64_t board_millis(void) { return board_cycles() / 20000u; }

void board_reset(void) {
  barrier();
  SCB_AIRCR = 0x05FA0004u;
  for (;;) {}
}
