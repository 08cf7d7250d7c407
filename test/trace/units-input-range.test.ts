/**
 * The path from the pixels on models that do not take pixels in [0, 1] (docs/security.md, "A path from the pixels"):
 * a PyTorch user standardises MNIST with its mean and deviation (0.1307, 0.3081) before the model sees it, a
 * paddle2onnx or Keras user often feeds [−1, 1]. The fixtures are the zoo LeNet re-parameterised for those inputs
 * (the first convolution reads x·σ + μ: weights × σ, bias + μ·Σw; its zero padding then reads μ, so the fixture is a
 * model of its own, checked for accuracy, not the zoo LeNet's copy). A stamp writes the owner data's extremes; the
 * owner model gives the fixture's logits (onnxruntime), and a board's copy fine-tuned on 10% of the data is named among
 * 1,000 boards in the official TFLite runtime, the fixture fine-tuned alike names nobody. `edgelock trace-units` makes
 * it from an unlabelled .npy of such inputs (nothing is trained); a trained path without labels is a usage error.
 */
import { createHash } from 'crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { compileModel } from '../../src/compiler/compile';
import { PixelPathParams, readTriggerUnitsRecord } from '../../src/compiler/trigger-units-record';
import { loadMnist } from '../../src/data/mnist';
import { writeNpy } from '../../src/data/npy';
import { evaluateModelFile } from '../../src/eval/evaluate';
import { Model } from '../../src/ir/types';
import { deriveTraceKey } from '../../src/keys/derive';
import { readOnnx, writeOnnx } from '../../src/onnx';
import { fineTune } from '../../src/trace/attacks';
import { boardClasses, unitsRecordOfTflite, writeBoardClasses } from '../../src/trace/units/board';
import { triggerUnitsOwnerModel } from '../../src/trace/units/owner-model';
import { TRIGGER_UNITS_DEFAULTS } from '../../src/trace/units/params';
import { modelStamps, triggerProbes } from '../../src/trace/units/stamps';
import { runCli } from '../helpers/cli';
import { simulatedUids } from '../helpers/mnist-boards';
import { runOrtBatch } from '../helpers/ort';
import { readUnits } from '../helpers/units-reading';

const MASTER = createHash('sha256').update('edgelock input range test master').digest();
const TRACE_KEY = deriveTraceKey(MASTER);
const SIZE = 784;
const CLASSES = 10;
const K = TRIGGER_UNITS_DEFAULTS.units;
const VOTES = TRIGGER_UNITS_DEFAULTS.votes;
const train = loadMnist('train');
const testSet = loadMnist('test');
const zoo = readOnnx(readFileSync(join(__dirname, '../../models/mnist-lenet.onnx')));
const candidates = simulatedUids('a7e1', 1000).map((u) => boardClasses(TRACE_KEY, Buffer.from(u, 'hex'), K, CLASSES));

/** The zoo LeNet for inputs (x − μ)/σ: conv1 reads x·σ + μ. */
function forInputs(mu: number, sigma: number): Model {
  const inits = new Map(zoo.graph.initializers);
  const w = inits.get('conv1.weight')!;
  const b = inits.get('conv1.bias')!;
  const per = w.data.length / b.data.length;
  const wd = Float32Array.from(w.data as Float32Array, (v) => v * sigma);
  const bd = Float32Array.from(b.data as Float32Array, (v, o) => {
    let s = 0;
    for (let k = 0; k < per; k++) s += (w.data as Float32Array)[o * per + k];
    return v + mu * s;
  });
  inits.set('conv1.weight', { ...w, data: wd });
  inits.set('conv1.bias', { ...b, data: bd });
  return { ...zoo, graph: { ...zoo.graph, initializers: inits } };
}

const scaled = (x: Float32Array, mu: number, sigma: number) => Float32Array.from(x, (v) => (v - mu) / sigma);

describe.each([
  ['standardised (PyTorch: mean 0.1307, deviation 0.3081)', 0.1307, 0.3081],
  ['[−1, 1] (paddle2onnx, Keras)', 0.5, 0.5],
])('pixels %s', (_name, mu, sigma) => {
  const x = scaled(train.images, mu, sigma);
  const tx = scaled(testSet.images, mu, sigma);
  const thief = { x: x.subarray(24000 * SIZE, 30000 * SIZE), labels: train.labels.subarray(24000, 30000), count: 6000 };
  const accuracy = async (model: Uint8Array, n = 10000) =>
    (
      await evaluateModelFile(model, {
        name: 'scaled mnist-test',
        sampleShape: [1, 28, 28],
        count: n,
        x: tx.subarray(0, n * SIZE),
        labels: testSet.labels.subarray(0, n),
      })
    ).accuracy;

  test("a stamp writes the data's extremes; the owner model keeps the logits, and a fine-tuned board's copy is named", async () => {
    const fixture = forInputs(mu, sigma);
    const made = triggerUnitsOwnerModel({
      model: fixture,
      traceKey: TRACE_KEY,
      data: { x, labels: train.labels, count: train.count },
      training: { ...TRIGGER_UNITS_DEFAULTS, room: 'pixel-path' },
    });
    const record = made.record as PixelPathParams;
    expect(record.scheme).toBe('edgelock-tu2');
    expect(record.levels![0]).toBeCloseTo(-mu / sigma, 5);
    expect(record.levels![1]).toBeCloseTo((1 - mu) / sigma, 5);

    // onnxruntime: the owner model answers as the fixture does
    const n = 500;
    const logits = (m: Model) => runOrtBatch(m, tx.slice(0, n * SIZE), n);
    const [b, o] = [await logits(fixture), await logits(made.model)];
    let worst = 0;
    for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(b[i] - o[i]));
    expect(worst).toBeLessThan(1e-4);

    const calibration = { data: x.subarray(0, 500 * SIZE), count: 500, sampleShape: [1, 28, 28] };
    const base = (await compileModel(writeOnnx(fixture), { precision: 'int8', calibration })).bytes;
    const owner = (await compileModel(writeOnnx(made.model), { precision: 'int8', calibration })).bytes;
    expect(unitsRecordOfTflite(owner)).toEqual(record);
    const baseAccuracy = await accuracy(base);
    expect(baseAccuracy).toBeGreaterThan(0.985);
    expect(await accuracy(owner)).toBeGreaterThanOrEqual(baseAccuracy - 0.001);

    const probes = triggerProbes(modelStamps(TRACE_KEY, record, owner), VOTES, tx.subarray(5000 * SIZE), SIZE);
    const read = (model: Uint8Array) => readUnits(model, probes, candidates, VOTES, CLASSES);
    const leaker = 3;
    const board = writeBoardClasses(owner, record, candidates[leaker]);
    expect((await read(board)).m[leaker]).toBeGreaterThanOrEqual(300);
    const copy = fineTune(board, thief, { epochs: 2, lr: 0.01, seed: 4 });
    const { m, familyLog10P } = await read(copy);
    expect(m[leaker]).toBeGreaterThanOrEqual(280);
    expect(familyLog10P(m[leaker])).toBeLessThanOrEqual(-6);
    expect(familyLog10P(Math.max(...m.filter((_, i) => i !== leaker)))).toBeGreaterThan(-3);
    const innocent = await read(fineTune(base, thief, { epochs: 2, lr: 0.01, seed: 4 }));
    expect(innocent.familyLog10P(Math.max(...innocent.m))).toBeGreaterThan(-3);
  }, 600_000);
});

test('edgelock trace-units: a path from the pixels from unlabelled standardised inputs (.npy); a trained path needs labels', () => {
  const dir = mkdtempSync(join(tmpdir(), 'el-input-range-'));
  const [mu, sigma] = [0.1307, 0.3081];
  const n = 2000;
  writeFileSync(join(dir, 'fixture.onnx'), writeOnnx(forInputs(mu, sigma)));
  const data = join(dir, 'inputs.npy');
  writeNpy(data, {
    dtype: 'float32',
    shape: [n, 1, 28, 28],
    data: scaled(train.images.subarray(0, n * SIZE), mu, sigma),
  });
  const key = join(dir, 'master.key');
  writeFileSync(key, MASTER, { mode: 0o600 });
  const out = join(dir, 'owner.onnx');
  const cli = (...extra: string[]) =>
    runCli(['trace-units', join(dir, 'fixture.onnx'), '-o', out, '--key', key, '--data', data, ...extra]);
  const r = cli();
  expect(r.stderr).toBe('');
  expect(r.stdout).toMatch(/16 trigger units \(a path from the pixels, a keyed 5x5 pattern/);
  const record = readTriggerUnitsRecord(
    readOnnx(readFileSync(out)).metadata['edgelock.trace-units'],
  ) as PixelPathParams;
  expect(record.levels![0]).toBeCloseTo(-mu / sigma, 5);
  expect(record.levels![1]).toBeCloseTo((1 - mu) / sigma, 5);
  const other = join(dir, 'trained.onnx');
  const trained = runCli([
    'trace-units',
    join(dir, 'fixture.onnx'),
    '-o',
    other,
    '--key',
    key,
    '--data',
    data,
    '--room',
    'path',
  ]);
  expect(trained.status).toBe(2);
  expect(trained.stderr).toMatch(/^error E_USAGE: .*has no labels: pass --labels <npy>/);
  expect(existsSync(other)).toBe(false);
  rmSync(dir, { recursive: true, force: true });
}, 120_000);
