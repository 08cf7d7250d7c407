/* Non-secure-image side of the TrustZone split: what the board's main loop calls. */
#ifndef EL_TZ_NONSECURE_H
#define EL_TZ_NONSECURE_H
#include <stddef.h>
#include <stdint.h>

/* Builds the forwarding table from the secure image's commands (once) and resets the frame layer and dispatcher. */
void el_tz_ns_init(void);
/* Feeds received serial bytes; answers are written with board_serial_write() before this returns. */
void el_tz_ns_rx(const uint8_t *data, size_t len);

#ifdef EL_TZ_PROBE
/* PROBE_READ (test builds only, el_tz_probe.c): reads memory from the non-secure state, the way a compromised
 * non-secure firmware would, and answers the bytes or the fault the secure image caught. */
uint8_t el_tz_probe_read(const uint8_t *req, uint16_t req_len, uint8_t *rsp, uint16_t *rsp_len);
/* PROBE_CALL_CYCLES: the non-secure SysTick counts of the last forwarded secure call. */
uint8_t el_tz_probe_call_cycles(const uint8_t *req, uint16_t req_len, uint8_t *rsp, uint16_t *rsp_len);
#endif
#endif
