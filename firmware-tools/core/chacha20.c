#include "el_chacha20.h"
#include "el_bytes.h"
#include <string.h>

#define ROTL32(v, n) (((v) << (n)) | ((v) >> (32 - (n))))
#define QUARTER(a, b, c, d) \
  do {                      \
    a += b;                 \
    d ^= a;                 \
    d = ROTL32(d, 16);      \
    c += d;                 \
    b ^= c;                 \
    b = ROTL32(b, 12);      \
    a += b;                 \
    d ^= a;                 \
    d = ROTL32(d, 8);       \
    c += d;                 \
    b ^= c;                 \
    b = ROTL32(b, 7);       \
  } while (0)

/* The initial state: constants "expand 32-byte k", key, counter, nonce. */
static void setup(uint32_t s[16], const uint8_t key[EL_CHACHA20_KEY], uint32_t counter,
                  const uint8_t nonce[EL_CHACHA20_NONCE]) {
  unsigned i;
  s[0] = 0x61707865u;
  s[1] = 0x3320646eu;
  s[2] = 0x79622d32u;
  s[3] = 0x6b206574u;
  for (i = 0; i < 8; i++) s[4 + i] = el_get_u32(key + 4 * i);
  s[12] = counter;
  for (i = 0; i < 3; i++) s[13 + i] = el_get_u32(nonce + 4 * i);
}

/* One block of state `s` into `out`; `x` is the caller's scratch (wiped by the caller once, not per block). */
static void block(const uint32_t s[16], uint32_t x[16], uint8_t out[EL_CHACHA20_BLOCK]) {
  unsigned i;
  for (i = 0; i < 16; i++) x[i] = s[i];
  for (i = 0; i < 10; i++) { /* 20 rounds: column round + diagonal round */
    QUARTER(x[0], x[4], x[8], x[12]);
    QUARTER(x[1], x[5], x[9], x[13]);
    QUARTER(x[2], x[6], x[10], x[14]);
    QUARTER(x[3], x[7], x[11], x[15]);
    QUARTER(x[0], x[5], x[10], x[15]);
    QUARTER(x[1], x[6], x[11], x[12]);
    QUARTER(x[2], x[7], x[8], x[13]);
    QUARTER(x[3], x[4], x[9], x[14]);
  }
  for (i = 0; i < 16; i++) el_put_u32(out + 4 * i, x[i] + s[i]);
}

void el_chacha20_block(const uint8_t key[EL_CHACHA20_KEY], uint32_t counter, const uint8_t nonce[EL_CHACHA20_NONCE],
                       uint8_t out[EL_CHACHA20_BLOCK]) {
  uint32_t s[16], x[16];
  setup(s, key, counter, nonce);
  block(s, x, out);
  el_wipe(s, sizeof s);
  el_wipe(x, sizeof x);
}

void el_chacha20_xor(const uint8_t key[EL_CHACHA20_KEY], const uint8_t nonce[EL_CHACHA20_NONCE], uint32_t counter,
                     const uint8_t *in, uint8_t *out, size_t len) {
  uint32_t s[16], x[16];
  uint8_t ks[EL_CHACHA20_BLOCK];
  setup(s, key, counter, nonce);
  while (len > 0) {
    size_t n = len < EL_CHACHA20_BLOCK ? len : EL_CHACHA20_BLOCK, i = 0;
    block(s, x, ks);
    s[12]++;
    for (; i + 4 <= n; i += 4) { /* word at a time; memcpy keeps any alignment of in/out legal */
      uint32_t a, k;
      memcpy(&a, in + i, 4);
      memcpy(&k, ks + i, 4);
      a ^= k;
      memcpy(out + i, &a, 4);
    }
    for (; i < n; i++) out[i] = (uint8_t)(in[i] ^ ks[i]);
    in += n;
    out += n;
    len -= n;
  }
  el_wipe(s, sizeof s);
  el_wipe(x, sizeof x);
  el_wipe(ks, sizeof ks);
}
