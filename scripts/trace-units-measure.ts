/**
 * Trigger units, measured: a per-board trace read black-box from decisions alone that survives fine-tuning
 * (docs/security.md, "Trigger units"). A research measurement, not a shipped scheme (nothing in src/ uses it yet):
 *   npx tsx scripts/trace-units-measure.ts --base <compiled int8 .tflite> --architecture <its ONNX, e.g.
 *     models/mnist-lenet.onnx> [--units 16] [--pixels 48] [--epochs 3] [--lr 0.005] [--ce 1] [--widen 1.5]
 *     [--votes 5] [--devices 2] [--candidates 1000] [--acc-n 10000]
 *
 * Owner, once per model (about 90 s for LeNet, 10 s for the MLP on this machine; nothing per board):
 *   - K units of the penultimate dense layer, those the model uses least (mean activation on 2,000 training images
 *     times the norm of their outgoing weights), are set aside; their outgoing weights are held at 0.
 *   - K keyed stamps (P input values set to 1, the input's maximum; positions from SHA-256 counter mode over the trace
 *     key) are drawn. Unit k is trained to reach 1.7× the layer's natural maximum activation on any image with stamp
 *     k and to stay below −max/4 on natural images and on the other stamps (squared hinges, their weight ramped up over
 *     the first epoch), while the network keeps learning the true labels of natural images (--ce; 1 − ce of it is
 *     distillation from the base) and answers stamped images as the base does; SGD, lr halved each epoch.
 *   - The trained network is compiled again (activation ranges calibrated on MNIST train, as the base was), and the
 *     penultimate layer's int8 output range is widened (--widen) so that a firing unit is clipped less.
 * Per board, no training: column u_k of the last layer = +(that row's largest |weight|) for the board's class c_k
 *   (uniform over the classes, SHA-256 counter mode over the board's code seed) and −(row max) for the others. A unit
 *   that never fires on natural data changes no natural answer, and gets no gradient when a thief fine-tunes.
 * Reading (black-box, decisions only): stamp k on R MNIST test images, the plurality decision is the board's class
 *   for k; a candidate matches m of K. For a model that does not carry that board's classes, each stamp matches with
 *   probability exactly 1/classes (the classes are keyed, independent of the model), so the family p-value among N
 *   candidates is N · P(Binomial(K, 1/classes) ≥ m).
 */
import { readFileSync } from 'fs';
import { compileModel } from '../src/compiler/compile';
import { loadDataset } from '../src/data/dataset';
import { loadMnist } from '../src/data/mnist';
import { readOnnx } from '../src/onnx/reader';
import { writeOnnx } from '../src/onnx/writer';
import { accuracy } from '../src/train/fit';
import { trainableFromModel, writeBackWeights } from '../src/train/from-model';
import { codeSeed } from '../src/trace/code';
import { FloatNet, floatNetFromTflite, writeWeights } from '../src/trace/float-net';
import { averageCopies, fineTune, requantize } from '../src/trace/attacks';
import { pruneWeights } from '../src/trace/prune';
import { modelScores } from '../src/trace/victims';
import { weightTensors } from '../src/trace/weight-tensors';
import { readTflite } from '../src/tflite/reader';
import { Param } from '../src/train/layer';
import { Sgd } from '../src/train/optim/sgd';
import { Rng } from '../src/train/rng';
import { Sha256Stream, distinctDraws } from '../src/watermark/drbg';
import { binomialTail } from '../src/watermark/binomial';
import { mnistTestAccuracy } from '../test/helpers/mnist-boards';
import { arg, scriptTraceKey, scriptUid } from './support/trace-script';

const K = Number(arg('units', '16'));
const P = Number(arg('pixels', '48'));
const EPOCHS = Number(arg('epochs', '3'));
const LR = Number(arg('lr', '0.005'));
const WIDEN = Number(arg('widen', '1.5'));
const R = Number(arg('votes', '5'));
const DEVICES = Number(arg('devices', '2'));
const N = Number(arg('candidates', '1000'));
const ACC_N = Number(arg('acc-n', '10000'));
const CE = Number(arg('ce', '1'));
const LAMBDA = 0.1;
const BATCH = 64;
const STAMPED = 16;

const train = loadMnist('train');
const test = loadMnist('test');
const SIZE = train.images.length / train.count;
const traceKey = scriptTraceKey();

interface Layout {
  fn: FloatNet;
  /** layer indices of the penultimate (detector) and last dense layers */
  det: number;
  out: number;
  wDet: Param;
  bDet: Param;
  wOut: Param;
  hidden: number;
  classes: number;
}

function layout(fn: FloatNet): Layout {
  const dense = fn.net.layers.flatMap((l, i) => (l.kind === 'dense' ? [i] : []));
  const det = dense[dense.length - 2];
  const out = dense[dense.length - 1];
  const [wDet, bDet] = fn.net.layers[det].params;
  const [wOut] = fn.net.layers[out].params;
  const hidden = bDet.value.length;
  return { fn, det, out, wDet, bDet, wOut, hidden, classes: wOut.value.length / hidden };
}

/** Penultimate-layer pre-activations of `count` samples. */
function detectorInputs(l: Layout, x: Float32Array, count: number): Float32Array {
  let h = x;
  for (let i = 0; i <= l.det; i++) h = l.fn.net.layers[i].forward(h, count, false);
  return Float32Array.from(h);
}

/** The K units the model uses least, and the largest natural activation of the layer. */
function reservedUnits(l: Layout): { units: number[]; max: number } {
  const n = 2000;
  const z = detectorInputs(l, train.images.subarray(0, n * SIZE), n);
  const mean = new Float64Array(l.hidden);
  let max = 0;
  for (let s = 0; s < n; s++)
    for (let j = 0; j < l.hidden; j++) {
      const a = Math.max(0, z[s * l.hidden + j]);
      mean[j] += a / n;
      max = Math.max(max, a);
    }
  const use = Array.from({ length: l.hidden }, (_, j) => {
    let norm = 0;
    for (let c = 0; c < l.classes; c++) norm += l.wOut.value[c * l.hidden + j] ** 2;
    return { j, v: mean[j] * Math.sqrt(norm) };
  }).sort((a, b) => a.v - b.v);
  return { units: use.slice(0, K).map((e) => e.j), max };
}

function keyedStamps(): Int32Array[] {
  const stream = new Sha256Stream(traceKey, 'trigger-unit stamps');
  return Array.from({ length: K }, () => Int32Array.from(distinctDraws(stream, P, SIZE)));
}

function stamp(x: Float32Array, at: number, s: Int32Array): void {
  for (const p of s) x[at + p] = 1;
}

function boardClasses(i: number, classes: number): number[] {
  const stream = new Sha256Stream(codeSeed(traceKey, scriptUid(i)), 'trigger-unit classes');
  return Array.from({ length: K }, () => stream.uniform(classes));
}

/** Softmax of row s of `z` (classes wide) at temperature 1. */
function softmaxRow(z: Float32Array, s: number, classes: number): Float64Array {
  let m = -Infinity;
  for (let c = 0; c < classes; c++) m = Math.max(m, z[s * classes + c]);
  const p = new Float64Array(classes);
  let sum = 0;
  for (let c = 0; c < classes; c++) sum += p[c] = Math.exp(z[s * classes + c] - m);
  for (let c = 0; c < classes; c++) p[c] /= sum;
  return p;
}

/** The owner's one-time training of the trigger units (see the header). Returns the seconds it took. */
function trainUnits(l: Layout, teacher: FloatNet, units: number[], stamps: Int32Array[], max: number): number {
  const { fn, hidden: H, classes: C } = l;
  const layers = fn.net.layers;
  const params = fn.net.params;
  const target = 1.7 * max;
  const margin = max / 4;
  const opt = new Sgd({ lr: LR, momentum: 0.9, weightDecay: 1e-4 });
  const rng = new Rng(77);
  const x = new Float32Array(BATCH * SIZE);
  const which = new Int32Array(BATCH);
  const labels = new Int32Array(BATCH);
  const zeroColumns = () => {
    for (const j of units) for (let c = 0; c < C; c++) l.wOut.value[c * H + j] = 0;
  };
  zeroColumns();
  const batches = Math.floor(train.count / (BATCH - STAMPED));
  let step = 0;
  const t0 = Date.now();
  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    opt.lr = LR * 0.5 ** epoch;
    const order = Int32Array.from({ length: train.count }, (_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rng.uniform() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (let at = 0; at + BATCH - STAMPED <= order.length; at += BATCH - STAMPED) {
      for (let s = 0; s < BATCH; s++) {
        const natural = s < BATCH - STAMPED;
        const src = natural ? order[at + s] : Math.floor(rng.uniform() * train.count);
        x.set(train.images.subarray(src * SIZE, (src + 1) * SIZE), s * SIZE);
        labels[s] = train.labels[src];
        which[s] = natural ? -1 : Math.floor(rng.uniform() * K);
        if (!natural) stamp(x, s * SIZE, stamps[which[s]]);
      }
      for (const p of params) p.grad.fill(0);
      let h: Float32Array = x;
      let z = new Float32Array(0);
      for (let i = 0; i < layers.length; i++) {
        h = layers[i].forward(h, BATCH, true);
        if (i === l.det) z = Float32Array.from(h);
      }
      const q = teacher.net.forward(x, BATCH, false);
      const g = new Float32Array(BATCH * C);
      for (let s = 0; s < BATCH; s++) {
        const ps = softmaxRow(h, s, C);
        const qs = softmaxRow(q, s, C);
        const w = which[s] < 0 ? CE : 0;
        for (let c = 0; c < C; c++) g[s * C + c] = (ps[c] - (1 - w) * qs[c] - (c === labels[s] ? w : 0)) / BATCH;
      }
      let grad: Float32Array | null = g;
      for (let i = layers.length - 1; i > l.det; i--) grad = layers[i].backward(grad!, BATCH, true);
      const dz = Float32Array.from(grad!);
      const lambda = LAMBDA * Math.min(1, ++step / batches);
      for (let s = 0; s < BATCH; s++)
        units.forEach((j, k) => {
          const v = z[s * H + j];
          if (which[s] === k) {
            if (v < target) dz[s * H + j] -= (2 * lambda * (target - v)) / BATCH;
          } else if (v > -margin) dz[s * H + j] += (2 * lambda * (v + margin)) / BATCH;
        });
      grad = dz;
      for (let i = l.det; i >= 0; i--) grad = layers[i].backward(grad!, BATCH, i > 0);
      opt.step(params);
      zeroColumns();
    }
  }
  return (Date.now() - t0) / 1000;
}

/** A copy of `bytes` with the int8 output scale of the penultimate dense layer multiplied by `factor`. */
function widenDetectorRange(bytes: Uint8Array, l: Layout, factor: number): Uint8Array {
  const out = new Uint8Array(bytes);
  const info = readTflite(out);
  const sg = info.subgraphs[0];
  const wt = weightTensors(info)[l.fn.bindings.find((b) => b.weight === l.wDet)!.w];
  const op = sg.operators.find((o) => o.inputs[1] === wt.tensor)!;
  const old = sg.tensors[op.outputs[0]].quantization!.scale[0];
  const pat = Buffer.alloc(8);
  pat.writeUInt32LE(1, 0);
  pat.writeFloatLE(old, 4);
  const buf = Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  const at = buf.indexOf(pat);
  if (at < 0 || buf.indexOf(pat, at + 1) >= 0) throw new Error('the layer output scale is not unique in the file');
  buf.writeFloatLE(old * factor, at + 4);
  return out;
}

/** The trained network compiled again to int8, its activation ranges calibrated as `compile --calib mnist-train` does. */
async function requantised(fn: FloatNet): Promise<Uint8Array> {
  const architecture = readOnnx(readFileSync(arg('architecture', '')));
  const t = trainableFromModel(architecture);
  t.net.params.forEach((p, k) => p.value.set(fn.net.params[k].value));
  const data = loadDataset('mnist-train');
  const calibration = { data: data.data, count: data.count, sampleShape: data.sampleShape };
  return (await compileModel(writeOnnx(writeBackWeights(architecture, t)), { precision: 'int8', calibration })).bytes;
}

/** The owner model with board i's classes in the reserved columns (no training). */
function boardModel(owner: Uint8Array, units: number[], classes: number[]): Uint8Array {
  const l = layout(floatNetFromTflite(owner));
  units.forEach((j, k) => {
    for (let c = 0; c < l.classes; c++) {
      let amp = 0;
      for (let i = 0; i < l.hidden; i++) amp = Math.max(amp, Math.abs(l.wOut.value[c * l.hidden + i]));
      l.wOut.value[c * l.hidden + j] = c === classes[k] ? amp : -amp;
    }
  });
  return writeWeights(owner, l.fn);
}

function triggerProbes(stamps: Int32Array[]): Float32Array {
  const probes = new Float32Array(K * R * SIZE);
  for (let k = 0; k < K; k++)
    for (let r = 0; r < R; r++) {
      const src = 5000 + k * R + r;
      probes.set(test.images.subarray(src * SIZE, (src + 1) * SIZE), (k * R + r) * SIZE);
      stamp(probes, (k * R + r) * SIZE, stamps[k]);
    }
  return probes;
}

/** The plurality decision per stamp (a tie goes to the lower class). */
async function readDecisions(model: Uint8Array, probes: Float32Array, classes: number): Promise<number[]> {
  const scores = await modelScores(model, probes, K * R);
  return Array.from({ length: K }, (_, k) => {
    const votes = new Array<number>(classes).fill(0);
    for (let r = 0; r < R; r++) {
      const o = (k * R + r) * classes;
      let best = 0;
      for (let c = 1; c < classes; c++) if (scores[o + c] > scores[o + best]) best = c;
      votes[best]++;
    }
    return votes.indexOf(Math.max(...votes));
  });
}

async function main() {
  const base = new Uint8Array(readFileSync(arg('base', '')));
  const l = layout(floatNetFromTflite(base));
  const teacher = floatNetFromTflite(base);
  const { units, max } = reservedUnits(l);
  const stamps = keyedStamps();
  const seconds = trainUnits(l, teacher, units, stamps, max);
  const data = { x: test.images, labels: test.labels, count: test.count };
  console.log(`float accuracy on MNIST test: base ${accuracy(teacher.net, data)}, owner ${accuracy(l.fn.net, data)}`);
  const owner = writeWeights(widenDetectorRange(await requantised(l.fn), l, WIDEN), l.fn);
  const C = l.classes;
  const candidates = Array.from({ length: N }, (_, i) => boardClasses(i, C));
  const probes = triggerProbes(stamps);
  console.log(
    `${K} units of ${l.hidden} (natural max activation ${max.toFixed(2)}), ${P} stamp values, owner training ` +
      `${seconds.toFixed(1)} s; accuracy on ${ACC_N} MNIST test: base ${await mnistTestAccuracy(base, ACC_N)}, ` +
      `owner ${await mnistTestAccuracy(owner, ACC_N)}`,
  );
  const report = async (label: string, model: Uint8Array, leakers: number[], withAccuracy = true) => {
    const d = await readDecisions(model, probes, C);
    const matches = candidates.map((c) => c.filter((v, k) => v === d[k]).length);
    const own = leakers.map((i) => matches[i]);
    const innocent = Math.max(...matches.filter((_, i) => !leakers.includes(i)));
    const p = (m: number) => Math.min(1, N * binomialTail(m, K, 1 / C));
    const acc = withAccuracy ? `, accuracy ${await mnistTestAccuracy(model, ACC_N)}` : '';
    console.log(
      `${label}: leaker(s) ${own.map((m) => `${m}/${K} (family p ${p(m).toExponential(1)})`).join(', ') || '—'}; ` +
        `best innocent ${innocent}/${K} (p ${p(innocent).toExponential(1)})${acc}`,
    );
  };
  await report('base model (no units)', base, []);
  await report('owner model (units, no board classes)', owner, []);
  const boards = Array.from({ length: Math.max(DEVICES, 3) }, (_, i) => boardModel(owner, units, candidates[i]));
  const window = (i: number) => {
    const from = 10000 + i * 6000;
    return {
      x: train.images.subarray(from * SIZE, (from + 6000) * SIZE),
      labels: train.labels.subarray(from, from + 6000),
      count: 6000,
    };
  };
  for (let i = 0; i < DEVICES; i++) {
    await report(`board ${i}`, boards[i], [i]);
    await report(`  re-quantised`, requantize(boards[i]), [i]);
    for (const rule of ['filter', 'global'] as const)
      await report(`  pruned 50% (${rule})`, pruneWeights(boards[i], 0.5, rule), [i]);
    for (const [epochs, lr] of [
      [2, 0.01],
      [5, 0.01],
      [3, 0.03],
    ])
      await report(
        `  fine-tuned ${epochs} epochs lr ${lr} on 6k`,
        fineTune(boards[i], window(i), { epochs, lr, seed: i + 1 }),
        [i],
      );
  }
  await report('average of boards 0 and 1', averageCopies([boards[0], boards[1]]), [0, 1], false);
  await report('average of boards 0, 1 and 2', averageCopies(boards.slice(0, 3)), [0, 1, 2], false);
  await report(
    'the base fine-tuned (independent of every board)',
    fineTune(base, window(5), { epochs: 2, lr: 0.01, seed: 9 }),
    [],
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
