/**
 * Watermark-removal attacks for the robustness evaluation (scripts/watermark-robustness.ts):
 * per-layer magnitude pruning of weights, and fine-tuning on an attacker's labelled subset.
 * Both work on the ONNX model through the trainer and return a model of the same graph.
 */
import { Model } from '../ir/types';
import { LabelledData } from '../train/fit';
import { trainableFromModel, writeBackWeights } from '../train/from-model';
import { Sgd } from '../train/optim/sgd';
import { fitParallel } from '../train/parallel';

/** Zeroes the `fraction` of smallest-magnitude weights of every Conv/Gemm weight tensor (biases kept). */
export function magnitudePrune(model: Model, fraction: number): Model {
  const t = trainableFromModel(model);
  for (const b of t.bindings) {
    if (b.param.role !== 'weight') continue;
    const v = b.param.value;
    const k = Math.floor(fraction * v.length);
    if (k === 0) continue;
    const order = Array.from({ length: v.length }, (_, i) => i).sort((a, c) => Math.abs(v[a]) - Math.abs(v[c]));
    for (let i = 0; i < k; i++) v[order[i]] = 0;
  }
  return writeBackWeights(model, t);
}

export interface FineTuneAttack {
  epochs: number;
  lr: number;
  seed: number;
  threads?: number;
}

/** Fine-tunes every layer on the attacker's data with SGD (momentum 0.9). */
export async function fineTune(model: Model, data: LabelledData, o: FineTuneAttack): Promise<Model> {
  const t = trainableFromModel(model);
  await fitParallel(t.net, data, {
    epochs: o.epochs,
    batchSize: 64,
    optimizer: new Sgd({ lr: o.lr, momentum: 0.9 }),
    seed: o.seed,
    threads: o.threads,
  });
  return writeBackWeights(model, t);
}
