/**
 * Reference int8 fixed-point arithmetic with the semantics of TFLite's reference kernels
 * (tensorflow/lite/kernels/internal/quantization_util.cc, common.h and gemmlowp's fixedpoint.h),
 * written from their documented behaviour. Tests use it to predict what the runtime computes;
 * firmware authors can use it as the specification of the requantisation their kernels perform.
 *
 * Conventions follow TFLite: a real multiplier M is represented as a Q31 integer `multiplier`
 * in [2^30, 2^31) and a `shift` such that M ≈ multiplier · 2^(shift − 31); a positive shift is a
 * left shift.
 */

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** Rounds half away from zero (C's std::round, TfLiteRound); never returns −0. */
export function roundHalfAwayFromZero(x: number): number {
  return x < 0 ? 0 - Math.round(-x) : Math.round(x);
}

/**
 * std::frexp: x = fraction · 2^exponent with |fraction| in [0.5, 1) (fraction 0 for x = 0).
 * Exact: the fraction is produced by scaling with powers of two only.
 */
export function frexp(x: number): { fraction: number; exponent: number } {
  if (x === 0 || !Number.isFinite(x)) return { fraction: x, exponent: 0 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  let biased = (view.getUint16(0) >> 4) & 0x7ff;
  let extra = 0;
  if (biased === 0) {
    // subnormal: scale into the normal range first (exact), then correct the exponent
    view.setFloat64(0, x * 2 ** 64);
    biased = (view.getUint16(0) >> 4) & 0x7ff;
    extra = -64;
  }
  const exponent = biased - 1022;
  // replace the stored exponent by 1022 (value in [0.5, 1))
  const hi = view.getUint16(0);
  view.setUint16(0, (hi & 0x800f) | (1022 << 4));
  return { fraction: view.getFloat64(0), exponent: exponent + extra };
}

export interface QuantizedMultiplier {
  /** Q31 fixed-point value in [2^30, 2^31) (or 0). */
  multiplier: number;
  /** Power-of-two exponent; positive means shift left. */
  shift: number;
}

/**
 * TFLite's QuantizeMultiplier: frexp the real multiplier, round the fraction to Q31 (half away
 * from zero), renormalise when rounding reaches 2^31, and flush multipliers below 2^-31 to zero.
 */
export function quantizeMultiplier(realMultiplier: number): QuantizedMultiplier {
  if (realMultiplier === 0) return { multiplier: 0, shift: 0 };
  const { fraction, exponent } = frexp(realMultiplier);
  let shift = exponent;
  let qFixed = roundHalfAwayFromZero(fraction * 2 ** 31);
  if (qFixed === 2 ** 31) {
    qFixed /= 2;
    shift += 1;
  }
  if (shift < -31) {
    shift = 0;
    qFixed = 0;
  }
  return { multiplier: qFixed, shift };
}

/**
 * gemmlowp's SaturatingRoundingDoublingHighMul: the high 32 bits of 2·a·b, i.e. a·b / 2^31
 * rounded to nearest with ties toward +∞ (the ±2^30 nudge followed by C's truncating division;
 * the same result as ARM's VQRDMULH), saturating the one overflowing case a = b = INT32_MIN.
 */
export function saturatingRoundingDoublingHighMul(a: number, b: number): number {
  if (a === INT32_MIN && b === INT32_MIN) return INT32_MAX;
  const ab = BigInt(a) * BigInt(b);
  const nudge = ab >= 0n ? 1n << 30n : 1n - (1n << 30n);
  // BigInt division truncates toward zero, exactly like C++ integer division
  return Number((ab + nudge) / (1n << 31n));
}

/**
 * gemmlowp's RoundingDivideByPOT: x / 2^exponent rounded to nearest, ties away from zero,
 * computed with an arithmetic shift plus a correction from the remainder.
 */
export function roundingDivideByPOT(x: number, exponent: number): number {
  if (exponent < 0 || exponent > 31) throw new RangeError(`roundingDivideByPOT: exponent ${exponent} outside 0..31`);
  const mask = exponent === 0 ? 0 : 2 ** exponent - 1;
  const remainder = (x & mask) >>> 0;
  const threshold = Math.floor(mask / 2) + (x < 0 ? 1 : 0);
  const shifted = exponent === 0 ? x : x >> exponent;
  return shifted + (remainder > threshold ? 1 : 0);
}

/** Wraps to a two's complement int32 (what the C kernels' int32 arithmetic does on overflow). */
function wrapInt32(x: number): number {
  return Number(BigInt.asIntN(32, BigInt(x)));
}

/**
 * TFLite's MultiplyByQuantizedMultiplier (the double-rounding form used by the reference
 * kernels and TFLite Micro): x · multiplier · 2^(shift − 31), with the left part of the shift
 * applied before the high multiplication and the right part as a rounding division after it.
 */
export function multiplyByQuantizedMultiplier(x: number, multiplier: number, shift: number): number {
  const leftShift = shift > 0 ? shift : 0;
  const rightShift = shift > 0 ? 0 : -shift;
  const scaled = leftShift === 0 ? x : wrapInt32(x * 2 ** leftShift);
  return roundingDivideByPOT(saturatingRoundingDoublingHighMul(scaled, multiplier), rightShift);
}

/** TFLite's affine quantisation of one float (as the QUANTIZE kernel does it, in float32). */
export function quantizeValue(value: number, scale: number, zeroPoint: number, qmin = -128, qmax = 127): number {
  const q = roundHalfAwayFromZero(Math.fround(Math.fround(value) / Math.fround(scale))) + zeroPoint;
  return Math.min(qmax, Math.max(qmin, q));
}

/** The real value an int8 code stands for. */
export function dequantizeValue(q: number, scale: number, zeroPoint: number): number {
  return (q - zeroPoint) * scale;
}

/**
 * Requantises an int32 accumulator to int8 the way CONV_2D / FULLY_CONNECTED int8 kernels do:
 * scale by the quantised multiplier, add the output zero point, clamp to the activation range.
 */
export function requantize(
  acc: number,
  m: QuantizedMultiplier,
  outputZeroPoint: number,
  actMin = -128,
  actMax = 127,
): number {
  const v = multiplyByQuantizedMultiplier(acc, m.multiplier, m.shift) + outputZeroPoint;
  return Math.min(actMax, Math.max(actMin, v));
}
