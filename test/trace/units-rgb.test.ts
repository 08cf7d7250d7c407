/**
 * Trigger units on a colour input (docs/security.md, "Trigger units"): a VGG-style RGB CNN trained here on the
 * synthetic-cifar task, given a detector path with colour stamps (white pixels, every channel), compiled to int8 with
 * its input moved channels-last. The stamps must land on the same pixels in the compiled model's layout as in the
 * ONNX order the owner trained in; the path must leave the model's answers as they were (onnxruntime); and a board's
 * copy, as is and fine-tuned on 6,000 images, must be named from its decisions among 1,000 boards by `traceLeak`,
 * while the base model fine-tuned alike names nobody. Through the CLI: `trace-units` takes the colour defaults from
 * the model's input, and `trace --stamp-images` with a .npy in ONNX order names a board's copy.
 */
import { createHash } from 'crypto';
import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { writeNpy } from '../../src/data/npy';
import { makeTensor } from '../../src/ir/tensor';
import { compileModel } from '../../src/compiler/compile';
import { Model } from '../../src/ir/types';
import { deriveTraceKey } from '../../src/keys/derive';
import { writeOnnx } from '../../src/onnx';
import { fineTune } from '../../src/trace/attacks';
import { DEFAULT_TRACE_PARAMS } from '../../src/trace/params';
import { traceLeak } from '../../src/trace/trace';
import { boardClasses, writeBoardClasses } from '../../src/trace/units/board';
import { triggerUnitsOwnerModel } from '../../src/trace/units/owner-model';
import { COLOUR_STAMPS, TRIGGER_UNITS_DEFAULTS } from '../../src/trace/units/params';
import { TriggerUnitsRecord } from '../../src/compiler/trigger-units-record';
import { applyStamp, keyedStamps, modelStamps } from '../../src/trace/units/stamps';
import { argmax, modelScores } from '../../src/trace/victims';
import { simulatedUids } from '../helpers/mnist-boards';
import { runOrt } from '../helpers/ort';
import { runCli, keyDir } from '../helpers/cli';
import { RGB_SHAPE, RGB_SIZE, channelsLast, rgbTask, trainRgbCnn } from '../helpers/rgb-cnn';

const MASTER = createHash('sha256').update('edgelock trigger units rgb test master').digest();
const TRACE_KEY = deriveTraceKey(MASTER);
const K = TRIGGER_UNITS_DEFAULTS.units;
const CLASSES = 10;
const OWN = 10000;
const data = rgbTask('train', OWN + 12000);
const held = rgbTask('test', 1000 + K * TRIGGER_UNITS_DEFAULTS.votes);
const calib = rgbTask('calib', 500);
const calibration = { data: calib.data, count: calib.count, sampleShape: RGB_SHAPE };
const uids = simulatedUids('c010', 1000);
const candidates = uids.map((u) => boardClasses(TRACE_KEY, Buffer.from(u, 'hex'), K, CLASSES));
/** the thief's 6,000 images and the independent fine-tune's (NCHW, as fineTune takes them) */
const window = (from: number) => ({
  x: data.data.subarray(from * RGB_SIZE, (from + 6000) * RGB_SIZE),
  labels: data.labels.subarray(from, from + 6000),
  count: 6000,
});

let architecture: Model;
let ownerOnnx: Model;
let base: Uint8Array;
let owner: Uint8Array;
let record: TriggerUnitsRecord;

beforeAll(async () => {
  architecture = trainRgbCnn({ ...data, data: data.data.subarray(0, OWN * RGB_SIZE), count: OWN }, 3);
  base = (await compileModel(writeOnnx(architecture), { precision: 'int8', calibration })).bytes;
  const made = triggerUnitsOwnerModel({
    model: architecture,
    traceKey: TRACE_KEY,
    data: { x: data.data.subarray(0, OWN * RGB_SIZE), labels: data.labels.subarray(0, OWN), count: OWN },
    training: { ...TRIGGER_UNITS_DEFAULTS, ...COLOUR_STAMPS },
  });
  ownerOnnx = made.model;
  record = made.record;
  owner = (await compileModel(writeOnnx(ownerOnnx), { precision: 'int8', calibration })).bytes;
}, 600_000);

test('a colour stamp is white pixels, and lands on the same pixels in the compiled channels-last input', () => {
  const onnxOrder = keyedStamps(TRACE_KEY, K, COLOUR_STAMPS.pixels, RGB_SIZE, 3);
  const moved = modelStamps(TRACE_KEY, record, owner);
  for (const s of onnxOrder) {
    expect(s.set).toHaveLength(3 * COLOUR_STAMPS.pixels);
    expect(s.clear).toHaveLength(0);
    // every channel of each stamped pixel
    const pixels = new Set(Array.from(s.set, (p) => p % 1024));
    expect(pixels.size).toBe(COLOUR_STAMPS.pixels);
  }
  // stamping then moving channels-last is moving then stamping where the model takes those values
  for (let k = 0; k < K; k++) {
    const image = held.data.slice(k * RGB_SIZE, (k + 1) * RGB_SIZE);
    const last = channelsLast(image, 1);
    applyStamp(image, 0, onnxOrder[k]);
    applyStamp(last, 0, moved[k]);
    expect(Array.from(last)).toEqual(Array.from(channelsLast(image, 1)));
  }
  // one channel: the positions drawn are the same as before colour stamps existed
  expect(keyedStamps(TRACE_KEY, 2, 48, 784, 1).map((s) => Array.from(s.set))).toEqual(
    keyedStamps(TRACE_KEY, 2, 48, 784).map((s) => Array.from(s.set)),
  );
});

test('the detector path leaves the colour model as it was: onnxruntime gives the base logits', async () => {
  const n = 200;
  const logits = async (model: Model) => {
    const g = model.graph;
    const batched: Model = {
      ...model,
      graph: {
        ...g,
        inputs: [{ ...g.inputs[0], shape: [n, ...RGB_SHAPE] }],
        outputs: [{ ...g.outputs[0], shape: [n, CLASSES] }],
      },
    };
    const x = held.data.slice(0, n * RGB_SIZE);
    const out = await runOrt(batched, { [g.inputs[0].name]: { dtype: 'float32', shape: [n, ...RGB_SHAPE], data: x } });
    return out[g.outputs[0].name].data as Float32Array;
  };
  const [b, o] = [await logits(architecture), await logits(ownerOnnx)];
  let worst = 0;
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(b[i] - o[i]));
  expect(worst).toBeLessThan(1e-4);
  // and the int8 boards answer the test images as the base does (the task is easy: the same accuracy)
  const x = channelsLast(held.data, 1000);
  const accuracy = async (m: Uint8Array) => {
    const s = await modelScores(m, x, 1000);
    return held.labels.slice(0, 1000).filter((l, i) => argmax(s, i * CLASSES, CLASSES) === l).length / 1000;
  };
  expect(await accuracy(writeBoardClasses(owner, record, candidates[0]))).toBeGreaterThanOrEqual(
    (await accuracy(base)) - 0.001,
  );
}, 120_000);

test("a board's copy, as is and fine-tuned on 6,000 images, is named from its decisions; the base fine-tuned is not", async () => {
  // the natural inputs that carry the stamps, in the compiled model's layout, as `edgelock trace` loads them
  const unitImages = channelsLast(held.data.subarray(1000 * RGB_SIZE), K * TRIGGER_UNITS_DEFAULTS.votes);
  const code = { probes: channelsLast(held.data, 100), count: 100 };
  const trace = (leak: Uint8Array) =>
    traceLeak({
      base: owner,
      master: MASTER,
      candidates: [{ uids, params: DEFAULT_TRACE_PARAMS }],
      alpha: 1e-6,
      blackBox: { ...code, victim: (p, n) => modelScores(leak, p, n), hardLabels: false, unitImages },
    });
  const leaker = 3;
  const board = writeBoardClasses(owner, record, candidates[leaker]);
  for (const copy of [board, fineTune(board, window(OWN), { epochs: 2, lr: 0.01, seed: 1 })]) {
    const units = (await trace(copy)).units!;
    // measured: 259 and 257 of 320 decisions on the board's classes, p 3.0e-13 (docs)
    expect(units).toMatchObject({ uid: uids[leaker], named: true, units: K });
    expect(units.log10P).toBeLessThanOrEqual(-6);
  }
  const innocent = (await trace(fineTune(base, window(OWN + 6000), { epochs: 2, lr: 0.01, seed: 9 }))).units!;
  expect(innocent.named).toBe(false);
  expect(innocent.log10P).toBeGreaterThan(-3);
}, 600_000);

test.each([
  ['--room path', ['--room', 'path'], COLOUR_STAMPS.pixels, 'edgelock-tu1'],
  // the default for a model that starts with a convolution: the keyed 3x3 pattern on every channel
  ['the default room', [], 9, 'edgelock-tu2'],
])(
  'the CLI (%s): trace-units takes colour stamps from the input, trace reads a .npy of colour images',
  (_label, room, pixels, scheme) => {
    const { dir, key } = keyDir('el-units-rgb-', MASTER);
    const file = (name: string, shape: number[], x: ArrayLike<number>, dtype: 'float32' | 'int32' = 'float32') => {
      const at = join(dir, name);
      writeNpy(at, makeTensor(dtype, shape, dtype === 'float32' ? Float32Array.from(x) : Int32Array.from(x)));
      return at;
    };
    const n = OWN;
    writeFileSync(join(dir, 'rgb.onnx'), writeOnnx(architecture));
    const made = runCli([
      'trace-units',
      ...room,
      join(dir, 'rgb.onnx'),
      '-o',
      join(dir, 'owner.onnx'),
      '--key',
      key,
      '--data',
      file('x.npy', [n, ...RGB_SHAPE], data.data.subarray(0, n * RGB_SIZE)),
      '--labels',
      file('y.npy', [n], data.labels.subarray(0, n), 'int32'),
      '--json',
    ]);
    expect(made.stderr).toBe('');
    const cliRecord = JSON.parse(made.stdout);
    expect(cliRecord).toMatchObject({ pixels, scheme });
    const calibNpy = file('calib.npy', [calib.count, ...RGB_SHAPE], calib.data);
    const model = join(dir, 'owner.tflite');
    expect(runCli(['compile', join(dir, 'owner.onnx'), '--int8', '--calib', calibNpy, '-o', model]).stderr).toBe('');
    const compiled = new Uint8Array(readFileSync(model));
    const leaker = 5;
    writeFileSync(join(dir, 'leaked.tflite'), writeBoardClasses(compiled, cliRecord, candidates[leaker]));
    writeFileSync(join(dir, 'uids.txt'), uids.join('\n') + '\n');
    const natural = file('natural.npy', [320, ...RGB_SHAPE], held.data.subarray(1000 * RGB_SIZE, 1320 * RGB_SIZE));
    const traceArgs = [
      'trace',
      '--base',
      model,
      '--key',
      key,
      '--devices',
      join(dir, 'uids.txt'),
      '--model',
      join(dir, 'leaked.tflite'),
      '--black-box',
      '--probes',
      natural,
      '--queries',
      '100',
    ];
    const r = runCli([...traceArgs, '--stamp-images', natural, '--json']);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(out.units).toMatchObject({ uid: uids[leaker], named: true, of: 320 });
    expect(out.units.matches).toBeGreaterThan(200);
    // the default stamp images (MNIST) do not fit a colour input: a usage error, not a wrong reading
    const wrong = runCli(traceArgs);
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toMatch(/^error E_USAGE: .*do not fit the model input/);
  },
  600_000,
);
