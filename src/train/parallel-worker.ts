/** Worker thread of the data-parallel trainer: computes gradients of its share of each batch. */
import { parentPort, workerData } from 'worker_threads';
import { localEngine } from './fit';
import { buildNetwork } from './layers';
import { CTRL, WorkerSetup, shard } from './parallel-shared';

function run(setup: WorkerSetup): void {
  const net = buildNetwork(setup.inputShape, setup.specs, 0);
  let off = 0;
  for (const p of net.params) {
    p.value = new Float32Array(setup.params, off * 4, p.value.length);
    p.grad = new Float32Array(setup.grads, off * 4, p.grad.length);
    off += p.value.length;
  }
  const ctrl = new Int32Array(setup.ctrl);
  const stats = new Float64Array(setup.stats);
  const order = new Int32Array(setup.order);
  const engine = localEngine(net, { x: new Float32Array(setup.x), labels: new Uint8Array(setup.labels), count: setup.count }, setup.maxShard);
  parentPort!.postMessage('ready');
  let generation = 0;
  for (;;) {
    Atomics.wait(ctrl, CTRL.generation, generation);
    generation = Atomics.load(ctrl, CTRL.generation);
    if (Atomics.load(ctrl, CTRL.stop)) break;
    const [o, n] = shard(ctrl[CTRL.count], setup.participants, setup.index);
    if (n > 0) {
      const r = engine.gradients(order, ctrl[CTRL.start] + o, n);
      stats[2 * setup.index] = r.loss;
      stats[2 * setup.index + 1] = r.correct;
    } else {
      stats[2 * setup.index] = 0;
      stats[2 * setup.index + 1] = 0;
    }
    Atomics.add(ctrl, CTRL.done, 1);
    Atomics.notify(ctrl, CTRL.done);
  }
}

run(workerData as WorkerSetup);
