/**
 * Null calibration: the chance that a model which never saw a watermark gives trigger labels.
 * Clean models of the same architecture (trained here from different seeds, or given as files)
 * are queried with the triggers of the owner's signature and of deterministic probe signatures
 * SHA-256("edgelock-wm1/null-probe" ‖ uint32_be(i)); the pooled counts go to summariseNull.
 */
import { createHash } from 'crypto';
import { Model } from '../ir/types';
import { Progress, predict } from '../train/fit';
import { trainableFromModel, writeBackWeights } from '../train/from-model';
import { buildNetwork } from '../train/layers';
import { Sgd } from '../train/optim/sgd';
import { fitParallel } from '../train/parallel';
import { Rng } from '../train/rng';
import { NullCalibration, NullModelResult, summariseNull } from './null-rate';
import { TriggerParams } from './params';
import { readWatermarkedModel } from './model-file';
import { RUNNERS } from './runners';
import { BaseData, prepareTriggers } from './verify';

/** What `watermark calibrate` uses when not told otherwise. */
export const CALIBRATE_DEFAULTS = { models: 10, epochs: 1, probes: 9 };

/** Anything that labels a batch of samples: a trained network or a model file's runner. */
export interface CleanClassifier {
  name: string;
  /** The trained model as ONNX (same graph as the template, fresh weights), when trained here. */
  model?: Model;
  predict(x: Float32Array, count: number): Promise<Int32Array>;
  accuracy?: number;
}

export function probeSignature(i: number): Uint8Array {
  const ctr = Buffer.alloc(4);
  ctr.writeUInt32BE(i, 0);
  return new Uint8Array(createHash('sha256').update('edgelock-wm1/null-probe', 'ascii').update(ctr).digest());
}

export interface CleanTrainingOptions {
  models: number;
  epochs: number;
  /** Samples each clean model trains on (a seeded random subset; default all). */
  samples?: number;
  firstSeed?: number;
  threads?: number;
  lr?: number;
  /** Labelled test data for reporting each clean model's accuracy. */
  test?: { data: Float32Array; labels: ArrayLike<number>; count: number };
  onProgress?: (model: number, p: Progress) => void;
}

/** Trains `models` fresh networks of `model`'s architecture on the data, each from its own seed. */
export async function* trainCleanModels(
  model: Model,
  data: BaseData,
  o: CleanTrainingOptions,
): AsyncGenerator<CleanClassifier> {
  const template = trainableFromModel(model);
  const size = template.net.inputSize;
  for (let m = 0; m < o.models; m++) {
    const seed = (o.firstSeed ?? 101) + m;
    const net = buildNetwork(template.net.inputShape, template.specs, seed);
    let x = data.data;
    let labels: ArrayLike<number> = data.labels;
    let count = data.count;
    if (o.samples && o.samples < data.count) {
      const order = new Rng(seed ^ 0xc1ea).shuffle(Int32Array.from({ length: data.count }, (_, i) => i));
      count = o.samples;
      x = new Float32Array(count * size);
      const l = new Uint8Array(count);
      for (let i = 0; i < count; i++) {
        x.set(data.data.subarray(order[i] * size, (order[i] + 1) * size), i * size);
        l[i] = data.labels[order[i]];
      }
      labels = l;
    }
    const lr = o.lr ?? 0.03;
    await fitParallel(
      net,
      { x, labels, count },
      {
        epochs: o.epochs,
        batchSize: 64,
        optimizer: new Sgd({ lr, momentum: 0.9, weightDecay: 1e-4 }),
        lrSchedule: (e) => lr * Math.pow(0.6, e),
        seed: seed + 1,
        threads: o.threads,
        progressEvery: 200,
        onProgress: (p) => o.onProgress?.(m, p),
      },
    );
    let accuracy: number | undefined;
    if (o.test) {
      const pred = predict(net, o.test.data, o.test.count);
      let ok = 0;
      for (let i = 0; i < o.test.count; i++) if (pred[i] === o.test.labels[i]) ok++;
      accuracy = ok / o.test.count;
    }
    // The template's parameters are bound to its initializers: copy the fresh weights in and write them back.
    template.net.params.forEach((p, i) => p.value.set(net.params[i].value));
    yield {
      name: `seed ${seed}`,
      model: writeBackWeights(model, template),
      predict: async (xs, n) => predict(net, xs, n),
      accuracy,
    };
  }
}

/** Queries every clean classifier with the triggers of the owner's and `probes` probe signatures. */
export async function calibrateNull(
  signature: Uint8Array,
  params: TriggerParams,
  base: BaseData,
  classifiers: AsyncIterable<CleanClassifier> | Iterable<CleanClassifier>,
  probes = CALIBRATE_DEFAULTS.probes,
  onModel?: (r: NullModelResult) => void,
): Promise<NullCalibration> {
  const sets = [signature, ...Array.from({ length: probes }, (_, i) => probeSignature(i + 1))].map(
    (s) => prepareTriggers(s, params, base).set,
  );
  const results: NullModelResult[] = [];
  for await (const c of classifiers) {
    let matches = 0;
    let trials = 0;
    for (const set of sets) {
      const pred = await c.predict(set.x, set.labels.length);
      for (let k = 0; k < set.labels.length; k++) if (pred[k] === set.labels[k]) matches++;
      trials += set.labels.length;
    }
    const r: NullModelResult = {
      model: c.name,
      matches,
      trials,
      ...(c.accuracy !== undefined ? { accuracy: c.accuracy } : {}),
    };
    results.push(r);
    onModel?.(r);
  }
  return summariseNull(params.classes, sets.length, results);
}

/** Clean models given as files (ONNX or TFLite), each opened in its runner only while it is queried. */
export async function* fileClassifiers(files: readonly string[]): AsyncIterable<CleanClassifier> {
  for (const file of files) {
    const m = readWatermarkedModel(file);
    const runner = await RUNNERS[m.format]!(m.bytes, file);
    try {
      yield { name: file, predict: (x, n) => runner.predict(x, n) };
    } finally {
      runner.dispose();
    }
  }
}
