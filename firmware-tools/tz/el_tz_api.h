/*
 * The TrustZone-M split of the firmware (boards with a secure and a non-secure image, e.g. qemu-mps2-an505):
 * the non-secure-callable (NSC) entry functions the secure image exports and the non-secure image calls through
 * SG veneers. The secure image owns the key store, storage, package verification and activation, attestation
 * and the model runtime with its unsealed weights and arenas; the non-secure image owns the UART, the frame layer
 * and the dispatcher (repeat cache, sequence numbers) and hands every command that touches a key, a slot or a
 * model to el_tz_command(). No entry returns a key, a derived key or a plaintext weight: what crosses the
 * boundary is exactly what the serial protocol already answers to the host. docs/porting.md, "TrustZone-M".
 *
 * Every pointer argument is non-secure memory, checked by the secure side with cmse_check_address_range()
 * before use; request bytes are copied into secure RAM before a handler sees them.
 */
#ifndef EL_TZ_API_H
#define EL_TZ_API_H
#include <stdint.h>

#if defined(EL_TZ_SECURE)
#define EL_TZ_ENTRY __attribute__((cmse_nonsecure_entry))
#else
#define EL_TZ_ENTRY
#endif

/* A command the secure image executes: id and request payload bounds (from el_protocol.h). */
typedef struct {
  uint8_t id;
  uint8_t reserved;
  uint16_t min_len;
  uint16_t max_len;
  uint16_t reserved2;
} el_tz_command_desc_t;

/* The last fault the secure image handled (SecureFault, BusFault or HardFault). */
typedef struct {
  uint32_t kind; /* EL_TZ_FAULT_*; 0: none since the last el_tz_fault_take() */
  uint32_t sfsr; /* SecureFault status (SAU/IDAU violations: AUVIOL bit 3, INVEP bit 0, ...) */
  uint32_t cfsr; /* configurable fault status (BusFault PRECISERR bit 9, ...) */
  uint32_t hfsr;
  uint32_t pc;         /* stacked PC of the faulting code */
  uint32_t exc_return; /* bit 6 clear: the fault came from the non-secure state */
} el_tz_fault_t;

#define EL_TZ_FAULT_NONE 0u
#define EL_TZ_FAULT_SECURE 1u
#define EL_TZ_FAULT_BUS 2u
#define EL_TZ_FAULT_HARD 3u

/* Copies up to `cap` descriptors of the secure command table to `out`; returns how many the table has. */
EL_TZ_ENTRY uint32_t el_tz_commands(el_tz_command_desc_t *out, uint32_t cap);

/* Executes one protocol command in the secure image. type_len = command id | request length << 8; `req` holds
 * the request payload, `rsp` receives the response payload (rsp[0] the status) and has room for rsp_cap bytes.
 * Returns status | response length << 8 (length 1: status only). Bad pointers or lengths answer
 * EL_ST_ERR_BAD_ARGUMENT / EL_ST_ERR_BAD_LENGTH without touching either buffer. */
EL_TZ_ENTRY uint32_t el_tz_command(uint32_t type_len, const uint8_t *req, uint8_t *rsp, uint32_t rsp_cap);

/* Copies the record of the last fault into *out and clears it; returns its kind. */
EL_TZ_ENTRY uint32_t el_tz_fault_take(el_tz_fault_t *out);
#endif
