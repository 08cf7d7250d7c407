#include "el_score_offsets.h"
#include "el_bytes.h"
#include "el_hmac.h"
#include "el_keystore.h"
#include "el_slots.h"
#include <string.h>

/* The host reproduces these doubles bit for bit (src/score-offsets/): no multiply-add may be fused. */
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

static el_offsets_params_t g_params[EL_MODEL_SLOTS];
static bool g_has[EL_MODEL_SLOTS];
/* The score key's HMAC state after the key block, prepared once per boot (the key store is write-once); key material,
 * kept where the key store's keys are. */
static el_hmac_t g_score_state;
static bool g_score_ready;
static double g_offsets[EL_OFFSETS_MAX_CLASSES];

void el_offsets_init(void) {
  memset(g_params, 0, sizeof g_params);
  memset(g_has, 0, sizeof g_has);
  el_wipe(&g_score_state, sizeof g_score_state);
  g_score_ready = false;
}

void el_offsets_slot_record(uint8_t slot, const uint8_t *value, uint32_t len) {
  if (slot >= EL_MODEL_SLOTS) return;
  g_has[slot] = value != NULL && el_offsets_parse(value, len, &g_params[slot]);
}

const el_offsets_params_t *el_offsets_active(void) {
  uint8_t active = el_slots_active();
  return active < EL_MODEL_SLOTS && g_has[active] ? &g_params[active] : NULL;
}

/* (2i + 1 - G)^a, |.| <= 15^3 */
static int32_t power(uint32_t i, uint32_t g, uint32_t a) {
  int32_t base = (int32_t)(2u * i + 1u) - (int32_t)g, r = 1;
  for (uint32_t e = 0; e < a; e++) r *= base;
  return r;
}

/* The m clamped whitened features of the input (el_score_offsets.h). */
static void features(const el_offsets_params_t *p, const int8_t *in, double *u) {
  uint32_t s[EL_OFFSETS_MAX_GRID * EL_OFFSETS_MAX_GRID];
  double c[EL_OFFSETS_MAX_FEATURES];
  uint32_t g = p->grid, k = p->degrees, m = k * k, ch = p->channels;
  memset(s, 0, sizeof s);
  for (uint32_t y = 0; y < p->height; y++) {
    uint32_t row = y * g / p->height * g;
    for (uint32_t x = 0; x < p->width; x++) {
      const int8_t *v = in + ((uint32_t)y * p->width + x) * ch;
      uint32_t sum = 0;
      for (uint32_t i = 0; i < ch; i++) sum += (uint32_t)((int32_t)v[i] + 128);
      s[row + x * g / p->width] += sum;
    }
  }
  for (uint32_t a = 0; a < k; a++)
    for (uint32_t b = 0; b < k; b++) {
      int64_t sum = 0;
      for (uint32_t cy = 0; cy < g; cy++)
        for (uint32_t cx = 0; cx < g; cx++)
          sum += (int64_t)(power(cy, g, a) * power(cx, g, b)) * (int64_t)s[cy * g + cx];
      c[a * k + b] = (double)sum;
    }
  for (uint32_t j = 0; j < m; j++) {
    double v = 0.0;
    for (uint32_t i = 0; i < m; i++) v += (double)p->whiten[j * m + i] * (c[i] - (double)p->mean[i]);
    u[j] = v > (double)p->clip ? (double)p->clip : v < -(double)p->clip ? -(double)p->clip : v;
  }
}

static int apply_prepared(const el_hmac_t *prepared, const el_offsets_params_t *p, const int8_t *in, uint32_t n,
                          uint8_t *out, uint32_t classes, uint32_t elem_size) {
  double u[EL_OFFSETS_MAX_FEATURES], total = 0.0, mean;
  uint8_t head[11], d[32] = {0};
  uint32_t m = (uint32_t)p->degrees * p->degrees;
  if ((uint32_t)p->height * p->width * p->channels != n || classes < 2u || classes > EL_OFFSETS_MAX_CLASSES ||
      (elem_size != 1u && elem_size != 4u))
    return -(int)EL_ST_ERR_BAD_ARGUMENT;
  features(p, in, u);
  for (uint32_t c = 0; c < classes; c++) g_offsets[c] = 0.0;
  memcpy(head, "ELS1", 4);
  head[4] = (uint8_t)m;
  el_put_u16(head + 5, (uint16_t)classes);
  for (uint32_t t = 0; t < m * classes; t++) {
    if (t % 256u == 0u) {
      el_hmac_t h = *prepared;
      el_put_u32(head + 7, t / 256u);
      el_hmac_update(&h, head, sizeof head);
      el_hmac_final(&h, d);
      el_wipe(&h, sizeof h);
    }
    uint32_t j = t / classes, c = t % classes;
    if ((d[(t % 256u) >> 3] >> (t & 7u)) & 1u)
      g_offsets[c] -= u[j];
    else
      g_offsets[c] += u[j];
  }
  el_wipe(d, sizeof d);
  for (uint32_t c = 0; c < classes; c++) {
    g_offsets[c] = g_offsets[c] * (double)p->delta / (double)p->degrees;
    total += g_offsets[c];
  }
  mean = total / (double)classes;
  for (uint32_t c = 0; c < classes; c++) {
    double o = g_offsets[c] - mean;
    if (elem_size == 1u) {
      double r = o + 0.5;
      int32_t t, v;
      if (r > 256.0) r = 256.0;
      if (r < -256.0) r = -256.0;
      t = (int32_t)r;
      if ((double)t > r) t -= 1; /* floor */
      v = (int32_t)((int8_t *)out)[c] + t;
      ((int8_t *)out)[c] = (int8_t)(v > 127 ? 127 : v < -128 ? -128 : v);
    } else {
      float f;
      memcpy(&f, out + 4u * c, 4);
      f = (float)((double)f + o);
      memcpy(out + 4u * c, &f, 4);
    }
  }
  return 1;
}

int el_offsets_apply_key(const uint8_t key[32], const el_offsets_params_t *p, const int8_t *in, uint32_t n,
                         uint8_t *out, uint32_t classes, uint32_t elem_size) {
  el_hmac_t prepared;
  int r;
  el_hmac_init(&prepared, key, 32);
  r = apply_prepared(&prepared, p, in, n, out, classes, elem_size);
  el_wipe(&prepared, sizeof prepared);
  return r;
}

int el_offsets_apply(const int8_t *in, uint32_t n, uint8_t *out, uint32_t classes, uint32_t elem_size) {
  const el_offsets_params_t *p = el_offsets_active();
  if (p == NULL) return 0;
  if (!g_score_ready) {
    uint8_t st = el_keystore_hmac_state(EL_OFFSETS_KEY_INFO, &g_score_state);
    if (st != EL_ST_OK) return -(int)st;
    g_score_ready = true;
  }
  return apply_prepared(&g_score_state, p, in, n, out, classes, elem_size);
}
