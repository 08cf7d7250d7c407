/* CMSDK APB UART0: polled transmit, interrupt-driven receive into a ring buffer. */
#include "uart.h"
#include "cmsdk.h"

#define RING 8192u /* power of two */
static volatile uint8_t g_ring[RING];
static volatile uint32_t g_head, g_tail; /* head: written by the ISR, tail: by the main loop */
static volatile uint32_t g_overruns;

void uart_init(void) {
  UART_BAUDDIV = CORE_CLOCK_HZ / 115200u;
  UART_CTRL = UART_CTRL_TXEN | UART_CTRL_RXEN | UART_CTRL_RXINTEN;
  NVIC_ISER(UART0_RX_IRQ / 32u) = 1u << (UART0_RX_IRQ % 32u);
}

void UART0RX_Handler(void) {
  UART_INT = UART_INT_RX; /* clear first: a byte arriving while we drain raises it again */
  while (UART_STATE & UART_STATE_RXFULL) {
    uint8_t b = (uint8_t)UART_DATA;
    uint32_t h = g_head;
    if (h - g_tail < RING) {
      g_ring[h & (RING - 1u)] = b;
      g_head = h + 1u;
    } else {
      g_overruns++; /* dropped: the frame fails its CRC and the host retries */
    }
  }
}

size_t uart_read(uint8_t *buf, size_t cap) {
  size_t n = 0;
  uint32_t t = g_tail;
  while (n < cap && t != g_head) buf[n++] = g_ring[t++ & (RING - 1u)];
  g_tail = t;
  return n;
}

bool uart_rx_empty(void) { return g_tail == g_head; }

void uart_write(const uint8_t *data, size_t len) {
  for (size_t i = 0; i < len; i++) {
    while (UART_STATE & UART_STATE_TXFULL) {}
    UART_DATA = data[i];
  }
  while (UART_STATE & UART_STATE_TXFULL) {}
}
