/*
 * Watermark trigger regeneration on the device (scheme edgelock-wm1, docs/watermark.md; the TypeScript twin is
 * src/watermark/drbg.ts and src/watermark/triggers.ts). Pure functions: no I/O, no globals.
 *
 *   DRBG:   block(i) = SHA-256(signature[32] || "edgelock-wm1/" || tag || uint32_be(i)), i = 0, 1, ...
 *           read as consecutive big-endian uint32 words (8 per block)
 *   uniform(n), 1 <= n <= 2^32: limit = 2^32 - (2^32 mod n); draw words until w < limit; return w mod n
 *   distinct(k, n): draw uniform(n), keep values not drawn before (a bitmap of n bits), k values in draw order
 *   stamp:  positions = distinct(P, sample size) on stream "positions";
 *           sign[j] = +1 if uniform(2) = 1 on stream "signs" else -1, for positions[j];
 *           x[positions[j]] = min(max(float32(x + sign[j] * delta), lo), hi)
 *   feed:   int8 input q = saturate(round_half_away(x / scale) + zero_point), the division in double precision
 *           (as src/tflite/affine.ts, which feeds the official TFLite runtime on the host)
 */
#ifndef EL_WATERMARK_H
#define EL_WATERMARK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EL_WM_SIGNATURE_SIZE 32u
#define EL_WM_TAG_PREFIX "edgelock-wm1/"
#define EL_WM_TAG_MAX 32u /* longest tag (without the prefix) */

/* One DRBG stream. Holds the signature: wipe it with el_wm_stream_wipe when done. */
typedef struct {
  uint8_t seed[EL_WM_SIGNATURE_SIZE];
  char tag[sizeof EL_WM_TAG_PREFIX + EL_WM_TAG_MAX];
  size_t tag_len;
  uint32_t counter;
  uint8_t block[32];
  uint32_t pos; /* next byte of `block`; 32 = exhausted */
} el_wm_stream_t;

/* false when the tag is longer than EL_WM_TAG_MAX. */
bool el_wm_stream_init(el_wm_stream_t *s, const uint8_t signature[EL_WM_SIGNATURE_SIZE], const char *tag);
void el_wm_stream_wipe(el_wm_stream_t *s);
uint32_t el_wm_next_u32(el_wm_stream_t *s);
/* Uniform value in [0, n) for 1 <= n <= 2^32 (n is 64-bit so that 2^32 can be asked for). */
uint32_t el_wm_uniform(el_wm_stream_t *s, uint64_t n);
/* k distinct values of [0, n) in draw order into out[0..k) (out may be NULL). `seen` is a bitmap of n bits that
 * must be all zero on entry; on return exactly the drawn values are set. false when k > n. */
bool el_wm_distinct(el_wm_stream_t *s, uint32_t k, uint32_t n, uint8_t *seen, uint32_t *out);

/* Bit i of a bitmap. */
static inline bool el_wm_bit(const uint8_t *bits, uint32_t i) { return (bits[i >> 3] >> (i & 7u)) & 1u; }

/* Bytes of a bitmap of n bits. */
static inline size_t el_wm_bitmap_bytes(uint32_t n) { return ((size_t)n + 7u) / 8u; }

/*
 * The stamp of `signature` for samples of `sample_size` values with `positions` stamped values: sets bit i of
 * `stamped` for each stamped value index i and bit i of `negative` when its sign is -1. Both bitmaps have
 * sample_size bits and are cleared here. When `order` is not NULL it receives the positions in draw order and
 * `signs` (if not NULL) their signs (+1/-1), as src/watermark/triggers.ts's plan lists them. The streams holding
 * the signature are wiped before returning. false when positions is 0 or exceeds sample_size.
 */
bool el_wm_stamp_plan(const uint8_t signature[EL_WM_SIGNATURE_SIZE], uint32_t positions, uint32_t sample_size,
                      uint8_t *stamped, uint8_t *negative, uint32_t *order, int8_t *signs);

/* One stamped value: min(max(float32(x + (negative ? -delta : delta)), lo), hi), float32 arithmetic. */
float el_wm_stamp_value(float x, bool negative, float delta, float lo, float hi);

/* Affine quantisation of one value as the host feeds TFLite: round_half_away((double)x / scale) + zero_point,
 * saturated to [qmin, qmax]; NaN gives the zero point (saturated). */
int32_t el_wm_quantize(float x, float scale, int32_t zero_point, int32_t qmin, int32_t qmax);

/* Where value i of a sample in ONNX order [C, H, W] (plane = H * W) goes in a channels-last [H, W, C] input
 * (channels = 1: i itself). */
static inline uint32_t el_wm_channels_last(uint32_t i, uint32_t channels, uint32_t plane) {
  return channels > 1u ? (i % plane) * channels + i / plane : i;
}

/* Index of the first largest of n int8 values (n >= 1). */
uint32_t el_wm_argmax_i8(const int8_t *v, uint32_t n);
/* Index of the first largest of n float32 values (n >= 1; compares with >, as the host's argmaxRows). */
uint32_t el_wm_argmax_f32(const float *v, uint32_t n);

#endif
