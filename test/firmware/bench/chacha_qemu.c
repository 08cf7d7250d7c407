/*
 * Bare-metal ChaCha20 measurement on QEMU mps2-an386 (test/firmware/chacha-qemu.test.ts builds and runs it with the
 * board's startup code, linker script and SysTick counter (qemu_board_common.c) under -icount shift=0, so 1 SysTick tick = 40 guest instructions).
 * Encrypts LEN zero bytes in place (key 00 01 .. 1f, nonce 00 .. 00 4a, counter 1), as the firmware unseals a locked
 * model, and prints over semihosting: "ticks <n> sha256 <hex of the result>".
 */
#include <stdint.h>
#include <stdio.h>

#include "el_chacha20.h"
#include "el_sha256.h"
#include "qemu_board_common.h"
#include "semihosting.h"

#ifndef LEN
#define LEN 110000u
#endif

void UART0RX_Handler(void) {}

static uint8_t g_buf[LEN] __attribute__((aligned(16)));

int main(void) {
  static const uint8_t nonce[12] = {0, 0, 0, 0, 0, 0, 0, 0x4a, 0, 0, 0, 0};
  static char line[128];
  uint8_t key[32], digest[32];
  uint64_t t0, t1;
  unsigned i;
  int n;
  for (i = 0; i < sizeof key; i++) key[i] = (uint8_t)i;
  board_cycles_init();
  for (volatile int spin = 0; spin < 1000; spin++) {} /* let the first reload happen */
  t0 = board_cycles();
  el_chacha20_xor(key, nonce, 1, g_buf, g_buf, sizeof g_buf);
  t1 = board_cycles();
  el_sha256(g_buf, sizeof g_buf, digest);
  n = snprintf(line, sizeof line, "ticks %lu sha256 ", (unsigned long)(t1 - t0));
  for (i = 0; i < 32; i++) n += snprintf(line + n, sizeof line - (size_t)n, "%02x", digest[i]);
  snprintf(line + n, sizeof line - (size_t)n, "\n");
  semihost(0x04, line); /* SYS_WRITE0 */
  semihost(0x18, (const void *)0x20026u); /* SYS_EXIT; on AArch32 r1 is the reason: ADP_Stopped_ApplicationExit */
  for (;;) {}
}
