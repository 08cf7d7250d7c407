/**
 * Trigger units on models as exporters write them (docs/security.md, "Exports as users bring them"): the zoo LeNet's
 * trained weights laid out the way tf2onnx writes a Keras model (NHWC input and Transposes, Reshape, MatMul + Add, a
 * softmax), the way torch.onnx writes a module with BatchNorm kept and `x.view(x.size(0), -1)`, and the way
 * paddle2onnx writes one at opset 9 with H and W left symbolic (test/helpers/exported-lenet.ts). Before, `trace-units`
 * refused all three (E_TRAIN_UNSUPPORTED: "needs a fixed shape", then the Transposes, the BatchNorm, the shape chain,
 * MatMul and Softmax). Now the units are made in the trainer's
 * form of the model (src/trace/units/trainer-form.ts) and the exporter's interface is put back: onnxruntime gives the
 * export's own answers, the compiled model reads the stamps where it takes them, and a fine-tuned board's copy is
 * named among 1,000 boards in the official TFLite runtime; through the CLI, `trace` reads a softmax model by its
 * decisions (a library caller asking for its scores is told to).
 */
import { createHash } from 'crypto';
import { existsSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { compileModel } from '../../src/compiler/compile';
import { loadMnist } from '../../src/data/mnist';
import { writeNpy } from '../../src/data/npy';
import { evaluateModelFile } from '../../src/eval/evaluate';
import { makeTensor } from '../../src/ir/tensor';
import { Model } from '../../src/ir/types';
import { deriveTraceKey } from '../../src/keys/derive';
import { readOnnx, writeOnnx } from '../../src/onnx';
import { decodePackage } from '../../src/package/decode';
import { fineTune } from '../../src/trace/attacks';
import { boardClasses, unitsRecordOfTflite, writeBoardClasses } from '../../src/trace/units/board';
import { triggerUnitsOwnerModel } from '../../src/trace/units/owner-model';
import { TRIGGER_UNITS_DEFAULTS } from '../../src/trace/units/params';
import { modelStamps, triggerProbes } from '../../src/trace/units/stamps';
import { trainerForm } from '../../src/trace/units/trainer-form';
import { DEFAULT_TRACE_PARAMS } from '../../src/trace/params';
import { traceLeak } from '../../src/trace/trace';
import { fileVictim } from '../../src/trace/victims';
import { syntheticTask } from '../../src/zoo/synthetic-task';
import { packageArgs, runCli, keyDir } from '../helpers/cli';
import { errorCodeOf } from '../helpers/error-code';
import { kerasLenet, paddleLenet, torchViewLenet } from '../helpers/exported-lenet';
import { simulatedUids } from '../helpers/mnist-boards';
import { runOrtBatch } from '../helpers/ort';
import { readUnits } from '../helpers/units-reading';

const MASTER = createHash('sha256').update('edgelock exported models units test master').digest();
const TRACE_KEY = deriveTraceKey(MASTER);
const SIZE = 784;
const K = TRIGGER_UNITS_DEFAULTS.units;
const VOTES = TRIGGER_UNITS_DEFAULTS.votes;
const train = loadMnist('train');
const testSet = loadMnist('test');
const zoo = readOnnx(readFileSync(join(__dirname, '../../models/mnist-lenet.onnx')));
const keras = kerasLenet(zoo);
const torch = torchViewLenet(zoo);
// written and read back: the importer upgrades its opset 9 to 11, as it does for a paddle2onnx file
const paddle = readOnnx(writeOnnx(paddleLenet(zoo)));
const PADDLE_SHAPE = new Map([['x', [1, 1, 28, 28]]]);
const data = { x: train.images, labels: train.labels, count: train.count };
const training = { ...TRIGGER_UNITS_DEFAULTS, room: 'pixel-path' as const };
const thief = {
  x: train.images.subarray(24000 * SIZE, 30000 * SIZE),
  labels: train.labels.subarray(24000, 30000),
  count: 6000,
};

const N = 300;
const x = testSet.images.slice(0, N * SIZE);
const softmax = (z: Float32Array) =>
  Float32Array.from(z, (_, i) => {
    const row = z.subarray(i - (i % 10), i - (i % 10) + 10);
    const top = Math.max(...row);
    return Math.exp(z[i] - top) / row.reduce((a, v) => a + Math.exp(v - top), 0);
  });
const worst = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

test("the trainer's form computes the zoo's logits, and the owner model in the export's interface its answers", async () => {
  const logits = await runOrtBatch(zoo, x, N);
  // the fixtures are the zoo LeNet as the two exporters write it (one grey channel: NHWC and NCHW hold the same values)
  const kerasOut = await runOrtBatch(keras, x, N);
  const torchOut = await runOrtBatch(torch, x, N);
  expect(worst(kerasOut, softmax(logits))).toBeLessThan(1e-5);
  expect(worst(torchOut, logits)).toBeLessThan(1e-4);
  for (const [fixture, changes] of [
    [keras, ["input's Transpose", 'before a channels-last flatten', "Reshape 'sequential/flatten/Reshape'", 'Softmax']],
    [torch, ["Reshape '/Reshape'"]],
  ] as const) {
    const form = trainerForm(fixture);
    expect(form.changes).toHaveLength(changes.length);
    changes.forEach((c, i) => expect(form.changes[i]).toContain(c));
    expect(form.model.graph.nodes.map((n) => n.opType)).toEqual(
      'Conv Relu MaxPool Conv Relu MaxPool Flatten Gemm Relu Gemm Relu Gemm'.split(' '),
    );
    expect(worst(await runOrtBatch(form.model, form.inputs(x, N), N), logits)).toBeLessThan(1e-4);
  }
  // the column permutation is what keeps Keras' channels-last flatten: a colour version tells the layouts apart
  const form = trainerForm(keras);
  expect(form.model.graph.inputs[0].shape).toEqual([1, 1, 28, 28]);
  expect(form.restore(form.model).graph.inputs[0]).toEqual(keras.graph.inputs[0]);
  expect(errorCodeOf(() => form.inputs(new Float32Array(3 * SIZE), 1, [3, 28, 28]))).toBe('E_USAGE');

  for (const fixture of [keras, torch]) {
    const made = triggerUnitsOwnerModel({ model: fixture, traceKey: TRACE_KEY, data, training });
    // the export's interface: its input (a symbolic batch, NHWC for Keras) and its output (Keras' probabilities)
    expect(made.model.graph.inputs).toEqual(fixture.graph.inputs);
    expect(made.model.graph.outputs).toEqual(fixture.graph.outputs);
    expect(worst(await runOrtBatch(made.model, x, N), await runOrtBatch(fixture, x, N))).toBeLessThan(1e-4);
  }
  // paddle2onnx leaves H and W open: pinned as for compile, or refused with the option to pin them
  expect(paddle.upgradedFrom).toBe(9);
  expect(errorCodeOf(() => trainerForm(paddle))).toBe('E_USAGE');
  const pinned = triggerUnitsOwnerModel({
    model: paddle,
    inputShapes: PADDLE_SHAPE,
    traceKey: TRACE_KEY,
    data,
    training,
  });
  expect(pinned.model.graph.inputs[0].shape).toEqual([1, 1, 28, 28]);
  expect(worst(await runOrtBatch(pinned.model, x, N), softmax(logits))).toBeLessThan(1e-5);
  // an input transposed some other way is not an image the form knows: refused, not mis-stamped
  const odd: Model = {
    ...keras,
    graph: {
      ...keras.graph,
      nodes: keras.graph.nodes.map((n, i) =>
        i === 0 ? { ...n, attrs: { perm: { kind: 'ints' as const, value: [0, 3, 2, 1] } } } : n,
      ),
    },
  };
  expect(errorCodeOf(() => triggerUnitsOwnerModel({ model: odd, traceKey: TRACE_KEY, data, training }))).toMatch(
    /^E_(TRAIN_UNSUPPORTED|UNITS_MODEL)$/,
  );
}, 300_000);

test("a Keras export's board: its fine-tuned copy is named among 1,000 in the TFLite runtime", async () => {
  const candidates = simulatedUids('e4a5', 1000).map((u) => boardClasses(TRACE_KEY, Buffer.from(u, 'hex'), K, 10));
  const made = triggerUnitsOwnerModel({ model: keras, traceKey: TRACE_KEY, data, training });
  // Keras' samples are (28, 28, 1)
  const calibration = { data: train.images.subarray(0, 500 * SIZE), count: 500, sampleShape: [28, 28, 1] };
  const base = (await compileModel(writeOnnx(keras), { precision: 'int8', calibration })).bytes;
  const owner = (await compileModel(writeOnnx(made.model), { precision: 'int8', calibration })).bytes;
  const record = unitsRecordOfTflite(owner)!;
  expect(record).toEqual(made.record);
  const accuracy = async (m: Uint8Array) =>
    (
      await evaluateModelFile(m, {
        name: 'mnist-test',
        sampleShape: [28, 28, 1],
        count: 2000,
        x: testSet.images.subarray(0, 2000 * SIZE),
        labels: testSet.labels.subarray(0, 2000),
      })
    ).accuracy;
  const baseAccuracy = await accuracy(base);
  expect(baseAccuracy).toBeGreaterThan(0.98);
  expect(await accuracy(owner)).toBeGreaterThanOrEqual(baseAccuracy - 0.001);

  const probes = triggerProbes(
    modelStamps(TRACE_KEY, record, owner),
    VOTES,
    testSet.images.subarray(5000 * SIZE),
    SIZE,
  );
  const read = (m: Uint8Array) => readUnits(m, probes, candidates, VOTES, 10);
  const leaker = 5;
  const board = writeBoardClasses(owner, record, candidates[leaker]);
  expect((await read(board)).m[leaker]).toBeGreaterThanOrEqual(310);
  const copy = await read(fineTune(board, thief, { epochs: 2, lr: 0.01, seed: 4 }));
  expect(copy.m[leaker]).toBeGreaterThanOrEqual(280);
  expect(copy.familyLog10P(copy.m[leaker])).toBeLessThanOrEqual(-6);
  expect(copy.familyLog10P(Math.max(...copy.m.filter((_, i) => i !== leaker)))).toBeGreaterThan(-3);
  const innocent = await read(fineTune(base, thief, { epochs: 2, lr: 0.01, seed: 4 }));
  expect(innocent.familyLog10P(Math.max(...innocent.m))).toBeGreaterThan(-3);
  // a library caller asking for the scores of a softmax model's answers is told to read its decisions
  const v = await fileVictim(board);
  try {
    const asked = traceLeak({
      base: owner,
      master: MASTER,
      candidates: [{ uids: simulatedUids('e4a5', 3), params: DEFAULT_TRACE_PARAMS }],
      alpha: 1e-6,
      blackBox: { probes: testSet.images.subarray(0, 50 * SIZE), count: 50, victim: v.query, hardLabels: false },
    });
    await expect(asked).rejects.toMatchObject({ code: 'E_USAGE', message: expect.stringMatching(/--hard-labels/) });
  } finally {
    v.dispose();
  }
}, 600_000);

test('through the CLI: trace-units, compile, package --trace and trace on a Keras export', () => {
  const { dir, key } = keyDir('el-units-exports-', MASTER);
  const exported = join(dir, 'keras-lenet.onnx');
  writeFileSync(exported, writeOnnx(keras));
  const owner = join(dir, 'owner.onnx');
  // a colour data set is not what this model takes: refused, nothing written
  const rgb = join(dir, 'rgb.npy');
  writeNpy(rgb, makeTensor('float32', [10, 3, 28, 28], new Float32Array(10 * 3 * SIZE)));
  const wrong = runCli(['trace-units', exported, '-o', owner, '--key', key, '--data', rgb]);
  expect(wrong.status).toBe(2);
  expect(wrong.stderr).toBe(
    "error E_USAGE: the model takes samples of shape (28, 28, 1); the data's are (3, 28, 28)\n",
  );
  expect(existsSync(owner)).toBe(false);
  // paddle2onnx's open H and W: the usage error says how to pin them, and --input-shape does
  const paddleFile = join(dir, 'paddle-lenet.onnx');
  writeFileSync(paddleFile, writeOnnx(paddleLenet(zoo)));
  const open = runCli(['trace-units', paddleFile, '-o', owner, '--key', key, '--data', 'mnist-train']);
  expect(open.status).toBe(2);
  expect(open.stderr).toMatch(
    /^error E_USAGE: input 'x' has symbolic dimensions \(shape \[N,1,H,W\]\): pin them with --input-shape x:<dims>/,
  );
  expect(existsSync(owner)).toBe(false);
  const paddleOwner = join(dir, 'paddle-owner.onnx');
  const p = runCli([
    'trace-units',
    paddleFile,
    '-o',
    paddleOwner,
    '--key',
    key,
    '--data',
    'mnist-train',
    '--input-shape',
    'x:1,1,28,28',
  ]);
  expect(p.stderr).toBe('');
  expect(readOnnx(readFileSync(paddleOwner)).graph.inputs[0].shape).toEqual([1, 1, 28, 28]);
  const made = runCli(['trace-units', exported, '-o', owner, '--key', key, '--data', 'mnist-train', '--json']);
  expect(made.stderr).toBe('');
  expect(JSON.parse(made.stdout)).toMatchObject({ scheme: 'edgelock-tu2', patch: [5, 5] });
  const calib = join(dir, 'calib.npy');
  writeNpy(calib, makeTensor('float32', [500, 28, 28, 1], train.images.slice(0, 500 * SIZE)));
  const model = join(dir, 'owner.tflite');
  expect(runCli(['compile', owner, '--int8', '--calib', calib, '-o', model]).status).toBe(0);
  const uids = simulatedUids('5e11', 3);
  const db = join(dir, 'factory.db');
  const pkgs = uids.map((uid, d) => {
    const out = join(dir, `${d}.elp`);
    const r = runCli([...packageArgs(model, out, key, uid), '--trace', '--db', db, '--json']);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).trace.units).toBe(16);
    return out;
  });
  const leaked = join(dir, 'leaked.tflite');
  writeFileSync(leaked, fineTune(decodePackage(readFileSync(pkgs[2])).model, thief, { epochs: 2, lr: 0.01, seed: 5 }));
  const trace = (...extra: string[]) =>
    runCli(['trace', '--base', model, '--key', key, '--db', db, '--model', leaked, ...extra]);
  // its answers are int8 probabilities, exactly 0 for almost every class but the top one: read as decisions
  const text = trace('--black-box', '--queries', '200');
  expect(text.status).toBe(0);
  expect(text.stdout).toMatch(/^trace black-box \(520 queries, arg-max only: the model answers probabilities\)/);
  expect(text.stdout).toContain(`verdict    leaked from board ${uids[2]}`);
  const bb = JSON.parse(trace('--black-box', '--hard-labels', '--queries', '200', '--json').stdout);
  expect(bb.units).toMatchObject({ uid: uids[2], named: true, of: 320 });
  expect(bb.units.matches).toBeGreaterThanOrEqual(280);
  // a board's model as dumped, asked black-box (no flag: a softmax model is read by its decisions): the trace code too
  // is read from them (z 10.9 when written)
  const dump = join(dir, 'dump.tflite');
  writeFileSync(dump, decodePackage(readFileSync(pkgs[0])).model);
  const asked = JSON.parse(
    runCli(['trace', '--base', model, '--key', key, '--db', db, '--model', dump, '--black-box', '--json']).stdout,
  );
  expect(asked.best.uid).toBe(uids[0]);
  expect(asked.best.z).toBeGreaterThan(7);
  expect(asked.units).toMatchObject({ uid: uids[0], named: true });
  const wb = JSON.parse(trace('--json').stdout);
  expect(wb.units).toMatchObject({ uid: uids[2], named: true });
  expect(wb.best.uid).toBe(uids[2]);
}, 900_000);

test('a model with one dense layer after a global pool (the zoo DS-CNN) is refused with E_UNITS_MODEL, in both rooms', () => {
  const dscnn = readOnnx(readFileSync(join(__dirname, '../../models/kws-dscnn.onnx')));
  const kws = syntheticTask('kws-dscnn', 'train', 200);
  const owner = (room: 'pixel-path' | 'path') => () =>
    triggerUnitsOwnerModel({
      model: dscnn,
      traceKey: TRACE_KEY,
      data: { x: kws.data, labels: Uint8Array.from(kws.labels), count: kws.count },
      training: { ...TRIGGER_UNITS_DEFAULTS, room },
    });
  for (const room of ['pixel-path', 'path'] as const) {
    expect(errorCodeOf(owner(room))).toBe('E_UNITS_MODEL');
    expect(owner(room)).toThrow(/a DS-CNN or a ResNet after its global pool\) is traced by its trace code alone/);
  }
});
