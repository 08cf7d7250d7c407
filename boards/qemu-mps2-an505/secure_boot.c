/*
 * Secure image of qemu-mps2-an505: reset handler, the security configuration (MPCs, peripheral protection, SAU,
 * interrupt targets), the firmware core's state in secure RAM, the jump to the non-secure image, and the fault
 * handlers that catch the non-secure world touching secure memory.
 */
#include <arm_cmse.h>
#include <string.h>
#include "an505.h"
#include "el_firmware.h"
#include "el_tz_secure.h"
#include "emu_storage.h"
#include "qemu_board_common.h"

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;
extern uint8_t __sg_start[], __sg_end[];
void Reset_Handler(void);
void SecureFault_Handler(void);
void BusFault_Handler(void);
void HardFault_Handler(void);
void MemManage_Handler(void);
void UsageFault_Handler(void);
void Default_Handler(void);
void SysTick_Handler(void);

typedef void (*vector_t)(void);

__attribute__((section(".isr_vector"), used)) const vector_t g_vectors[16] = {
    (vector_t)(uintptr_t)&_estack,
    Reset_Handler,
    Default_Handler, /* NMI */
    HardFault_Handler,
    MemManage_Handler,
    BusFault_Handler,
    UsageFault_Handler,
    SecureFault_Handler,
    0,
    0,
    0,
    Default_Handler, /* SVCall */
    Default_Handler, /* DebugMonitor */
    0,
    Default_Handler, /* PendSV */
    SysTick_Handler,
};

/* Marks blocks [from, to) of an MPC's memory non-secure (1 in BLK_LUT); all other blocks stay secure. */
static void mpc_set_nonsecure(uint32_t mpc, uint32_t from, uint32_t to) {
  uint32_t block = 1u << (MPC_BLK_CFG(mpc) + 5u);
  uint32_t first = from / block, last = to / block; /* [first, last) */
  for (uint32_t w = 0; w * 32u < last; w++) {
    uint32_t bits = 0;
    for (uint32_t b = 0; b < 32u; b++) {
      uint32_t i = w * 32u + b;
      if (i >= first && i < last) bits |= 1u << b;
    }
    MPC_BLK_IDX(mpc) = w;
    MPC_BLK_LUT(mpc) = bits;
  }
}

static void sau_region(uint32_t n, uint32_t base, uint32_t limit, uint32_t flags) {
  SAU_RNR = n;
  SAU_RBAR = base & ~0x1Fu;
  SAU_RLAR = (limit & ~0x1Fu) | flags | SAU_RLAR_ENABLE;
}

/* Everything not listed here stays secure: SSRAM1's lower half (this image), all of SSRAM2 (secure data),
 * every peripheral but UART0. */
static void configure_security(void) {
  mpc_set_nonsecure(MPC_SSRAM1, NS_CODE_BASE, NS_CODE_LIMIT + 1u);
  mpc_set_nonsecure(MPC_SSRAM3, 0, NS_DATA_LIMIT - NS_DATA_BASE + 1u);
  /* a blocked non-secure access is a bus error (BusFault), not read-as-zero: the attempt is seen, not just defeated */
  MPC_CTRL(MPC_SSRAM1) |= MPC_CTRL_SEC_RESP;
  MPC_CTRL(MPC_SSRAM2) |= MPC_CTRL_SEC_RESP;
  MPC_CTRL(MPC_SSRAM3) |= MPC_CTRL_SEC_RESP;
  SECCTRL_APBNSPPCEXP1 |= PPCEXP1_UART0;
  SECCTRL_NSCCFG |= 1u; /* CODENSC: without it the IDAU overrides the SAU's NSC region and every SG faults */
#ifdef EL_TZ_SAU_OPEN
  /* Test builds only (flavour tz-sau-open): the SAU marks the non-secure aliases of all of SSRAM1, SSRAM2 and SSRAM3
   * non-secure, as a mistaken SAU setup would, so only the MPCs keep this image's code and data secure
   * (test/device/trustzone-probe.test.ts, "the MPCs alone"). */
  sau_region(0, SSRAM1_NS_BASE, NS_CODE_LIMIT, 0);
  sau_region(1, SSRAM2_NS_BASE, NS_DATA_LIMIT, 0);
#else
  sau_region(0, NS_CODE_BASE, NS_CODE_LIMIT, 0);
  sau_region(1, NS_DATA_BASE, NS_DATA_LIMIT, 0);
#endif
  sau_region(2, NS_PERIPH_BASE, NS_PERIPH_LIMIT, 0);
  sau_region(3, (uint32_t)(uintptr_t)__sg_start, (uint32_t)(uintptr_t)__sg_end - 1u, SAU_RLAR_NSC);
  SAU_CTRL = 1u;
  NVIC_ITNS(UART0_RX_IRQ_NUM / 32u) |= 1u << (UART0_RX_IRQ_NUM % 32u);
  barrier();
}

typedef void __attribute__((cmse_nonsecure_call)) (*ns_entry_t)(void);

static void start_nonsecure(void) {
  const uint32_t *ns_vectors = (const uint32_t *)NS_CODE_BASE;
  SCB_NS_VTOR = NS_CODE_BASE;
  __asm__ volatile("msr msp_ns, %0" : : "r"(ns_vectors[0]));
  ns_entry_t entry = (ns_entry_t)cmse_nsfptr_create(ns_vectors[1]);
  barrier();
  entry();
}

void Reset_Handler(void) {
  uint32_t *src = &_sidata, *dst = &_sdata;
  while (dst < &_edata) *dst++ = *src++;
  for (dst = &_sbss; dst < &_ebss;) *dst++ = 0;
  SCB_VTOR = (uint32_t)(uintptr_t)g_vectors;
  SCB_CPACR |= 0xFu << 20; /* FPU for this image */
  SCB_NSACR |= 0x3u << 10; /* and for the non-secure one */
  SCB_SHCSR |= SHCSR_SECUREFAULTENA | SHCSR_BUSFAULTENA | SHCSR_USGFAULTENA | SHCSR_MEMFAULTENA;
  barrier();
  board_cycles_init();
  if (emu_storage_init()) {
    el_firmware_init();
    configure_security();
    start_nonsecure();
  }
  for (;;) __asm__ volatile("wfi"); /* no usable state directory: never answer rather than lose keys */
}

static void system_reset(void) {
  barrier();
  SCB_AIRCR = 0x05FA0004u;
  for (;;) {}
}

/*
 * A fault from the non-secure state (bit 6 of EXC_RETURN clear) that reached the secure image: the non-secure
 * code touched secure memory (SecureFault AUVIOL through the secure alias, BusFault from an MPC through the
 * non-secure alias) or branched into secure code that is not an SG veneer (SecureFault INVEP). The record is kept
 * for el_tz_fault_take(). Production builds then reset the board (the host sees one unanswered request; state in
 * storage is intact). Test builds (EL_TZ_PROBE) resume the non-secure code at the caller of the faulting access
 * with r0 = 0xFFFFFFFF, so PROBE_READ can report the fault over the serial port without a reset; with
 * EL_TZ_PROBE_RESET (flavour tz-probe-reset) they reset as production builds do, so the reset path is tested too.
 * A fault in the secure image itself always resets.
 */
void el_tz_fault(uint32_t exc_return, uint32_t kind) {
  el_tz_fault_t f = {kind, SCB_SFSR, SCB_CFSR, SCB_HFSR, 0, exc_return};
  uint32_t *frame = NULL;
  int from_ns = (exc_return & (1u << 6)) == 0;
  if (from_ns) {
    uint32_t sp;
    if (exc_return & (1u << 2))
      __asm__ volatile("mrs %0, psp_ns" : "=r"(sp));
    else
      __asm__ volatile("mrs %0, msp_ns" : "=r"(sp));
    frame = cmse_check_address_range((void *)(uintptr_t)sp, 32u, CMSE_NONSECURE | CMSE_MPU_READWRITE);
    if (frame) f.pc = frame[6];
  }
  SCB_SFSR = f.sfsr; /* write-one-to-clear */
  SCB_CFSR = f.cfsr;
  SCB_HFSR = f.hfsr;
  el_tz_record_fault(&f);
#if defined(EL_TZ_PROBE) && !defined(EL_TZ_PROBE_RESET)
  if (frame) {
    frame[0] = 0xFFFFFFFFu;    /* r0: the probe's "faulted" value */
    frame[6] = frame[5] & ~1u; /* pc := lr: return from the faulting leaf function */
    frame[7] &= ~0x0600FC00u;  /* clear IT/ICI state; keep the Thumb bit */
    return;
  }
#endif
  system_reset();
}

#define FAULT_ENTRY(NAME, KIND)                                                   \
  __attribute__((naked)) void NAME(void) {                                        \
    __asm__ volatile("mov r0, lr\n\tmovs r1, %0\n\tb el_tz_fault" : : "i"(KIND)); \
  }
FAULT_ENTRY(SecureFault_Handler, EL_TZ_FAULT_SECURE)
FAULT_ENTRY(BusFault_Handler, EL_TZ_FAULT_BUS)
FAULT_ENTRY(HardFault_Handler, EL_TZ_FAULT_HARD)

void MemManage_Handler(void) { system_reset(); }
void UsageFault_Handler(void) { system_reset(); }
void Default_Handler(void) {
  for (;;) {}
}
