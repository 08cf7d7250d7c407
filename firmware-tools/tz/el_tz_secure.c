/*
 * The secure image's non-secure-callable entries (el_tz_api.h). Compiled with -mcmse: each entry is reached
 * through an SG veneer in the NSC region, clears the secure registers on return, and checks every non-secure
 * pointer with cmse_check_address_range() (CMSE_NONSECURE: the range must be non-secure memory the non-secure
 * caller may read, or read and write) before touching it.
 */
#include <arm_cmse.h>
#include <string.h>
#include "el_tz_api.h"
#include "el_tz_secure.h"
#include "el_dispatch.h"
#include "el_protocol.h"

extern const el_command_t el_core_commands[];
extern const size_t el_core_command_count;

/* Request and response live in secure RAM while a handler runs: the non-secure side cannot change a request
 * under a handler's feet, and nothing a handler writes is visible before it is complete. */
static uint8_t g_req[EL_MAX_PAYLOAD];
static uint8_t g_rsp[EL_MAX_PAYLOAD];
static el_tz_fault_t g_fault;

static int ns_readable(const void *p, uint32_t len) {
  return len == 0 || cmse_check_address_range((void *)(uintptr_t)p, len, CMSE_NONSECURE | CMSE_MPU_READ) != NULL;
}

static int ns_writable(void *p, uint32_t len) {
  return len == 0 || cmse_check_address_range(p, len, CMSE_NONSECURE | CMSE_MPU_READWRITE) != NULL;
}

/* Every command the secure image implements: the core table, then the tables modules registered. */
static uint32_t for_each_command(el_tz_command_desc_t *out, uint32_t cap) {
  uint32_t n = 0;
  for (uint32_t id = 0; id < 0x80u; id++) {
    const el_command_t *c = el_dispatch_find((uint8_t)id);
    if (!c) continue;
    if (n < cap) {
      el_tz_command_desc_t d = {c->id, 0, c->min_len, c->max_len, 0};
      memcpy(&out[n], &d, sizeof d);
    }
    n++;
  }
  return n;
}

EL_TZ_ENTRY uint32_t el_tz_commands(el_tz_command_desc_t *out, uint32_t cap) {
  if (cap > 0x80u || !ns_writable(out, cap * (uint32_t)sizeof *out)) return 0;
  return for_each_command(out, cap);
}

EL_TZ_ENTRY uint32_t el_tz_command(uint32_t type_len, const uint8_t *req, uint8_t *rsp, uint32_t rsp_cap) {
  uint8_t type = (uint8_t)type_len;
  uint32_t len = type_len >> 8;
  uint16_t rsp_len = 1;
  if (rsp_cap < 1u || rsp_cap > EL_MAX_PAYLOAD || !ns_writable(rsp, rsp_cap)) return EL_ST_ERR_BAD_ARGUMENT | (1u << 8);
  if (len > EL_MAX_PAYLOAD || !ns_readable(req, len)) return EL_ST_ERR_BAD_ARGUMENT | (1u << 8);
  const el_command_t *c = el_dispatch_find(type);
  if (!c) return EL_ST_ERR_UNKNOWN_COMMAND | (1u << 8);
  if (len < c->min_len || len > c->max_len) return EL_ST_ERR_BAD_LENGTH | (1u << 8);
  memcpy(g_req, req, len);
  uint8_t status = c->handler(g_req, (uint16_t)len, g_rsp, &rsp_len);
  if (rsp_len < 1u || rsp_len > rsp_cap) {
    rsp_len = 1;
    status = EL_ST_ERR_INTERNAL;
  }
  g_rsp[0] = status;
  memcpy(rsp, g_rsp, rsp_len);
  memset(g_rsp, 0, rsp_len);
  memset(g_req, 0, len);
  return (uint32_t)status | (uint32_t)rsp_len << 8;
}

void el_tz_record_fault(const el_tz_fault_t *f) { g_fault = *f; }

EL_TZ_ENTRY uint32_t el_tz_fault_take(el_tz_fault_t *out) {
  if (!ns_writable(out, sizeof *out)) return EL_TZ_FAULT_NONE;
  el_tz_fault_t f = g_fault;
  memset(&g_fault, 0, sizeof g_fault);
  memcpy(out, &f, sizeof f);
  return f.kind;
}
