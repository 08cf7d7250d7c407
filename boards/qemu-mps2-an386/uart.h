#ifndef UART_H
#define UART_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void uart_init(void);
size_t uart_read(uint8_t *buf, size_t cap);
bool uart_rx_empty(void);
void uart_write(const uint8_t *data, size_t len);
#endif
