/**
 * For the trace measurement scripts (trace-finetune-effect.ts, trace-amplitude-schemes.ts): where each carrier sits
 * in a float network, and the diagonal Fisher information of the carriers (squared loss gradient, in quantisation
 * steps) over MNIST training images 30,000.. (the thief's part of the split), i.e. how hard fine-tuning pushes them.
 */
import { LabelledImages } from '../../src/data/mnist';
import { FloatNet } from '../../src/trace/float-net';
import { CarrierSet } from '../../src/trace/weight-tensors';
import { softmaxCrossEntropy } from '../../src/train/loss';

/** Each carrier's parameter array, gradient array, index in them and quantisation step. */
export function carrierIndex(set: CarrierSet, fn: FloatNet) {
  const byW = new Map(fn.bindings.map((b) => [b.w, b]));
  return set.carriers.map((c) => {
    const b = byW.get(c.w)!;
    const t = set.tensors[c.w];
    return { v: b.weight.value, g: b.weight.grad, at: b.toParam(c.i), s: t.scales[t.channelOf(c.i)] };
  });
}

/** Σ over `n` training images (batches of `bs`) of each carrier's squared gradient, in steps. */
export function carrierFisher(
  set: CarrierSet,
  fn: FloatNet,
  train: LabelledImages,
  n: number,
  bs: number,
): Float64Array {
  const ci = carrierIndex(set, fn);
  const K = ci.length;
  const F = new Float64Array(K);
  for (let s = 0; s < n; s += bs) {
    fn.net.zeroGrad();
    const x = train.images.subarray((30000 + s) * 784, (30000 + s + bs) * 784);
    const y = fn.net.forward(x, bs, true);
    const grad = new Float32Array(bs * 10);
    softmaxCrossEntropy(y, train.labels.subarray(30000 + s, 30000 + s + bs), bs, 10, grad);
    fn.net.backward(grad, bs);
    for (let j = 0; j < K; j++) F[j] += (ci[j].g[ci[j].at] * ci[j].s) ** 2;
  }
  fn.net.zeroGrad();
  return F;
}
