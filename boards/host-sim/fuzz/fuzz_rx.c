/*
 * libFuzzer target: the firmware core's receive path (COBS frame decoder, frame parser, dispatcher, every command
 * handler) on RAM storage. The first input byte picks the mode:
 *   even: the rest is fed as raw serial bytes;
 *   odd:  the rest is a list of (type u8, len u8, payload[len]) turned into valid frames (correct CRC), so the
 *         fuzzer reaches the command handlers with arbitrary payloads.
 * Property checked besides memory safety: everything the firmware sends is a sequence of well-formed frames.
 */
#include "el_cobs.h"
#include "el_firmware.h"
#include "el_frame.h"
#include "sim_board.h"
#include <stdlib.h>
#include <string.h>

static uint8_t g_out[1 << 16];
static uint8_t g_scratch[EL_MAX_RAW_FRAME];
static uint8_t g_wire[EL_MAX_ENCODED_FRAME];

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
  if (start != n) abort(); /* a response always ends with its delimiter */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  sim_storage_reset();
  el_firmware_init();
  if (size == 0) return 0;
  if ((data[0] & 1) == 0) {
    el_firmware_rx(data + 1, size - 1);
  } else {
    uint16_t seq = 1;
    for (size_t i = 1; i + 2 <= size;) {
      uint8_t type = data[i], len = data[i + 1];
      i += 2;
      if (len > size - i) len = (uint8_t)(size - i);
      size_t n = el_frame_encode(type, seq++, data + i, len, g_scratch, g_wire);
      el_firmware_rx(g_wire, n);
      i += len;
    }
  }
  check_output();
  return 0;
}
