/**
 * Trainer throughput on the zoo LeNet (MNIST, batch 64): edgelock's trainer with 1 and 2
 * threads, and PyTorch CPU on the same architecture when Debian's python3-torch is installed.
 * Exported as a Benchmark for `npm run bench` (the lead registers it in src/bench/registry.ts).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import { loadMnist } from '../data/mnist';
import { Benchmark, BenchTable } from '../bench/types';
import { MNIST_LENET_RECIPE } from '../zoo/mnist-lenet';
import { buildNetwork } from './layers';
import { Sgd } from './optim/sgd';
import { fitParallel } from './parallel';

const BATCH = 64;
const PY = '/usr/bin/python3';

async function ours(threads: number, samples: number): Promise<number> {
  const train = loadMnist('train');
  const net = buildNetwork([1, 28, 28], MNIST_LENET_RECIPE.layers, 1);
  const run = async (count: number) =>
    fitParallel(net, { x: train.images, labels: train.labels, count }, { epochs: 1, batchSize: BATCH, optimizer: new Sgd({ lr: 0.01, momentum: 0.9 }), seed: 1, threads });
  await run(BATCH * 8); // warm-up (JIT, worker start)
  const h = await run(samples);
  return h[0].samplesPerSec;
}

const TORCH_SCRIPT = `
import time, torch, torch.nn as nn
torch.manual_seed(0); torch.set_num_threads(2)
net = nn.Sequential(nn.Conv2d(1,6,5,padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6,16,5), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(400,120), nn.ReLU(), nn.Linear(120,84), nn.ReLU(), nn.Linear(84,10))
opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
x = torch.rand(64,1,28,28); y = torch.randint(0,10,(64,))
def step():
    opt.zero_grad(); loss = nn.functional.cross_entropy(net(x), y); loss.backward(); opt.step()
for _ in range(10): step()
n = 200; t = time.perf_counter()
for _ in range(n): step()
print(n * 64 / (time.perf_counter() - t))
`;

function torchSamplesPerSec(): number | null {
  if (!fs.existsSync(PY)) return null;
  const r = spawnSync(PY, ['-c', TORCH_SCRIPT], { encoding: 'utf8', timeout: 120000 });
  if (r.status !== 0) return null;
  const v = Number(r.stdout.trim().split('\n').pop());
  return Number.isFinite(v) ? v : null;
}

export const trainerThroughput: Benchmark = {
  name: 'trainer',
  async run(): Promise<BenchTable> {
    const samples = 64 * 60;
    const one = await ours(1, samples);
    const two = await ours(2, samples);
    const torch = torchSamplesPerSec();
    const rows: (string | number)[][] = [
      ['edgelock trainer, 1 thread', Math.round(one), torch ? (one / torch).toFixed(3) : '-'],
      ['edgelock trainer, 2 threads', Math.round(two), torch ? (two / torch).toFixed(3) : '-'],
    ];
    if (torch) rows.push(['PyTorch CPU 2 threads (reference)', Math.round(torch), '1.000']);
    return {
      title: 'Training throughput: zoo LeNet-5 on MNIST, batch 64',
      header: ['trainer', 'samples/s', 'vs PyTorch'],
      rows,
      notes: [`${samples} samples after a warm-up; SGD with momentum; softmax cross-entropy`],
    };
  },
};
