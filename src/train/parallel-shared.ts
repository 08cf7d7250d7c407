/** Shared-memory layout between the data-parallel trainer and its worker threads. */
import { GradientEngine } from './engine';
import { LayerSpec } from './layers';
import { bindGrads, shardRange } from './shards';

/** Indices into the control Int32Array. */
export const CTRL = {
  /** Bumped by the main thread to start a step (or to stop). */
  generation: 0,
  /** Workers that finished the current step. */
  done: 1,
  start: 2,
  count: 3,
  stop: 4,
  size: 8,
} as const;

export interface WorkerSetup {
  /** Participant index (the main thread is 0). */
  index: number;
  participants: number;
  /** Gradient shards per batch (src/train/shards.ts); participant i computes shards i, i + participants, … */
  shards: number;
  inputShape: number[];
  specs: LayerSpec[];
  /** Per-sample input size and sample count of the shared data. */
  inSize: number;
  count: number;
  maxShard: number;
  ctrl: SharedArrayBuffer;
  /** Per shard: mean loss and correct count (float64 pairs). */
  stats: SharedArrayBuffer;
  params: SharedArrayBuffer;
  /** One gradient block (all parameters end to end) per shard. */
  grads: SharedArrayBuffer;
  x: SharedArrayBuffer;
  labels: SharedArrayBuffer;
  /** Soft targets (count × classes float32) and their temperature, when training on a teacher's probabilities. */
  soft?: { buf: SharedArrayBuffer; temperature: number };
  order: SharedArrayBuffer;
}

/**
 * Runs participant `index`'s shards of the batch order[start .. start+n) — shards index,
 * index + participants, … — each into its own block of `grads` (total floats per block), with its
 * loss and correct count in `stats`. The same code on every thread.
 */
export function runShards(
  engine: GradientEngine,
  grads: ArrayBufferLike,
  total: number,
  stats: Float64Array,
  order: Int32Array,
  start: number,
  n: number,
  index: number,
  participants: number,
  shards: number,
): void {
  for (let s = index; s < shards; s += participants) {
    const [o, ns] = shardRange(n, shards, s);
    if (ns === 0) continue;
    bindGrads(engine.params, grads, s * total);
    const r = engine.gradients(order, start + o, ns);
    stats[2 * s] = r.loss;
    stats[2 * s + 1] = r.correct;
  }
}
