#include "el_response_mark.h"
#include "el_bytes.h"
#include "el_hmac.h"
#include "el_keystore.h"
#include "el_slots.h"
#include "el_watermark.h"
#include <string.h>

static el_mark_params_t g_params[EL_MODEL_SLOTS];
static bool g_has[EL_MODEL_SLOTS];
/* The mark key's HMAC state after the key block (el_hmac_init), prepared once per boot from the key store: the key
 * store is write-once, so it never goes stale. It is key material and stays where the key store's keys are (the secure
 * image on a TrustZone board); deriving the key and hashing its block cost about 9 of the 14 SHA-256 blocks a decision
 * took (docs/performance.md, "Response mark per RUN"). */
static el_hmac_t g_mark_state;
static bool g_mark_ready;

void el_mark_init(void) {
  memset(g_params, 0, sizeof g_params);
  memset(g_has, 0, sizeof g_has);
  el_wipe(&g_mark_state, sizeof g_mark_state);
  g_mark_ready = false;
}

void el_mark_slot_params(uint8_t slot, const el_mark_params_t *params) {
  if (slot >= EL_MODEL_SLOTS) return;
  g_has[slot] = params != NULL;
  if (params) g_params[slot] = *params;
}

const el_mark_params_t *el_mark_active(void) {
  uint8_t active = el_slots_active();
  return active < EL_MODEL_SLOTS && g_has[active] ? &g_params[active] : NULL;
}

/* Element bound below which the coarsening's sums, products and run bounds fit 32 bits (levels <= 16, groups <= 1024):
 * (j + 1) * n < 2^32 and sum * levels <= 255 * n * 16 < 2^32. Larger inputs take the 64-bit path; both are exact. */
#define MARK_N32 0x3FFFFFu

/* The keyed decision for an int8 input under a prepared mark key: true when marked, with the keyed class for `argmax`
 * (scheme 2: never `runner_up`). The gate is the caller's. */
static bool decide_prepared(const el_hmac_t *prepared, const el_mark_params_t *p, const int8_t *in, uint32_t n,
                            uint32_t classes, uint32_t argmax, uint32_t runner_up, uint32_t *keyed_class) {
  el_hmac_t h;
  uint8_t head[11], d[32], buf[64];
  uint32_t g = p->groups < n ? p->groups : n, used = 0, from = 0;
  bool skip = p->scheme == 2u;
  uint32_t choices = skip ? classes - 2u : classes - 1u;
  if (n == 0u || classes < (skip ? 3u : 2u) || argmax >= classes ||
      (skip && (runner_up >= classes || runner_up == argmax)))
    return false;
  memcpy(head, "ELM1", 4);
  el_put_u32(head + 4, n);
  el_put_u16(head + 8, (uint16_t)g);
  head[10] = p->levels;
  h = *prepared;
  el_hmac_update(&h, head, sizeof head);
  for (uint32_t j = 0; j < g; j++) {
    uint32_t to = n <= MARK_N32 ? (j + 1u) * n / g : (uint32_t)((uint64_t)(j + 1u) * n / g);
    if (n <= MARK_N32) {
      uint32_t sum = 0;
      for (uint32_t i = from; i < to; i++) sum += (uint32_t)((int32_t)in[i] + 128);
      buf[used++] = (uint8_t)(sum * p->levels / (256u * (to - from)));
    } else {
      uint64_t sum = 0;
      for (uint32_t i = from; i < to; i++) sum += (uint64_t)((int32_t)in[i] + 128);
      buf[used++] = (uint8_t)(sum * p->levels / (256u * (uint64_t)(to - from)));
    }
    from = to;
    if (used == sizeof buf || j + 1u == g) {
      el_hmac_update(&h, buf, used);
      used = 0;
    }
  }
  el_hmac_final(&h, d);
  el_wipe(&h, sizeof h);
  el_wipe(buf, sizeof buf);
  if ((uint64_t)el_get_u32(d) * EL_MARK_RATE_ONE >= ((uint64_t)p->rate_ppm << 32)) return false;
  uint32_t offset = 1u + el_get_u32(d + 4) % choices, c = argmax;
  for (uint32_t s = 0; s < offset;) {
    c = c + 1u == classes ? 0u : c + 1u;
    if (!skip || c != runner_up) s++;
  }
  *keyed_class = c;
  return true;
}

/* The next float above v: one ulp for normal values; the smallest normal above zero and subnormals (so the step holds
 * with flush-to-zero); the lowest finite value above -inf; +inf and NaN stay. */
static float f32_step_up(float v) {
  uint32_t bits;
  if (v > -1.17549435e-38f && v < 1.17549435e-38f) return 1.17549435e-38f;
  if (v < -3.40282347e38f) return -3.40282347e38f;
  memcpy(&bits, &v, 4);
  if ((bits & 0x7f800000u) == 0x7f800000u) return v;
  bits = (bits & 0x80000000u) ? bits - 1u : bits + 1u;
  memcpy(&v, &bits, 4);
  return v;
}

void el_mark_answer(uint8_t *out, uint32_t classes, uint32_t elem_size, uint32_t top, uint32_t keyed) {
  uint8_t tmp[4];
  bool tie = false;
  if (classes < 2u || top >= classes || keyed >= classes || (elem_size != 1u && elem_size != 4u)) return;
  memcpy(tmp, out + elem_size * top, elem_size);
  memmove(out + elem_size * top, out + elem_size * keyed, elem_size);
  memcpy(out + elem_size * keyed, tmp, elem_size);
  if (elem_size == 1u) {
    int8_t *v = (int8_t *)out;
    for (uint32_t i = 0; i < classes; i++) tie = tie || (i != keyed && v[i] == v[keyed]);
    if (!tie) return;
    if (v[keyed] < 127) {
      v[keyed]++;
    } else {
      for (uint32_t i = 0; i < classes; i++)
        if (i != keyed && v[i] == 127) v[i] = 126;
    }
  } else {
    float k, v, up;
    memcpy(&k, out + 4u * keyed, 4);
    for (uint32_t i = 0; i < classes; i++) {
      memcpy(&v, out + 4u * i, 4);
      tie = tie || (i != keyed && v == k);
    }
    if (!tie) return;
    up = f32_step_up(k);
    if (up > k) {
      memcpy(out + 4u * keyed, &up, 4);
    } else { /* +inf: lower the ties to the largest finite value */
      const float largest = 3.40282347e38f;
      for (uint32_t i = 0; i < classes; i++) {
        memcpy(&v, out + 4u * i, 4);
        if (i != keyed && v == k) memcpy(out + 4u * i, &largest, 4);
      }
    }
  }
}

/* Score i of an answer as float (int8 exactly; float32 read at any alignment). */
static float score_at(const uint8_t *out, uint32_t elem_size, uint32_t i) {
  float v;
  if (elem_size == 1u) return (float)((const int8_t *)out)[i];
  memcpy(&v, out + 4u * i, 4);
  return v;
}

/* The first largest score among the classes other than `skip` (UINT32_MAX: none), compared with > as
 * el_wm_argmax_f32. */
static uint32_t first_max(const uint8_t *out, uint32_t classes, uint32_t elem_size, uint32_t skip) {
  uint32_t best = UINT32_MAX;
  for (uint32_t i = 0; i < classes; i++)
    if (i != skip && (best == UINT32_MAX || score_at(out, elem_size, i) > score_at(out, elem_size, best))) best = i;
  return best;
}

/* Scheme 2's gate on an answer: open when there is no gate or the top-two margin (float32) is below it; `top` and
 * `second` are the answer's first largest score and runner-up. */
static bool gate_open(const el_mark_params_t *p, const uint8_t *out, uint32_t classes, uint32_t elem_size,
                      uint32_t *top, uint32_t *second) {
  *top = first_max(out, classes, elem_size, UINT32_MAX);
  *second = first_max(out, classes, elem_size, *top);
  if (p->scheme != 2u || !(p->gate > 0.0f)) return true;
  float margin = score_at(out, elem_size, *top) - score_at(out, elem_size, *second);
  return margin < p->gate; /* a confident answer is never marked (NaN included) */
}

static int apply_prepared(const el_hmac_t *prepared, const el_mark_params_t *p, const int8_t *in, uint32_t n,
                          uint8_t *out, uint32_t classes, uint32_t elem_size) {
  uint32_t top, second, keyed;
  if (classes < 2u || (elem_size != 1u && elem_size != 4u)) return 0;
  if (!gate_open(p, out, classes, elem_size, &top, &second)) return 0;
  if (!decide_prepared(prepared, p, in, n, classes, top, second, &keyed)) return 0;
  el_mark_answer(out, classes, elem_size, top, keyed);
  return 1;
}

int el_mark_apply_key(const uint8_t key[32], const el_mark_params_t *p, const int8_t *in, uint32_t n, uint8_t *out,
                      uint32_t classes, uint32_t elem_size) {
  el_hmac_t prepared;
  int marked;
  el_hmac_init(&prepared, key, 32);
  marked = apply_prepared(&prepared, p, in, n, out, classes, elem_size);
  el_wipe(&prepared, sizeof prepared);
  return marked;
}

int el_mark_apply(const int8_t *in, uint32_t n, uint8_t *out, uint32_t classes, uint32_t elem_size) {
  const el_mark_params_t *p = el_mark_active();
  uint32_t top, second;
  if (p == NULL || classes < 2u || (elem_size != 1u && elem_size != 4u)) return 0;
  if (!gate_open(p, out, classes, elem_size, &top, &second)) return 0; /* no key derivation for a closed answer */
  if (!g_mark_ready) {
    uint8_t st = el_keystore_hmac_state(EL_MARK_KEY_INFO, &g_mark_state);
    if (st != EL_ST_OK) return -(int)st;
    g_mark_ready = true;
  }
  return apply_prepared(&g_mark_state, p, in, n, out, classes, elem_size);
}
