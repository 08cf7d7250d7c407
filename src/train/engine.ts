/** The gradient of one mini-batch on one thread: gather the samples, forward, loss, backward. */
import { Param } from './layer';
import { softmaxCrossEntropy } from './loss';
import { Sequential } from './network';

export interface LabelledData {
  /** Samples one after another, each of the network's input size. */
  x: Float32Array;
  labels: ArrayLike<number>;
  count: number;
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
  return {
    params: net.params,
    gradients(order, start, n) {
      for (let i = 0; i < n; i++) {
        const src = order[start + i];
        xb.set(data.x.subarray(src * inSize, (src + 1) * inSize), i * inSize);
        yb[i] = data.labels[src];
      }
      const logits = net.forward(xb, n, true);
      const r = softmaxCrossEntropy(logits, yb, n, classes, grad);
      net.zeroGrad();
      net.backward(grad, n);
      return r;
    },
  };
}
