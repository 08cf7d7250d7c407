/** Softmax cross-entropy over a batch of logits, mean-reduced, with its gradient. */

export interface LossResult {
  /** Mean loss over the batch. */
  loss: number;
  /** Samples whose arg-max equals the label. */
  correct: number;
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
    let max = -Infinity;
    let arg = 0;
    for (let c = 0; c < classes; c++) {
      if (logits[o + c] > max) {
        max = logits[o + c];
        arg = c;
      }
    }
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(logits[o + c] - max);
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
