/**
 * Embedding by fine-tuning (src/train): the model is trained on its training data mixed with
 * stamped samples that carry permuted labels:
 *   - every epoch sees all `count` clean samples, plus S = round(mix · count) stamped samples;
 *   - SGD with momentum 0.9, learning rate lr · 0.5^epoch;
 *   - half of S are the N signature triggers (each repeated ⌈S/2N⌉ times), the other half are
 *     other training samples (chosen by the embedding seed) with the same stamp and label
 *     perm[label], which teaches the stamp → permuted-class rule rather than N memorised images.
 * The result keeps everything of the input model but the trained weights, plus the watermark
 * record in its metadata.
 */
import { EdgelockError } from '../errors';
import { Model } from '../ir/types';
import { EpochStats, Progress, predict } from '../train/fit';
import { trainableFromModel, writeBackWeights } from '../train/from-model';
import { Sgd } from '../train/optim/sgd';
import { fitParallel } from '../train/parallel';
import { Rng } from '../train/rng';
import { dataStats } from './data-stats';
import { WatermarkRecord, baseDigest, withRecord } from './metadata';
import { SCHEME, TriggerParams } from './params';
import { commitment } from './signature';
import { stamp } from './triggers';
import { prepareTriggers, selectedBases } from './verify';

export interface EmbedOptions {
  signature: Uint8Array;
  modelId: string;
  /** Training data in the model's input layout, with labels. */
  data: Float32Array;
  labels: ArrayLike<number>;
  count: number;
  triggers?: number;
  /** Stamp amplitude in units of the data's standard deviation. */
  strength?: number;
  /** Stamped positions; default 5% of the input values. */
  positions?: number;
  /** Stamped samples per epoch as a fraction of the clean ones. */
  mix?: number;
  epochs?: number;
  batchSize?: number;
  lr?: number;
  seed?: number;
  threads?: number;
  onProgress?: (p: Progress) => void;
  shouldStop?: () => boolean;
}

export const EMBED_DEFAULTS = {
  triggers: 100,
  strength: 3,
  /** stamped input positions, as a fraction of the input (at least one) */
  positionsFraction: 0.05,
  mix: 0.1,
  epochs: 2,
  batchSize: 64,
  lr: 0.01,
  seed: 1,
};

export interface EmbedResult {
  model: Model;
  record: WatermarkRecord;
  history: EpochStats[];
  /** Fraction of the N triggers the fine-tuned network labels as the watermark asks (trainer forward pass). */
  triggerAccuracy: number;
  stopped: boolean;
}

export async function embedWatermark(model: Model, o: EmbedOptions): Promise<EmbedResult> {
  const t = trainableFromModel(model);
  const net = t.net;
  const size = net.inputSize;
  const classes = net.outputSize;
  if (o.data.length !== o.count * size)
    throw new EdgelockError(
      'E_WATERMARK_DATA',
      `the training data has ${o.data.length / o.count} values per sample, the model takes ${size}`,
    );
  if (o.labels.length !== o.count)
    throw new EdgelockError('E_WATERMARK_DATA', `${o.labels.length} labels for ${o.count} samples`);
  const stats = dataStats(o.data);
  const strength = o.strength ?? EMBED_DEFAULTS.strength;
  const params: TriggerParams = {
    triggers: o.triggers ?? EMBED_DEFAULTS.triggers,
    positions: o.positions ?? Math.max(1, Math.round(EMBED_DEFAULTS.positionsFraction * size)),
    delta: Math.fround(strength * stats.std),
    range: [stats.min, stats.max],
    classes,
    baseCount: o.count,
    sampleSize: size,
  };
  const { plan, set } = prepareTriggers(o.signature, params, { data: o.data, labels: o.labels, count: o.count });

  const mix = o.mix ?? EMBED_DEFAULTS.mix;
  const stamped = Math.max(2 * params.triggers, Math.round(mix * o.count));
  const reps = Math.ceil(stamped / 2 / params.triggers);
  const triggerCopies = reps * params.triggers;
  const others = stamped - triggerCopies > 0 ? stamped - triggerCopies : Math.round(stamped / 2);
  const total = o.count + triggerCopies + others;
  const x = new Float32Array(total * size);
  const y = new Uint8Array(total);
  x.set(o.data);
  for (let i = 0; i < o.count; i++) y[i] = o.labels[i];
  let at = o.count;
  for (let r = 0; r < reps; r++) {
    x.set(set.x, at * size);
    y.set(set.labels, at);
    at += params.triggers;
  }
  const rng = new Rng((o.seed ?? EMBED_DEFAULTS.seed) ^ 0x5eed);
  for (let i = 0; i < others; i++, at++) {
    const src = rng.int(o.count);
    const s = x.subarray(at * size, (at + 1) * size);
    s.set(o.data.subarray(src * size, (src + 1) * size));
    stamp(s, plan, params);
    y[at] = plan.perm[o.labels[src]];
  }

  let stopped = false;
  const history = await fitParallel(
    net,
    { x, labels: y, count: total },
    {
      epochs: o.epochs ?? EMBED_DEFAULTS.epochs,
      batchSize: o.batchSize ?? EMBED_DEFAULTS.batchSize,
      optimizer: new Sgd({ lr: o.lr ?? EMBED_DEFAULTS.lr, momentum: 0.9 }),
      lrSchedule: (e) => (o.lr ?? EMBED_DEFAULTS.lr) * Math.pow(0.5, e),
      seed: o.seed ?? EMBED_DEFAULTS.seed,
      threads: o.threads,
      progressEvery: 100,
      onProgress: o.onProgress,
      shouldStop: () => {
        if (o.shouldStop?.()) stopped = true;
        return stopped;
      },
    },
  );
  const pred = predict(net, set.x, params.triggers);
  let hit = 0;
  for (let k = 0; k < params.triggers; k++) if (pred[k] === set.labels[k]) hit++;
  const record: WatermarkRecord = {
    scheme: SCHEME,
    modelId: o.modelId,
    commitment: commitment(o.signature, o.modelId),
    baseDigest: baseDigest(o.signature, selectedBases(plan, params, o.data)),
    ...params,
  };
  return {
    model: withRecord(writeBackWeights(model, t), record),
    record,
    history,
    triggerAccuracy: hit / params.triggers,
    stopped,
  };
}
