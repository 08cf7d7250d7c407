/*
 * libFuzzer target (not part of CI; run test/firmware/wm/fuzz.sh): the WATERMARK_BEGIN/BASES/END handlers
 * (firmware-tools/commands/cmd_watermark.c) with the runtime module and the watermarked LeNet
 * (test/watermark/fixtures) loaded into slot 0 once. Each input is a list of (command selector u8, length u16 LE,
 * payload) turned into valid frames; payloads shorter than their length are padded with 0,1,0,1,... so that short
 * inputs reach long BASES requests. Checked: memory safety (ASan/UBSan) and well-formed responses.
 */
#include "el_cobs.h"
#include "el_firmware.h"
#include "el_frame.h"
#include "el_protocol.h"
#include "el_sha256.h"
#include "el_bytes.h"
#include "sim_board.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint8_t g_out[1 << 20];
static uint8_t g_scratch[EL_MAX_RAW_FRAME];
static uint8_t g_wire[EL_MAX_ENCODED_FRAME];
static uint16_t g_seq = 1;

static void send(uint8_t type, const uint8_t *p, uint16_t len) {
  size_t n = el_frame_encode(type, g_seq++, p, len, g_scratch, g_wire);
  if (g_seq == 0) g_seq = 1;
  el_firmware_rx(g_wire, n);
}

static void check_output(void) {
  size_t n = sim_take_output(g_out, sizeof g_out);
  size_t start = 0;
  for (size_t i = 0; i < n; i++) {
    if (g_out[i] != 0) continue;
    size_t raw = el_cobs_decode(g_out + start, i - start, g_scratch);
    el_frame_t f;
    if (raw == (size_t)-1 || !el_frame_parse(g_scratch, raw, &f) || !(f.type & EL_RESPONSE_FLAG) || f.len < 1) abort();
    start = i + 1;
  }
  if (start != n) abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc; (void)argv;
  FILE *fp = fopen(EL_WM_FUZZ_MODEL, "rb");
  static uint8_t model[1 << 17];
  if (fp == NULL) abort();
  size_t n = fread(model, 1, sizeof model, fp);
  fclose(fp);
  sim_storage_reset();
  el_firmware_init();
  uint8_t p[4096];
  p[0] = 0; el_put_u32(p + 1, (uint32_t)n);
  send(EL_CMD_MODEL_LOAD_BEGIN, p, 5);
  for (size_t off = 0; off < n; off += 4000) {
    size_t k = n - off < 4000 ? n - off : 4000;
    p[0] = 0; el_put_u32(p + 1, (uint32_t)off); memcpy(p + 5, model + off, k);
    send(EL_CMD_MODEL_LOAD_CHUNK, p, (uint16_t)(5 + k));
  }
  p[0] = 0; el_sha256(model, n, p + 1);
  send(EL_CMD_MODEL_LOAD_END, p, 33);
  /* every load step must have answered OK, else the fuzzer would never reach a prepared model */
  size_t o = sim_take_output(g_out, sizeof g_out), start = 0, answers = 0;
  for (size_t i = 0; i < o; i++) {
    el_frame_t f;
    size_t raw;
    if (g_out[i] != 0) continue;
    raw = el_cobs_decode(g_out + start, i - start, g_scratch);
    if (raw == (size_t)-1 || !el_frame_parse(g_scratch, raw, &f) || f.payload[0] != EL_ST_OK) abort();
    answers++;
    start = i + 1;
  }
  fprintf(stderr, "model loaded into slot 0 (%zu bytes, %zu answers OK)\n", n, answers);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static uint8_t payload[4096];
  for (size_t i = 0; i + 3 <= size;) {
    uint8_t type = (uint8_t)(EL_CMD_WATERMARK_BEGIN + data[i] % 3u);
    uint16_t len = (uint16_t)(data[i + 1] | (data[i + 2] << 8)) % 4097u;
    i += 3;
    size_t avail = size - i;
    size_t take = len < avail ? len : avail;
    memcpy(payload, data + i, take);
    /* pad long payloads (e.g. BASES with many values) with a repeating byte so short inputs reach long requests */
    for (size_t k = take; k < len; k++) payload[k] = (uint8_t)(k & 1);
    send(type, payload, len);
    i += take;
  }
  check_output();
  return 0;
}
