/**
 * Conferrable adversarial examples (after Lukas et al., ICLR 2021): inputs near real samples whose
 * adversarial label is given by the owner's model and by surrogates distilled from it, but not by
 * reference models trained independently on the true labels. A copy extracted from the owner's
 * answers inherits the owner's decision boundary near these inputs and so answers the fingerprint
 * label; an independent model does not. Crafting is projected sign-gradient descent inside an L∞
 * ball around each seed sample, on the sum of three losses per sample:
 *   cross-entropy of the owner towards the target, mean cross-entropy of the surrogates towards it,
 *   and refWeight × mean −log(1 − p_ref(target)) over the references (pushes their target
 *   probability down).
 */
import { Sequential } from '../train/network';

export interface CraftModels {
  owner: Sequential;
  surrogates: Sequential[];
  references: Sequential[];
}

export interface CraftOptions {
  /** L∞ radius around each seed sample */
  epsilon: number;
  steps: number;
  /** sign-gradient step */
  stepSize: number;
  /** weight of the references' term */
  refWeight: number;
  /** valid input range (MNIST: [0, 1]) */
  range: [number, number];
  batch?: number;
}

/** Softmax rows of `logits` (count × classes) into a new array. */
export function softmaxRows(logits: Float32Array, count: number, classes: number): Float32Array {
  const p = new Float32Array(count * classes);
  for (let s = 0; s < count; s++) {
    const o = s * classes;
    let max = -Infinity;
    for (let c = 0; c < classes; c++) max = Math.max(max, logits[o + c]);
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += p[o + c] = Math.exp(logits[o + c] - max);
    for (let c = 0; c < classes; c++) p[o + c] /= sum;
  }
  return p;
}

type Term = 'toward' | 'away';

/**
 * Adds weight × d(loss)/d(input) of one model on the batch into `acc`: 'toward' is the cross-entropy
 * towards the targets, 'away' is −log(1 − p(target)). Returns the model's probabilities.
 */
function accumulate(
  net: Sequential,
  x: Float32Array,
  n: number,
  targets: Int32Array,
  term: Term,
  weight: number,
  acc: Float32Array,
): void {
  const classes = net.outputSize;
  const logits = net.forward(x, n, false);
  const p = softmaxRows(logits, n, classes);
  const d = new Float32Array(n * classes);
  for (let s = 0; s < n; s++) {
    const o = s * classes;
    const t = targets[s];
    if (term === 'toward') {
      for (let c = 0; c < classes; c++) d[o + c] = weight * p[o + c];
      d[o + t] -= weight;
    } else {
      // d/dz_c of −log(1 − p_t) = p_t (δ_ct − p_c) / (1 − p_t)
      const pt = p[o + t];
      const k = (weight * pt) / Math.max(1e-6, 1 - pt);
      for (let c = 0; c < classes; c++) d[o + c] = k * ((c === t ? 1 : 0) - p[o + c]);
    }
  }
  const g = net.inputGradient(d, n);
  for (let i = 0; i < n * net.inputSize; i++) acc[i] += g[i];
}

/**
 * Crafts one perturbed copy of each of the `count` seed samples towards its target label.
 * Deterministic (no randomness). The networks' parameter gradients are left dirty.
 */
export function craftConferrable(
  models: CraftModels,
  seeds: Float32Array,
  count: number,
  targets: Int32Array,
  o: CraftOptions,
): Float32Array {
  const size = models.owner.inputSize;
  const out = Float32Array.from(seeds.subarray(0, count * size));
  const batch = o.batch ?? 64;
  const [lo, hi] = o.range;
  for (let start = 0; start < count; start += batch) {
    const n = Math.min(batch, count - start);
    const x = out.subarray(start * size, (start + n) * size);
    const x0 = seeds.subarray(start * size, (start + n) * size);
    const t = targets.subarray(start, start + n);
    const acc = new Float32Array(n * size);
    for (let step = 0; step < o.steps; step++) {
      acc.fill(0);
      accumulate(models.owner, x, n, t, 'toward', 1, acc);
      for (const m of models.surrogates) accumulate(m, x, n, t, 'toward', 1 / models.surrogates.length, acc);
      for (const m of models.references) accumulate(m, x, n, t, 'away', o.refWeight / models.references.length, acc);
      for (let i = 0; i < x.length; i++) {
        const v = x[i] - o.stepSize * Math.sign(acc[i]);
        x[i] = Math.min(hi, Math.max(lo, Math.min(x0[i] + o.epsilon, Math.max(x0[i] - o.epsilon, v))));
      }
    }
  }
  return out;
}
