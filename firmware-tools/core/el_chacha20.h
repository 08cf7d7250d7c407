/* ChaCha20 (RFC 8439): 256-bit key, 96-bit nonce, 32-bit block counter. Test vectors: RFC 8439 2.3.2, 2.4.2, A.1, A.2. */
#ifndef EL_CHACHA20_H
#define EL_CHACHA20_H
#include <stddef.h>
#include <stdint.h>

#define EL_CHACHA20_KEY 32u
#define EL_CHACHA20_NONCE 12u
#define EL_CHACHA20_BLOCK 64u

/* One 64-byte keystream block for (key, counter, nonce). */
void el_chacha20_block(const uint8_t key[EL_CHACHA20_KEY], uint32_t counter, const uint8_t nonce[EL_CHACHA20_NONCE],
                       uint8_t out[EL_CHACHA20_BLOCK]);
/* out = in XOR keystream starting at block `counter`; `in` and `out` may be the same buffer. The counter wraps
 * after 2^32 blocks (256 GiB), far beyond any use here. */
void el_chacha20_xor(const uint8_t key[EL_CHACHA20_KEY], const uint8_t nonce[EL_CHACHA20_NONCE], uint32_t counter,
                     const uint8_t *in, uint8_t *out, size_t len);
#endif
