/* The scoreOffsets record's checks (el_score_offsets.h), apart from the offsets themselves so that the package
 * parser links without the key store and the slots. */
#include "el_bytes.h"
#include "el_score_offsets.h"
#include <string.h>

static bool f32_finite(const uint8_t *v) { return (el_get_u32(v) & 0x7f800000u) != 0x7f800000u; }

bool el_offsets_parse(const uint8_t *v, uint32_t len, el_offsets_params_t *out) {
  uint32_t k, m, h, w, c;
  if (len < EL_OFFSETS_HEADER_SIZE || v[0] != EL_OFFSETS_SCHEME) return false;
  k = v[1];
  if (k < EL_OFFSETS_MIN_DEGREES || k > EL_OFFSETS_MAX_DEGREES || len != EL_OFFSETS_SIZE(k)) return false;
  if (v[3] != 0u || el_get_u16(v + 10) != 0u) return false;
  h = el_get_u16(v + 4);
  w = el_get_u16(v + 6);
  c = el_get_u16(v + 8);
  if (v[2] == 0u || v[2] > EL_OFFSETS_MAX_GRID || h < v[2] || w < v[2] || c == 0u) return false;
  if ((uint64_t)h * w * c > EL_OFFSETS_MAX_VALUES) return false;
  m = k * k;
  for (uint32_t i = 12u; i < len; i += 4u)
    if (!f32_finite(v + i)) return false;
  if (!(el_get_f32(v + 12) > 0.0f && el_get_f32(v + 12) <= EL_OFFSETS_MAX_DELTA)) return false;
  if (!(el_get_f32(v + 16) > 0.0f && el_get_f32(v + 16) <= EL_OFFSETS_MAX_CLIP)) return false;
  if (out == NULL) return true;
  memset(out, 0, sizeof *out);
  out->degrees = (uint8_t)k;
  out->grid = v[2];
  out->height = (uint16_t)h;
  out->width = (uint16_t)w;
  out->channels = (uint16_t)c;
  out->delta = el_get_f32(v + 12);
  out->clip = el_get_f32(v + 16);
  for (uint32_t i = 0; i < m; i++) out->mean[i] = el_get_f32(v + EL_OFFSETS_HEADER_SIZE + 4u * i);
  for (uint32_t i = 0; i < m * m; i++) out->whiten[i] = el_get_f32(v + EL_OFFSETS_HEADER_SIZE + 4u * m + 4u * i);
  return true;
}
