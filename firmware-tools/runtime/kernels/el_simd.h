/* Packed 16-bit arithmetic for the optimised kernels: the Armv7E-M DSP instructions through ACLE
 * (<arm_acle.h>, when the compiler defines __ARM_FEATURE_DSP: Cortex-M4/M7/M33...), and portable C with the
 * same results everywhere else (Cortex-M0/M3, host-sim, the host test harness).
 *
 *   el_sxtb16(v)      bytes 0 and 2 of v, sign-extended to the two 16-bit halves   (SXTB16)
 *   el_sxtb16_hi(v)   bytes 1 and 3 of v, sign-extended                             (SXTB16 v, ROR #8)
 *   el_smlad(a,b,acc) acc + lo(a)*lo(b) + hi(a)*hi(b), wrapping                     (SMLAD)
 *   el_sadd16(a,b)    lo(a)+lo(b) | hi(a)+hi(b), each half wrapping                 (SADD16)
 *   el_smlabb(a,b,acc), el_smlatt(a,b,acc)  acc + lo(a)*lo(b), acc + hi(a)*hi(b)     (SMLABB, SMLATT)
 *   el_max8x4(a,b), el_min8x4(a,b)  bytewise signed max / min                     (SSUB8 + SEL)
 *   el_sxtab16(acc,v) acc + bytes 0 and 2 of v sign-extended, per 16-bit half, wrapping  (SXTAB16)
 *   el_sxtab16_hi(acc,v)  the same with bytes 1 and 3                               (SXTAB16 v, ROR #8)
 *   el_smulbb(a,b), el_smultt(a,b)  lo(a)*lo(b), hi(a)*hi(b)                         (SMULBB, SMULTT)
 *   el_smmulr(a,b)    (a*b + 2^31) >> 32, the rounded high word of the 64-bit product  (SMMULR)
 *   el_smmul(a,b)     (a*b) >> 32, the high word of the 64-bit product                  (SMMUL)
 *   el_ld32(p)        4 bytes from any address (Cortex-M4 LDR allows unaligned addresses)
 *
 * A dot product of four int8 pairs: smlad(sxtb16(w), sxtb16(x), smlad(sxtb16_hi(w), sxtb16_hi(x), acc)):
 * both operands go through the same byte permutation (0,2 | 1,3), so the sum is the same as in order. */
#ifndef EL_SIMD_H
#define EL_SIMD_H

#include <stdint.h>
#include <string.h>

static inline uint32_t el_ld32(const void *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}

static inline void el_st32(void *p, uint32_t v) { memcpy(p, &v, 4); }

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#include <arm_acle.h>
#define EL_HAVE_DSP 1
/* The two-operand instructions ACLE lacks (the rotated SXTAB16, SMMULR) or this toolchain's <arm_acle.h> does not
 * have (SMULBB, SMULTT): r = the asm text `insn` with operands %0 = r, %1 = a, %2 = b. */
#define EL_ASM2(name, ret_t, arg_t, insn)      \
  static inline ret_t name(arg_t a, arg_t b) { \
    ret_t r;                                   \
    __asm__(insn : "=r"(r) : "r"(a), "r"(b));  \
    return r;                                  \
  }
static inline uint32_t el_sxtb16(uint32_t v) { return (uint32_t)__sxtb16((int32_t)v); }
/* ACLE has no rotated form; SXTB16 with ROR #8 is one instruction. */
static inline uint32_t el_sxtb16_hi(uint32_t v) {
  uint32_t r;
  __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(v));
  return r;
}
static inline int32_t el_smlad(uint32_t a, uint32_t b, int32_t acc) { return __smlad((int32_t)a, (int32_t)b, acc); }
static inline uint32_t el_sadd16(uint32_t a, uint32_t b) { return (uint32_t)__sadd16((int32_t)a, (int32_t)b); }
static inline int32_t el_smlabb(uint32_t a, uint32_t b, int32_t acc) { return __smlabb((int32_t)a, (int32_t)b, acc); }
static inline int32_t el_smlatt(uint32_t a, uint32_t b, int32_t acc) { return __smlatt((int32_t)a, (int32_t)b, acc); }
/* SSUB8 sets the GE flag of each byte lane where a >= b; SEL then picks a's or b's byte (one asm block so the
 * flags cannot be separated from their use): SEL a, b is the maximum, SEL b, a the minimum. */
#define EL_SSUB8_SEL(name, sel)                                                     \
  static inline uint32_t name(uint32_t a, uint32_t b) {                             \
    uint32_t r;                                                                     \
    __asm__("ssub8 %0, %1, %2\n\tsel %0, " sel : "=&r"(r) : "r"(a), "r"(b) : "cc"); \
    return r;                                                                       \
  }
EL_SSUB8_SEL(el_max8x4, "%1, %2")
EL_SSUB8_SEL(el_min8x4, "%2, %1")
static inline uint32_t el_sxtab16(uint32_t acc, uint32_t v) { return (uint32_t)__sxtab16((int32_t)acc, (int32_t)v); }
EL_ASM2(el_sxtab16_hi, uint32_t, uint32_t, "sxtab16 %0, %1, %2, ror #8")
EL_ASM2(el_smulbb, int32_t, uint32_t, "smulbb %0, %1, %2")
EL_ASM2(el_smultt, int32_t, uint32_t, "smultt %0, %1, %2")
EL_ASM2(el_smmulr, int32_t, int32_t, "smmulr %0, %1, %2")
#undef EL_ASM2
#undef EL_SSUB8_SEL
#else
#define EL_HAVE_DSP 0
/* The low and the high 16-bit half of v, sign-extended. */
static inline int32_t el_lo16(uint32_t v) { return (int32_t)(int16_t)(v & 0xFFFFu); }
static inline int32_t el_hi16(uint32_t v) { return (int32_t)(int16_t)(v >> 16); }
static inline uint32_t el_sxtb16(uint32_t v) {
  return (uint32_t)(uint16_t)(int16_t)(int8_t)(v & 0xFFu) |
         ((uint32_t)(uint16_t)(int16_t)(int8_t)((v >> 16) & 0xFFu) << 16);
}
static inline uint32_t el_sxtb16_hi(uint32_t v) { return el_sxtb16(v >> 8); }
static inline int32_t el_smulbb(uint32_t a, uint32_t b) { return el_lo16(a) * el_lo16(b); }
static inline int32_t el_smultt(uint32_t a, uint32_t b) { return el_hi16(a) * el_hi16(b); }
static inline int32_t el_smlad(uint32_t a, uint32_t b, int32_t acc) {
  return (int32_t)((uint32_t)acc + (uint32_t)el_smulbb(a, b) + (uint32_t)el_smultt(a, b));
}
static inline int32_t el_smlabb(uint32_t a, uint32_t b, int32_t acc) {
  return (int32_t)((uint32_t)acc + (uint32_t)el_smulbb(a, b));
}
static inline int32_t el_smlatt(uint32_t a, uint32_t b, int32_t acc) {
  return (int32_t)((uint32_t)acc + (uint32_t)el_smultt(a, b));
}
static inline uint32_t el_sadd16(uint32_t a, uint32_t b) {
  return (((a & 0xFFFFu) + (b & 0xFFFFu)) & 0xFFFFu) | ((((a >> 16) + (b >> 16)) & 0xFFFFu) << 16);
}
/* Bytewise signed maximum (max != 0) or minimum of a and b. */
static inline uint32_t el_minmax8x4(uint32_t a, uint32_t b, int max) {
  uint32_t r = 0;
  for (int i = 0; i < 32; i += 8) {
    const int8_t x = (int8_t)(a >> i), y = (int8_t)(b >> i);
    r |= (uint32_t)(uint8_t)(max ? (x >= y ? x : y) : (x >= y ? y : x)) << i;
  }
  return r;
}
static inline uint32_t el_max8x4(uint32_t a, uint32_t b) { return el_minmax8x4(a, b, 1); }
static inline uint32_t el_min8x4(uint32_t a, uint32_t b) { return el_minmax8x4(a, b, 0); }
static inline uint32_t el_sxtab16(uint32_t acc, uint32_t v) { return el_sadd16(acc, el_sxtb16(v)); }
static inline uint32_t el_sxtab16_hi(uint32_t acc, uint32_t v) { return el_sadd16(acc, el_sxtb16_hi(v)); }
static inline int32_t el_smmulr(int32_t a, int32_t b) {
  return (int32_t)(((int64_t)a * b + ((int64_t)1 << 31)) >> 32); /* arithmetic shift, as the runtime assumes */
}
#endif

/* The same C with and without the DSP extension. */
static inline int32_t el_smmul(int32_t a, int32_t b) { return (int32_t)(((int64_t)a * b) >> 32); }

/* Moves 16-bit lane sums into 32-bit ones: e holds channels 0 and 2, o channels 1 and 3 (as el_sxtab16 and
 * el_sxtab16_hi sum them); each lane, sign-extended, is added to its channel's s[0..3]. */
static inline void el_add_lanes16(int32_t s[4], uint32_t e, uint32_t o) {
  s[0] += (int16_t)(e & 0xFFFFu);
  s[2] += (int16_t)(e >> 16);
  s[1] += (int16_t)(o & 0xFFFFu);
  s[3] += (int16_t)(o >> 16);
}

#endif
