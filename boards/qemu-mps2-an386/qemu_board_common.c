/* The board functions both QEMU MPS2 boards implement alike (qemu-mps2-an386 and the secure image of qemu-mps2-an505,
 * which builds this file from here): entropy from the host, and the cycle counter on the core's SysTick (the secure
 * one on the AN505). The clock rate, and so board_millis, is each board's own. */
#include "cmsdk.h"
#include "el_board.h"
#include "qemu_board_common.h"
#include "semihosting.h"

/* QEMU emulates no TRNG for these machines. Entropy comes from the host's /dev/urandom through semihosting: good
 * randomness, but the host controls it; a real board must use its hardware TRNG. */
bool board_random(uint8_t *out, size_t len) {
  static int32_t fd = -1;
  if (fd < 0) fd = sh_open("/dev/urandom", SH_MODE_RB);
  return fd >= 0 && sh_read(fd, out, (uint32_t)len) == 0;
}

/* SysTick on the core clock, extended to 64 bits by its wrap interrupt. Run QEMU with -icount shift=0 for
 * deterministic counts; QEMU has no DWT cycle counter. */
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
