/**
 * The features score offsets are a function of (docs/watermark.md, "Score offsets"), computed exactly as the
 * firmware computes them (score_offsets.c), so the host reproduces a board's answers bit for bit:
 *
 *   cells      the int8 input (H × W × C, channels last) pooled into G × G cells: row y is in cell floor(y·G/H),
 *              column x in floor(x·G/W); s[cy][cx] = Σ (value + 128) over the cell's rows, columns and channels
 *   moments    c[a·K + b] = Σ_cy Σ_cx (2cy + 1 − G)^a · (2cx + 1 − G)^b · s[cy][cx], a, b < K: integers, exact (the
 *              firmware in int64; here in doubles, every partial sum below 2^53 by the record's bounds)
 *   features   u_j = clamp(Σ_k whiten[j][k] · (c_k − mean_k), ±clip) in float32 (each operation rounded to float32 as
 *              the board's FPU rounds it; c_k rounded to float32 from the exact integer), k ascending from 0.0; a
 *              NaN sum (overflowed products, inf − inf) reads 0
 *
 * The moments are smooth functions of the image: a shift of a few pixels barely moves them, so a student trained
 * with random shifts still learns what the offsets make of them.
 */
import { ScoreOffsetsParams } from '../package/score-offsets';

/** The K² moments of one int8 input (exact integers as doubles). */
export function moments(
  x: Int8Array,
  p: Pick<ScoreOffsetsParams, 'degrees' | 'grid' | 'height' | 'width' | 'channels'>,
): Float64Array {
  const { degrees: K, grid: G, height: H, width: W, channels: C } = p;
  if (x.length !== H * W * C)
    throw new RangeError(`score offsets: ${x.length} input values, the record says ${H * W * C}`);
  const s = new Float64Array(G * G);
  for (let y = 0; y < H; y++) {
    const cy = Math.floor((y * G) / H);
    for (let xx = 0; xx < W; xx++) {
      const cell = cy * G + Math.floor((xx * G) / W);
      const at = (y * W + xx) * C;
      for (let ch = 0; ch < C; ch++) s[cell] += x[at + ch] + 128;
    }
  }
  const pw = (i: number, a: number) => (2 * i + 1 - G) ** a;
  const c = new Float64Array(K * K);
  for (let a = 0; a < K; a++)
    for (let b = 0; b < K; b++) {
      let sum = 0;
      for (let cy = 0; cy < G; cy++) for (let cx = 0; cx < G; cx++) sum += pw(cy, a) * pw(cx, b) * s[cy * G + cx];
      c[a * K + b] = sum;
    }
  return c;
}

/** The clamped whitened features of one input (m = degrees² float32 values), as the board computes them. */
export function features(x: Int8Array, p: ScoreOffsetsParams): Float32Array {
  const f = Math.fround;
  const c = moments(x, p).map(f);
  const m = p.degrees * p.degrees;
  const u = new Float32Array(m);
  const clip = f(p.clip);
  for (let j = 0; j < m; j++) {
    let v = 0;
    for (let k = 0; k < m; k++) v = f(v + f(f(p.whiten[j * m + k]) * f(c[k] - f(p.mean[k]))));
    u[j] = Number.isNaN(v) ? 0 : v > clip ? clip : v < -clip ? -clip : v;
  }
  return u;
}
