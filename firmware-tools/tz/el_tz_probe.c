/*
 * PROBE_READ, compiled into test builds of a TrustZone board's non-secure image only (EL_TZ_PROBE, flavour
 * `tz-probe`): the attack a compromised non-secure firmware would make, reading secure memory byte by byte. The
 * secure image's fault handler (test builds) resumes a faulting probe at its caller with 0xFFFFFFFF in r0, so the
 * fault is answered as ERR_SECURE_FAULT with the secure image's fault record; bytes read before the fault are
 * dropped, not answered.
 */
#ifdef EL_TZ_PROBE
#include <string.h>
#include "el_bytes.h"
#include "el_protocol.h"
#include "el_tz_api.h"
#include "el_tz_nonsecure.h"

/* One byte load as a leaf function, so "return to the caller" is exact: 0..255, or 0xFFFFFFFF after a fault. */
__attribute__((naked, noinline)) static uint32_t probe_byte(__attribute__((unused)) uint32_t address) {
  __asm__ volatile("ldrb r0, [r0]\n\tbx lr");
}

uint8_t el_tz_probe_read(const uint8_t *req, uint16_t req_len, uint8_t *rsp, uint16_t *rsp_len) {
  (void)req_len;
  uint32_t address = el_get_u32(req + EL_PROBE_READ_REQ_ADDRESS_OFF);
  uint32_t length = el_get_u16(req + EL_PROBE_READ_REQ_LENGTH_OFF);
  el_tz_fault_t f;
  if (length == 0 || length > 256u) return EL_ST_ERR_BAD_ARGUMENT;
  (void)el_tz_fault_take(&f); /* forget an older record */
  for (uint32_t i = 0; i < length; i++) {
    uint32_t v = probe_byte(address + i);
    if (v > 0xFFu && el_tz_fault_take(&f) != EL_TZ_FAULT_NONE) {
      memset(rsp + 1, 0, i); /* the bytes read so far never leave */
      uint8_t *rec = rsp + 1;
      rec[EL_FAULT_RECORD_KIND_OFF] = (uint8_t)f.kind;
      el_put_u32(rec + EL_FAULT_RECORD_SFSR_OFF, f.sfsr);
      el_put_u32(rec + EL_FAULT_RECORD_CFSR_OFF, f.cfsr);
      el_put_u32(rec + EL_FAULT_RECORD_PC_OFF, f.pc);
      el_put_u16(rec + EL_FAULT_RECORD_BYTES_READ_OFF, (uint16_t)i);
      *rsp_len = (uint16_t)(1u + EL_FAULT_RECORD_FIXED_SIZE);
      return EL_ST_ERR_SECURE_FAULT;
    }
    rsp[EL_PROBE_READ_RSP_DATA_OFF + i] = (uint8_t)v;
  }
  *rsp_len = (uint16_t)(EL_PROBE_READ_RSP_FIXED_SIZE + length);
  return EL_ST_OK;
}
#endif
