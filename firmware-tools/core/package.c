#include "el_package.h"
#include "el_board.h"
#include "el_bytes.h"
#include "el_hmac.h"
#include "el_keystore.h"
#include "el_sha256.h"
#include <stdbool.h>
#include <string.h>

static uint32_t pad16(uint32_t n) { return (n + EL_PKG_ALIGN - 1u) & ~(EL_PKG_ALIGN - 1u); }

static bool all_zero(const uint8_t *p, uint32_t n) {
  uint8_t d = 0;
  for (uint32_t i = 0; i < n; i++) d |= p[i];
  return d == 0;
}

/* Exact length (min == max) or bounds of each record type's value; index 0 unused. */
static const struct {
  uint32_t min, max;
  bool required;
} k_types[EL_PKG_REC_COUNT] = {
    [EL_PKG_REC_MODEL] = {8u, EL_MODEL_SLOT_SIZE, true},
    [EL_PKG_REC_MODEL_SHA256] = {EL_SHA256_SIZE, EL_SHA256_SIZE, true},
    [EL_PKG_REC_VERSION] = {1u, EL_PKG_MAX_VERSION, true},
    [EL_PKG_REC_SECURITY_COUNTER] = {4u, 4u, true},
    [EL_PKG_REC_DEVICE_UID] = {EL_UID_SIZE, EL_UID_SIZE, true},
    [EL_PKG_REC_LOCK_DESCRIPTOR] = {44u, 65536u, false},
    [EL_PKG_REC_WATERMARK_COMMITMENT] = {32u, 32u, false},
    [EL_PKG_REC_WRAPPED_MODEL_KEY] = {32u, 32u, false},
    [EL_PKG_REC_QUERY_LIMITS] = {EL_QUERY_LIMITS_SIZE, EL_QUERY_LIMITS_SIZE, false},
    [EL_PKG_REC_RESPONSE_MARK] = {EL_MARK_PARAMS_SIZE, EL_MARK_PARAMS_SIZE, false},
    [EL_PKG_REC_SCORE_OFFSETS] = {EL_OFFSETS_MIN_SIZE, EL_OFFSETS_MAX_SIZE, false},
};

/* A queryLimits record value: false when every limit is 0, the rate count and the window disagree, or the window is
 * longer than EL_QUERY_MAX_WINDOW_MS (src/package/query-limits.ts makes the same checks). */
static bool parse_limits(const uint8_t *v, el_query_limits_t *out) {
  out->lifetime = el_get_u32(v);
  out->per_boot = el_get_u32(v + 4);
  out->rate_count = el_get_u32(v + 8);
  out->rate_window_ms = el_get_u32(v + 12);
  if (out->lifetime == 0u && out->per_boot == 0u && out->rate_count == 0u) return false;
  if ((out->rate_count == 0u) != (out->rate_window_ms == 0u)) return false;
  return out->rate_window_ms <= EL_QUERY_MAX_WINDOW_MS;
}

/* A responseMark record value: false when a field is out of range (src/package/response-mark.ts makes the same
 * checks). */
static bool parse_mark(const uint8_t *v, el_mark_params_t *out) {
  uint8_t reserved = 0;
  uint32_t gate_bits = el_get_u32(v + 8);
  out->rate_ppm = el_get_u32(v);
  out->groups = el_get_u16(v + 4);
  out->levels = v[6];
  out->scheme = v[7];
  if (out->scheme != 1u && out->scheme != 2u) return false;
  for (uint32_t i = out->scheme == 2u ? 12u : 8u; i < EL_MARK_PARAMS_SIZE; i++) reserved |= v[i];
  if (reserved != 0u) return false;
  /* scheme 2's gate: a finite float32 >= 0 (not negative, not -0, no inf or NaN) */
  if (out->scheme == 2u && ((gate_bits & 0x80000000u) != 0u || (gate_bits & 0x7f800000u) == 0x7f800000u)) return false;
  out->gate = el_get_f32(v + 8);
  if (out->scheme == 1u) out->gate = 0.0f;
  if (out->rate_ppm == 0u || out->rate_ppm > EL_MARK_RATE_ONE) return false;
  if (out->groups == 0u || out->groups > EL_MARK_MAX_GROUPS) return false;
  return out->levels >= 2u && out->levels <= EL_MARK_MAX_LEVELS;
}

uint8_t el_package_parse(const uint8_t *b, uint32_t size, el_package_t *out) {
  const uint8_t *value[EL_PKG_REC_COUNT] = {0};
  uint32_t length[EL_PKG_REC_COUNT] = {0};
  memset(out, 0, sizeof *out);
  if (size < EL_PKG_HEADER_SIZE + EL_PKG_TAG_SIZE || size % EL_PKG_ALIGN != 0) return EL_ST_ERR_PKG_INVALID;
  if (el_get_u32(b) != EL_PKG_MAGIC || el_get_u16(b + 4) != EL_PKG_FORMAT_VERSION ||
      el_get_u16(b + 6) != EL_PKG_HEADER_SIZE || b[10] != EL_PKG_TAG_HMAC_DEVICE || b[11] != 0 ||
      el_get_u32(b + 12) != size || !all_zero(b + 16, 16))
    return EL_ST_ERR_PKG_INVALID;
  uint32_t count = el_get_u16(b + 8);
  uint32_t tag_at = size - EL_PKG_TAG_SIZE;
  uint32_t off = EL_PKG_HEADER_SIZE;
  for (uint32_t i = 0; i < count; i++) {
    if (tag_at - off < EL_PKG_RECORD_HEADER_SIZE) return EL_ST_ERR_PKG_INVALID;
    const uint8_t *h = b + off;
    uint32_t type = el_get_u16(h), len = el_get_u32(h + 4);
    if (el_get_u16(h + 2) != 0 || !all_zero(h + 8, 8)) return EL_ST_ERR_PKG_INVALID;
    if (type == 0 || type >= EL_PKG_REC_COUNT || value[type] != NULL) return EL_ST_ERR_PKG_INVALID;
    if (len < k_types[type].min || len > k_types[type].max) return EL_ST_ERR_PKG_INVALID;
    uint32_t at = off + EL_PKG_RECORD_HEADER_SIZE;
    if (len > tag_at - at || pad16(len) > tag_at - at) return EL_ST_ERR_PKG_INVALID;
    if (!all_zero(b + at + len, pad16(len) - len)) return EL_ST_ERR_PKG_INVALID;
    value[type] = b + at;
    length[type] = len;
    off = at + pad16(len);
  }
  if (off != tag_at) return EL_ST_ERR_PKG_INVALID;
  for (uint32_t t = 1; t < EL_PKG_REC_COUNT; t++)
    if (k_types[t].required && value[t] == NULL) return EL_ST_ERR_PKG_INVALID;
  out->bytes = b;
  out->size = size;
  out->model = value[EL_PKG_REC_MODEL];
  out->model_size = length[EL_PKG_REC_MODEL];
  out->model_sha256 = value[EL_PKG_REC_MODEL_SHA256];
  out->version = value[EL_PKG_REC_VERSION];
  out->version_len = length[EL_PKG_REC_VERSION];
  out->security_counter = el_get_u32(value[EL_PKG_REC_SECURITY_COUNTER]);
  if (out->security_counter == EL_PKG_COUNTER_RESERVED) return EL_ST_ERR_PKG_INVALID;
  if (value[EL_PKG_REC_QUERY_LIMITS] != NULL) {
    if (!parse_limits(value[EL_PKG_REC_QUERY_LIMITS], &out->limits)) return EL_ST_ERR_PKG_INVALID;
    out->has_limits = 1;
  }
  if (value[EL_PKG_REC_RESPONSE_MARK] != NULL) {
    if (!parse_mark(value[EL_PKG_REC_RESPONSE_MARK], &out->mark)) return EL_ST_ERR_PKG_INVALID;
    out->has_mark = 1;
  }
  if (value[EL_PKG_REC_SCORE_OFFSETS] != NULL) {
    if (!el_offsets_parse(value[EL_PKG_REC_SCORE_OFFSETS], length[EL_PKG_REC_SCORE_OFFSETS], NULL))
      return EL_ST_ERR_PKG_INVALID;
    out->offsets = value[EL_PKG_REC_SCORE_OFFSETS];
    out->offsets_len = length[EL_PKG_REC_SCORE_OFFSETS];
  }
  out->device_uid = value[EL_PKG_REC_DEVICE_UID];
  out->wrapped_key = value[EL_PKG_REC_WRAPPED_MODEL_KEY];
  return EL_ST_OK;
}

uint8_t el_package_verify(const uint8_t *bytes, uint32_t size, el_package_t *out) {
  uint8_t st = el_package_parse(bytes, size, out);
  if (st != EL_ST_OK) return st;
  uint8_t uid[EL_UID_SIZE];
  if (!board_unique_id(uid)) return EL_ST_ERR_STORAGE;
  if (!el_ct_equal(uid, out->device_uid, EL_UID_SIZE)) return EL_ST_ERR_PKG_DEVICE;
  uint8_t key[32], tag[32];
  st = el_keystore_hkdf(0, NULL, 0, EL_PKG_KEY_INFO, key);
  if (st != EL_ST_OK) return st;
  el_hmac_sha256(key, sizeof key, bytes, size - EL_PKG_TAG_SIZE, tag);
  el_wipe(key, sizeof key);
  if (!el_ct_equal(tag, bytes + size - EL_PKG_TAG_SIZE, EL_PKG_TAG_SIZE)) return EL_ST_ERR_PKG_AUTH;
  el_sha256(out->model, out->model_size, tag);
  if (!el_ct_equal(tag, out->model_sha256, EL_SHA256_SIZE)) return EL_ST_ERR_PKG_INVALID;
  return EL_ST_OK;
}
