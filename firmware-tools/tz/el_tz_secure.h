/* Secure-image side of the TrustZone split: what the board's fault handlers and boot code call. */
#ifndef EL_TZ_SECURE_H
#define EL_TZ_SECURE_H
#include "el_tz_api.h"

/* Keeps the record el_tz_fault_take() hands to the non-secure side. */
void el_tz_record_fault(const el_tz_fault_t *fault);
#endif
