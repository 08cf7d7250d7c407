/**
 * What fine-tuning does to the trace code (docs/security.md, "Quiet carriers"):
 *   npx tsx scripts/trace-finetune-effect.ts --base <compiled int8 .tflite> [--epochs 2] [--lr 0.01]
 * Marks device 0's code (±1 step) into the base's float network, fine-tunes it on 6k MNIST train images (SGD,
 * momentum 0.9), and prints how far the carriers moved (rms, in steps) by deciles of their Fisher information on
 * 2,000 other training images (F = 0: no gradient reaches them) and of their output sensitivity on 300 MNIST and
 * 300 uniform-noise probes, per weight tensor, and the rms output change of the code and of the fine-tuning.
 */
import { readFileSync } from 'fs';
import { loadMnist } from '../src/data/mnist';
import { deriveTraceKey } from '../src/keys/derive';
import { carriersOf } from '../src/trace/carriers';
import { carrierJacobian } from '../src/trace/carrier-jacobian';
import { deviceCode } from '../src/trace/code';
import { floatNetFromTflite, toNetLayout, FloatNet } from '../src/trace/float-net';
import { DEFAULT_TRACE_PARAMS } from '../src/trace/params';
import { fit } from '../src/train/fit';
import { Sgd } from '../src/train/optim/sgd';
import { carrierFisher, carrierIndex } from './support/carrier-fisher';
import { arg } from './support/args';

const base = new Uint8Array(readFileSync(arg('base', '')));
const tk = deriveTraceKey(Buffer.alloc(32, 0x5a));
const train = loadMnist('train');
const test = loadMnist('test');
const set = carriersOf(base, tk, DEFAULT_TRACE_PARAMS);
const K = set.carriers.length;

function sens(fn: FloatNet, probes: Float32Array, q: number): Float64Array {
  const J = carrierJacobian(set, fn, probes, q);
  const S = new Float64Array(K);
  for (let t = 0; t < 8; t++) {
    const u = new Float64Array(J.rows);
    for (let i = 0; i < u.length; i++) u[i] = ((i * 2246822519 + t * 3266489917) >>> 13) & 1 ? -1 : 1;
    const e = J.vjp(u);
    for (let j = 0; j < K; j++) S[j] += (e[j] * e[j]) / 8;
  }
  return S;
}

const rms = (a: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s / a.length);
};

async function main() {
  const fnBase = floatNetFromTflite(base);
  const F = carrierFisher(set, fnBase, train, 2000, 20);
  const Q = 300;
  const mn = test.images.subarray(0, Q * 784);
  const noise = new Float32Array(Q * 784);
  for (let i = 0; i < noise.length; i++) noise[i] = ((i * 2654435761) >>> 8) / 2 ** 24;
  const Sm = sens(fnBase, mn, Q);
  const Sn = sens(fnBase, noise, Q);
  // code on base (float), fine-tune
  const code = deviceCode(tk, Buffer.from('00'.repeat(16), 'hex'), K);
  const leaked = floatNetFromTflite(base);
  const cl = carrierIndex(set, leaked);
  cl.forEach((c, j) => (c.v[c.at] += code[j] * c.s));
  const before = cl.map((c) => c.v[c.at]);
  const n = 6000;
  const t0 = Date.now();
  fit(
    leaked.net,
    { x: train.images.subarray(0, n * 784), labels: train.labels.subarray(0, n), count: n },
    {
      epochs: Number(arg('epochs', '2')),
      batchSize: 32,
      optimizer: new Sgd({ lr: Number(arg('lr', '0.01')), momentum: 0.9, weightDecay: 1e-4 }),
      seed: 5,
    },
  );
  console.log(`fine-tune ${(Date.now() - t0) / 1000}s`);
  const delta = cl.map((c, j) => (c.v[c.at] - before[j]) / c.s);
  // bins by F
  for (const [name, score] of [
    ['fisher', F],
    ['sens-mnist', Sm],
    ['sens-noise', Sn],
    ['noise/fisher', Sn.map((v, j) => v / (F[j] + 1e-30))],
    ['mnist/fisher', Sm.map((v, j) => v / (F[j] + 1e-30))],
  ] as const) {
    const idx = Array.from({ length: K }, (_, j) => j).sort((a, b) => score[a] - score[b]);
    const out: string[] = [];
    for (let b = 0; b < 10; b++) {
      const part = idx.slice(Math.floor((b * K) / 10), Math.floor(((b + 1) * K) / 10));
      const rmsOf = (S: ArrayLike<number>) => Math.sqrt(part.reduce((a, j) => a + S[j], 0) / part.length);
      out.push(
        `${rms(part.map((j) => delta[j])).toFixed(2)}/${rmsOf(Sm).toExponential(1)}/` +
          `${rmsOf(Sn).toExponential(1)}/${part.filter((j) => F[j] === 0).length}`,
      );
    }
    console.log(`deciles by ${name} (rms delta steps / sens mnist / sens noise / #F=0):\n  ${out.join('\n  ')}`);
  }
  // per tensor
  const byT = new Map<number, number[]>();
  set.carriers.forEach((c, j) => {
    if (!byT.has(c.w)) byT.set(c.w, []);
    byT.get(c.w)!.push(j);
  });
  for (const [w, js] of byT)
    console.log(`tensor ${w} (${js.length}): rms delta ${rms(js.map((j) => delta[j])).toFixed(2)}`);
  // output space
  for (const [name, pr] of [
    ['mnist', mn],
    ['noise', noise],
  ] as const) {
    const x = toNetLayout(pr, Q, fnBase.modelInputShape);
    const fb = fnBase.net.forward(x, Q, false).slice();
    const fl = leaked.net.forward(x, Q, false).slice();
    const codeOnly = floatNetFromTflite(base);
    carrierIndex(set, codeOnly).forEach((c, j) => (c.v[c.at] += code[j] * c.s));
    const fc = codeOnly.net.forward(x, Q, false).slice();
    console.log(
      `${name}: rms base out ${rms(fb).toFixed(2)}; code effect ${rms(fc.map((v, i) => v - fb[i])).toFixed(3)}; ` +
        `fine-tune effect ${rms(fl.map((v, i) => v - fc[i])).toFixed(3)}`,
    );
  }
}
main();
