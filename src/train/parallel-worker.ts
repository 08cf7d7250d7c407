/** Worker thread of the data-parallel trainer: computes the gradients of its shards of each batch. */
import { parentPort, workerData } from 'worker_threads';
import { localEngine } from './engine';
import { buildNetwork } from './layers';
import { CTRL, WorkerSetup, runShards } from './parallel-shared';

function run(setup: WorkerSetup): void {
  const net = buildNetwork(setup.inputShape, setup.specs, 0);
  let off = 0;
  for (const p of net.params) {
    p.value = new Float32Array(setup.params, off * 4, p.value.length);
    off += p.value.length;
  }
  const total = off;
  const ctrl = new Int32Array(setup.ctrl);
  const stats = new Float64Array(setup.stats);
  const order = new Int32Array(setup.order);
  const engine = localEngine(
    net,
    {
      x: new Float32Array(setup.x),
      labels: new Uint8Array(setup.labels),
      count: setup.count,
      ...(setup.soft ? { soft: { probs: new Float32Array(setup.soft.buf), temperature: setup.soft.temperature } } : {}),
    },
    setup.maxShard,
  );
  parentPort!.postMessage('ready');
  let generation = 0;
  for (;;) {
    Atomics.wait(ctrl, CTRL.generation, generation);
    generation = Atomics.load(ctrl, CTRL.generation);
    if (Atomics.load(ctrl, CTRL.stop)) break;
    runShards(
      engine,
      setup.grads,
      total,
      stats,
      order,
      ctrl[CTRL.start],
      ctrl[CTRL.count],
      setup.index,
      setup.participants,
      setup.shards,
    );
    Atomics.add(ctrl, CTRL.done, 1);
    Atomics.notify(ctrl, CTRL.done);
  }
}

run(workerData as WorkerSetup);
