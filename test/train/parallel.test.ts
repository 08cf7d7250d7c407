/**
 * Training is reproducible: for a seed, the weights are bit-identical across repeated runs and
 * whatever the number of threads (each batch is split into the same gradient shards, combined in
 * shard order, src/train/shards.ts), and the sharded gradient is the full-batch gradient.
 * (Uses the compiled worker in dist/, built by the test suite's global setup.)
 */
import { localEngine } from '../../src/train/engine';
import { fit } from '../../src/train/fit';
import { LayerSpec, buildNetwork } from '../../src/train/layers';
import { Adam } from '../../src/train/optim/adam';
import { fitParallel } from '../../src/train/parallel';
import { softmaxRows } from '../../src/train/loss';
import { Rng } from '../../src/train/rng';
import { shardCount, shardedLocalEngine } from '../../src/train/shards';

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

function weights(net: ReturnType<typeof buildNetwork>): Float32Array {
  return Float32Array.from(net.params.flatMap((p) => Array.from(p.value)));
}

function sameBits(a: Float32Array, b: Float32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

test('bit-identical weights: repeated runs, 1, 2 and 3 threads, fit() (batch sizes that do and do not divide evenly)', async () => {
  const data = dataset(203);
  const opts = { epochs: 2, batchSize: 40, seed: 5 };
  // 40 samples a batch = 3 gradient shards (14, 13, 13); the last batch has 3 samples.
  expect(shardCount(opts.batchSize)).toBe(3);
  const ref = buildNetwork([1, 8, 8], SPECS, 9);
  const initial = weights(ref);
  const refHist = fit(ref, data, { ...opts, optimizer: new Adam({ lr: 0.01 }) });
  expect(refHist[1].loss).toBeLessThan(refHist[0].loss);
  const refWeights = weights(ref);
  expect(sameBits(refWeights, initial)).toBe(false);
  for (const threads of [1, 2, 2, 3, 3]) {
    const net = buildNetwork([1, 8, 8], SPECS, 9);
    const hist = await fitParallel(net, data, { ...opts, optimizer: new Adam({ lr: 0.01 }), threads });
    expect({ threads, identical: sameBits(weights(net), refWeights) }).toEqual({ threads, identical: true });
    expect(hist.map((h) => h.loss)).toEqual(refHist.map((h) => h.loss));
    // The network owns private (non-shared) arrays again after training.
    expect(net.params[0].value.buffer instanceof SharedArrayBuffer).toBe(false);
  }
  // A different shuffle seed gives different weights (the comparison above can fail).
  const other = buildNetwork([1, 8, 8], SPECS, 9);
  await fitParallel(other, data, { ...opts, seed: 6, optimizer: new Adam({ lr: 0.01 }), threads: 2 });
  expect(sameBits(weights(other), refWeights)).toBe(false);
});

test('soft targets (distillation): bit-identical weights with 1, 2 and 3 threads, and the loss falls', async () => {
  const hard = dataset(203);
  // A teacher's probabilities at T = 4: softened one-hots of the labels mixed with a data-dependent term.
  const classes = 3;
  const rng = new Rng(8);
  const logits = new Float32Array(hard.count * classes);
  for (let i = 0; i < hard.count; i++)
    for (let c = 0; c < classes; c++) logits[i * classes + c] = (c === hard.labels[i] ? 6 : 0) + rng.normal();
  const data = { ...hard, soft: { probs: softmaxRows(logits, hard.count, classes, 4), temperature: 4 } };
  const opts = { epochs: 2, batchSize: 40, seed: 5 };
  const ref = buildNetwork([1, 8, 8], SPECS, 9);
  const refHist = fit(ref, data, { ...opts, optimizer: new Adam({ lr: 0.01 }) });
  expect(refHist[1].loss).toBeLessThan(refHist[0].loss);
  const refWeights = weights(ref);
  for (const threads of [1, 2, 3]) {
    const net = buildNetwork([1, 8, 8], SPECS, 9);
    const hist = await fitParallel(net, data, { ...opts, optimizer: new Adam({ lr: 0.01 }), threads });
    expect({ threads, identical: sameBits(weights(net), refWeights) }).toEqual({ threads, identical: true });
    expect(hist.map((h) => h.loss)).toEqual(refHist.map((h) => h.loss));
  }
  // The soft targets are what is trained on: the same data with hard labels gives other weights.
  const hardNet = buildNetwork([1, 8, 8], SPECS, 9);
  await fitParallel(hardNet, hard, { ...opts, optimizer: new Adam({ lr: 0.01 }), threads: 2 });
  expect(sameBits(weights(hardNet), refWeights)).toBe(false);
});

test('the shard gradients combine to the full-batch gradient (up to float rounding)', () => {
  const data = dataset(40);
  const order = Int32Array.from({ length: 40 }, (_, i) => i);
  const a = buildNetwork([1, 8, 8], SPECS, 3);
  const b = buildNetwork([1, 8, 8], SPECS, 3);
  const whole = localEngine(a, data, 40).gradients(order, 0, 40);
  const sharded = shardedLocalEngine(b, data, 40).gradients(order, 0, 40);
  expect(sharded.correct).toBe(whole.correct);
  expect(sharded.loss).toBeCloseTo(whole.loss, 6);
  const ga = a.params.flatMap((p) => Array.from(p.grad));
  const gb = b.params.flatMap((p) => Array.from(p.grad));
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < ga.length; i++) {
    worst = Math.max(worst, Math.abs(ga[i] - gb[i]));
    scale = Math.max(scale, Math.abs(ga[i]));
  }
  expect(scale).toBeGreaterThan(0);
  expect(worst).toBeLessThan(1e-5 * scale);
});
