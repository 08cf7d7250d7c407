/**
 * Scale and zero-point arithmetic of the TFLite int8 quantisation spec.
 *
 * - Activations: asymmetric int8 per tensor. scale = (max − min) / 255 over a range that contains
 *   0; zero point = round(−128 − min / scale) clamped to [−128, 127]. Because the zero point is
 *   an integer, 0.0 is exactly representable; the represented ("nudged") range is
 *   [(−128 − zp)·scale, (127 − zp)·scale].
 * - Weights: symmetric int8 in [−127, 127], zero point 0, scale = max|w| / 127 (per channel).
 * - Bias: int32, zero point 0, scale = input scale × weight scale.
 *
 * Scales are rounded to float32 here because that is what the flatbuffer stores and what the
 * runtime derives its multipliers from; bias scales are computed from those stored values.
 */
import { EdgelockError } from '../../errors';
import { roundHalfAwayFromZero } from './fixed-point';

export const INT8_MIN = -128;
export const INT8_MAX = 127;
/** Weights use the symmetric range [−127, 127]. */
export const WEIGHT_QMAX = 127;
export const INT32_MIN = -2147483648;
export const INT32_MAX = 2147483647;

export interface Range {
  min: number;
  max: number;
  /** Calibration: the range actually seen, before widening to include 0 (derived ranges start from it). */
  observed?: { min: number; max: number };
}

export interface AffineParams {
  scale: number;
  zeroPoint: number;
  /** The range the int8 codes represent exactly (min ≤ 0 ≤ max, nudged to the zero point). */
  min: number;
  max: number;
}

/** The scale an all-zero tensor gets (any positive scale represents it exactly). */
const DEGENERATE_SPAN = 1;

/** Extends a range so that it contains 0 (int8 zero padding and ReLU need an exact 0). */
export function withZero(r: Range): Range {
  return { min: Math.min(0, r.min), max: Math.max(0, r.max) };
}

/** Asymmetric int8 per-tensor parameters for an activation range. */
export function activationParams(range: Range, what = 'tensor'): AffineParams {
  if (!Number.isFinite(range.min) || !Number.isFinite(range.max) || range.min > range.max) {
    throw new EdgelockError('E_QUANT_RANGE', `${what} has no usable range [${range.min}, ${range.max}]`);
  }
  let { min, max } = withZero(range);
  if (max - min === 0) max = DEGENERATE_SPAN;
  const scale = Math.fround((max - min) / (INT8_MAX - INT8_MIN));
  const zpFromMin = INT8_MIN - min / scale;
  const zeroPoint = Math.min(INT8_MAX, Math.max(INT8_MIN, roundHalfAwayFromZero(zpFromMin)));
  return { scale, zeroPoint, min: (INT8_MIN - zeroPoint) * scale, max: (INT8_MAX - zeroPoint) * scale };
}

/** Fixed parameters given as scale and zero point (softmax, logistic, tanh outputs). */
export function fixedParams(scale: number, zeroPoint: number): AffineParams {
  const s = Math.fround(scale);
  return { scale: s, zeroPoint, min: (INT8_MIN - zeroPoint) * s, max: (INT8_MAX - zeroPoint) * s };
}

/** Symmetric weight scale for the largest magnitude in a channel. */
export function symmetricScale(absMax: number): number {
  if (!Number.isFinite(absMax)) throw new EdgelockError('E_QUANT_RANGE', `a weight channel holds a non-finite value`);
  return Math.fround(absMax > 0 ? absMax / WEIGHT_QMAX : 1 / WEIGHT_QMAX);
}

/** The bias scale the int8 kernels expect: input scale × weight scale (both as stored, float32). */
export function biasScale(inputScale: number, weightScale: number): number {
  return Math.fround(Math.fround(inputScale) * Math.fround(weightScale));
}

/** Quantises one value to int8 with TFLite's rounding (half away from zero), clamped. */
export function quantizeInt8(
  value: number,
  scale: number,
  zeroPoint: number,
  qmin = INT8_MIN,
  qmax = INT8_MAX,
): number {
  const q = roundHalfAwayFromZero(value / scale) + zeroPoint;
  return q < qmin ? qmin : q > qmax ? qmax : q;
}

/** Quantises one value to int32 (bias), clamped to the int32 range. */
export function quantizeInt32(value: number, scale: number): number {
  const q = roundHalfAwayFromZero(value / scale);
  return q < INT32_MIN ? INT32_MIN : q > INT32_MAX ? INT32_MAX : q;
}

/** True when two parameter sets are the same as the runtime sees them. */
export function sameParams(a: { scale: number; zeroPoint: number }, b: { scale: number; zeroPoint: number }): boolean {
  return Math.fround(a.scale) === Math.fround(b.scale) && a.zeroPoint === b.zeroPoint;
}
