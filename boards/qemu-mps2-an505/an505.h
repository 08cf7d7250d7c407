/* Registers of QEMU's mps2-an505 (Cortex-M33, IoT Kit subsystem) used by the secure image. Addresses of the
 * security controller, MPCs and PPC bits: AN505 / IoT Kit documentation, checked on QEMU 7.2
 * (/work/shared notes: "QEMU mps2-an505"). */
#ifndef AN505_H
#define AN505_H
#include <stdint.h>

#define REG32(addr) (*(volatile uint32_t *)(addr))

/* Memory map (non-secure alias; the secure alias has bit 28 set). */
#define NS_CODE_BASE 0x00200000u /* SSRAM1 upper 2 MiB: the non-secure image */
#define NS_CODE_LIMIT 0x003FFFFFu
#define NS_DATA_BASE 0x28200000u /* SSRAM3: non-secure data */
#define NS_DATA_LIMIT 0x283FFFFFu
#define SSRAM1_NS_BASE 0x00000000u /* SSRAM1 (its lower 2 MiB: the secure image, at 0x10000000) */
#define SSRAM2_NS_BASE 0x28000000u /* SSRAM2 (secure data; the secure image uses its secure alias 0x38000000) */
#define NS_PERIPH_BASE 0x40000000u
#define NS_PERIPH_LIMIT 0x4FFFFFFFu

/* Memory protection controllers (secure alias): one bit per block in BLK_LUT, 1 = non-secure. */
#define MPC_SSRAM1 0x58007000u
#define MPC_SSRAM2 0x58008000u
#define MPC_SSRAM3 0x58009000u
#define MPC_CTRL(m) REG32((m) + 0x00u)
#define MPC_CTRL_SEC_RESP (1u << 4) /* a blocked access answers a bus error (0: read as zero, writes ignored) */
#define MPC_BLK_MAX(m) REG32((m) + 0x10u)
#define MPC_BLK_CFG(m) REG32((m) + 0x14u) /* block size = 1 << (BLK_CFG + 5) bytes */
#define MPC_BLK_IDX(m) REG32((m) + 0x18u)
#define MPC_BLK_LUT(m) REG32((m) + 0x1Cu)

/* IoT Kit security controller (secure alias). */
#define SECCTRL 0x50080000u
#define SECCTRL_NSCCFG REG32(SECCTRL + 0x14u)       /* bit 0 CODENSC: the IDAU allows NSC in the code region */
#define SECCTRL_APBNSPPCEXP1 REG32(SECCTRL + 0x84u) /* bit n: APB expansion 1 port n non-secure */
#define PPCEXP1_UART0 (1u << 5)

/* Security attribution unit. */
#define SAU_CTRL REG32(0xE000EDD0u)
#define SAU_RNR REG32(0xE000EDD8u)
#define SAU_RBAR REG32(0xE000EDDCu)
#define SAU_RLAR REG32(0xE000EDE0u)
#define SAU_RLAR_ENABLE 0x1u
#define SAU_RLAR_NSC 0x2u

/* System control (secure view), fault status. */
#define SCB_VTOR REG32(0xE000ED08u)
#define SCB_AIRCR REG32(0xE000ED0Cu)
#define SCB_SHCSR REG32(0xE000ED24u)
#define SCB_CFSR REG32(0xE000ED28u)
#define SCB_HFSR REG32(0xE000ED2Cu)
#define SCB_CPACR REG32(0xE000ED88u)
#define SCB_NSACR REG32(0xE000ED8Cu)
#define SCB_SFSR REG32(0xE000EDE4u)
#define SCB_NS_VTOR REG32(0xE002ED08u) /* the non-secure VTOR, through the NS alias of the SCB */
#define SHCSR_MEMFAULTENA (1u << 16)
#define SHCSR_BUSFAULTENA (1u << 17)
#define SHCSR_USGFAULTENA (1u << 18)
#define SHCSR_SECUREFAULTENA (1u << 19)

#define NVIC_ITNS(n) REG32(0xE000E380u + 4u * (n)) /* bit set: interrupt targets the non-secure state */
#define UART0_RX_IRQ_NUM 32u

#define SYST_CSR REG32(0xE000E010u)
#define SYST_RVR REG32(0xE000E014u)
#define SYST_CVR REG32(0xE000E018u)

static inline void barrier(void) { __asm__ volatile("dsb\n\tisb" ::: "memory"); }
#endif
