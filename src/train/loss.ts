/** Classification losses over a batch of logits, mean-reduced, with their gradients: hard labels and soft targets. */

export interface LossResult {
  /** Mean loss over the batch. */
  loss: number;
  /** Samples whose arg-max equals the label. */
  correct: number;
}

interface RowSoftmax {
  /** the row's largest logit and its index */
  max: number;
  arg: number;
  /** Σ_c exp((z_c − max) / T): the softmax's denominator, shifted by the max for range */
  sum: number;
}

/** The shifted log-sum-exp terms of row `o` of `logits` at temperature `t` (shared by every loss and softmax here). */
function rowSoftmax(logits: ArrayLike<number>, o: number, classes: number, t: number): RowSoftmax {
  let max = -Infinity;
  let arg = 0;
  for (let c = 0; c < classes; c++) {
    if (logits[o + c] > max) {
      max = logits[o + c];
      arg = c;
    }
  }
  let sum = 0;
  for (let c = 0; c < classes; c++) sum += Math.exp((logits[o + c] - max) / t);
  return { max, arg, sum };
}

/**
 * logits [batch × classes]; writes dL/dlogits = (softmax − onehot) / batch into `grad` (which may
 * be null when only the loss is wanted).
 */
export function softmaxCrossEntropy(
  logits: Float32Array,
  labels: ArrayLike<number>,
  batch: number,
  classes: number,
  grad: Float32Array | null,
): LossResult {
  let total = 0;
  let correct = 0;
  for (let s = 0; s < batch; s++) {
    const o = s * classes;
    const { max, arg, sum } = rowSoftmax(logits, o, classes, 1);
    const label = labels[s];
    if (arg === label) correct++;
    total += Math.log(sum) - (logits[o + label] - max);
    if (grad) {
      const inv = 1 / (sum * batch);
      for (let c = 0; c < classes; c++) grad[o + c] = Math.exp(logits[o + c] - max) * inv;
      grad[o + label] -= 1 / batch;
    }
  }
  return { loss: total / batch, correct };
}

/**
 * Distillation loss against soft targets (Hinton et al. 2015): the teacher's class probabilities
 * `probs` [batch × classes] (already softened at temperature T) against the student's softmax at
 * the same T. Returns T² · mean KL(p ‖ softmax(z/T)) (0 when the student matches the teacher) and
 * writes dL/dlogits = T · (softmax(z/T) − p) / batch into `grad`; the T² keeps the gradient's scale
 * independent of T. `correct` counts samples whose arg-max equals `labels`.
 */
export function softTargetCrossEntropy(
  logits: Float32Array,
  probs: ArrayLike<number>,
  labels: ArrayLike<number>,
  batch: number,
  classes: number,
  temperature: number,
  grad: Float32Array | null,
): LossResult {
  const t = temperature;
  let total = 0;
  let correct = 0;
  for (let s = 0; s < batch; s++) {
    const o = s * classes;
    const { max, arg, sum } = rowSoftmax(logits, o, classes, t);
    if (arg === labels[s]) correct++;
    const logSum = Math.log(sum);
    for (let c = 0; c < classes; c++) {
      const p = probs[o + c];
      // log q_c = (z_c − max)/T − log Σ
      if (p > 0) total += p * (Math.log(p) - ((logits[o + c] - max) / t - logSum));
    }
    if (grad) {
      const k = t / batch;
      for (let c = 0; c < classes; c++) grad[o + c] = k * (Math.exp((logits[o + c] - max) / t) / sum - probs[o + c]);
    }
  }
  return { loss: (t * t * total) / batch, correct };
}

/** Class probabilities softmax(z/T) of every row of `logits` [count × classes]. */
export function softmaxRows(logits: ArrayLike<number>, count: number, classes: number, temperature = 1): Float32Array {
  const out = new Float32Array(count * classes);
  for (let s = 0; s < count; s++) {
    const o = s * classes;
    const { max, sum } = rowSoftmax(logits, o, classes, temperature);
    for (let c = 0; c < classes; c++) out[o + c] = Math.exp((logits[o + c] - max) / temperature) / sum;
  }
  return out;
}
