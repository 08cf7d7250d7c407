#include "el_score_offsets.h"
#include "el_bytes.h"
#include "el_hmac.h"
#include "el_keystore.h"
#include "el_slots.h"
#include <string.h>

/* The host reproduces these float32 operations bit for bit (src/score-offsets/): no multiply-add may be fused. */
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
/* The signs for the last (m, classes) answered, derived once per boot from the state above: key material too. */
#define SIGN_BYTES (EL_OFFSETS_MAX_FEATURES * EL_OFFSETS_MAX_CLASSES / 8u)
static uint8_t g_sign_bits[SIGN_BYTES];
static uint32_t g_sign_m, g_sign_classes;
static float g_offsets[EL_OFFSETS_MAX_CLASSES];

void el_offsets_init(void) {
  memset(g_params, 0, sizeof g_params);
  memset(g_has, 0, sizeof g_has);
  el_wipe(&g_score_state, sizeof g_score_state);
  g_score_ready = false;
  el_wipe(g_sign_bits, sizeof g_sign_bits);
  g_sign_m = g_sign_classes = 0;
}

void el_offsets_slot_record(uint8_t slot, const uint8_t *value, uint32_t len) {
  if (slot >= EL_MODEL_SLOTS) return;
  g_has[slot] = value != NULL && el_offsets_parse(value, len, &g_params[slot]);
}

const el_offsets_params_t *el_offsets_active(void) {
  uint8_t active = el_slots_active();
  return active < EL_MODEL_SLOTS && g_has[active] ? &g_params[active] : NULL;
}

/* The m clamped whitened features of the input (el_score_offsets.h). */
static void features(const el_offsets_params_t *p, const int8_t *in, float *u) {
  uint32_t s[EL_OFFSETS_MAX_GRID * EL_OFFSETS_MAX_GRID];
  float c[EL_OFFSETS_MAX_FEATURES];
  int32_t pw[EL_OFFSETS_MAX_DEGREES][EL_OFFSETS_MAX_GRID]; /* (2i + 1 - G)^a, |.| <= 15^3 */
  uint32_t g = p->grid, k = p->degrees, m = k * k, ch = p->channels;
  memset(s, 0, sizeof s);
  for (uint32_t i = 0; i < g; i++) {
    pw[0][i] = 1;
    for (uint32_t a = 1; a < k; a++) pw[a][i] = pw[a - 1][i] * ((int32_t)(2u * i + 1u) - (int32_t)g);
  }
  for (uint32_t y = 0; y < p->height; y++) {
    uint32_t row = y * g / p->height * g, cx = 0, next = p->width;
    const int8_t *v = in + (uint32_t)y * p->width * ch;
    /* column x is in cell x·G/W: cx steps up where x·G reaches the next multiple of W (no division per pixel) */
    for (uint32_t x = 0, xg = 0; x < p->width; x++, xg += g, v += ch) {
      uint32_t sum = 0;
      while (xg >= next) {
        cx++;
        next += p->width;
      }
      for (uint32_t i = 0; i < ch; i++) sum += (uint32_t)((int32_t)v[i] + 128);
      s[row + cx] += sum;
    }
  }
  for (uint32_t a = 0; a < k; a++)
    for (uint32_t b = 0; b < k; b++) {
      int64_t sum = 0;
      for (uint32_t cy = 0; cy < g; cy++) {
        const uint32_t *cells = s + cy * g;
        int32_t py = pw[a][cy];
        /* |py · pw| <= 15^6 < 2^31, each cell sum < 2^28: one 32 x 32 -> 64 multiply-accumulate */
        for (uint32_t cx = 0; cx < g; cx++) sum += (int64_t)(py * pw[b][cx]) * (int32_t)cells[cx];
      }
      c[a * k + b] = (float)sum;
    }
  for (uint32_t j = 0; j < m; j++) {
    float v = 0.0f;
    for (uint32_t i = 0; i < m; i++) v += p->whiten[j * m + i] * (c[i] - p->mean[i]);
    /* a sum of overflowed products (inf - inf) reads 0 */
    u[j] = v != v ? 0.0f : v > p->clip ? p->clip : v < -p->clip ? -p->clip : v;
  }
}

/* The m x classes sign bits (bit t = j * classes + c set: S[j][c] = -1) from the score key's prepared state. */
static void sign_bits(const el_hmac_t *prepared, uint32_t m, uint32_t classes, uint8_t *bits) {
  uint8_t head[11], d[32];
  uint32_t bytes = (m * classes + 7u) / 8u;
  memcpy(head, "ELS1", 4);
  head[4] = (uint8_t)m;
  el_put_u16(head + 5, (uint16_t)classes);
  for (uint32_t b = 0; b * 32u < bytes; b++) {
    el_hmac_t h = *prepared;
    uint32_t n = bytes - b * 32u < 32u ? bytes - b * 32u : 32u;
    el_put_u32(head + 7, b);
    el_hmac_update(&h, head, sizeof head);
    el_hmac_final(&h, d);
    el_wipe(&h, sizeof h);
    memcpy(bits + b * 32u, d, n);
  }
  el_wipe(d, sizeof d);
}

static bool fits(const el_offsets_params_t *p, uint32_t n, uint32_t classes, uint32_t elem_size) {
  return (uint32_t)p->height * p->width * p->channels == n && classes >= 2u && classes <= EL_OFFSETS_MAX_CLASSES &&
         (elem_size == 1u || elem_size == 4u);
}

/* The record's bounds (clip <= 64, delta <= 2^20) keep every sum finite: no NaN reaches an answer. */
static void apply_signs(const uint8_t *bits, const el_offsets_params_t *p, const int8_t *in, uint8_t *out,
                        uint32_t classes, uint32_t elem_size) {
  float u[EL_OFFSETS_MAX_FEATURES], total = 0.0f, mean;
  uint32_t m = (uint32_t)p->degrees * p->degrees;
  features(p, in, u);
  for (uint32_t c = 0; c < classes; c++) g_offsets[c] = 0.0f;
  for (uint32_t t = 0; t < m * classes; t++) {
    uint32_t j = t / classes, c = t % classes;
    if ((bits[t >> 3] >> (t & 7u)) & 1u)
      g_offsets[c] -= u[j];
    else
      g_offsets[c] += u[j];
  }
  for (uint32_t c = 0; c < classes; c++) {
    g_offsets[c] = g_offsets[c] * p->delta / (float)p->degrees;
    total += g_offsets[c];
  }
  mean = total / (float)classes;
  for (uint32_t c = 0; c < classes; c++) {
    float o = g_offsets[c] - mean;
    if (elem_size == 1u) {
      float r = o + 0.5f;
      int32_t t, v;
      if (r > 256.0f) r = 256.0f;
      if (r < -256.0f) r = -256.0f;
      t = (int32_t)r;
      if ((float)t > r) t -= 1; /* floor */
      v = (int32_t)((int8_t *)out)[c] + t;
      ((int8_t *)out)[c] = (int8_t)(v > 127 ? 127 : v < -128 ? -128 : v);
    } else {
      float f;
      memcpy(&f, out + 4u * c, 4);
      f = f + o;
      memcpy(out + 4u * c, &f, 4);
    }
  }
}

int el_offsets_apply_key(const uint8_t key[32], const el_offsets_params_t *p, const int8_t *in, uint32_t n,
                         uint8_t *out, uint32_t classes, uint32_t elem_size) {
  el_hmac_t prepared;
  uint8_t bits[SIGN_BYTES];
  if (!fits(p, n, classes, elem_size)) return -(int)EL_ST_ERR_BAD_ARGUMENT;
  el_hmac_init(&prepared, key, 32);
  sign_bits(&prepared, (uint32_t)p->degrees * p->degrees, classes, bits);
  el_wipe(&prepared, sizeof prepared);
  apply_signs(bits, p, in, out, classes, elem_size);
  el_wipe(bits, sizeof bits);
  return 1;
}

int el_offsets_apply(const int8_t *in, uint32_t n, uint8_t *out, uint32_t classes, uint32_t elem_size) {
  const el_offsets_params_t *p = el_offsets_active();
  uint32_t m;
  if (p == NULL) return 0;
  if (!fits(p, n, classes, elem_size)) return -(int)EL_ST_ERR_BAD_ARGUMENT;
  if (!g_score_ready) {
    uint8_t st = el_keystore_hmac_state(EL_OFFSETS_KEY_INFO, &g_score_state);
    if (st != EL_ST_OK) return -(int)st;
    g_score_ready = true;
  }
  m = (uint32_t)p->degrees * p->degrees;
  if (g_sign_m != m || g_sign_classes != classes) {
    sign_bits(&g_score_state, m, classes, g_sign_bits);
    g_sign_m = m;
    g_sign_classes = classes;
  }
  apply_signs(g_sign_bits, p, in, out, classes, elem_size);
  return 1;
}
