/* qemu-mps2-an505 secure image: the board interface (el_board.h) the firmware core calls. Storage, identity,
 * entropy and the cycle counter are secure; the serial port belongs to the non-secure image. */
#include "an505.h"
#include "el_board.h"
#include "el_identity.h"
#include "semihosting.h"

const char *board_name(void) { return "qemu-mps2-an505"; }

/* The secure image has no serial port: the non-secure image frames and sends every answer. The core's frame layer
 * is linked here only because el_firmware.c is; nothing in the secure image sends. */
void board_serial_write(const uint8_t *data, size_t len) {
  (void)data;
  (void)len;
}

bool board_unique_id(uint8_t out[EL_UID_SIZE]) { return el_identity_from_storage(out); }

/* As on qemu-mps2-an386: the host's /dev/urandom through semihosting (a real part uses its TRNG, secure). */
bool board_random(uint8_t *out, size_t len) {
  static int32_t fd = -1;
  if (fd < 0) fd = sh_open("/dev/urandom", SH_MODE_RB);
  return fd >= 0 && sh_read(fd, out, (uint32_t)len) == 0;
}

/* The secure SysTick on the 20 MHz core clock, extended to 64 bits by its wrap interrupt. Under -icount shift=0
 * one tick is 50 guest instructions. */
static volatile uint32_t g_wraps;

void SysTick_Handler(void) { g_wraps++; }

void board_cycles_init(void) {
  SYST_RVR = 0x00FFFFFFu;
  SYST_CVR = 0;
  SYST_CSR = 0x7u;
}

uint64_t board_cycles(void) {
  uint32_t hi, v;
  do {
    hi = g_wraps;
    v = SYST_CVR;
  } while (hi != g_wraps);
  return ((uint64_t)hi << 24) + (0x00FFFFFFu - v);
}

/* The secure SysTick counts the 20 MHz core clock: 20000 ticks per millisecond. The non-secure image has its own
 * (banked) SysTick and cannot move this one. */
uint64_t board_millis(void) { return board_cycles() / 20000u; }

void board_reset(void) {
  barrier();
  SCB_AIRCR = 0x05FA0004u;
  for (;;) {}
}
