/* Registers of the mps2-an386 peripherals and Cortex-M4 system control used by this board. */
#ifndef CMSDK_H
#define CMSDK_H
#include <stdint.h>

#define REG32(addr) (*(volatile uint32_t *)(addr))

/* CMSDK APB UART0 (qemu-mps2-an505's non-secure image reuses this file with its own UART0_BASE, UART0_RX_IRQ and
 * CORE_CLOCK_HZ from its Makefile) */
#ifndef UART0_BASE
#define UART0_BASE 0x40004000u
#endif
#define UART_DATA REG32(UART0_BASE + 0x00u)
#define UART_STATE REG32(UART0_BASE + 0x04u) /* bit0 TX full, bit1 RX full */
#define UART_CTRL REG32(UART0_BASE + 0x08u)  /* bit0 TX en, bit1 RX en, bit3 RX interrupt en */
#define UART_INT REG32(UART0_BASE + 0x0Cu)   /* read: status; write 1: clear. bit1 RX */
#define UART_BAUDDIV REG32(UART0_BASE + 0x10u)
#define UART_STATE_TXFULL 0x1u
#define UART_STATE_RXFULL 0x2u
#define UART_CTRL_TXEN 0x1u
#define UART_CTRL_RXEN 0x2u
#define UART_CTRL_RXINTEN 0x8u
#define UART_INT_RX 0x2u
#ifndef UART0_RX_IRQ
#define UART0_RX_IRQ 0u
#endif

/* Cortex-M system control */
#define NVIC_ISER(n) REG32(0xE000E100u + 4u * (n))
#define SYST_CSR REG32(0xE000E010u)
#define SYST_RVR REG32(0xE000E014u)
#define SYST_CVR REG32(0xE000E018u)
#define SCB_VTOR REG32(0xE000ED08u)
#define SCB_AIRCR REG32(0xE000ED0Cu)
#define SCB_CPACR REG32(0xE000ED88u)

#ifndef CORE_CLOCK_HZ
#define CORE_CLOCK_HZ 25000000u
#endif

static inline void irq_disable(void) { __asm__ volatile("cpsid i" ::: "memory"); }
static inline void irq_enable(void) { __asm__ volatile("cpsie i" ::: "memory"); }
static inline void wait_for_interrupt(void) { __asm__ volatile("wfi" ::: "memory"); }
static inline void barrier(void) { __asm__ volatile("dsb\n\tisb" ::: "memory"); }
#endif
