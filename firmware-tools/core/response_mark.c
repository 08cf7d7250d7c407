#include "el_response_mark.h"
#include "el_bytes.h"
#include "el_hmac.h"
#include "el_keystore.h"
#include "el_slots.h"
#include "el_watermark.h"
#include <string.h>

static el_mark_params_t g_params[EL_MODEL_SLOTS];
static bool g_has[EL_MODEL_SLOTS];

void el_mark_init(void) {
  memset(g_params, 0, sizeof g_params);
  memset(g_has, 0, sizeof g_has);
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

bool el_mark_decide(const uint8_t key[32], const el_mark_params_t *p, const int8_t *in, uint32_t n, uint32_t classes,
                    uint32_t argmax, uint32_t *keyed_class) {
  el_hmac_t h;
  uint8_t head[11], d[32];
  uint32_t g = p->groups < n ? p->groups : n;
  if (n == 0u || classes < 2u) return false;
  memcpy(head, "ELM1", 4);
  el_put_u32(head + 4, n);
  el_put_u16(head + 8, (uint16_t)g);
  head[10] = p->levels;
  el_hmac_init(&h, key, 32);
  el_hmac_update(&h, head, sizeof head);
  for (uint32_t j = 0; j < g; j++) {
    uint32_t from = (uint32_t)((uint64_t)j * n / g), to = (uint32_t)((uint64_t)(j + 1u) * n / g);
    uint64_t sum = 0;
    uint8_t level;
    for (uint32_t i = from; i < to; i++) sum += (uint64_t)((int32_t)in[i] + 128);
    level = (uint8_t)(sum * p->levels / (256u * (uint64_t)(to - from)));
    el_hmac_update(&h, &level, 1);
  }
  el_hmac_final(&h, d);
  el_wipe(&h, sizeof h);
  if ((uint64_t)el_get_u32(d) * EL_MARK_RATE_ONE >= ((uint64_t)p->rate_ppm << 32)) return false;
  *keyed_class = (argmax + 1u + el_get_u32(d + 4) % (classes - 1u)) % classes;
  return true;
}

int el_mark_apply(const int8_t *in, uint32_t n, uint8_t *out, uint32_t classes, uint32_t elem_size) {
  const el_mark_params_t *p = el_mark_active();
  uint8_t key[32], tmp[4];
  uint32_t top, keyed;
  bool marked;
  if (p == NULL || classes < 2u || (elem_size != 1u && elem_size != 4u)) return 0;
  if (elem_size == 1u) {
    top = el_wm_argmax_i8((const int8_t *)out, classes);
  } else {
    float v, best; /* the first largest, compared with > as el_wm_argmax_f32 (any alignment) */
    top = 0;
    memcpy(&best, out, 4);
    for (uint32_t i = 1; i < classes; i++) {
      memcpy(&v, out + 4u * i, 4);
      if (v > best) {
        best = v;
        top = i;
      }
    }
  }
  uint8_t st = el_keystore_hkdf(0, NULL, 0, EL_MARK_KEY_INFO, key);
  if (st != EL_ST_OK) return -(int)st;
  marked = el_mark_decide(key, p, in, n, classes, top, &keyed);
  el_wipe(key, sizeof key);
  if (!marked) return 0;
  memcpy(tmp, out + elem_size * top, elem_size);
  memmove(out + elem_size * top, out + elem_size * keyed, elem_size);
  memcpy(out + elem_size * keyed, tmp, elem_size);
  return 1;
}
