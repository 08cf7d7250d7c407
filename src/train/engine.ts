/** The gradient of one mini-batch on one thread: gather the samples, forward, loss, backward. */
import { Param } from './layer';
import { softTargetCrossEntropy, softmaxCrossEntropy } from './loss';
import { Sequential } from './network';

/** A teacher's class probabilities per sample: the targets of distillation (src/train/loss.ts). */
export interface SoftTargets {
  /** count × classes probabilities, each row summing to 1, softened at `temperature`. */
  probs: Float32Array;
  /** T of the teacher's softmax(z/T); the student's softmax in the loss uses the same T. */
  temperature: number;
}

export interface LabelledData {
  /** Samples one after another, each of the network's input size. */
  x: Float32Array;
  /** Hard labels: the targets without `soft`, and what training accuracy is counted against. */
  labels: ArrayLike<number>;
  count: number;
  /** When present, the loss is the soft-target cross-entropy against these instead of the labels. */
  soft?: SoftTargets;
}

/**
 * Computes the mean-loss gradient of one mini-batch (samples order[start .. start+n)) into the
 * parameters' grad arrays, replacing what they held.
 */
export interface GradientEngine {
  readonly params: Param[];
  gradients(order: Int32Array, start: number, n: number): { loss: number; correct: number };
}

/** The single-threaded engine: gathers the batch and runs forward/backward on `net`. */
export function localEngine(net: Sequential, data: LabelledData, batchSize: number): GradientEngine {
  const inSize = net.inputSize;
  const classes = net.outputSize;
  const xb = new Float32Array(batchSize * inSize);
  const yb = new Int32Array(batchSize);
  const grad = new Float32Array(batchSize * classes);
  const soft = data.soft;
  if (soft && soft.probs.length !== data.count * classes)
    throw new Error(
      `soft targets hold ${soft.probs.length} values, ${data.count} samples × ${classes} classes need ${data.count * classes}`,
    );
  const pb = soft ? new Float32Array(batchSize * classes) : null;
  return {
    params: net.params,
    gradients(order, start, n) {
      for (let i = 0; i < n; i++) {
        const src = order[start + i];
        xb.set(data.x.subarray(src * inSize, (src + 1) * inSize), i * inSize);
        yb[i] = data.labels[src];
        if (pb) pb.set(soft!.probs.subarray(src * classes, (src + 1) * classes), i * classes);
      }
      const logits = net.forward(xb, n, true);
      const r = pb
        ? softTargetCrossEntropy(logits, pb, yb, n, classes, soft!.temperature, grad)
        : softmaxCrossEntropy(logits, yb, n, classes, grad);
      net.zeroGrad();
      net.backward(grad, n);
      return r;
    },
  };
}
