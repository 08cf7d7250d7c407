/**
 * Gradient shards: the unit of work that makes training reproducible whatever the thread count.
 *
 * Every mini-batch is split into the same shards however many threads there are — shardCount(batch
 * size) of them, consecutive sample ranges whose sizes differ by at most one (`shardRange`). Each
 * shard's mean gradient is computed on its own into its own buffer (by whichever thread), with the
 * same operations whichever thread runs it; then `reduceShards` combines them in shard order,
 * g = Σₛ (nₛ/n)·gₛ, one float32 rounding per step. So a seed gives bit-identical weights with 1, 2
 * or more threads, on any machine with the same JavaScript and WebAssembly semantics.
 */
import { GradientEngine, LabelledData, localEngine } from './engine';
import { Param } from './layer';
import { Sequential } from './network';

/** Samples per gradient shard (at most): a 64-sample batch is 4 shards, enough work for 4 threads. */
export const SHARD_SAMPLES = 16;

export function shardCount(batchSize: number): number {
  return Math.max(1, Math.ceil(batchSize / SHARD_SAMPLES));
}

/** [offset, length] of part `i` of n samples split into `parts` (sizes differ by at most one). */
export function shardRange(n: number, parts: number, i: number): [number, number] {
  const base = Math.floor(n / parts);
  const extra = n % parts;
  return [i * base + Math.min(i, extra), base + (i < extra ? 1 : 0)];
}

/** Points each parameter's gradient at its slice of `buf` (the parameters laid end to end from float `at`). */
export function bindGrads(params: Param[], buf: ArrayBufferLike, at = 0): void {
  let off = at;
  for (const p of params) {
    p.grad = new Float32Array(buf, off * 4, p.value.length);
    off += p.value.length;
  }
}

/** grads[0] ← Σₛ (sizes[s]/n)·grads[s] in shard order (empty shards skipped); loss and correct likewise. */
export function reduceShards(
  grads: Float32Array[],
  sizes: number[],
  losses: ArrayLike<number>,
  corrects: ArrayLike<number>,
): { loss: number; correct: number } {
  const n = sizes.reduce((a, b) => a + b, 0);
  const g0 = grads[0];
  let loss = 0;
  let correct = 0;
  let first = true;
  for (let s = 0; s < grads.length; s++) {
    if (sizes[s] === 0) continue;
    const w = sizes[s] / n;
    const gs = grads[s];
    if (first) for (let i = 0; i < g0.length; i++) g0[i] = w * gs[i];
    else for (let i = 0; i < g0.length; i++) g0[i] += w * gs[i];
    first = false;
    loss += losses[s] * sizes[s];
    correct += corrects[s];
  }
  return { loss: loss / n, correct };
}

/** The sharded gradient on the calling thread alone: the same numbers as any number of threads. */
export function shardedLocalEngine(net: Sequential, data: LabelledData, batchSize: number): GradientEngine {
  const params = net.params;
  const total = params.reduce((n, p) => n + p.value.length, 0);
  const parts = shardCount(batchSize);
  const buf = new ArrayBuffer(parts * total * 4);
  const grads = Array.from({ length: parts }, (_, s) => new Float32Array(buf, s * total * 4, total));
  const local = localEngine(net, data, Math.ceil(batchSize / parts));
  const losses = new Float64Array(parts);
  const corrects = new Float64Array(parts);
  const sizes = new Array<number>(parts).fill(0);
  bindGrads(params, buf);
  return {
    params,
    gradients(order, start, n) {
      for (let s = 0; s < parts; s++) {
        const [o, ns] = shardRange(n, parts, s);
        sizes[s] = ns;
        if (ns === 0) continue;
        bindGrads(params, buf, s * total);
        const r = local.gradients(order, start + o, ns);
        losses[s] = r.loss;
        corrects[s] = r.correct;
      }
      bindGrads(params, buf);
      return reduceShards(grads, sizes, losses, corrects);
    },
  };
}
