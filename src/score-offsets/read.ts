/**
 * Reading a suspect for one board's score offsets (docs/watermark.md, "Score offsets"): on the owner's inputs, r = the
 * suspect's log-probabilities minus the base model's, centred over the classes; a = uᵀr / n (m × classes, u the
 * board's features); Z = Σ S·a / ‖a‖. For a model trained without the board's key, S is uniform over the signs and
 * independent of a, so P(Z ≥ z) ≤ exp(−z²/2) (Hoeffding): the p reported is that bound, valid whatever the suspect
 * learned. A copy trained on the board's scores learned r ≈ the offsets, which S aligns with.
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
 * The reading over `n` inputs: `features(i)` the board's features of input i (m values), `suspect(i)` and `base(i)`
 * the log-probabilities of the suspect and of the base model (classes values), `signs` the board's S (m × classes).
 */
export function readScoreOffsets(
  n: number,
  features: (i: number) => Float64Array,
  suspect: (i: number) => ArrayLike<number>,
  base: (i: number) => ArrayLike<number>,
  signs: Int8Array,
  classes: number,
): ScoreOffsetsReading {
  const m = signs.length / classes;
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
  let dot = 0;
  let norm = 0;
  a.forEach((v, t) => {
    dot += signs[t] * v;
    norm += v * v;
  });
  const z = norm > 0 ? dot / Math.sqrt(norm) : 0;
  return { z, p: signBound(z), inputs: n };
}
