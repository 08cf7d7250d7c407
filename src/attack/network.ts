/** The locked (or candidate-unlocked) model as a trainer network, and scoring helpers. */
import { Model } from '../ir/types';
import { accuracy, fit, LabelledData } from '../train/fit';
import { trainableFromModel, TrainableModel } from '../train/from-model';
import { Sgd } from '../train/optim/sgd';
import { Sequential } from '../train/network';
import { softmaxCrossEntropy } from '../train/loss';
import { AttackBudget } from './context';

export function networkOf(model: Model): TrainableModel {
  return trainableFromModel(model);
}

/** Replaces NaN/Inf weights by 0: a network cannot be trained through non-finite values. */
export function sanitize(t: TrainableModel): number {
  let replaced = 0;
  for (const p of t.net.params) {
    for (let i = 0; i < p.value.length; i++) {
      if (!Number.isFinite(p.value[i])) {
        p.value[i] = 0;
        replaced++;
      }
    }
  }
  return replaced;
}

export function score(net: Sequential, data: LabelledData): number {
  return accuracy(net, data);
}

export function subset(data: LabelledData, count: number): LabelledData {
  const n = Math.min(count, data.count);
  const size = data.x.length / data.count;
  return { x: data.x.subarray(0, n * size), labels: Array.prototype.slice.call(data.labels, 0, n), count: n };
}

/** Trains all of `net`'s parameters with SGD + momentum; returns the forward passes spent. */
export function trainAll(net: Sequential, data: LabelledData, budget: AttackBudget, lr: number, seed: number): number {
  fit(net, data, {
    epochs: budget.epochs,
    batchSize: budget.batchSize,
    optimizer: new Sgd({ lr, momentum: 0.9, weightDecay: 1e-4 }),
    seed,
  });
  return budget.epochs * data.count;
}

/** Copies `model`'s initializers into the bound parameters of `t` (same architecture), undoing Gemm transB = 0. */
export function loadWeights(t: TrainableModel, model: Model): void {
  for (const b of t.bindings) {
    const src = model.graph.initializers.get(b.initializer)!;
    const data = src.data as Float32Array;
    if (b.transposed) {
      const [rows, cols] = src.shape;
      for (let i = 0; i < rows; i++) for (let o = 0; o < cols; o++) b.param.value[o * rows + i] = data[i * cols + o];
    } else b.param.value.set(data);
  }
}

/** Mean cross-entropy and accuracy of `net` on `data` (one batch). NaN logits count as a loss of +∞. */
export function lossOn(net: Sequential, data: LabelledData): { loss: number; accuracy: number } {
  const logits = net.forward(data.x, data.count, false);
  const r = softmaxCrossEntropy(logits, data.labels, data.count, net.outputSize, null);
  return { loss: Number.isFinite(r.loss) ? r.loss : Infinity, accuracy: r.correct / data.count };
}
