/*
 * Non-secure-image side of the TrustZone split (el_tz_api.h): the frame receiver and the dispatcher run here,
 * with INFO and RESET answered locally and every other command forwarded to the secure image through
 * el_tz_command(). The forwarding table is built at boot from the secure image's own command table, so the two
 * images cannot disagree about which commands exist or their request bounds.
 */
#include <string.h>
#include "el_tz_api.h"
#include "el_tz_nonsecure.h"
#include "el_bytes.h"
#include "el_dispatch.h"
#include "el_frame.h"
#include "el_protocol.h"

#define MAX_FORWARDED 64u

static el_frame_rx_t g_rx;
static el_command_t g_forward[MAX_FORWARDED];
static size_t g_forward_count;
static int g_registered;

#ifdef EL_TZ_PROBE
/* Test builds: the non-secure SysTick (core clock, 24 bits, no interrupt) times every forwarded call. */
#define NS_SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define NS_SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define NS_SYST_CVR (*(volatile uint32_t *)0xE000E018u)
static uint32_t g_call_cycles;
static uint8_t g_call_type;

uint8_t el_tz_probe_call_cycles(const uint8_t *req, uint16_t req_len, uint8_t *rsp, uint16_t *rsp_len) {
  (void)req;
  (void)req_len;
  el_put_u32(rsp + EL_PROBE_CALL_CYCLES_RSP_CYCLES_OFF, g_call_cycles);
  rsp[EL_PROBE_CALL_CYCLES_RSP_COMMAND_OFF] = g_call_type;
  *rsp_len = EL_PROBE_CALL_CYCLES_RSP_FIXED_SIZE;
  return EL_ST_OK;
}
#endif

static uint8_t forward(const uint8_t *req, uint16_t req_len, uint8_t *rsp, uint16_t *rsp_len) {
  uint8_t type = el_dispatch_current_type();
#ifdef EL_TZ_PROBE
  uint32_t t0 = NS_SYST_CVR;
#endif
  uint32_t r = el_tz_command((uint32_t)type | (uint32_t)req_len << 8, req, rsp, EL_MAX_PAYLOAD);
#ifdef EL_TZ_PROBE
  g_call_cycles = (t0 - NS_SYST_CVR) & 0x00FFFFFFu; /* down-counter */
  g_call_type = type;
#endif
  *rsp_len = (uint16_t)(r >> 8);
  return (uint8_t)r;
}

/* INFO: the secure image answers identity, keys and slots; the request counters are the dispatcher's, here. */
static uint8_t info(const uint8_t *req, uint16_t req_len, uint8_t *rsp, uint16_t *rsp_len) {
  uint8_t st = forward(req, req_len, rsp, rsp_len);
  if (st == EL_ST_OK && *rsp_len >= EL_INFO_RSP_FIXED_SIZE) {
    el_put_u32(rsp + EL_INFO_RSP_EXECUTED_OFF, el_dispatch_executed());
    el_put_u32(rsp + EL_INFO_RSP_RX_DROPPED_OFF, el_dispatch_dropped());
  }
  return st;
}

static uint8_t reset(const uint8_t *req, uint16_t req_len, uint8_t *rsp, uint16_t *rsp_len) {
  (void)req;
  (void)req_len;
  (void)rsp;
  (void)rsp_len;
  el_dispatch_request_reset();
  return EL_ST_OK;
}

#define EXACT(NAME) EL_##NAME##_REQ_FIXED_SIZE, EL_##NAME##_REQ_FIXED_SIZE
const el_command_t el_core_commands[] = {
    {EL_CMD_INFO, EXACT(INFO), info},
    {EL_CMD_RESET, EXACT(RESET), reset},
#ifdef EL_TZ_PROBE
    {EL_CMD_PROBE_READ, EXACT(PROBE_READ), el_tz_probe_read},
    {EL_CMD_PROBE_CALL_CYCLES, EXACT(PROBE_CALL_CYCLES), el_tz_probe_call_cycles},
#endif
};
const size_t el_core_command_count = sizeof el_core_commands / sizeof el_core_commands[0];

static int local(uint8_t id) {
  for (size_t i = 0; i < el_core_command_count; i++)
    if (el_core_commands[i].id == id) return 1;
  return 0;
}

void el_tz_ns_init(void) {
#ifdef EL_TZ_PROBE
  NS_SYST_RVR = 0x00FFFFFFu;
  NS_SYST_CVR = 0;
  NS_SYST_CSR = 0x5u; /* core clock, enabled, no interrupt */
#endif
  if (!g_registered) {
    static el_tz_command_desc_t descs[MAX_FORWARDED];
    uint32_t n = el_tz_commands(descs, MAX_FORWARDED);
    if (n > MAX_FORWARDED) n = MAX_FORWARDED;
    for (uint32_t i = 0; i < n; i++) {
      if (local(descs[i].id)) continue;
      g_forward[g_forward_count].id = descs[i].id;
      g_forward[g_forward_count].min_len = descs[i].min_len;
      g_forward[g_forward_count].max_len = descs[i].max_len;
      g_forward[g_forward_count].handler = forward;
      g_forward_count++;
    }
    el_dispatch_register(g_forward, g_forward_count);
    g_registered = 1;
  }
  el_frame_rx_init(&g_rx);
  el_dispatch_init();
}

void el_tz_ns_rx(const uint8_t *data, size_t len) { el_dispatch_rx(&g_rx, data, len); }
