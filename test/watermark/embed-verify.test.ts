/**
 * End to end on a small MNIST MLP (trained here, so the test needs no prebuilt model): embed by
 * fine-tuning, then verify through onnxruntime-node (ONNX) and the official TFLite runtime
 * (int8 .tflite compiled by edgelock), for the genuine owner, another owner id, another key and
 * independently trained clean models; the device hook against the same runtime; the CLI.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { compileModel } from '../../src/compiler/compile';
import { loadMnist } from '../../src/data/mnist';
import { serializeNpy } from '../../src/data/npy';
import { Model } from '../../src/ir/types';
import { readOnnx, writeOnnx } from '../../src/onnx';
import { fit } from '../../src/train/fit';
import { buildNetwork } from '../../src/train/layers';
import { Sgd } from '../../src/train/optim/sgd';
import { hostReferencePort, verifyOnDevice } from '../../src/watermark/device';
import { embedWatermark, EmbedResult } from '../../src/watermark/embed';
import { recordFromOnnx } from '../../src/watermark/metadata';
import { RUNNERS } from '../../src/watermark/runners';
import { ownerSignature } from '../../src/watermark/signature';
import { BaseData, VerifyReport, verifyWithRunner } from '../../src/watermark/verify';
import { emitNetwork } from '../../src/zoo/from-network';
import { GraphBuilder } from '../../src/zoo/graph-builder';
import { MNIST_MLP_RECIPE } from '../../src/zoo/mnist-mlp';
import { runCli } from '../helpers/cli';

const COUNT = 12000;
const KEY = Uint8Array.from({ length: 32 }, (_, i) => 200 - i);
const SIG = ownerSignature(KEY, 'acme-vision');

let base: BaseData;
let clean: Model[];
let embedded: EmbedResult;
let wmBytes: Uint8Array;
let int8: Uint8Array;
let dir: string;

function trainClean(seed: number): Model {
  const net = buildNetwork([1, 28, 28], MNIST_MLP_RECIPE.layers, seed);
  fit(
    net,
    { x: base.data, labels: base.labels, count: COUNT },
    { epochs: 1, batchSize: 64, optimizer: new Sgd({ lr: 0.05, momentum: 0.9 }), seed },
  );
  const b = new GraphBuilder();
  emitNetwork(b, net, 'input', 'logits');
  return b.toModel('mlp', 'test MLP');
}

async function verifyBytes(
  bytes: Uint8Array,
  format: 'onnx' | 'tflite',
  signature: Uint8Array,
  record = embedded.record,
): Promise<VerifyReport> {
  const runner = await RUNNERS[format]!(bytes, format);
  try {
    return await verifyWithRunner(runner, {
      signature,
      params: embedded.record,
      record: format === 'onnx' ? recordFromOnnx(readOnnx(bytes)) : null,
      base,
      nullRate: 0.1,
    });
  } finally {
    runner.dispose();
  }
  void record;
}

beforeAll(async () => {
  const train = loadMnist('train');
  base = { data: train.images.subarray(0, COUNT * 784), labels: train.labels.subarray(0, COUNT), count: COUNT };
  clean = [trainClean(11), trainClean(12)];
  embedded = await embedWatermark(clean[0], {
    signature: SIG,
    modelId: 'mlp-test',
    data: base.data,
    labels: base.labels,
    count: COUNT,
    epochs: 1,
    mix: 0.25,
    threads: 1,
  });
  wmBytes = writeOnnx(embedded.model);
  const compiled = await compileModel(wmBytes, {
    precision: 'int8',
    calibration: { data: base.data.subarray(0, 300 * 784), count: 300, sampleShape: [1, 28, 28] },
  });
  int8 = compiled.bytes;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'el-wm-'));
}, 600000);

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('the embedded model carries the commitment and public parameters, no trigger data', () => {
  const r = recordFromOnnx(readOnnx(wmBytes))!;
  expect(r.commitment).toMatch(/^[0-9a-f]{64}$/);
  expect(r).toMatchObject({
    scheme: 'edgelock-wm1',
    modelId: 'mlp-test',
    triggers: 100,
    classes: 10,
    baseCount: COUNT,
    sampleSize: 784,
  });
  expect(Object.keys(r).sort()).toEqual([
    'baseCount',
    'baseDigest',
    'classes',
    'commitment',
    'delta',
    'modelId',
    'positions',
    'range',
    'sampleSize',
    'scheme',
    'triggers',
  ]);
  expect(embedded.triggerAccuracy).toBeGreaterThan(0.6);
});

test('genuine owner: p ≤ 1e-9 on ONNX (onnxruntime) and on the int8 .tflite (TFLite runtime)', async () => {
  const onnx = await verifyBytes(wmBytes, 'onnx', SIG);
  expect(onnx.pValue).toBeLessThanOrEqual(1e-9);
  expect(onnx).toMatchObject({ verdict: 'detected', commitment: 'match', baseData: 'match' });
  const tfl = await verifyBytes(int8, 'tflite', SIG);
  expect(tfl.pValue).toBeLessThanOrEqual(1e-9);
  expect(tfl.commitment).toBe('absent');
});

test('another owner id or another key: p > 1e-3 and the commitment does not match', async () => {
  const bob = await verifyBytes(wmBytes, 'onnx', ownerSignature(KEY, 'acme-visiom'));
  const key2 = KEY.slice();
  key2[0] ^= 0x80;
  const other = await verifyBytes(wmBytes, 'onnx', ownerSignature(key2, 'acme-vision'));
  for (const r of [bob, other]) {
    expect(r.pValue).toBeGreaterThan(1e-3);
    expect(r).toMatchObject({ verdict: 'not detected', commitment: 'mismatch', baseData: 'unchecked' });
  }
});

test('the genuine owner with other base data of the same size: base data mismatch is reported', async () => {
  const runner = await RUNNERS.onnx!(wmBytes, 'wm');
  try {
    const shifted = base.data.map((v) => Math.min(1, v + 0.01));
    const r = await verifyWithRunner(runner, {
      signature: SIG,
      params: embedded.record,
      record: embedded.record,
      base: { ...base, data: shifted },
      nullRate: 0.1,
    });
    expect(r).toMatchObject({ commitment: 'match', baseData: 'mismatch' });
  } finally {
    runner.dispose();
  }
});

test('clean models (the one fine-tuned and one from another seed): p > 1e-3', async () => {
  for (const m of clean) expect((await verifyBytes(writeOnnx(m), 'onnx', SIG)).pValue).toBeGreaterThan(1e-3);
});

test('verifyOnDevice with the host reference of the device side equals host verification on the int8 model', async () => {
  const runner = await RUNNERS.tflite!(int8, 'int8');
  try {
    const req = { signature: SIG, params: embedded.record, record: null, base, nullRate: 0.1 };
    const dev = await verifyOnDevice(hostReferencePort(runner, 10), req);
    const host = await verifyWithRunner(runner, req);
    expect(dev).toEqual(host);
  } finally {
    runner.dispose();
  }
});

/** `edgelock watermark <args>` through the built CLI, as a user runs it; `code` is the catalogue code of the error line. */
function cli(args: string[]): { status: number; out: string; err: string; code?: string } {
  const r = runCli(['watermark', ...args]);
  return { status: r.status, out: r.stdout, err: r.stderr, code: /^error (E_[A-Z0-9_]+)/m.exec(r.stderr)?.[1] };
}

test('CLI: embed on .npy data with labels, verify with --json, errors carry catalogue codes', async () => {
  const keyFile = path.join(dir, 'owner.key');
  fs.writeFileSync(keyFile, KEY, { mode: 0o600 });
  const n = 600;
  const xFile = path.join(dir, 'x.npy');
  const yFile = path.join(dir, 'y.npy');
  fs.writeFileSync(xFile, serializeNpy({ dtype: 'float32', shape: [n, 1, 28, 28], data: base.data.slice(0, n * 784) }));
  fs.writeFileSync(
    yFile,
    serializeNpy({
      dtype: 'int64',
      shape: [n],
      data: BigInt64Array.from(Array.from((base.labels as Uint8Array).subarray(0, n), BigInt)),
    }),
  );
  const inFile = path.join(dir, 'in.onnx');
  fs.writeFileSync(inFile, wmBytes);
  const outFile = path.join(dir, 'out.onnx');
  const e = cli([
    'embed',
    inFile,
    '-o',
    outFile,
    '--data',
    xFile,
    '--labels',
    yFile,
    '--owner',
    'carol',
    '--key',
    keyFile,
    '--triggers',
    '20',
    '--epochs',
    '1',
    '--threads',
    '1',
    '--json',
  ]);
  expect(e.status).toBe(0);
  expect(e.err).toMatch(/epoch 1\/1 batch \d+\/\d+ loss [\d.]+ acc [\d.]+% \d+ samples\/s/);
  const summary = JSON.parse(e.out);
  expect(summary).toMatchObject({ output: outFile, modelId: 'out', triggers: 20 });
  expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  expect(recordFromOnnx(readOnnx(fs.readFileSync(outFile)))!.baseCount).toBe(n);

  const wmFile = path.join(dir, 'wm.onnx');
  fs.writeFileSync(wmFile, wmBytes);
  const tflFile = path.join(dir, 'wm.tflite');
  fs.writeFileSync(tflFile, int8);
  // --data mnist-train would hold 60k samples; this watermark was made on the first 12k.
  const sub = path.join(dir, 'sub.npy');
  const subLabels = path.join(dir, 'sub-labels.npy');
  fs.writeFileSync(sub, serializeNpy({ dtype: 'float32', shape: [COUNT, 1, 28, 28], data: base.data.slice() }));
  fs.writeFileSync(
    subLabels,
    serializeNpy({ dtype: 'uint8', shape: [COUNT], data: (base.labels as Uint8Array).slice() }),
  );
  // the owner, the key and the base data every command below names
  const owner = ['--owner', 'acme-vision', '--key', keyFile, '--data', sub, '--labels', subLabels];
  const v = cli(['verify', tflFile, ...owner, '--params', wmFile, '--null', '0.1', '--json']);
  expect(v.status).toBe(0);
  // the compiler carries the watermark record into the .tflite metadata, so the commitment is checked there
  expect(JSON.parse(v.out)).toMatchObject({ format: 'tflite', verdict: 'detected', commitment: 'match' });

  const cleanFile = path.join(dir, 'clean.onnx');
  fs.writeFileSync(cleanFile, writeOnnx(clean[1]));
  const nullFile = path.join(dir, 'null.json');
  const c = cli(['calibrate', wmFile, ...owner, '--clean', cleanFile, '--probes', '3', '-o', nullFile, '--json']);
  expect(c.status).toBe(0);
  const cal = JSON.parse(fs.readFileSync(nullFile, 'utf8'));
  expect(cal).toMatchObject({ kind: 'edgelock-watermark-null', classes: 10, signatures: 4, pooledTrials: 400 });
  expect(cal.nullRate).toBeGreaterThanOrEqual(0.1);
  const vn = cli(['verify', wmFile, ...owner, '--null', nullFile]);
  expect(vn.out).toMatch(/verdict\s+detected/);
  expect(vn.out).toContain(nullFile);

  // a model without a watermark record and no --params
  expect(cli(['verify', cleanFile, ...owner]).code).toBe('E_WATERMARK_PARAMS');
  expect(cli(['verify', wmFile, '--owner', 'acme-vision', '--key', keyFile, '--data', sub]).code).toBe('E_USAGE');
  expect(
    cli(['verify', wmFile, '--owner', 'acme-vision', '--key', keyFile, '--data', xFile, '--labels', yFile]).code,
  ).toBe('E_WATERMARK_DATA');
  fs.writeFileSync(path.join(dir, 'short.key'), KEY.subarray(0, 16), { mode: 0o600 });
  expect(
    cli(['verify', wmFile, '--owner', 'a', '--key', path.join(dir, 'short.key'), '--data', sub, '--labels', subLabels])
      .code,
  ).toBe('E_KEY_FILE');
});

test('CLI: embed is reproducible: the same seed gives byte-identical ONNX (twice with 2 threads, once with 1), another seed does not', () => {
  const keyFile = path.join(dir, 'repro.key');
  fs.writeFileSync(keyFile, KEY, { mode: 0o600 });
  const n = 640;
  const xFile = path.join(dir, 'repro-x.npy');
  const yFile = path.join(dir, 'repro-y.npy');
  fs.writeFileSync(xFile, serializeNpy({ dtype: 'float32', shape: [n, 1, 28, 28], data: base.data.slice(0, n * 784) }));
  fs.writeFileSync(yFile, serializeNpy({ dtype: 'uint8', shape: [n], data: (base.labels as Uint8Array).slice(0, n) }));
  const inFile = path.join(dir, 'repro-in.onnx');
  fs.writeFileSync(inFile, writeOnnx(clean[1]));
  const embed = (name: string, seed: number, threads: number): Buffer => {
    const out = path.join(dir, name);
    const flags = ['--triggers', '20', '--epochs', '1', '--seed', String(seed), '--threads', String(threads), '--json'];
    const r = cli([
      'embed',
      inFile,
      '-o',
      out,
      '--model-id',
      'repro',
      '--data',
      xFile,
      '--labels',
      yFile,
      '--owner',
      'dave',
      '--key',
      keyFile,
      ...flags,
    ]);
    expect({ status: r.status, code: r.code }).toEqual({ status: 0, code: undefined });
    return fs.readFileSync(out);
  };
  const a = embed('repro-a.onnx', 7, 2);
  const b = embed('repro-b.onnx', 7, 2);
  const c = embed('repro-c.onnx', 7, 1);
  const d = embed('repro-d.onnx', 8, 2);
  expect(a.equals(b)).toBe(true);
  expect(a.equals(c)).toBe(true);
  expect(a.equals(d)).toBe(false);
  // the output carries trained weights, not the input's
  expect(a.equals(fs.readFileSync(inFile))).toBe(false);
});
