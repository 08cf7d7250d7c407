/**
 * Data-parallel training on worker threads: each mini-batch's gradient shards (src/train/shards.ts)
 * are shared out between the main thread and (threads − 1) workers holding replicas of the network
 * whose parameters live in one SharedArrayBuffer; each shard's gradient lands in its own block, the
 * main thread combines the blocks in shard order and steps the optimizer. The shards and their
 * order do not depend on the thread count, so neither do the trained weights: 1, 2 or 3 threads
 * give bit-identical results for a seed (test/train/parallel.test.ts).
 */
import * as os from 'os';
import { Worker } from 'worker_threads';
import { GradientEngine, LabelledData, localEngine } from './engine';
import { EpochStats, FitOptions, fitWith } from './fit';
import { LayerSpec, specsOf } from './layers';
import { Sequential } from './network';
import { CTRL, WorkerSetup, runShards } from './parallel-shared';
import { bindGrads, reduceShards, shardCount, shardRange, shardedLocalEngine } from './shards';
import { workerScript } from './worker-script';

export interface ParallelFitOptions extends FitOptions {
  /**
   * Threads including the main one (default: available cores; at most one per gradient shard).
   * 1 trains on the main thread only. The trained weights do not depend on it.
   */
  threads?: number;
}

export function defaultThreads(): number {
  const avail = (os as { availableParallelism?: () => number }).availableParallelism;
  return Math.max(1, avail ? avail() : os.cpus().length);
}

function shared(bytes: number): SharedArrayBuffer {
  return new SharedArrayBuffer(Math.max(8, bytes));
}

export async function fitParallel(
  net: Sequential,
  data: LabelledData,
  opts: ParallelFitOptions,
): Promise<EpochStats[]> {
  const shards = shardCount(opts.batchSize);
  const threads = Math.max(1, Math.min(opts.threads ?? defaultThreads(), shards));
  if (threads === 1) return fitWith(shardedLocalEngine(net, data, opts.batchSize), data.count, opts);
  const specs: LayerSpec[] | undefined = specsOf(net);
  if (!specs)
    throw new Error('fitParallel needs a network made by buildNetwork (its layer specs are sent to the workers)');

  const params = net.params;
  const total = params.reduce((n, p) => n + p.value.length, 0);
  const inSize = net.inputSize;
  const maxShard = shardRange(opts.batchSize, shards, 0)[1];
  const ctrlBuf = shared(CTRL.size * 4);
  const statsBuf = shared(shards * 16);
  const paramBuf = shared(total * 4);
  const gradBuf = shared(shards * total * 4);
  const xBuf = shared(data.count * inSize * 4);
  new Float32Array(xBuf).set(data.x.subarray(0, data.count * inSize));
  const labelBuf = shared(data.count);
  const labelView = new Uint8Array(labelBuf);
  for (let i = 0; i < data.count; i++) labelView[i] = data.labels[i];
  const classes = net.outputSize;
  const softBuf = data.soft ? shared(data.count * classes * 4) : null;
  if (softBuf) new Float32Array(softBuf).set(data.soft!.probs.subarray(0, data.count * classes));
  const soft = softBuf ? { buf: softBuf, temperature: data.soft!.temperature } : undefined;
  const orderBuf = shared(data.count * 4);
  const order = new Int32Array(orderBuf);

  // The main thread's replica works in place on the shared parameters; between steps its gradients
  // are shard 0's block, which holds the combined gradient the optimizer reads.
  const privateCopies = params.map((p) => ({ value: p.value, grad: p.grad }));
  let off = 0;
  for (const p of params) {
    const v = new Float32Array(paramBuf, off * 4, p.value.length);
    v.set(p.value);
    p.value = v;
    off += p.value.length;
  }
  bindGrads(params, gradBuf);

  const ctrl = new Int32Array(ctrlBuf);
  const stats = new Float64Array(statsBuf);
  const grads = Array.from({ length: shards }, (_, s) => new Float32Array(gradBuf, s * total * 4, total));
  const sizes = new Array<number>(shards).fill(0);
  const losses = new Float64Array(shards);
  const corrects = new Float64Array(shards);
  const workers: Worker[] = [];
  const script = workerScript(__dirname, 'train', 'parallel-worker');
  try {
    await Promise.all(
      Array.from({ length: threads - 1 }, (_, i) => {
        const setup: WorkerSetup = {
          index: i + 1,
          participants: threads,
          shards,
          inputShape: net.inputShape,
          specs,
          inSize,
          count: data.count,
          maxShard,
          ctrl: ctrlBuf,
          stats: statsBuf,
          params: paramBuf,
          grads: gradBuf,
          x: xBuf,
          labels: labelBuf,
          ...(soft ? { soft } : {}),
          order: orderBuf,
        };
        const w = new Worker(script, { workerData: setup });
        workers.push(w);
        return new Promise<void>((resolve, reject) => {
          w.once('message', () => resolve());
          w.once('error', reject);
        });
      }),
    );

    const local = localEngine(
      net,
      {
        x: new Float32Array(xBuf),
        labels: labelView,
        count: data.count,
        ...(soft ? { soft: { probs: new Float32Array(soft.buf), temperature: soft.temperature } } : {}),
      },
      maxShard,
    );
    const engine: GradientEngine = {
      params,
      gradients(epochOrder, start, n) {
        if (start === 0) order.set(epochOrder);
        ctrl[CTRL.start] = start;
        ctrl[CTRL.count] = n;
        Atomics.store(ctrl, CTRL.done, 0);
        Atomics.add(ctrl, CTRL.generation, 1);
        Atomics.notify(ctrl, CTRL.generation);
        runShards(local, gradBuf, total, stats, order, start, n, 0, threads, shards);
        for (;;) {
          const done = Atomics.load(ctrl, CTRL.done);
          if (done >= threads - 1) break;
          Atomics.wait(ctrl, CTRL.done, done, 1000);
        }
        bindGrads(params, gradBuf);
        for (let s = 0; s < shards; s++) {
          sizes[s] = shardRange(n, shards, s)[1];
          losses[s] = stats[2 * s];
          corrects[s] = stats[2 * s + 1];
        }
        return reduceShards(grads, sizes, losses, corrects);
      },
    };
    return fitWith(engine, data.count, opts);
  } finally {
    Atomics.store(ctrl, CTRL.stop, 1);
    Atomics.add(ctrl, CTRL.generation, 1);
    Atomics.notify(ctrl, CTRL.generation);
    await Promise.all(workers.map((w) => new Promise((resolve) => w.once('exit', resolve))));
    // Give the network back private arrays holding the trained values.
    params.forEach((p, i) => {
      privateCopies[i].value.set(p.value);
      p.value = privateCopies[i].value;
      p.grad = privateCopies[i].grad;
    });
  }
}
