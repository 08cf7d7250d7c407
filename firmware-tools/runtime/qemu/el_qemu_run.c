/*
 * Bare-metal harness for the runtime on QEMU's Cortex-M4 board (mps2-an386), for the kernel property tests
 * and the per-operator instruction counts of `npm run bench -- device`. Not part of the firmware.
 *
 * Run QEMU with `-semihosting-config enable=on,target=native -icount shift=0` in a directory holding
 * model0.tflite + input0.bin, model1.tflite + input1.bin, ... (stops at the first missing model). For each
 * model it prepares, invokes once with the optimised kernels and once with the reference loops
 * (el_model_use_reference_kernels), timing every operator with SysTick (under -icount shift=0 one tick is
 * 40 guest instructions), writes the outputs to out<k>.fast.bin and out<k>.ref.bin and prints one JSON line
 * to the host's stdout:
 *   {"k":0,"status":"ok","arena_used":N,"macs":N,"ops":[["CONV_2D",fast_ticks,ref_ticks],...],
 *    "fast":total_ticks,"ref":total_ticks}
 * then exits QEMU (semihosting SYS_EXIT).
 */
#include <stdint.h>
#include <string.h>

#include "el_internal.h"
#include "el_runtime.h"
#include "qemu_board_common.h"
#include "semihosting.h"

void UART0RX_Handler(void) {}

static uint8_t g_model[1u << 20] __attribute__((aligned(16)));
static uint8_t g_input[256u << 10] __attribute__((aligned(16)));
static uint8_t g_arena[1u << 20] __attribute__((aligned(16)));
static uint32_t g_fast[EL_MAX_OPS], g_ref[EL_MAX_OPS];
static char g_line[64u << 10];
static size_t g_len;
static int32_t g_tty;

static void put(const char *s) {
  size_t n = strlen(s);
  if (g_len + n < sizeof g_line) {
    memcpy(g_line + g_len, s, n);
    g_len += n;
  }
}

static void put_u(uint64_t v) {
  char buf[24];
  int i = (int)sizeof buf - 1;
  buf[i] = 0;
  do {
    buf[--i] = (char)('0' + (int)(v % 10u));
    v /= 10u;
  } while (v != 0 && i > 0);
  put(buf + i);
}

static void flush(void) {
  put("\n");
  sh_write(g_tty, g_line, (uint32_t)g_len);
  g_len = 0;
}

static int32_t read_whole(const char *name, uint8_t *buf, uint32_t cap) {
  int32_t fd = sh_open(name, SH_MODE_RB);
  if (fd < 0) return -1;
  int32_t len = sh_flen(fd);
  if (len < 0 || (uint32_t)len > cap || sh_read(fd, buf, (uint32_t)len) != 0) return -1;
  return len;
}

static void name_of(char *out, const char *prefix, int k, const char *suffix) {
  char num[12];
  int i = (int)sizeof num - 1;
  num[i] = 0;
  do {
    num[--i] = (char)('0' + k % 10);
    k /= 10;
  } while (k != 0);
  strcpy(out, prefix);
  strcat(out, num + i);
  strcat(out, suffix);
}

static uint64_t invoke_timed(el_model *m, uint32_t *per_op) {
  uint64_t total = 0;
  for (uint32_t i = 0; i < m->node_count; i++) {
    const el_node *n = &m->nodes[i];
    const uint64_t t0 = board_cycles();
    n->kernel->eval(n);
    const uint64_t dt = board_cycles() - t0;
    per_op[i] = (uint32_t)dt;
    total += dt;
  }
  return total;
}

static int write_outputs(const el_model *m, const char *name) {
  int32_t fd = sh_open(name, SH_MODE_WPB);
  if (fd < 0) return -1;
  for (uint32_t i = 0; i < el_model_output_count(m); i++) {
    el_tensor_info t;
    el_model_output(m, i, &t);
    if (sh_write(fd, t.data, (uint32_t)t.bytes) != 0) return -1;
  }
  return 0;
}

static void run_one(int k, int32_t model_len) {
  char name[32];
  el_model m;
  put("{\"k\":");
  put_u((uint64_t)k);
  name_of(name, "input", k, ".bin");
  int32_t input_len = read_whole(name, g_input, sizeof g_input);
  el_status s = el_model_prepare(&m, g_model, (size_t)model_len, g_arena, sizeof g_arena);
  if (s != EL_OK || input_len < 0) {
    put(",\"status\":\"");
    put(input_len < 0 ? "no input" : el_status_name(s));
    put("\"}");
    return;
  }
  size_t at = 0;
  for (uint32_t i = 0; i < el_model_input_count(&m); i++) {
    el_tensor_info t;
    el_model_input(&m, i, &t);
    if (at + t.bytes > (size_t)input_len) break;
    memcpy(t.data, g_input + at, t.bytes);
    at += t.bytes;
  }
  if (at != (size_t)input_len) {
    put(",\"status\":\"input size\"}");
    return;
  }
  /* The reference run first: an input's memory may be reused by later activations, so the input is
   * copied in again before the optimised run. */
  el_model_use_reference_kernels(&m, 1);
  const uint64_t ref = invoke_timed(&m, g_ref);
  name_of(name, "out", k, ".ref.bin");
  write_outputs(&m, name);
  at = 0;
  for (uint32_t i = 0; i < el_model_input_count(&m); i++) {
    el_tensor_info t;
    el_model_input(&m, i, &t);
    memcpy(t.data, g_input + at, t.bytes);
    at += t.bytes;
  }
  el_model_use_reference_kernels(&m, 0);
  const uint64_t fast = invoke_timed(&m, g_fast);
  name_of(name, "out", k, ".fast.bin");
  write_outputs(&m, name);
  put(",\"status\":\"ok\",\"arena_used\":");
  put_u(m.arena_used);
  put(",\"macs\":");
  put_u(m.macs);
  put(",\"fast\":");
  put_u(fast);
  put(",\"ref\":");
  put_u(ref);
  put(",\"ops\":[");
  for (uint32_t i = 0; i < m.node_count; i++) {
    put(i ? ",[\"" : "[\"");
    put(m.nodes[i].kernel->name);
    put("\",");
    put_u(g_fast[i]);
    put(",");
    put_u(g_ref[i]);
    put("]");
  }
  put("]}");
}

int main(void) {
  board_cycles_init();
  g_tty = sh_open(":tt", 4);
  for (int k = 0;; k++) {
    char name[32];
    name_of(name, "model", k, ".tflite");
    int32_t len = read_whole(name, g_model, sizeof g_model);
    if (len < 0) break;
    run_one(k, len);
    flush();
  }
  semihost(0x18, (const void *)(uintptr_t)0x20026u); /* SYS_EXIT, ADP_Stopped_ApplicationExit */
  for (;;) {}
}
