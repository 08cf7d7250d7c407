/**
 * Mini-batch training and evaluation of a Sequential classifier: softmax cross-entropy on hard labels,
 * or the soft-target (distillation) loss when the data carries a teacher's probabilities.
 */
import type { GradientEngine, LabelledData } from './engine';
import { Sequential } from './network';
import { Optimizer } from './optim/optimizer';
import { Rng } from './rng';
import { shardedLocalEngine } from './shards';

export type { GradientEngine, LabelledData, SoftTargets } from './engine';
export { localEngine } from './engine';

export interface Progress {
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  /** Mean loss and accuracy over the epoch so far. */
  loss: number;
  accuracy: number;
  samplesPerSec: number;
}

export interface FitOptions {
  epochs: number;
  batchSize: number;
  optimizer: Optimizer;
  /** Seeds the per-epoch shuffles. */
  seed: number;
  /** Learning rate for an epoch (0-based); defaults to the optimizer's initial rate. */
  lrSchedule?: (epoch: number) => number;
  /** Called every `progressEvery` batches and at the end of each epoch. */
  onProgress?: (p: Progress) => void;
  progressEvery?: number;
  /** Checked between batches; when it returns true, training stops after the current batch. */
  shouldStop?: () => boolean;
}

export interface EpochStats {
  epoch: number;
  loss: number;
  accuracy: number;
  seconds: number;
  samplesPerSec: number;
}

/** Trains on the calling thread; the same weights as fitParallel with any number of threads (src/train/shards.ts). */
export function fit(net: Sequential, data: LabelledData, opts: FitOptions): EpochStats[] {
  return fitWith(shardedLocalEngine(net, data, opts.batchSize), data.count, opts);
}

/** The epoch loop: shuffling, learning-rate schedule, optimizer steps, progress and stopping. */
export function fitWith(engine: GradientEngine, count: number, opts: FitOptions): EpochStats[] {
  const { batchSize, optimizer } = opts;
  const rng = new Rng(opts.seed);
  const order = new Int32Array(count);
  for (let i = 0; i < order.length; i++) order[i] = i;
  const params = engine.params;
  const batches = Math.ceil(count / batchSize);
  const every = opts.progressEvery ?? 50;
  const baseLr = optimizer.lr;
  const history: EpochStats[] = [];
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    optimizer.lr = opts.lrSchedule ? opts.lrSchedule(epoch) : baseLr;
    rng.shuffle(order);
    const t0 = process.hrtime.bigint();
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    let stopped = false;
    for (let b = 0; b < batches; b++) {
      const start = b * batchSize;
      const n = Math.min(batchSize, count - start);
      const r = engine.gradients(order, start, n);
      optimizer.step(params);
      lossSum += r.loss * n;
      correct += r.correct;
      seen += n;
      const last = b === batches - 1;
      if (opts.onProgress && ((b + 1) % every === 0 || last)) {
        const secs = Number(process.hrtime.bigint() - t0) / 1e9;
        opts.onProgress({
          epoch,
          epochs: opts.epochs,
          batch: b + 1,
          batches,
          loss: lossSum / seen,
          accuracy: correct / seen,
          samplesPerSec: seen / secs,
        });
      }
      if (opts.shouldStop?.()) {
        stopped = true;
        break;
      }
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    history.push({ epoch, loss: lossSum / seen, accuracy: correct / seen, seconds, samplesPerSec: seen / seconds });
    if (stopped) break;
  }
  optimizer.lr = baseLr;
  return history;
}

/** Arg-max class of every sample. */
export function predict(net: Sequential, x: Float32Array, count: number, batchSize = 256): Int32Array {
  const inSize = net.inputSize;
  const classes = net.outputSize;
  const out = new Int32Array(count);
  for (let start = 0; start < count; start += batchSize) {
    const n = Math.min(batchSize, count - start);
    const logits = net.forward(x.subarray(start * inSize, (start + n) * inSize), n, false);
    for (let s = 0; s < n; s++) {
      let best = 0;
      for (let c = 1; c < classes; c++) if (logits[s * classes + c] > logits[s * classes + best]) best = c;
      out[start + s] = best;
    }
  }
  return out;
}

/** Fraction of samples classified as labelled. */
export function accuracy(net: Sequential, data: LabelledData, batchSize = 256): number {
  const pred = predict(net, data.x, data.count, batchSize);
  let ok = 0;
  for (let i = 0; i < data.count; i++) if (pred[i] === data.labels[i]) ok++;
  return ok / data.count;
}
