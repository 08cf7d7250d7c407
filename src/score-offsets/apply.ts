/**
 * Score offsets on one answer, exactly as the board adds them (score_offsets.c; docs/watermark.md, "Score offsets"):
 *
 *   o_c        = (Σ_j S[j][c] · u_j) · delta / K          (float32, j ascending from 0.0; √m = K)
 *   centred    o_c − (Σ_c o_c) / classes                  (float32)
 *   int8       score + floor(o_c + 0.5), saturated to −128..127 (o_c + 0.5 in float32, clamped to ±256)
 *   float32    score + o_c                                 (float32)
 *
 * Every operation is rounded to float32 as the board's FPU rounds it (Math.fround after each). The record's bounds
 * (clip ≤ 64, delta ≤ 2^20) keep every sum finite.
 */
import { ScoreOffsetsParams } from '../package/score-offsets';
import { features } from './features';
import { keyedSigns } from './signs';

const f = Math.fround;

/** The centred offsets of one answer (classes float32 values) from its features and the signs. */
export function offsetsOf(
  u: Float32Array,
  signs: Int8Array,
  classes: number,
  p: Pick<ScoreOffsetsParams, 'degrees' | 'delta'>,
): Float32Array {
  const m = u.length;
  const o = new Float32Array(classes);
  let total = 0;
  for (let c = 0; c < classes; c++) {
    let v = 0;
    for (let j = 0; j < m; j++) v = signs[j * classes + c] > 0 ? f(v + u[j]) : f(v - u[j]);
    o[c] = f(f(v * p.delta) / p.degrees);
    total = f(total + o[c]);
  }
  const mean = f(total / classes);
  for (let c = 0; c < classes; c++) o[c] = f(o[c] - mean);
  return o;
}

/** The int8 scores with the offsets added, as the board answers them. */
export function offsetInt8(scores: ArrayLike<number>, o: Float32Array): Int8Array {
  return Int8Array.from(scores, (q, c) => {
    const r = Math.max(-256, Math.min(256, Math.floor(f(o[c] + 0.5))));
    return Math.max(-128, Math.min(127, q + r));
  });
}

/** The float32 scores with the offsets added, as the board answers them. */
export function offsetFloat32(scores: ArrayLike<number>, o: Float32Array): Float32Array {
  return Float32Array.from(scores, (v, c) => f(f(v) + o[c])); // the score as the float32 tensor holds it
}

/**
 * One answer as a board with score key `key` and record `p` gives it: the model's scores (`classes` int8 or float32
 * values) for the int8 input `x`, with the offsets added.
 */
export function offsetAnswer(
  key: Uint8Array,
  p: ScoreOffsetsParams,
  x: Int8Array,
  scores: ArrayLike<number>,
  type: 'int8' | 'float32',
): Int8Array | Float32Array {
  const o = offsetsOf(features(x, p), keyedSigns(key, p.degrees * p.degrees, scores.length), scores.length, p);
  return type === 'int8' ? offsetInt8(scores, o) : offsetFloat32(scores, o);
}
