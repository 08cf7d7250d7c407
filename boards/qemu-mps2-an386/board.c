/* qemu-mps2-an386 board: identity, entropy, cycle counter, reset, serial. */
#include "el_board.h"
#include "el_identity.h"
#include "cmsdk.h"
#include "semihosting.h"
#include "uart.h"

const char *board_name(void) { return "qemu-mps2-an386"; }

void board_serial_write(const uint8_t *data, size_t len) { uart_write(data, len); }

/* The emulated MPS2 has no unique-id register: the id is generated once and kept in the state directory. */
bool board_unique_id(uint8_t out[EL_UID_SIZE]) { return el_identity_from_storage(out); }

/* QEMU emulates no TRNG for this machine. Entropy comes from the host's /dev/urandom through semihosting: good
 * randomness, but the host controls it; a real board must use its hardware TRNG. */
bool board_random(uint8_t *out, size_t len) {
  static int32_t fd = -1;
  if (fd < 0) fd = sh_open("/dev/urandom", SH_MODE_RB);
  return fd >= 0 && sh_read(fd, out, (uint32_t)len) == 0;
}

/* SysTick on the core clock, extended to 64 bits by its wrap interrupt. Run QEMU with -icount shift=0 for
 * deterministic counts (1 tick = 40 guest instructions); QEMU has no DWT cycle counter. */
static volatile uint32_t g_wraps;

void SysTick_Handler(void) { g_wraps++; }

void board_cycles_init(void) {
  SYST_RVR = 0x00FFFFFFu;
  SYST_CVR = 0;
  SYST_CSR = 0x7u; /* core clock, interrupt, enable */
}

uint64_t board_cycles(void) {
  uint32_t hi, v;
  do {
    hi = g_wraps;
    v = SYST_CVR;
  } while (hi != g_wraps);
  return ((uint64_t)hi << 24) + (0x00FFFFFFu - v);
}

/* SysTick counts the 25 MHz core clock: 25000 ticks per millisecond of virtual time. */
uint64_t board_millis(void) { return board_cycles() / 25000u; }

void board_reset(void) {
  barrier();
  SCB_AIRCR = 0x05FA0004u; /* SYSRESETREQ: QEMU resets the machine and reloads the image; the pty stays open */
  for (;;) {}
}
