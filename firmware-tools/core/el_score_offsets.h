/*
 * Score offsets (docs/watermark.md, "Score offsets"): every answer's scores get a small keyed function of the input, a
 * signal a copy trained on the answers' scores learns with the rest, even when its trainer shifts the images. The
 * parameters come from the active package's authenticated scoreOffsets record (src/package/score-offsets.ts); the key
 * is derived in the key store from the device key at the first answer after boot, and only its HMAC state (after the
 * key block) is kept, beside the key store's keys (on a TrustZone board all of this runs in the secure image).
 *
 *   score key  = HKDF-SHA256(ikm = device key, salt = empty, info = "edgelock score offsets key v1")
 *   cells      the int8 input (H × W × C, channels last) pooled into G × G cells: row y in cell y·G/H, column x in
 *              x·G/W (integer division); s[cy][cx] = Σ (value + 128) over the cell
 *   moments    c[a·K + b] = Σ_cy Σ_cx (2cy + 1 − G)^a (2cx + 1 − G)^b s[cy][cx], a, b < K (int64, exact)
 *   features   u_j = clamp(Σ_k whiten[j][k] (c_k − mean_k), ±clip)   (float32, c_k rounded from int64, k ascending
 *              from 0.0; a NaN sum, from overflowed products, reads 0)
 *   signs      block b = HMAC-SHA256(score key, "ELS1" | u8 m | u16 classes | u32 b); S[j][c] = −1 when bit
 *              t = j·classes + c of the blocks is set (bit t%8 of byte t/8), else +1 (derived once per boot for the
 *              answers' m and classes, kept beside the HMAC state)
 *   offsets    o_c = (Σ_j S[j][c] u_j) · delta / K, then minus their mean over the classes     (float32, on the FPU)
 *   answer     int8: score + floor(o_c + 0.5) (clamped to ±256), saturated to −128..127; float32: score + o_c
 *
 * Applied before the response mark, which then decides on the offset answer. src/score-offsets/ computes the same on
 * the host, bit for bit (no fused multiply-add here: see the pragma in score_offsets.c).
 */
#ifndef EL_SCORE_OFFSETS_H
#define EL_SCORE_OFFSETS_H
#include <stdbool.h>
#include <stdint.h>
#include "el_protocol.h"

#define EL_OFFSETS_KEY_INFO "edgelock score offsets key v1"
#define EL_OFFSETS_SCHEME 1u
#define EL_OFFSETS_MIN_DEGREES 2u
#define EL_OFFSETS_MAX_DEGREES 4u
#define EL_OFFSETS_MAX_FEATURES (EL_OFFSETS_MAX_DEGREES * EL_OFFSETS_MAX_DEGREES)
#define EL_OFFSETS_MAX_GRID 16u
#define EL_OFFSETS_MAX_VALUES (1u << 20)
#define EL_OFFSETS_MAX_CLASSES 256u
#define EL_OFFSETS_MAX_CLIP 64.0f
#define EL_OFFSETS_MAX_DELTA 1048576.0f /* 2^20 */
#define EL_OFFSETS_HEADER_SIZE 20u
#define EL_OFFSETS_SIZE(k) (EL_OFFSETS_HEADER_SIZE + 4u * (k) * (k) + 4u * (k) * (k) * (k) * (k))
#define EL_OFFSETS_MIN_SIZE EL_OFFSETS_SIZE(EL_OFFSETS_MIN_DEGREES)
#define EL_OFFSETS_MAX_SIZE EL_OFFSETS_SIZE(EL_OFFSETS_MAX_DEGREES)

typedef struct {
  uint8_t degrees; /* K: m = K * K features */
  uint8_t grid;    /* G */
  uint16_t height, width, channels;
  float delta, clip;
  float mean[EL_OFFSETS_MAX_FEATURES];
  float whiten[EL_OFFSETS_MAX_FEATURES * EL_OFFSETS_MAX_FEATURES];
} el_offsets_params_t;

/* A scoreOffsets record value (u8 scheme 1 | u8 K 2..4 | u8 G 1..16 | u8 0 | u16 H | u16 W | u16 C | u16 0 |
 * f32 delta | f32 clip | f32 mean[m] | f32 whiten[m][m]): false when its length or a field is out of range (G <= H,
 * G <= W, H·W·C <= EL_OFFSETS_MAX_VALUES, 0 < delta <= 2^20, 0 < clip <= 64, every mean and weight finite). `out` may be NULL
 * (check only). */
bool el_offsets_parse(const uint8_t *v, uint32_t len, el_offsets_params_t *out);

void el_offsets_init(void);
/* The offsets of the package verified in `slot`, as its record value (NULL: none, or the slot is being overwritten);
 * the value was checked by el_offsets_parse. */
void el_offsets_slot_record(uint8_t slot, const uint8_t *value, uint32_t len);
/* The active package's offsets, or NULL when it carries none. */
const el_offsets_params_t *el_offsets_active(void);

/* The offsets under an explicit key and parameters (what el_offsets_apply does once it has derived the key). Returns
 * 1 when applied, -EL_ST_ERR_BAD_ARGUMENT when the input is not H·W·C values, the classes are fewer than 2 or more
 * than EL_OFFSETS_MAX_CLASSES, or elem_size is not 1 or 4. */
int el_offsets_apply_key(const uint8_t key[32], const el_offsets_params_t *p, const int8_t *in, uint32_t n,
                         uint8_t *out, uint32_t classes, uint32_t elem_size);

/* Adds the active package's offsets to one answer: `out` holds `classes` int8 (elem_size 1) or float32 (4) scores,
 * the model's answer to the int8 input `in`. Returns 0 when the active package has none, 1 when applied, and a
 * status negated: EL_ST_ERR_BAD_ARGUMENT when the answer does not fit the record (the board then answers nothing),
 * the key store's (EL_ST_ERR_KEY_EMPTY ...) when the key cannot be derived. */
int el_offsets_apply(const int8_t *in, uint32_t n, uint8_t *out, uint32_t classes, uint32_t elem_size);
#endif
