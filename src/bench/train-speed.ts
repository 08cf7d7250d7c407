/**
 * Training speed on the zoo LeNet (MNIST, batch 64), all in one run so the numbers share the
 * machine's conditions: edgelock's trainer (src/train, 1 and 2 threads) against the tfjs-layers
 * baseline (@tensorflow/tfjs-layers on the pure-JS CPU backend, the same architecture, optimiser
 * and loss) and PyTorch CPU (Debian's /usr/bin/python3 with torch, when installed), measured with
 * 1 and 2 threads; the ratios are against the faster of the two (the table says which).
 * Acceptance (issue 6): ≥ 30× tfjs-layers; goal ≥ 0.25× PyTorch.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import { loadMnist } from '../data/mnist';
import { buildNetwork } from '../train/layers';
import { Sgd } from '../train/optim/sgd';
import { fitParallel } from '../train/parallel';
import { MNIST_LENET_RECIPE } from '../zoo/mnist-lenet';
import { Benchmark, BenchTable } from './types';

const BATCH = 64;
const PY = '/usr/bin/python3';

async function edgelockSamplesPerSec(threads: number, batches: number): Promise<number> {
  const train = loadMnist('train');
  const net = buildNetwork([1, 28, 28], MNIST_LENET_RECIPE.layers, 1);
  // Two epochs in one call, so the timed epoch runs on the same (started, JIT-compiled) workers
  // as the warm-up epoch; only the second epoch's batches are timed.
  const h = await fitParallel(
    net,
    { x: train.images, labels: train.labels, count: BATCH * batches },
    { epochs: 2, batchSize: BATCH, optimizer: new Sgd({ lr: 0.01, momentum: 0.9 }), seed: 1, threads },
  );
  return h[1].samplesPerSec;
}

/* Minimal structural types of the tfjs parts used (keeps tfjs types out of the build). */
interface TfTensor {
  dispose(): void;
}
interface TfCore {
  setBackend(name: string): Promise<boolean>;
  ready(): Promise<void>;
  tensor4d(values: Float32Array, shape: [number, number, number, number]): TfTensor;
  oneHot(indices: TfTensor, depth: number): TfTensor;
  tensor1d(values: Int32Array, dtype: 'int32'): TfTensor;
  train: { momentum(lr: number, momentum: number): unknown };
}
interface TfLayers {
  sequential(config: { layers: unknown[] }): {
    compile(config: { optimizer: unknown; loss: string }): void;
    trainOnBatch(x: TfTensor, y: TfTensor): Promise<number | number[]>;
  };
  layers: Record<string, (config: Record<string, unknown>) => unknown>;
}

/** tfjs-layers on the CPU backend; null when the package is not installed. */
async function tfjsSamplesPerSec(batches: number): Promise<number | null> {
  let tf: TfCore;
  let tfl: TfLayers;
  try {
    tf = require('@tensorflow/tfjs-core') as TfCore;
    require('@tensorflow/tfjs-backend-cpu');
    tfl = require('@tensorflow/tfjs-layers') as TfLayers;
  } catch {
    return null;
  }
  await tf.setBackend('cpu');
  await tf.ready();
  const L = tfl.layers;
  const model = tfl.sequential({
    layers: [
      L.conv2d({ inputShape: [28, 28, 1], filters: 6, kernelSize: 5, padding: 'same', activation: 'relu' }),
      L.maxPooling2d({ poolSize: 2 }),
      L.conv2d({ filters: 16, kernelSize: 5, activation: 'relu' }),
      L.maxPooling2d({ poolSize: 2 }),
      L.flatten({}),
      L.dense({ units: 120, activation: 'relu' }),
      L.dense({ units: 84, activation: 'relu' }),
      L.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: tf.train.momentum(0.01, 0.9), loss: 'categoricalCrossentropy' });
  const train = loadMnist('train');
  const batch = (b: number) => {
    const x = tf.tensor4d(train.images.slice(b * BATCH * 784, (b + 1) * BATCH * 784), [BATCH, 28, 28, 1]);
    const idx = tf.tensor1d(Int32Array.from(train.labels.subarray(b * BATCH, (b + 1) * BATCH)), 'int32');
    const y = tf.oneHot(idx, 10);
    idx.dispose();
    return { x, y };
  };
  const step = async (b: number) => {
    const { x, y } = batch(b);
    await model.trainOnBatch(x, y);
    x.dispose();
    y.dispose();
  };
  await step(0); // warm-up
  const t0 = process.hrtime.bigint();
  for (let b = 1; b <= batches; b++) await step(b);
  return (batches * BATCH) / (Number(process.hrtime.bigint() - t0) / 1e9);
}

const TORCH_SCRIPT = `
import sys, time, torch, torch.nn as nn
torch.manual_seed(0); torch.set_num_threads(int(sys.argv[1]))
net = nn.Sequential(nn.Conv2d(1,6,5,padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6,16,5), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(400,120), nn.ReLU(), nn.Linear(120,84), nn.ReLU(), nn.Linear(84,10))
opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
x = torch.rand(64,1,28,28); y = torch.randint(0,10,(64,))
def step():
    opt.zero_grad(); loss = nn.functional.cross_entropy(net(x), y); loss.backward(); opt.step()
for _ in range(10): step()
n = 100; t = time.perf_counter()
for _ in range(n): step()
print(n * 64 / (time.perf_counter() - t))
`;

/** PyTorch samples/s, or why there is no number. */
function torchSamplesPerSec(threads: number): number | string {
  if (!fs.existsSync(PY)) return 'not installed';
  const r = spawnSync(PY, ['-c', TORCH_SCRIPT, String(threads)], { encoding: 'utf8', timeout: 600000 });
  if (r.status !== 0)
    return /No module named 'torch'/.test(r.stderr ?? '')
      ? 'not installed'
      : `failed (${r.error ? r.error.message : `exit ${r.status}`})`;
  const v = Number(r.stdout.trim().split('\n').pop());
  return Number.isFinite(v) ? v : 'failed (no number)';
}

export const trainSpeed: Benchmark = {
  name: 'train-speed',
  async run(): Promise<BenchTable> {
    const loadBefore = os.loadavg();
    const threads = Math.min(2, os.cpus().length);
    const tfjs = await tfjsSamplesPerSec(8);
    const one = await edgelockSamplesPerSec(1, 100);
    const two = threads > 1 ? await edgelockSamplesPerSec(threads, 100) : null;
    // PyTorch with 1 and with `threads` threads: on these machines its multi-threaded run can be far
    // slower than its single-threaded one, so the edgelock rows are compared with the faster of the two.
    const torchRuns = (threads > 1 ? [1, threads] : [1]).map((t) => ({ threads: t, result: torchSamplesPerSec(t) }));
    const measured = torchRuns.filter((r): r is { threads: number; result: number } => typeof r.result === 'number');
    const best = measured.length ? measured.reduce((a, b) => (b.result > a.result ? b : a)) : null;
    const torch = best ? best.result : null;
    const ratio = (v: number, ref: number | null) => (ref ? `${(v / ref).toFixed(2)}×` : '-');
    const plural = (t: number) => `${t} thread${t === 1 ? '' : 's'}`;
    const torchSummary = torchRuns
      .map((r) => `${plural(r.threads)}: ${typeof r.result === 'number' ? Math.round(r.result) : r.result}`)
      .join(', ');
    const rows: (string | number)[][] = [
      ['edgelock trainer, 1 thread', Math.round(one), ratio(one, tfjs), ratio(one, torch)],
    ];
    if (two !== null)
      rows.push([`edgelock trainer, ${plural(threads)}`, Math.round(two), ratio(two, tfjs), ratio(two, torch)]);
    rows.push([
      'tfjs-layers 4.9 (pure-JS CPU backend)',
      tfjs === null ? 'not installed' : Math.round(tfjs),
      tfjs === null ? '-' : '1.00×',
      tfjs ? ratio(tfjs, torch) : '-',
    ]);
    for (const r of torchRuns) {
      const v = typeof r.result === 'number' ? r.result : null;
      const faster = best && best.threads === r.threads && measured.length > 1;
      const label = `PyTorch CPU, ${plural(r.threads)}${faster ? ' (the faster)' : ''}`;
      rows.push([
        label,
        v === null ? r.result : Math.round(v),
        v && tfjs ? ratio(v, tfjs) : '-',
        v ? ratio(v, torch) : '-',
      ]);
    }
    return {
      title: 'Training speed: zoo LeNet-5 on MNIST, batch 64, SGD momentum, softmax cross-entropy',
      header: ['trainer', 'samples/s', 'vs tfjs-layers', best ? `vs PyTorch (${plural(best.threads)})` : 'vs PyTorch'],
      rows,
      notes: [
        'edgelock: 100 batches of MNIST after a 100-batch warm-up epoch on the same threads; tfjs-layers: 8 ' +
          'batches after one; PyTorch: 100 batches of random data after 10',
        best
          ? `vs PyTorch: against the faster PyTorch configuration measured in this run, ${plural(best.threads)} (${torchSummary} samples/s)`
          : `vs PyTorch: no PyTorch number (${torchSummary}; apt-get install python3-torch for Debian's /usr/bin/python3)`,
        'acceptance: ≥ 30× tfjs-layers; goal: ≥ 0.25× PyTorch',
        `load average (1/5/15 min) before the run: ${loadBefore.map((v) => v.toFixed(2)).join(' ')}, after: ${os
          .loadavg()
          .map((v) => v.toFixed(2))
          .join(' ')} (the bench itself adds up to ${threads})`,
      ],
    };
  },
};
