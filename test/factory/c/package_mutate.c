/*
 * Mutation check of the firmware's package parser (el_package_parse) under ASan+UBSan: a valid package is mutated
 * (random byte values, bit flips, header/record length fields set to edge values, truncation) many times; the parser
 * must never read outside the buffer (each mutant is copied into an exactly-sized heap block), and whenever it
 * accepts, every pointer it returns lies inside the buffer, the model starts at a 16-byte aligned offset and the
 * records end exactly at the tag. Input: "pkg <hex>", "run <iterations> <seed>" (0 iterations: parse the package as given). Output: "accepted N rejected N bad N".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "el_bytes.h"
#include "el_package.h"

static uint8_t g_pkg[1 << 20];
static uint32_t g_len;
static uint32_t g_rng;

static uint32_t rnd(void) {
  g_rng ^= g_rng << 13;
  g_rng ^= g_rng >> 17;
  g_rng ^= g_rng << 5;
  return g_rng;
}

static int inside(const uint8_t *base, uint32_t size, const uint8_t *p, uint32_t n) {
  return p >= base && n <= size && (uint32_t)(p - base) <= size - n;
}

static void run(long iterations) {
  static const uint32_t edge[] = { 0, 1, 15, 16, 17, 0x7FFFFFFFu, 0x80000000u, 0xFFFFFFF0u, 0xFFFFFFFFu };
  long accepted = 0, rejected = 0, bad = 0;
  if (iterations == 0) { /* the package as given */
    el_package_t p;
    uint8_t *buf = malloc(g_len);
    memcpy(buf, g_pkg, g_len);
    int ok = el_package_parse(buf, g_len, &p) == EL_ST_OK;
    printf("accepted %d rejected %d bad 0 counter %u version %.*s\n", ok, !ok, (unsigned)p.security_counter, (int)p.version_len, ok ? (const char *)p.version : "");
    free(buf);
    return;
  }
  uint8_t *m = malloc(g_len + 64);
  for (long it = 0; it < iterations; it++) {
    uint32_t len = g_len;
    memcpy(m, g_pkg, g_len);
    int k = 1 + (int)(rnd() % 4);
    for (int j = 0; j < k; j++) {
      uint32_t at = rnd() % len;
      switch (rnd() % 5) {
        case 0: m[at] = (uint8_t)rnd(); break;
        case 1: m[at] ^= (uint8_t)(1u << (rnd() % 8)); break;
        case 2: if (at + 4 <= len) el_put_u32(m + at, edge[rnd() % (sizeof edge / sizeof edge[0])]); break;
        case 3: len = at > 0 ? at : 1; break;
        default: el_put_u16(m + 8, (uint16_t)rnd()); break; /* record count */
      }
    }
    uint8_t *buf = malloc(len); /* exact size: ASan catches any read past it */
    memcpy(buf, m, len);
    el_package_t p;
    if (el_package_parse(buf, len, &p) == EL_ST_OK) {
      accepted++;
      if (!inside(buf, len, p.model, p.model_size) || (uint32_t)(p.model - buf) % 16u != 0 ||
          !inside(buf, len, p.model_sha256, 32) || !inside(buf, len, p.version, p.version_len) ||
          !inside(buf, len, p.device_uid, EL_UID_SIZE) || (p.wrapped_key && !inside(buf, len, p.wrapped_key, 32)))
        bad++;
    } else {
      rejected++;
    }
    free(buf);
  }
  free(m);
  printf("accepted %ld rejected %ld bad %ld\n", accepted, rejected, bad);
}

int main(void) {
  static char line[(2 << 20) + 64];
  while (fgets(line, sizeof line, stdin)) {
    line[strcspn(line, "\r\n")] = 0;
    if (strncmp(line, "pkg ", 4) == 0) {
      g_len = 0;
      for (const char *s = line + 4; s[0] && s[1] && g_len < sizeof g_pkg; s += 2) {
        unsigned v;
        sscanf(s, "%2x", &v);
        g_pkg[g_len++] = (uint8_t)v;
      }
    } else if (strncmp(line, "run ", 4) == 0) {
      long n = 0;
      unsigned seed = 1;
      sscanf(line + 4, "%ld %u", &n, &seed);
      g_rng = seed ? seed : 1;
      run(n);
    }
    fflush(stdout);
  }
  return 0;
}
