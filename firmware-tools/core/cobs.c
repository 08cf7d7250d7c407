#include "el_cobs.h"

size_t el_cobs_encode(const uint8_t *in, size_t len, uint8_t *out) {
  size_t code_at = 0, o = 1;
  uint8_t code = 1;
  for (size_t i = 0; i < len; i++) {
    if (in[i] == 0) {
      out[code_at] = code;
      code_at = o++;
      code = 1;
      continue;
    }
    out[o++] = in[i];
    code++;
    if (code == 0xFF && i + 1 < len) {
      out[code_at] = code;
      code_at = o++;
      code = 1;
    }
  }
  out[code_at] = code;
  return o;
}

size_t el_cobs_decode(const uint8_t *in, size_t len, uint8_t *out) {
  size_t i = 0, o = 0;
  while (i < len) {
    uint8_t code = in[i++];
    if (code == 0) return (size_t)-1;
    size_t end = i + code - 1u;
    if (end > len) return (size_t)-1;
    while (i < end) {
      if (in[i] == 0) return (size_t)-1;
      out[o++] = in[i++];
    }
    if (code != 0xFF && i < len) out[o++] = 0;
  }
  return o;
}
