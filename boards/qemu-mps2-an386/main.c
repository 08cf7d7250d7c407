/* Silent until the host speaks: bytes sent before the host opens the pty would be lost. */
#include "el_firmware.h"
#include "cmsdk.h"
#include "emu_storage.h"
#include "qemu_board_common.h"
#include "uart.h"

int main(void) {
  board_cycles_init();
  uart_init();
  if (!emu_storage_init()) {
    for (;;) wait_for_interrupt(); /* no usable state directory: never answer rather than lose keys */
  }
  el_firmware_init();
  static uint8_t buf[512];
  for (;;) {
    irq_disable();
    if (uart_rx_empty()) {
      /* Sleep at once: spinning here instead measured 2-3x slower transfers, the busy vCPU starving QEMU's I/O
       * thread, which delivers one received byte per main-loop iteration. WFI wakes on a pending interrupt even
       * with PRIMASK set. */
      wait_for_interrupt();
      irq_enable();
      continue;
    }
    irq_enable();
    size_t n = uart_read(buf, sizeof buf);
    el_firmware_rx(buf, n);
  }
}
