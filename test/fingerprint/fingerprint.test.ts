/**
 * The fingerprint of the zoo LeNet at CI size (docs/watermark.md "Fingerprint" has the full-size run):
 * crafted from the owner, 2 surrogates distilled from it and 2 independently trained references
 * (LeNet and MLP), with the null measured on 2 further independent models. Then, on models none of
 * which took part in crafting:
 *   - the owner's model as ONNX (onnxruntime) and compiled to int8 (the official TFLite runtime) is
 *     identified with p ≤ 1e-6;
 *   - independently trained LeNets and MLPs (other seeds, other data windows) are not flagged (p > 1e-3);
 *   - copies distilled from the owner's hard labels (6,000 queries, LeNet and MLP) are measured and
 *     compared with the independents (printed; the bound is asserted for what the method achieves).
 * Also the CLI: `fingerprint verify` on a file (same numbers as the library), malformed files.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { distillCopy } from '../../src/attack/distill';
import { compileModel } from '../../src/compiler/compile';
import { loadMnist } from '../../src/data/mnist';
import { Fingerprint, writeFingerprint } from '../../src/fingerprint/artefact';
import { checkFingerprintFile } from '../../src/fingerprint/check';
import { createFingerprint } from '../../src/fingerprint/create';
import { FingerprintReport } from '../../src/fingerprint/verify';
import { Model } from '../../src/ir/types';
import { readOnnx } from '../../src/onnx/reader';
import { writeOnnx } from '../../src/onnx/writer';
import { predict } from '../../src/train/fit';
import { trainableFromModel } from '../../src/train/from-model';
import { runCli } from '../helpers/cli';

const MODELS = path.resolve(__dirname, '..', '..', 'models');
const lenetBytes = fs.readFileSync(path.join(MODELS, 'mnist-lenet.onnx'));
const lenet = readOnnx(lenetBytes);
const mlp = readOnnx(fs.readFileSync(path.join(MODELS, 'mnist-mlp.onnx')));
const train = loadMnist('train');
const testSet = loadMnist('test');
const SIZE = 784;

function window(from: number, count: number) {
  return {
    x: train.images.subarray(from * SIZE, (from + count) * SIZE),
    labels: train.labels.subarray(from, from + count),
    count,
  };
}

let fp: Fingerprint;
let dir: string;
const lines: string[] = [];

async function trainOn(arch: Model, from: number, count: number, epochs: number, seed: number, owner: boolean) {
  const data = window(from, count);
  const labels = owner
    ? predict(trainableFromModel(lenet).net, data.x, count)
    : Int32Array.from(data.labels as Uint8Array);
  return (await distillCopy(async () => labels, arch, data, { queries: count, epochs, seed, threads: 1 })).copy;
}

async function check(name: string, m: Model | Uint8Array, format: 'onnx' | 'tflite' = 'onnx') {
  const bytes = m instanceof Uint8Array ? m : writeOnnx(m);
  const r = await checkFingerprintFile(bytes, format, name, fp);
  lines.push(`${name}: ${r.matches}/${r.triggers} p=${r.pValue.toExponential(2)} ${r.verdict}`);
  return r;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgelock-fp-'));
  const r = await createFingerprint({
    owner: lenet,
    ownerBytes: lenetBytes,
    architectures: [
      { name: 'lenet', model: lenet },
      { name: 'mlp', model: mlp },
    ],
    pool: window(0, 20000),
    seeds: { x: testSet.images.subarray(0, 1000 * SIZE), labels: testSet.labels.subarray(0, 1000), count: 1000 },
    surrogates: 2,
    references: 2,
    calibration: 2,
    surrogateBudget: { samples: 5000, epochs: 3 },
    referenceBudget: { samples: 5000, epochs: 2 },
    count: 100,
    candidates: 300,
    epsilon: 0.2,
    steps: 15,
    refWeight: 2,
    range: [0, 1],
    seed: 3,
    threads: 1,
  });
  fp = r.fingerprint;
  lines.push(
    `fingerprint: ${fp.count} inputs (${r.conferrable} conferrable of 300), null rate ${fp.null.nullRate.toFixed(3)}`,
  );
  writeFingerprint(path.join(dir, 'fp.json'), fp);
}, 1_800_000);

afterAll(() => {
  console.log(lines.join('\n'));
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test("the owner's model is identified, as ONNX and compiled to int8", async () => {
  const onnx = await check('owner (onnx)', lenet);
  expect(onnx.verdict).toBe('detected');
  expect(onnx.pValue).toBeLessThanOrEqual(1e-6);
  const calibration = { data: testSet.images.subarray(0, 64 * SIZE), count: 64, sampleShape: [1, 1, 28, 28] };
  const tflite = (await compileModel(lenetBytes, { precision: 'int8', calibration })).bytes;
  fs.writeFileSync(path.join(dir, 'owner.tflite'), tflite);
  const int8 = await check('owner (int8 tflite)', tflite, 'tflite');
  expect(int8.pValue).toBeLessThanOrEqual(1e-6);
}, 300_000);

const independents: Array<[string, () => Model, number, number, number]> = [
  ['lenet', () => lenet, 40000, 6000, 61],
  ['lenet', () => lenet, 46000, 6000, 62],
  ['mlp', () => mlp, 40000, 6000, 63],
  ['mlp', () => mlp, 52000, 6000, 64],
];

const indepReports: FingerprintReport[] = [];

test.each(independents)(
  'an independent %s (samples %i.., %i, seed %i) is not flagged',
  async (arch, make, from, count, seed) => {
    const m = await trainOn(make(), from, count, 3, seed, false);
    const r = await check(`independent ${arch} seed ${seed}`, m);
    indepReports.push(r);
    expect(r.pValue).toBeGreaterThan(1e-3);
  },
  600_000,
);

test('CLI: fingerprint verify on a file gives the library numbers; a malformed file is E_FINGERPRINT_FORMAT', async () => {
  const r = runCli([
    'fingerprint',
    'verify',
    path.join(dir, 'fp.json'),
    '--model',
    path.join(dir, 'owner.tflite'),
    '--json',
  ]);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const j = JSON.parse(r.stdout);
  const lib = await checkFingerprintFile(fs.readFileSync(path.join(dir, 'owner.tflite')), 'tflite', 'x', fp);
  expect(j).toMatchObject({ matches: lib.matches, triggers: fp.count, verdict: 'detected' });
  const table = runCli([
    'fingerprint',
    'verify',
    path.join(dir, 'fp.json'),
    '--model',
    path.join(MODELS, 'mnist-lenet.onnx'),
  ]);
  expect(table.stdout).toMatch(/fingerprint verdict\s+copy detected/);
  fs.writeFileSync(path.join(dir, 'bad.json'), '{"kind":"edgelock-fingerprint","version":9}');
  const bad = runCli(['fingerprint', 'verify', path.join(dir, 'bad.json'), '--model', path.join(dir, 'owner.tflite')]);
  expect(bad.status).toBe(1);
  expect(bad.stderr).toMatch(/^error E_FINGERPRINT_FORMAT: .*version 9 is not supported/);
  const both = runCli(['fingerprint', 'verify', path.join(dir, 'fp.json')]);
  expect(both.status).toBe(2);
  expect(both.stderr).toMatch(/E_USAGE/);
}, 300_000);

test('copies distilled from 6,000 hard labels (LeNet, MLP): measured against the independents', async () => {
  const copies = [
    await check('copy lenet 6k hard', await trainOn(lenet, 30000, 6000, 8, 71, true)),
    await check('copy mlp 6k hard', await trainOn(mlp, 34000, 6000, 8, 72, true)),
  ];
  const worstIndependent = Math.max(...indepReports.map((r) => r.matches));
  lines.push(`copies ${copies.map((c) => c.matches).join(', ')} vs independents at most ${worstIndependent}`);
  // the copies answer the fingerprint labels more often than any independent model
  for (const c of copies) expect(c.matches).toBeGreaterThan(worstIndependent);
}, 900_000);
