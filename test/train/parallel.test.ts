/**
 * Data-parallel training on worker threads computes the same full-batch gradients as the
 * single-threaded loop: after the same steps, losses and weights agree to float rounding.
 * (Uses the compiled worker in dist/, built by the test suite's global setup.)
 */
import { fit } from '../../src/train/fit';
import { LayerSpec, buildNetwork } from '../../src/train/layers';
import { Adam } from '../../src/train/optim/adam';
import { fitParallel } from '../../src/train/parallel';
import { Rng } from '../../src/train/rng';

const SPECS: LayerSpec[] = [
  { kind: 'conv2d', filters: 4, kernel: [3, 3], pads: [1, 1, 1, 1] },
  { kind: 'relu' },
  { kind: 'maxpool', kernel: [2, 2] },
  { kind: 'flatten' },
  { kind: 'dense', units: 3 },
];

function dataset(count: number) {
  const rng = new Rng(42);
  const x = rng.normalArray(count * 64, 1);
  const labels = new Uint8Array(count);
  // Labels depend on the data (sign pattern of quadrant sums), so the loss can fall.
  for (let i = 0; i < count; i++) {
    let a = 0;
    let b = 0;
    for (let j = 0; j < 32; j++) a += x[i * 64 + j];
    for (let j = 32; j < 64; j++) b += x[i * 64 + j];
    labels[i] = a > 0 ? (b > 0 ? 2 : 1) : 0;
  }
  return { x, labels, count };
}

test('2 and 3 threads match 1 thread (batch sizes that do and do not divide evenly)', async () => {
  const data = dataset(203);
  const opts = { epochs: 2, batchSize: 20, seed: 5 };
  const ref = buildNetwork([1, 8, 8], SPECS, 9);
  const refHist = fit(ref, data, { ...opts, optimizer: new Adam({ lr: 0.01 }) });
  expect(refHist[1].loss).toBeLessThan(refHist[0].loss);
  for (const threads of [2, 3]) {
    const net = buildNetwork([1, 8, 8], SPECS, 9);
    const hist = await fitParallel(net, data, { ...opts, optimizer: new Adam({ lr: 0.01 }), threads });
    expect(hist.map((h) => h.loss)).toEqual(refHist.map((h) => expect.closeTo(h.loss, 5)));
    const a = net.params.flatMap((p) => Array.from(p.value));
    const b = ref.params.flatMap((p) => Array.from(p.value));
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
    expect(worst).toBeLessThan(1e-4);
    // The network owns private (non-shared) arrays again after training.
    expect(net.params[0].value.buffer instanceof SharedArrayBuffer).toBe(false);
  }
});
