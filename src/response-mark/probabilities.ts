/**
 * A model's output row read as a probability distribution, the same way for the base model and for a suspect: as it
 * is when it already is one (a softmax output), else its softmax (logits).
 */

/** A row of outputs as probabilities: as it is when it already is a distribution, else its softmax. */
export function asProbabilities(row: ArrayLike<number>): number[] {
  const v = Array.from(row);
  const sum = v.reduce((a, b) => a + b, 0);
  if (v.every((x) => x >= 0 && x <= 1) && Math.abs(sum - 1) <= 0.02) return v;
  const mx = Math.max(...v);
  const e = v.map((x) => Math.exp(x - mx));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / z);
}
