/* What qemu_board_common.c gives beyond el_board.h, to the boards' start-up code and to the runtime's bare-metal
 * harness (firmware-tools/runtime/qemu), which counts instructions with the same SysTick counter. */
#ifndef QEMU_BOARD_COMMON_H
#define QEMU_BOARD_COMMON_H

#include <stdint.h>

/* Starts SysTick on the core clock, wrapping every 2^24 cycles; call once before board_cycles(). */
void board_cycles_init(void);

/* Cycles since board_cycles_init() (under QEMU -icount shift=0 one tick is 40 guest instructions). */
uint64_t board_cycles(void);

#endif
