/* qemu-mps2-an505 non-secure image: vector table, reset handler, the UART main loop and the board functions the
 * frame layer and dispatcher need. Everything else is a call into the secure image (el_tz_api.h). */
#include "cmsdk.h"
#include "el_board.h"
#include "el_tz_nonsecure.h"
#include "uart.h"

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;
void Reset_Handler(void);
void Fault_Handler(void);
void Default_Handler(void);
void UART0RX_Handler(void);

typedef void (*vector_t)(void);

/* 16 system exceptions, then external interrupts up to UART0 RX (IRQ 32). 256-byte aligned by position. */
__attribute__((section(".isr_vector"), used)) const vector_t g_vectors[16 + 48] = {
    (vector_t)(uintptr_t)&_estack,
    Reset_Handler,
    Default_Handler, /* NMI */
    Fault_Handler,   /* HardFault (non-secure; secure faults go to the secure image) */
    Fault_Handler,   /* MemManage */
    Fault_Handler,   /* BusFault */
    Fault_Handler,   /* UsageFault */
    0,
    0,
    0,
    0,
    Default_Handler, /* SVCall */
    Default_Handler, /* DebugMonitor */
    0,
    Default_Handler, /* PendSV */
    Default_Handler, /* SysTick */
    [16 + UART0_RX_IRQ] = UART0RX_Handler,
};

void board_serial_write(const uint8_t *data, size_t len) { uart_write(data, len); }

/* SYSRESETREQ is open to the non-secure state (AIRCR.SYSRESETREQS stays 0): the whole board restarts, secure
 * image first. */
void board_reset(void) {
  barrier();
  SCB_AIRCR = 0x05FA0004u;
  for (;;) {}
}

void Fault_Handler(void) { board_reset(); }

void Default_Handler(void) {
  for (;;) {}
}

int main(void) {
  uart_init();
  el_tz_ns_init();
  static uint8_t buf[512];
  for (;;) {
    irq_disable();
    if (uart_rx_empty()) {
      wait_for_interrupt(); /* as on qemu-mps2-an386: sleeping lets QEMU's I/O thread deliver bytes */
      irq_enable();
      continue;
    }
    irq_enable();
    size_t n = uart_read(buf, sizeof buf);
    el_tz_ns_rx(buf, n);
  }
}

void Reset_Handler(void) {
  uint32_t *src = &_sidata, *dst = &_sdata;
  while (dst < &_edata) *dst++ = *src++;
  for (dst = &_sbss; dst < &_ebss;) *dst++ = 0;
  SCB_VTOR = (uint32_t)(uintptr_t)g_vectors;
  SCB_CPACR |= 0xFu << 20;
  barrier();
  main();
  for (;;) wait_for_interrupt();
}
