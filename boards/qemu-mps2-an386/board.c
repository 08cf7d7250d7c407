/* qemu-mps2-an386 board: identity, entropy, cycle counter, reset, serial. */
#include "el_board.h"
#include "el_identity.h"
#include "cmsdk.h"
#include "uart.h"

const char *board_name(void) { return "qemu-mps2-an386"; }

void board_serial_write(const uint8_t *data, size_t len) { uart_write(data, len); }

/* The emulated MPS2 has no unique-id register: the id is generated once and kept in the state directory. */
bool board_unique_id(uint8_t out[EL_UID_SIZE]) { return el_identity_from_storage(out); }

/* board_random and the SysTick cycle counter: qemu_board_common.c. */

/* SysTick counts the 25 MHz core clock: 25000 ticks per millisecond of virtual time (under -icount shift=0, 1 tick
 * = 40 guest instructions). */
uint64_t board_millis(void) { return board_cycles() / 25000u; }

void board_reset(void) {
  barrier();
  SCB_AIRCR = 0x05FA0004u; /* SYSRESETREQ: QEMU resets the machine and reloads the image; the pty stays open */
  for (;;) {}
}
