/* Vector table and reset handler: copy .data, clear .bss, enable the FPU, run main. */
#include "cmsdk.h"

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;
extern int main(void);
void Reset_Handler(void);
void Fault_Handler(void);
void Default_Handler(void);
void SysTick_Handler(void);
void UART0RX_Handler(void);

typedef void (*vector_t)(void);

__attribute__((section(".isr_vector"), used)) const vector_t g_vectors[16 + 32] = {
    (vector_t)(uintptr_t)&_estack,
    Reset_Handler,
    Default_Handler, /* NMI */
    Fault_Handler,   /* HardFault */
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
    SysTick_Handler,
    [16 + UART0_RX_IRQ] = UART0RX_Handler,
};

void Reset_Handler(void) {
  uint32_t *src = &_sidata, *dst = &_sdata;
  while (dst < &_edata) *dst++ = *src++;
  for (dst = &_sbss; dst < &_ebss;) *dst++ = 0;
  SCB_VTOR = (uint32_t)(uintptr_t)g_vectors;
  SCB_CPACR |= 0xFu << 20; /* CP10, CP11 full access: -mfloat-abi=hard code may use the FPU */
  barrier();
  main();
  for (;;) wait_for_interrupt();
}

/* A fault restarts the board: the host sees one unanswered request, retries, and persistent state is intact. */
void Fault_Handler(void) {
  barrier();
  SCB_AIRCR = 0x05FA0004u;
  for (;;) {}
}

void Default_Handler(void) {
  for (;;) {}
}
