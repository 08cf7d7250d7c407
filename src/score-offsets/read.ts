/**
 * Reading a suspect for one board's score offsets (docs/watermark.md, "Score offsets"): on the owner's inputs, r = the
 * suspect's log-probabilities minus the base model's, centred over the classes; a = uᵀr / n (m × classes, u the
 * features, the same for every board); Z = Σ S·a / ‖a‖ with the board's signs S. For a model trained without the
 * board's key, S is uniform over the signs and independent of a, so P(Z ≥ z) ≤ exp(−z²/2) (Hoeffding): the p reported
 * is that bound, valid whatever the suspect learned. A copy trained on the board's scores learned r ≈ the offsets,
 * which S aligns with.
 *
 * Two boards together (a copy trained on both boards' answers carries half of each): Z = Σ (S_A + S_B)·a / (√2 ‖a‖).
 * For a model trained without either key, S_A and S_B are independent uniform signs, Σ (S_A + S_B)·a is a sum of
 * independent terms bounded by ±|a_t| twice, and the same bound holds.
 */
export interface ScoreOffsetsReading {
  /** the statistic, in units of its spread under the null (≈ N(0, 1) for an unrelated model) */
  z: number;
  /** P(Z ≥ z) for any model trained without the key: exp(−z²/2) for z > 0, else 1 */
  p: number;
  inputs: number;
}

/** Hoeffding's bound on P(Z ≥ z) for a statistic Σ S·a / ‖a‖ with independent uniform signs S. */
export function signBound(z: number): number {
  return z > 0 ? Math.exp((-z * z) / 2) : 1;
}

/**
 * a = uᵀr / n over `n` inputs (m × classes, row-major): `features(i)` the features of input i (m values), `suspect(i)`
 * and `base(i)` the log-probabilities of the suspect and of the base model (classes values).
 */
export function offsetsMoments(
  n: number,
  m: number,
  classes: number,
  features: (i: number) => ArrayLike<number>,
  suspect: (i: number) => ArrayLike<number>,
  base: (i: number) => ArrayLike<number>,
): Float64Array {
  const a = new Float64Array(m * classes);
  const r = new Float64Array(classes);
  for (let i = 0; i < n; i++) {
    const s = suspect(i);
    const b = base(i);
    let mean = 0;
    for (let c = 0; c < classes; c++) mean += (r[c] = s[c] - b[c]) / classes;
    const u = features(i);
    for (let j = 0; j < m; j++) for (let c = 0; c < classes; c++) a[j * classes + c] += (u[j] * (r[c] - mean)) / n;
  }
  return a;
}

/** Σ S·a for each board's signs, and ‖a‖. */
function dots(a: Float64Array, signs: readonly Int8Array[]): { dot: number[]; norm: number } {
  let norm = 0;
  a.forEach((v) => (norm += v * v));
  return { dot: signs.map((s) => a.reduce((sum, v, t) => sum + s[t] * v, 0)), norm: Math.sqrt(norm) };
}

/** One board's reading of the moments a. */
export function readMoments(a: Float64Array, signs: Int8Array, inputs: number): ScoreOffsetsReading {
  const { dot, norm } = dots(a, [signs]);
  const z = norm > 0 ? dot[0] / norm : 0;
  return { z, p: signBound(z), inputs };
}

/** Two boards' reading together (a copy of both boards' answers). */
export function readPair(a: Float64Array, first: Int8Array, second: Int8Array, inputs: number): ScoreOffsetsReading {
  const { dot, norm } = dots(a, [first, second]);
  const z = norm > 0 ? (dot[0] + dot[1]) / (Math.SQRT2 * norm) : 0;
  return { z, p: signBound(z), inputs };
}
