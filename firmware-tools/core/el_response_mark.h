/*
 * Response mark (docs/watermark.md, "Response mark"; after DAWN, Szyller et al. 2021): the board answers a keyed,
 * input-determined fraction of its queries with a keyed wrong class, so that a copy trained on its answers repeats
 * them on those inputs and the owner, who can compute the same decision, recognises it. The rate and the coarsening
 * come from the active package's authenticated responseMark record; the key is derived in the key store from the
 * device key at the first answer decided on after boot, and only its HMAC state (after the key block) is kept, beside
 * the key store's keys (on a TrustZone board all of this runs in the secure image).
 *
 *   mark key   = HKDF-SHA256(ikm = device key, salt = empty, info = "edgelock response mark key v1")
 *   coarse     = the int8 input (n values) cut into g = min(groups, n) runs, run j = elements [j*n/g, (j+1)*n/g);
 *                level_j = floor(sum(x + 128) * levels / (256 * run length))
 *   d          = HMAC-SHA256(mark key, "ELM1" | u32 n | u16 g | u8 levels | level_0 .. level_{g-1})
 *   marked     = u32(d[0..4]) * 1000000 < rate_ppm * 2^32          (u32 little-endian; exactly rate_ppm / 1e6)
 *   scheme 1: keyed class = (arg-max + 1 + u32(d[4..8]) mod (classes - 1)) mod classes
 *   scheme 2: gate: only an answer whose margin (top score - runner-up's score, float32 in the output's units; the
 *             runner-up is the first largest score other than the arg-max's) is below the record's gate is decided
 *             on at all (gate 0: every answer); the keyed class is the (1 + u32(d[4..8]) mod (classes - 2))-th class
 *             counting up cyclically from the arg-max and passing over the runner-up, so it is never the runner-up
 *   answer     = the outputs with the scores of the arg-max and the keyed class swapped; when another class then
 *                ties the keyed class's score, the keyed class is raised one step (int8: +1; float32: one ulp) or,
 *                at int8 127 / float +inf, the tying classes are lowered one step: the keyed class is always the
 *                first arg-max of a marked answer
 * src/response-mark/decision.ts computes the same on the host.
 */
#ifndef EL_RESPONSE_MARK_H
#define EL_RESPONSE_MARK_H
#include <stdbool.h>
#include <stdint.h>
#include "el_protocol.h"

#define EL_MARK_PARAMS_SIZE 16u
#define EL_MARK_KEY_INFO "edgelock response mark key v1"
#define EL_MARK_RATE_ONE 1000000u /* rate_ppm of a mark on every query */
#define EL_MARK_MAX_GROUPS 1024u
#define EL_MARK_MAX_LEVELS 16u

typedef struct {
  uint32_t rate_ppm; /* 1..EL_MARK_RATE_ONE */
  uint16_t groups;   /* 1..EL_MARK_MAX_GROUPS */
  uint8_t levels;    /* 2..EL_MARK_MAX_LEVELS */
  uint8_t scheme;    /* 1 or 2 */
  float gate;        /* scheme 2: finite, >= 0; 0 = no gate */
} el_mark_params_t;  /* read from a package by el_package_parse, which refuses a record with a field out of range
                       (u32 rate ppm | u16 groups | u8 levels | u8 scheme 1 | 8 zero bytes, or
                        u32 rate ppm | u16 groups | u8 levels | u8 scheme 2 | f32 gate | 4 zero bytes) */

void el_mark_init(void);
/* The mark of the package verified in `slot` (NULL: none, or the slot is being overwritten). */
void el_mark_slot_params(uint8_t slot, const el_mark_params_t *params);
/* The active package's mark, or NULL when it carries none (applies to every slot, as the query limits do). */
const el_mark_params_t *el_mark_active(void);

/* A marked answer: the scores (`classes` int8 or float32, elem_size 1 or 4) of `top` and `keyed` swapped, then the
 * keyed class made the first arg-max: when another class ties it, it is raised one step (int8 +1, float32 one ulp)
 * or, at the largest value (127, +inf), the tying classes are lowered one step (126, the largest finite float). */
void el_mark_answer(uint8_t *out, uint32_t classes, uint32_t elem_size, uint32_t top, uint32_t keyed);

/* The mark under an explicit key and parameters (what el_mark_apply does once it has derived the key): scheme 2's
 * gate, the keyed decision and the marked answer. Returns 1 when the answer was marked, 0 when not. */
int el_mark_apply_key(const uint8_t key[32], const el_mark_params_t *p, const int8_t *in, uint32_t n, uint8_t *out,
                      uint32_t classes, uint32_t elem_size);

/* Applies the active package's mark to one answer: `out` holds `classes` int8 (elem_size 1) or float32 (4) scores,
 * the model's answer to the int8 input `in`. Returns 1 when the answer was marked, 0 when not, and the key store's
 * status (EL_ST_ERR_KEY_EMPTY ...) negated when the key cannot be derived. */
int el_mark_apply(const int8_t *in, uint32_t n, uint8_t *out, uint32_t classes, uint32_t elem_size);
#endif
