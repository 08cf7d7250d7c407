/**
 * Data-parallel training on worker threads: each mini-batch is split across the main thread and
 * (threads − 1) workers holding replicas of the network whose parameters live in one
 * SharedArrayBuffer; the main thread sums the weighted shard gradients and steps the optimizer.
 * The result is the same full-batch gradient as single-threaded training (up to summation order).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { EpochStats, FitOptions, GradientEngine, LabelledData, fitWith, localEngine } from './fit';
import { LayerSpec, specsOf } from './layers';
import { Sequential } from './network';
import { CTRL, WorkerSetup, shard } from './parallel-shared';

export interface ParallelFitOptions extends FitOptions {
  /** Threads including the main one (default: available cores). 1 trains on the main thread only. */
  threads?: number;
}

export function defaultThreads(): number {
  const avail = (os as { availableParallelism?: () => number }).availableParallelism;
  return Math.max(1, avail ? avail() : os.cpus().length);
}

/** The compiled worker script (under ts-jest the sources are .ts, so the built copy in dist/ is used). */
function workerScript(): string {
  const here = path.join(__dirname, 'parallel-worker.js');
  if (fs.existsSync(here)) return here;
  const built = path.resolve(__dirname, '..', '..', 'dist', 'train', 'parallel-worker.js');
  if (fs.existsSync(built)) return built;
  throw new Error('parallel trainer: dist/train/parallel-worker.js is missing (run npm run build)');
}

function shared(bytes: number): SharedArrayBuffer {
  return new SharedArrayBuffer(Math.max(8, bytes));
}

export async function fitParallel(net: Sequential, data: LabelledData, opts: ParallelFitOptions): Promise<EpochStats[]> {
  const threads = Math.max(1, Math.min(opts.threads ?? defaultThreads(), opts.batchSize));
  if (threads === 1) return fitWith(localEngine(net, data, opts.batchSize), data.count, opts);
  const specs: LayerSpec[] | undefined = specsOf(net);
  if (!specs) throw new Error('fitParallel needs a network made by buildNetwork (its layer specs are sent to the workers)');

  const params = net.params;
  const total = params.reduce((n, p) => n + p.value.length, 0);
  const inSize = net.inputSize;
  const maxShard = Math.ceil(opts.batchSize / threads);
  const ctrlBuf = shared(CTRL.size * 4);
  const statsBuf = shared(threads * 16);
  const paramBuf = shared(total * 4);
  const gradBufs = Array.from({ length: threads }, () => shared(total * 4));
  const xBuf = shared(data.count * inSize * 4);
  new Float32Array(xBuf).set(data.x.subarray(0, data.count * inSize));
  const labelBuf = shared(data.count);
  const labelView = new Uint8Array(labelBuf);
  for (let i = 0; i < data.count; i++) labelView[i] = data.labels[i];
  const orderBuf = shared(data.count * 4);
  const order = new Int32Array(orderBuf);

  // The main thread's replica works in place on the shared parameters and participant 0's gradients.
  const privateCopies = params.map((p) => ({ value: p.value, grad: p.grad }));
  let off = 0;
  for (const p of params) {
    const v = new Float32Array(paramBuf, off * 4, p.value.length);
    v.set(p.value);
    p.value = v;
    p.grad = new Float32Array(gradBufs[0], off * 4, p.grad.length);
    off += p.value.length;
  }

  const ctrl = new Int32Array(ctrlBuf);
  const stats = new Float64Array(statsBuf);
  const grads = gradBufs.map((b) => new Float32Array(b, 0, total));
  const workers: Worker[] = [];
  const script = workerScript();
  try {
    await Promise.all(
      Array.from({ length: threads - 1 }, (_, i) => {
        const setup: WorkerSetup = {
          index: i + 1,
          participants: threads,
          inputShape: net.inputShape,
          specs,
          inSize,
          count: data.count,
          maxShard,
          ctrl: ctrlBuf,
          stats: statsBuf,
          params: paramBuf,
          grads: gradBufs[i + 1],
          x: xBuf,
          labels: labelBuf,
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

    const local = localEngine(net, { x: new Float32Array(xBuf), labels: labelView, count: data.count }, maxShard);
    const engine: GradientEngine = {
      params,
      gradients(epochOrder, start, n) {
        if (start === 0) order.set(epochOrder);
        ctrl[CTRL.start] = start;
        ctrl[CTRL.count] = n;
        Atomics.store(ctrl, CTRL.done, 0);
        Atomics.add(ctrl, CTRL.generation, 1);
        Atomics.notify(ctrl, CTRL.generation);
        const [o0, n0] = shard(n, threads, 0);
        let loss = 0;
        let correct = 0;
        if (n0 > 0) {
          const r = local.gradients(order, start + o0, n0);
          loss += r.loss * n0;
          correct += r.correct;
        } else grads[0].fill(0);
        for (;;) {
          const done = Atomics.load(ctrl, CTRL.done);
          if (done >= threads - 1) break;
          Atomics.wait(ctrl, CTRL.done, done, 1000);
        }
        const g0 = grads[0];
        const s0 = n0 / n;
        for (let i = 0; i < total; i++) g0[i] *= s0;
        for (let w = 1; w < threads; w++) {
          const nw = shard(n, threads, w)[1];
          if (nw === 0) continue;
          loss += stats[2 * w] * nw;
          correct += stats[2 * w + 1];
          const gw = grads[w];
          const sw = nw / n;
          for (let i = 0; i < total; i++) g0[i] += sw * gw[i];
        }
        return { loss: loss / n, correct };
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
