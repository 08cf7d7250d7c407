#include "el_watermark.h"

#include <string.h>

#include "el_bytes.h"
#include "el_sha256.h"

bool el_wm_stream_init(el_wm_stream_t *s, const uint8_t signature[EL_WM_SIGNATURE_SIZE], const char *tag) {
  size_t prefix = sizeof EL_WM_TAG_PREFIX - 1u;
  size_t n = strlen(tag);
  if (n > EL_WM_TAG_MAX) return false;
  memcpy(s->seed, signature, EL_WM_SIGNATURE_SIZE);
  memcpy(s->tag, EL_WM_TAG_PREFIX, prefix);
  memcpy(s->tag + prefix, tag, n);
  s->tag_len = prefix + n;
  s->counter = 0;
  s->pos = sizeof s->block;
  return true;
}

void el_wm_stream_wipe(el_wm_stream_t *s) { el_wipe(s, sizeof *s); }

static void refill(el_wm_stream_t *s) {
  el_sha256_t c;
  uint8_t ctr[4];
  ctr[0] = (uint8_t)(s->counter >> 24);
  ctr[1] = (uint8_t)(s->counter >> 16);
  ctr[2] = (uint8_t)(s->counter >> 8);
  ctr[3] = (uint8_t)s->counter;
  s->counter++;
  el_sha256_init(&c);
  el_sha256_update(&c, s->seed, sizeof s->seed);
  el_sha256_update(&c, (const uint8_t *)s->tag, s->tag_len);
  el_sha256_update(&c, ctr, sizeof ctr);
  el_sha256_final(&c, s->block);
  el_wipe(&c, sizeof c);
  s->pos = 0;
}

uint32_t el_wm_next_u32(el_wm_stream_t *s) {
  const uint8_t *b;
  if (s->pos + 4u > sizeof s->block) refill(s);
  b = s->block + s->pos;
  s->pos += 4u;
  return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | (uint32_t)b[3];
}

uint32_t el_wm_uniform(el_wm_stream_t *s, uint64_t n) {
  const uint64_t span = (uint64_t)1 << 32;
  uint64_t limit;
  if (n == 0u) return 0; /* not a range; callers never ask (n = 1 still draws one word, as the TS does) */
  limit = span - span % n;
  for (;;) {
    uint64_t w = el_wm_next_u32(s);
    if (w < limit) return (uint32_t)(w % n);
  }
}

bool el_wm_distinct(el_wm_stream_t *s, uint32_t k, uint32_t n, uint8_t *seen, uint32_t *out) {
  uint32_t got = 0;
  if (k > n) return false;
  while (got < k) {
    uint32_t v = el_wm_uniform(s, n);
    if (!el_wm_bit(seen, v)) {
      seen[v >> 3] = (uint8_t)(seen[v >> 3] | (1u << (v & 7u)));
      if (out != NULL) out[got] = v;
      got++;
    }
  }
  return true;
}

bool el_wm_stamp_plan(const uint8_t signature[EL_WM_SIGNATURE_SIZE], uint32_t positions, uint32_t sample_size,
                      uint8_t *stamped, uint8_t *negative, uint32_t *order, int8_t *signs) {
  el_wm_stream_t pos_stream, sign_stream;
  uint32_t j;
  if (positions == 0 || positions > sample_size) return false;
  memset(stamped, 0, el_wm_bitmap_bytes(sample_size));
  memset(negative, 0, el_wm_bitmap_bytes(sample_size));
  (void)el_wm_stream_init(&pos_stream, signature, "positions");
  (void)el_wm_stream_init(&sign_stream, signature, "signs");
  /* The two streams are independent, so drawing position j then sign j equals drawing all positions first. */
  for (j = 0; j < positions; j++) {
    uint32_t v;
    do v = el_wm_uniform(&pos_stream, sample_size);
    while (el_wm_bit(stamped, v));
    stamped[v >> 3] = (uint8_t)(stamped[v >> 3] | (1u << (v & 7u)));
    bool minus = el_wm_uniform(&sign_stream, 2) != 1u;
    if (minus) negative[v >> 3] = (uint8_t)(negative[v >> 3] | (1u << (v & 7u)));
    if (order != NULL) order[j] = v;
    if (signs != NULL) signs[j] = (int8_t)(minus ? -1 : 1);
  }
  el_wm_stream_wipe(&pos_stream);
  el_wm_stream_wipe(&sign_stream);
  return true;
}

float el_wm_stamp_value(float x, bool negative, float delta, float lo, float hi) {
  float v = x + (negative ? -delta : delta); /* float32 operands and result: one float32 rounding */
  return v < lo ? lo : v > hi ? hi : v;
}

int32_t el_wm_quantize(float x, float scale, int32_t zero_point, int32_t qmin, int32_t qmax) {
  double v = (double)x / (double)scale;
  double a, t, r;
  if (v != v)
    r = (double)zero_point;
  else {
    a = v < 0 ? -v : v;
    if (a >= 4294967296.0)
      r = v < 0 ? -4294967296.0 : 4294967296.0; /* saturates below */
    else {
      t = (double)(uint64_t)a;    /* exact truncation; a - t is exact */
      if (a - t >= 0.5) t += 1.0; /* half away from zero */
      r = (v < 0 ? -t : t) + (double)zero_point;
    }
  }
  if (r < (double)qmin) return qmin;
  if (r > (double)qmax) return qmax;
  return (int32_t)r;
}

uint32_t el_wm_argmax_i8(const int8_t *v, uint32_t n) {
  uint32_t best = 0, i;
  for (i = 1; i < n; i++)
    if (v[i] > v[best]) best = i;
  return best;
}

uint32_t el_wm_argmax_f32(const float *v, uint32_t n) {
  uint32_t best = 0, i;
  for (i = 1; i < n; i++)
    if (v[i] > v[best]) best = i; /* as the host's argmaxRows */
  return best;
}
