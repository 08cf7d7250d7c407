/**
 * Quiet weight directions for tracing a fine-tuned LeNet black-box (docs/security.md, "Tracing a leaked model to its
 * board": measured and rejected):
 *   npx tsx scripts/trace-quiet-directions.ts --base <compiled int8 LeNet .tflite> [--epochs 2] [--lr 0.01]
 *     [--codes pm1,bottom:0.2:3,ratio:8:16,ratio:16:16]
 * The MLP's quiet carriers are single weights on blank pixels: no gradient reaches them and uniform-noise probes see
 * them. LeNet has almost none (787 of 60,248), but a layer's natural inputs may still leave whole *directions* of its
 * filters unused. This measures, for each weight layer (the trainer's layout: a filter is one row over its input
 * patch, conv patches by im2col), with second moments of its inputs over 2,000 MNIST training images (30,000..) and
 * over 2,000 uniform-noise images:
 *   - how far the thief's fine-tune (6,000 training images 0.., SGD momentum 0.9, weight decay 1e-4, seed 5) moves the
 *     filters, in quantisation steps (each row's max |w| / 127), along the eigenvectors of the natural second moment,
 *     by deciles from the most used direction to the least used;
 *   - the largest ratios of uniform-probe to natural energy (the generalised eigenproblem): directions the probes see
 *     and natural data does not;
 *   - for codes added to every filter of the carrier layers (≥ 1,024 weights) and rounded to int8 steps: `pm1` the ±1
 *     step code of edgelock's trace; `bottom:f:a` random signs times a steps along the least used fraction f of the
 *     natural directions; `ratio:k:a` the same along the k directions of largest uniform/natural ratio — the test
 *     accuracy with the code, the code's output change (rms over 300 MNIST test images and 300 uniform probes), the
 *     fine-tune's output change, and the correlation of the code's output change with what the code still changes
 *     after the fine-tune (fine-tuned coded model minus the base fine-tuned the same way). A black-box trace needs the
 *     code's change large beside the fine-tune's and that correlation near 1.
 */
import { readFileSync } from 'fs';
import { loadMnist } from '../src/data/mnist';
import { floatNetFromTflite, toNetLayout } from '../src/trace/float-net';
import { fit } from '../src/train/fit';
import { im2col } from '../src/train/im2col';
import { Conv2d } from '../src/train/layers/conv2d';
import { Sgd } from '../src/train/optim/sgd';
import { generalisedEigen, symmetricEigen } from './support/symmetric-eigen';
import { arg } from './support/args';

const base = new Uint8Array(readFileSync(arg('base', '')));
const train = loadMnist('train');
const test = loadMnist('test');
const fn = floatNetFromTflite(base);
const layers = fn.net.layers;
const weighted = layers.flatMap((l, i) => (l.kind === 'conv2d' || l.kind === 'dense' ? [i] : []));
const carrierLayers = weighted.filter((i) => layers[i].params[0].value.length >= 1024);
const uniformImages = (n: number, salt: number) =>
  Float32Array.from({ length: n * 784 }, (_, t) => (((t * 2654435761 + salt) >>> 8) % 2 ** 24) / 2 ** 24);

/** Each weight layer's input dimension and the second moment of its inputs (patches for convolutions). */
function secondMoments(images: Float32Array, count: number): Map<number, { d: number; m: Float64Array }> {
  const out = new Map<number, { d: number; m: Float64Array; n: number }>();
  const bs = 50;
  for (let s = 0; s < count; s += bs) {
    let h = toNetLayout(images.subarray(s * 784, (s + bs) * 784), bs, fn.modelInputShape);
    for (const [i, l] of layers.entries()) {
      if (l instanceof Conv2d) {
        const g = l.geometry;
        const d = g.channels * g.kernelH * g.kernelW;
        const plane = g.outH * g.outW;
        const e = out.get(i) ?? { d, m: new Float64Array(d * d), n: 0 };
        out.set(i, e);
        const cols = new Float32Array(d * plane);
        for (let b = 0; b < bs; b++) {
          im2col(h, b * g.channels * g.height * g.width, g, cols, 0);
          for (let p = 0; p < d; p++)
            for (let q = p; q < d; q++) {
              let t = 0;
              for (let z = 0; z < plane; z++) t += cols[p * plane + z] * cols[q * plane + z];
              e.m[p * d + q] += t;
            }
        }
        e.n += bs * plane;
      } else if (l.kind === 'dense') {
        const d = h.length / bs;
        const e = out.get(i) ?? { d, m: new Float64Array(d * d), n: 0 };
        out.set(i, e);
        for (let b = 0; b < bs; b++)
          for (let p = 0; p < d; p++) {
            const xp = h[b * d + p];
            if (xp !== 0) for (let q = p; q < d; q++) e.m[p * d + q] += xp * h[b * d + q];
          }
        e.n += bs;
      }
      const size = l.outShape.reduce((a, c) => a * c, 1);
      h = l.forward(h, bs, false).slice(0, bs * size);
    }
  }
  for (const e of out.values()) {
    for (let p = 0; p < e.d; p++)
      for (let q = 0; q <= p; q++) e.m[p * e.d + q] = e.m[q * e.d + p] = e.m[q * e.d + p] / e.n;
  }
  return out;
}

const baseWeights = layers.map((l) => l.params.map((p) => Float32Array.from(p.value)));
const restore = (w: Float32Array[][]) => layers.forEach((l, i) => l.params.forEach((p, k) => p.value.set(w[i][k])));
const thiefFineTune = () =>
  fit(
    fn.net,
    { x: train.images.subarray(0, 6000 * 784), labels: train.labels.subarray(0, 6000), count: 6000 },
    {
      epochs: Number(arg('epochs', '2')),
      batchSize: 32,
      optimizer: new Sgd({ lr: Number(arg('lr', '0.01')), momentum: 0.9, weightDecay: 1e-4 }),
      seed: 5,
    },
  );
const rowScale = (i: number, o: number, d: number) => {
  let mx = 0;
  for (let p = 0; p < d; p++) mx = Math.max(mx, Math.abs(baseWeights[i][0][o * d + p]));
  return mx / 127;
};

const Q = 300;
const probes = {
  mnist: toNetLayout(test.images.subarray(0, Q * 784), Q, fn.modelInputShape),
  uniform: toNetLayout(uniformImages(Q, 0), Q, fn.modelInputShape),
};
const outputs = () => ({
  mnist: fn.net.forward(probes.mnist, Q, false).slice(0, Q * 10),
  uniform: fn.net.forward(probes.uniform, Q, false).slice(0, Q * 10),
});
function accuracy(): number {
  let ok = 0;
  for (let s = 0; s < 10000; s += 500) {
    const x = toNetLayout(test.images.subarray(s * 784, (s + 500) * 784), 500, fn.modelInputShape);
    const y = fn.net.forward(x, 500, false);
    for (let b = 0; b < 500; b++) {
      let best = 0;
      for (let c = 1; c < 10; c++) if (y[b * 10 + c] > y[b * 10 + best]) best = c;
      if (best === test.labels[s + b]) ok++;
    }
  }
  return ok / 10000;
}
const diff = (a: Float32Array, b: Float32Array) => a.map((v, k) => v - b[k]);
const rms = (a: Float32Array) => Math.sqrt(a.reduce((t, v) => t + v * v, 0) / a.length);
const corr = (a: Float32Array, b: Float32Array) => {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let k = 0; k < a.length; k++) {
    ab += a[k] * b[k];
    aa += a[k] * a[k];
    bb += b[k] * b[k];
  }
  return ab / Math.sqrt(aa * bb);
};

function main(): void {
  const natural = secondMoments(train.images.subarray(30000 * 784), 2000);
  const uniform = secondMoments(uniformImages(2000, 77), 2000);
  const eigen = new Map(
    weighted.map((i) => {
      const { d, m } = natural.get(i)!;
      const { values, vectors } = symmetricEigen(m, d);
      const order = Array.from({ length: d }, (_, j) => j).sort((a, b) => values[b] - values[a]);
      return [i, { values, vectors, order }];
    }),
  );
  const ratio = new Map(
    weighted.map((i) => {
      const { d, m } = natural.get(i)!;
      const b = Float64Array.from(m);
      let trace = 0;
      for (let p = 0; p < d; p++) trace += m[p * d + p];
      for (let p = 0; p < d; p++) b[p * d + p] += (1e-6 * trace) / d;
      return [i, generalisedEigen(uniform.get(i)!.m, b, d)];
    }),
  );
  const before = outputs();
  const baseAccuracy = accuracy();
  thiefFineTune();
  const tunedBase = outputs();
  for (const i of weighted) {
    const { d } = natural.get(i)!;
    const { values, vectors, order } = eigen.get(i)!;
    const W = layers[i].params[0].value;
    const rows = W.length / d;
    const move = new Float64Array(10);
    const count = new Float64Array(10);
    for (let o = 0; o < rows; o++) {
      const sc = rowScale(i, o, d);
      order.forEach((j, r) => {
        let t = 0;
        for (let p = 0; p < d; p++) t += (W[o * d + p] - baseWeights[i][0][o * d + p]) * vectors[p * d + j];
        move[Math.floor((r * 10) / d)] += (t / sc) ** 2;
        count[Math.floor((r * 10) / d)]++;
      });
    }
    const r = ratio.get(i)!.ratios;
    console.log(
      `layer ${i} (${layers[i].kind}, ${rows} filters over ${d} inputs${carrierLayers.includes(i) ? ', carrier layer' : ''}): ` +
        `natural energy ${values[order[0]].toExponential(1)} .. ${values[order[d - 1]].toExponential(1)}; fine-tune ` +
        `moves (rms steps, most to least used decile) ${Array.from(move, (m, b) => Math.sqrt(m / count[b]).toFixed(2)).join(' ')}; ` +
        `uniform/natural ratio ${r
          .slice(0, 5)
          .map((v) => v.toExponential(1))
          .join(' ')} .. median ${r[d >> 1].toExponential(1)}`,
    );
  }
  console.log(
    `base: test accuracy ${(100 * baseAccuracy).toFixed(2)}%; the fine-tune changes its outputs by ` +
      `${rms(diff(tunedBase.mnist, before.mnist)).toFixed(3)} (MNIST probes), ${rms(diff(tunedBase.uniform, before.uniform)).toFixed(3)} (uniform)`,
  );
  let seed = 12345;
  const sign = () => ((((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 16) & 1) === 1 ? 1 : -1);
  for (const spec of arg('codes', 'pm1,bottom:0.2:3,ratio:8:16,ratio:16:16').split(',')) {
    restore(baseWeights);
    const [kind, x, y] = spec.split(':');
    for (const i of carrierLayers) {
      const { d } = natural.get(i)!;
      const W = layers[i].params[0].value;
      for (let o = 0; o < W.length / d; o++) {
        const code = new Float64Array(d);
        const along = (v: ArrayLike<number>, a: number) => {
          const s = sign() * a;
          for (let p = 0; p < d; p++) code[p] += s * v[p];
        };
        if (kind === 'pm1') for (let p = 0; p < d; p++) code[p] = sign();
        else if (kind === 'bottom') {
          const { vectors, order } = eigen.get(i)!;
          for (let r = d - Math.round(Number(x) * d); r < d; r++)
            along(
              Array.from({ length: d }, (_, p) => vectors[p * d + order[r]]),
              Number(y),
            );
        } else if (kind === 'ratio') for (const v of ratio.get(i)!.directions.slice(0, Number(x))) along(v, Number(y));
        else throw new Error(`unknown code ${spec}`);
        const sc = rowScale(i, o, d);
        for (let p = 0; p < d; p++) {
          const steps = Math.round(baseWeights[i][0][o * d + p] / sc);
          W[o * d + p] = Math.max(-127, Math.min(127, Math.round(steps + code[p]))) * sc;
        }
      }
    }
    const coded = outputs();
    const codedAccuracy = accuracy();
    const codeEffect = { mnist: diff(coded.mnist, before.mnist), uniform: diff(coded.uniform, before.uniform) };
    thiefFineTune();
    const tuned = outputs();
    const cells = (['mnist', 'uniform'] as const).map(
      (p) =>
        `${p}: code ${rms(codeEffect[p]).toFixed(3)}, fine-tune ${rms(diff(tuned[p], coded[p])).toFixed(3)}, ` +
        `code kept corr ${corr(codeEffect[p], diff(tuned[p], tunedBase[p])).toFixed(2)}`,
    );
    console.log(`${spec}: accuracy ${(100 * codedAccuracy).toFixed(2)}% | ${cells.join(' | ')}`);
  }
}

main();
