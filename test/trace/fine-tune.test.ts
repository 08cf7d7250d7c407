/**
 * Tracing a copy that the thief fine-tuned on 10% of the data (issue 16, docs/security.md "Tracing a leaked model",
 * Measured), CI-sized, on the zoo MLP with quiet carriers (`package --trace --trace-data mnist-train`): the code on
 * the weights no gradient reaches on the owner's data does not move when the copy is fine-tuned, and uniform-noise
 * probes read it through the copy's int8 answers in the official TFLite runtime. The same fine-tune of the unmarked
 * base model names nobody.
 */
import { createHash } from 'crypto';
import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { compileModel } from '../../src/compiler/compile';
import { loadMnist } from '../../src/data/mnist';
import { deriveTraceKey } from '../../src/keys/derive';
import { readOnnx, writeOnnx } from '../../src/onnx';
import { decodePackage } from '../../src/package/decode';
import { fineTune } from '../../src/trace/attacks';
import { carriersOf } from '../../src/trace/carriers';
import { traceCodeForPackage } from '../../src/trace/package-code';
import { quietTraceParams } from '../../src/trace/params';
import { uniformProbes } from '../../src/trace/probes';
import { TraceRequest, TraceResult, traceLeak } from '../../src/trace/trace';
import { fileVictim } from '../../src/trace/victims';
import { mnistTestAccuracy, simulatedUids } from '../helpers/mnist-boards';
import { whiteBoxEvidence } from '../../src/trace/whitebox';
import { packageArgs, runCli, keyDir } from '../helpers/cli';

const MASTER = createHash('sha256').update('edgelock trace fine-tune test master').digest();
const PARAMS = quietTraceParams('mnist-train');
const train = loadMnist('train');
const uids = simulatedUids('f17e', 1000);
// the thief's 10%: 6,000 training images the owner's quiet-carrier search (the first 2,000) never saw
const THIEF = {
  x: train.images.subarray(30000 * 784, 36000 * 784),
  labels: train.labels.subarray(30000, 36000),
  count: 6000,
};
const TUNE = { epochs: 2, lr: 0.01, seed: 11 };
let base: Uint8Array;

async function blackBox(model: Uint8Array, queries: number): Promise<TraceResult> {
  const v = await fileVictim(model);
  try {
    const r: TraceRequest = {
      base,
      master: MASTER,
      candidates: [{ uids, params: PARAMS }],
      alpha: 1e-6,
      blackBox: { probes: uniformProbes(base, queries), count: queries, victim: v.query, hardLabels: false },
    };
    return await traceLeak(r);
  } finally {
    v.dispose();
  }
}

beforeAll(async () => {
  const onnx = readOnnx(readFileSync(join(__dirname, '../../models/mnist-mlp.onnx')));
  const calibration = { data: train.images.subarray(0, 200 * 784), count: 200, sampleShape: [1, 28, 28] };
  base = (await compileModel(writeOnnx(onnx), { precision: 'int8', calibration })).bytes;
}, 120000);

test('quiet carriers: a third of the MLP, 8 steps each, no accuracy cost, and fine-tuning leaves them in place', async () => {
  const tk = deriveTraceKey(MASTER);
  const set = carriersOf(base, tk, PARAMS);
  const quiet = set.amplitude!.filter((a) => a > 1).length;
  expect(quiet / set.carriers.length).toBeGreaterThan(0.2);
  const d = 123;
  const leaked = traceCodeForPackage(base, MASTER, Buffer.from(uids[d], 'hex'), PARAMS).model;
  expect(Math.abs((await mnistTestAccuracy(leaked, 2000)) - (await mnistTestAccuracy(base, 2000)))).toBeLessThanOrEqual(
    0.002,
  );
  const tuned = fineTune(leaked, THIEF, TUNE);
  // white-box evidence in units of each carrier's own amplitude: ±1 where the code is intact
  const e = whiteBoxEvidence(tuned, base, set);
  const signs = Math.sign;
  const ref = whiteBoxEvidence(leaked, base, set);
  let kept = 0;
  set.amplitude!.forEach((a, j) => {
    if (a > 1 && signs(e[j]) === signs(ref[j]) && Math.abs(e[j] - ref[j]) < 0.25) kept++;
  });
  expect(kept / quiet).toBeGreaterThan(0.95);
}, 300000);

test('black-box after fine-tuning on 10% of MNIST train: 300 uniform probes name the board among 1,000; the fine-tuned base names nobody', async () => {
  const d = 517;
  const leaked = traceCodeForPackage(base, MASTER, Buffer.from(uids[d], 'hex'), PARAMS).model;
  const tuned = fineTune(leaked, THIEF, TUNE);
  // the copy still works (fine-tuning costs the MLP about a point)
  expect(await mnistTestAccuracy(tuned, 1000)).toBeGreaterThan(0.94);
  const r = await blackBox(tuned, 300);
  expect(r.best.uid).toBe(uids[d]);
  expect(r.named.map((x) => x.uid)).toEqual([uids[d]]);
  // measured 15.7–17.1 at 300 queries (docs/security.md); the bar among 1,000 at alpha 1e-6 is 6.44
  expect(r.best.z).toBeGreaterThan(10);
  expect(r.runnerUp!.z).toBeLessThan(5);
  const control = await blackBox(fineTune(base, THIEF, TUNE), 300);
  expect(control.named).toEqual([]);
  expect(control.best.z).toBeLessThan(5);
}, 300000);

test(
  'the CLI end to end: `package --trace --trace-data mnist-train` records the quiet parameters, and `trace ' +
    '--black-box` on the fine-tuned copy probes with uniform noise by default and names the board',
  () => {
    const { dir, key } = keyDir('el-trace-ft-', MASTER);
    const model = join(dir, 'model.tflite');
    writeFileSync(model, base);
    const db = join(dir, 'factory.db');
    const pkgs = [0, 1].map((d) => {
      const out = join(dir, `${d}.elp`);
      const r = runCli([
        ...packageArgs(model, out, key, uids[d]),
        '--trace',
        '--trace-data',
        'mnist-train',
        '--db',
        db,
        '--json',
      ]);
      expect(r.stderr).toBe('');
      return out;
    });
    const tuned = join(dir, 'tuned.tflite');
    writeFileSync(tuned, fineTune(decodePackage(readFileSync(pkgs[1])).model, THIEF, TUNE));
    const r = runCli(['trace', '--base', model, '--key', key, '--db', db, '--model', tuned, '--black-box', '--json']);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(out.mode).toBe('black-box');
    expect(out.queries).toBe(300);
    expect(out.named.map((n: { uid: string }) => n.uid)).toEqual([uids[1]]);
    expect(out.best.z).toBeGreaterThan(10);
    // the same copy probed with MNIST digits (which never reach the quiet carriers) names nobody
    const digits = runCli(
      [
        'trace',
        '--base',
        model,
        '--key',
        key,
        '--db',
        db,
        '--model',
        tuned,
        '--black-box',
        '--probes',
        'mnist-test',
      ].concat(['--json']),
    );
    expect(JSON.parse(digits.stdout).named).toEqual([]);
    const e = runCli(
      ['package', model, '--key', key, '--device-uid', uids[0], '--version', '1.0.0'].concat([
        '--security-counter',
        '1',
        '--trace-data',
        'mnist-train',
        '-o',
        join(dir, 'x.elp'),
      ]),
    );
    expect(e.status).toBe(2);
    expect(e.stderr).toMatch(/^error E_USAGE: --trace-data needs --trace/);
  },
  300000,
);
