/**
 * Model extraction by distillation: the attacker queries a working copy of the victim (a board, an
 * unlocked file) on inputs of their own, takes the answers as hard labels (arg-max) or soft labels
 * (the victim's output probabilities softened at a temperature T), and trains a fresh network of a
 * chosen architecture on them. The result is a copy of the victim's function that shares none of
 * its weights — which is why weight-level protections and trigger watermarks need not survive it.
 */
import { EdgelockError } from '../errors';
import { Model } from '../ir/types';
import { LabelledData } from '../train/fit';
import { trainableFromModel, writeBackWeights } from '../train/from-model';
import { buildNetwork } from '../train/layers';
import { softmaxRows } from '../train/loss';
import { Sgd } from '../train/optim/sgd';
import { fitParallel } from '../train/parallel';
import { Rng } from '../train/rng';
import { shiftImages } from '../train/shift';

/** Answers the victim gives: arg-max labels of `count` samples, or of the first ones only when it stops answering
 * (a board whose query budget is spent: src/attack/budgeted-board.ts). */
export type VictimQuery = (x: Float32Array, count: number) => Promise<Int32Array>;

export type LabelKind = 'hard' | 'soft';

/** The temperature of soft labels unless one is chosen (Hinton et al. 2015 use 2–20; the issue measured 4). */
export const DEFAULT_TEMPERATURE = 4;

export interface DistillOptions {
  /** queries the attacker spends (samples labelled by the victim) */
  queries: number;
  epochs: number;
  lr?: number;
  seed: number;
  threads?: number;
  /** random-shift augmentation: each epoch every query image moved by up to this many pixels (train/shift.ts); 0: none */
  shift?: number;
  onProgress?: Parameters<typeof fitParallel>[2]['onProgress'];
}

export interface DistillResult {
  /** the copy, as an ONNX model of the attacker's architecture */
  copy: Model;
  /** queries the victim answered (fewer than asked when its budget ran out); the copy is trained on these */
  queries: number;
  /** fraction of the attacker's queries on which the victim's answer equals the true label */
  victimAgreement: number;
}

/** The victim's answers to the attacker's queries, as training targets. */
export interface VictimAnswers {
  /** arg-max of each answer */
  labels: Uint8Array;
  /** soft labels: count × classes probabilities at `temperature` */
  soft?: { probs: Float32Array; temperature: number };
}

/**
 * Output scores [count × classes] as logits: rows that already are probabilities (a model ending in
 * Softmax: non-negative, summing to 1) become their logarithms, anything else is taken as logits.
 */
export function scoresToLogits(scores: Float32Array, count: number, classes: number): Float32Array {
  let probabilities = true;
  for (let s = 0; s < count && probabilities; s++) {
    let sum = 0;
    for (let c = 0; c < classes; c++) {
      const v = scores[s * classes + c];
      if (!(v >= 0)) probabilities = false;
      sum += v;
    }
    if (Math.abs(sum - 1) > 1e-3) probabilities = false;
  }
  if (!probabilities) return scores;
  return scores.map((v) => Math.log(Math.max(v, 1e-12)));
}

/** Training targets from the victim's output scores: arg-max labels, and soft labels softmax(z/T) when asked. */
export function answersFromScores(
  scores: Float32Array,
  count: number,
  classes: number,
  kind: LabelKind,
  temperature = DEFAULT_TEMPERATURE,
): VictimAnswers {
  const labels = new Uint8Array(count);
  for (let s = 0; s < count; s++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (scores[s * classes + c] > scores[s * classes + best]) best = c;
    labels[s] = best;
  }
  if (kind === 'hard') return { labels };
  const probs = softmaxRows(scoresToLogits(scores, count, classes), count, classes, temperature);
  return { labels, soft: { probs, temperature } };
}

/** The shape of one sample the model takes (its input without the batch dimension). */
function sampleShape(model: Model): number[] {
  return (model.graph.inputs[0].shape as number[]).slice(1);
}

/** Refuses random shifts of `shift` pixels for a model whose samples are not images wider and higher than 2·shift. */
export function checkShift(model: Model, shift: number): void {
  const shape = sampleShape(model);
  if (shift > 0 && (shape.length !== 3 || shape[1] <= 2 * shift || shape[2] <= 2 * shift))
    throw new EdgelockError(
      'E_USAGE',
      `--shift ${shift}: the copy's input [${shape.join(', ')}] is not an image [C, H, W] wider and higher than ${2 * shift} pixels`,
    );
}

/**
 * Trains a copy with `architecture`'s graph, freshly initialised from `o.seed` (its weights and
 * metadata are not used: a thief's model carries none of the owner's records), on `count` samples
 * `x` with the victim's answers as targets.
 */
export async function trainCopy(
  architecture: Model,
  x: Float32Array,
  count: number,
  answers: VictimAnswers,
  o: Omit<DistillOptions, 'queries'>,
): Promise<Model> {
  const t = trainableFromModel(architecture);
  const shape = sampleShape(architecture);
  const fresh = buildNetwork(shape, t.specs, o.seed);
  t.net.params.forEach((p, i) => p.value.set(fresh.params[i].value));
  const data: LabelledData = { x, labels: answers.labels, count, ...(answers.soft ? { soft: answers.soft } : {}) };
  const shift = o.shift ?? 0;
  checkShift(architecture, shift);
  const fitOptions = {
    batchSize: 32,
    optimizer: new Sgd({ lr: o.lr ?? 0.05, momentum: 0.9, weightDecay: 1e-4 }),
    threads: o.threads,
  };
  if (count > 0 && shift === 0)
    await fitParallel(t.net, data, { ...fitOptions, epochs: o.epochs, seed: o.seed + 1, onProgress: o.onProgress });
  else if (count > 0) {
    // every epoch on freshly shifted images (the optimizer, and its momentum, carried from one to the next)
    const rng = new Rng(o.seed + 2);
    for (let epoch = 0; epoch < o.epochs; epoch++)
      await fitParallel(
        t.net,
        { ...data, x: shiftImages(x, count, shape, shift, rng) },
        {
          ...fitOptions,
          epochs: 1,
          seed: o.seed + 1 + epoch,
          onProgress: o.onProgress && ((p) => o.onProgress!({ ...p, epoch, epochs: o.epochs })),
        },
      );
  }
  return { ...writeBackWeights(architecture, t), metadata: {} };
}

/**
 * Trains a copy with `architecture`'s graph on `pool`'s first `queries` inputs labelled by `victim`
 * (hard labels). `pool.labels` are only used to report how often the victim was right; the copy never
 * sees them.
 */
export async function distillCopy(
  victim: VictimQuery,
  architecture: Model,
  pool: LabelledData,
  o: DistillOptions,
): Promise<DistillResult> {
  const asked = Math.min(o.queries, pool.count);
  const size = pool.x.length / pool.count;
  const answers = await victim(pool.x.subarray(0, asked * size), asked);
  const n = Math.min(answers.length, asked);
  const x = pool.x.subarray(0, n * size);
  let agree = 0;
  for (let i = 0; i < n; i++) if (answers[i] === pool.labels[i]) agree++;
  const labels = Uint8Array.from(answers.subarray(0, n));
  // a board whose budget was spent before the first answer leaves nothing to learn from: the copy stays as initialised
  const copy = await trainCopy(architecture, x, n, { labels }, o);
  return { copy, queries: n, victimAgreement: n ? agree / n : 0 };
}
