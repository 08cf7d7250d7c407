/*
 * Host-side driver for the firmware's watermark core (firmware-tools/core/watermark.c). One command per stdin line,
 * one result line each (hex "-" is empty; float32 values travel as their little-endian bit patterns in hex):
 *   words <sig> <tag> <count>                  first `count` uint32 words of a DRBG stream (hex, comma separated)
 *   uniform <sig> <tag> <n> <count>            `count` draws of uniform(n) (n up to 4294967296)
 *   distinct <sig> <tag> <k> <n>               distinct(k, n)
 *   plan <sig> <P> <n>                         positions;signs of the stamp (draw order)
 *   stamp <sig> <P> <delta> <lo> <hi> <x>      x (n float32 values) stamped: float32 hex
 *   quant <scale> <zp> <x>                     int8 values of x (float32 values) quantised
 *   argmax8 <bytes>                            index of the first largest int8
 *   layout <C> <H*W>                           where each value of a [C, H, W] sample goes channels-last
 * Used by test/firmware/watermark.test.ts, which compares every answer with src/watermark (TypeScript).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "el_watermark.h"

#define MAXV (1u << 20)
static uint8_t A[4 * MAXV], BITS1[MAXV / 8 + 1], BITS2[MAXV / 8 + 1];
static uint32_t U[MAXV];
static int8_t S[MAXV];
static float F[MAXV];

static long unhex(const char *s, uint8_t *out) {
  size_t n;
  if (!s) return -1;
  if (strcmp(s, "-") == 0) return 0;
  n = strlen(s);
  if (n % 2) return -1;
  for (size_t i = 0; i < n / 2; i++) {
    unsigned v;
    if (sscanf(s + 2 * i, "%2x", &v) != 1) return -1;
    out[i] = (uint8_t)v;
  }
  return (long)(n / 2);
}

static float f32_hex(const char *s) {
  uint8_t b[4];
  float f;
  if (unhex(s, b) != 4) return 0.0f;
  memcpy(&f, b, 4); /* little-endian host */
  return f;
}

static long floats(const char *s, float *out) {
  long n = unhex(s, A);
  if (n < 0 || n % 4) return -1;
  memcpy(out, A, (size_t)n);
  return n / 4;
}

static void put_list(const uint32_t *v, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) printf(i ? ",%lu" : "%lu", (unsigned long)v[i]);
}

int main(void) {
  static char line[16 * MAXV];
  uint8_t sig[EL_WM_SIGNATURE_SIZE];
  el_wm_stream_t st;
  while (fgets(line, sizeof line, stdin)) {
    line[strcspn(line, "\r\n")] = 0;
    char *cmd = strtok(line, " ");
    if (!cmd) continue;
    char *a[6];
    for (int i = 0; i < 6; i++) a[i] = strtok(NULL, " ");
    if (strcmp(cmd, "quant") == 0) {
      float scale = f32_hex(a[0]);
      long zp = atol(a[1]), n = floats(a[2], F);
      for (long i = 0; i < n; i++) printf(i ? ",%ld" : "%ld", (long)el_wm_quantize(F[i], scale, (int32_t)zp, -128, 127));
      printf("\n");
      continue;
    }
    if (strcmp(cmd, "layout") == 0) {
      uint32_t c = (uint32_t)atol(a[0]), plane = (uint32_t)atol(a[1]);
      for (uint32_t i = 0; i < c * plane; i++) printf(i ? ",%lu" : "%lu", (unsigned long)el_wm_channels_last(i, c, plane));
      printf("\n");
      continue;
    }
    if (strcmp(cmd, "argmax8") == 0) {
      long n = unhex(a[0], A);
      printf("%lu\n", (unsigned long)el_wm_argmax_i8((const int8_t *)A, (uint32_t)n));
      continue;
    }
    if (unhex(a[0], sig) != EL_WM_SIGNATURE_SIZE) { printf("bad signature\n"); continue; }
    if (strcmp(cmd, "words") == 0) {
      uint32_t n = (uint32_t)atol(a[2]);
      if (!el_wm_stream_init(&st, sig, a[1])) { printf("bad tag\n"); continue; }
      for (uint32_t i = 0; i < n; i++) U[i] = el_wm_next_u32(&st);
      put_list(U, n);
      printf("\n");
    } else if (strcmp(cmd, "uniform") == 0) {
      uint64_t n = strtoull(a[2], NULL, 10);
      uint32_t count = (uint32_t)atol(a[3]);
      (void)el_wm_stream_init(&st, sig, a[1]);
      for (uint32_t i = 0; i < count; i++) U[i] = el_wm_uniform(&st, n);
      put_list(U, count);
      printf("\n");
    } else if (strcmp(cmd, "distinct") == 0) {
      uint32_t k = (uint32_t)atol(a[2]), n = (uint32_t)atol(a[3]);
      (void)el_wm_stream_init(&st, sig, a[1]);
      memset(BITS1, 0, el_wm_bitmap_bytes(n));
      if (!el_wm_distinct(&st, k, n, BITS1, U)) printf("refused\n");
      else { put_list(U, k); printf("\n"); }
    } else if (strcmp(cmd, "plan") == 0) {
      uint32_t p = (uint32_t)atol(a[1]), n = (uint32_t)atol(a[2]);
      if (!el_wm_stamp_plan(sig, p, n, BITS1, BITS2, U, S)) { printf("refused\n"); continue; }
      /* the bitmaps must say the same as the lists */
      uint32_t marked = 0;
      for (uint32_t i = 0; i < n; i++) marked += el_wm_bit(BITS1, i);
      for (uint32_t j = 0; j < p; j++)
        if (!el_wm_bit(BITS1, U[j]) || el_wm_bit(BITS2, U[j]) != (S[j] < 0)) marked = (uint32_t)-1;
      if (marked != p) { printf("bitmap mismatch\n"); continue; }
      put_list(U, p);
      printf(";");
      for (uint32_t j = 0; j < p; j++) printf(j ? ",%d" : "%d", S[j]);
      printf("\n");
    } else if (strcmp(cmd, "stamp") == 0) {
      uint32_t p = (uint32_t)atol(a[1]);
      float delta = f32_hex(a[2]), lo = f32_hex(a[3]), hi = f32_hex(a[4]);
      long n = floats(a[5], F);
      if (n <= 0 || !el_wm_stamp_plan(sig, p, (uint32_t)n, BITS1, BITS2, NULL, NULL)) { printf("refused\n"); continue; }
      for (long i = 0; i < n; i++) {
        float y = el_wm_bit(BITS1, (uint32_t)i) ? el_wm_stamp_value(F[i], el_wm_bit(BITS2, (uint32_t)i), delta, lo, hi) : F[i];
        uint8_t b[4];
        memcpy(b, &y, 4);
        printf("%02x%02x%02x%02x", b[0], b[1], b[2], b[3]);
      }
      printf("\n");
    } else {
      printf("unknown command\n");
    }
  }
  return 0;
}
