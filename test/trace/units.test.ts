/**
 * Trigger units (docs/security.md, "Trigger units"), CI-sized on the zoo MLP: the owner trains the units once, each
 * board's model differs only in the units' outgoing weights, and a copy the thief fine-tuned on 10% of the data still
 * answers the keyed stamps with its board's classes, read from decisions alone in the official TFLite runtime; the
 * base model fine-tuned alike, and the owner model without any board's classes, name nobody.
 */
import { createHash } from 'crypto';
import { readFileSync } from 'fs';
import { join } from 'path';
import { compileModel } from '../../src/compiler/compile';
import { loadMnist } from '../../src/data/mnist';
import { deriveTraceKey } from '../../src/keys/derive';
import { readOnnx, writeOnnx } from '../../src/onnx';
import { fineTune, averageCopies } from '../../src/trace/attacks';
import { boardClasses, writeBoardClasses } from '../../src/trace/units/board';
import { triggerUnitsOwnerModel } from '../../src/trace/units/owner-model';
import {
  TRIGGER_UNITS_METADATA_KEY,
  TriggerUnitsRecord,
  readTriggerUnitsRecord,
} from '../../src/compiler/trigger-units-record';
import { readTflite } from '../../src/tflite/reader';
import { TRIGGER_UNITS_DEFAULTS } from '../../src/trace/units/params';
import { keyedStamps, triggerProbes } from '../../src/trace/units/stamps';
import { unitVotesOfWeights, unitsVerdict } from '../../src/trace/units/verdict';
import { modelScores } from '../../src/trace/victims';
import { traceLeak } from '../../src/trace/trace';
import { DEFAULT_TRACE_PARAMS } from '../../src/trace/params';
import { Model } from '../../src/ir/types';
import { mnistTestAccuracy, simulatedUids } from '../helpers/mnist-boards';
import { runOrt } from '../helpers/ort';
import { readUnits } from '../helpers/units-reading';

const MASTER = createHash('sha256').update('edgelock trigger units test master').digest();
const TRACE_KEY = deriveTraceKey(MASTER);
const train = loadMnist('train');
const testSet = loadMnist('test');
const SIZE = 784;
const CLASSES = 10;
const K = TRIGGER_UNITS_DEFAULTS.units;
const VOTES = TRIGGER_UNITS_DEFAULTS.votes;
const uids = simulatedUids('7a11', 1000).map((u) => Buffer.from(u, 'hex'));
const candidates = uids.map((u) => boardClasses(TRACE_KEY, u, K, CLASSES));
// the thief's 10%: 6,000 training images
const THIEF = {
  x: train.images.subarray(30000 * SIZE, 36000 * SIZE),
  labels: train.labels.subarray(30000, 36000),
  count: 6000,
};
const TUNE = { epochs: 2, lr: 0.01, seed: 11 };
let architecture: Model;
let ownerOnnx: Model;
let base: Uint8Array;
let owner: Uint8Array;
let record: TriggerUnitsRecord;
let probes: Float32Array;

/** every candidate's votes from a model's decisions on the stamped probes, and the family p-value of a score */
const read = (model: Uint8Array) => readUnits(model, probes, candidates, VOTES, CLASSES);

beforeAll(async () => {
  architecture = readOnnx(readFileSync(join(__dirname, '../../models/mnist-mlp.onnx')));
  const calibration = { data: train.images.subarray(0, 200 * SIZE), count: 200, sampleShape: [1, 28, 28] };
  base = (await compileModel(writeOnnx(architecture), { precision: 'int8', calibration })).bytes;
  const made = triggerUnitsOwnerModel({
    model: architecture,
    traceKey: TRACE_KEY,
    data: { x: train.images, labels: train.labels, count: train.count },
    training: TRIGGER_UNITS_DEFAULTS,
  });
  record = made.record;
  ownerOnnx = made.model;
  owner = (await compileModel(writeOnnx(made.model), { precision: 'int8', calibration })).bytes;
  const stamps = keyedStamps(TRACE_KEY, K, TRIGGER_UNITS_DEFAULTS.pixels, SIZE);
  probes = triggerProbes(stamps, VOTES, testSet.images.subarray(5000 * SIZE), SIZE);
}, 600_000);

/** `model` run in onnxruntime on `n` natural test images at once (the zoo models declare a batch of 1) */
async function ortLogits(model: Model, n: number): Promise<Float32Array> {
  const g = model.graph;
  const batched: Model = {
    ...model,
    graph: {
      ...g,
      inputs: [{ ...g.inputs[0], shape: [n, 1, 28, 28] }],
      outputs: [{ ...g.outputs[0], shape: [n, CLASSES] }],
    },
  };
  const x = testSet.images.slice(0, n * SIZE);
  const out = await runOrt(batched, { [g.inputs[0].name]: { dtype: 'float32', shape: [n, 1, 28, 28], data: x } });
  return out[g.outputs[0].name].data as Float32Array;
}

test('the detector path leaves the model as it was: onnxruntime gives the base logits on natural images', async () => {
  // the units and their path were added beside the model's own (src/trace/units/widen.ts)
  const gemm = (m: Model) => m.graph.initializers.get(m.graph.nodes.find((n) => n.opType === 'Gemm')!.inputs[1])!;
  expect(gemm(ownerOnnx).data.length).toBe(gemm(architecture).data.length + K * 784);
  const [b, o] = [await ortLogits(architecture, 500), await ortLogits(ownerOnnx, 500)];
  let worst = 0;
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(b[i] - o[i]));
  expect(worst).toBeLessThan(1e-4);
});

test('the owner model keeps the base accuracy, and boards differ only where no natural input reaches', async () => {
  expect(record.units).toHaveLength(K);
  // the record travels from the ONNX model into the compiled file, where package and trace find it
  const text = readTflite(owner).metadata.find((m) => m.name === TRIGGER_UNITS_METADATA_KEY)?.text;
  expect(readTriggerUnitsRecord(text)).toEqual(record);
  const [b, o] = [await mnistTestAccuracy(base, 10000), await mnistTestAccuracy(owner, 10000)];
  // measured: +0.01 points with the base's full calibration (docs); the int8 ranges move a little (the widened layer)
  expect(o).toBeGreaterThan(b - 0.001);
  const natural = testSet.images.subarray(0, 500 * SIZE);
  const answers = async (m: Uint8Array) => modelScores(m, natural, 500);
  const [own, one, two] = await Promise.all([
    answers(owner),
    answers(writeBoardClasses(owner, record, candidates[0])),
    answers(writeBoardClasses(owner, record, candidates[1])),
  ]);
  // the units never fire on natural images: every natural score is the owner model's, to the int8 output step
  expect(Array.from(one)).toEqual(Array.from(own));
  expect(Array.from(two)).toEqual(Array.from(own));
}, 300_000);

test('a copy fine-tuned on 10% of the data is named from its decisions among 1,000 boards', async () => {
  const leaker = 3;
  const copy = fineTune(writeBoardClasses(owner, record, candidates[leaker]), THIEF, TUNE);
  const { m, familyLog10P } = await read(copy);
  expect(familyLog10P(m[leaker])).toBeLessThanOrEqual(-6);
  const innocent = Math.max(...m.filter((_, i) => i !== leaker));
  expect(familyLog10P(innocent)).toBeGreaterThan(-3);
}, 300_000);

test('the base model fine-tuned alike, and the owner model without classes, name nobody', async () => {
  for (const model of [fineTune(base, THIEF, TUNE), owner]) {
    const { m, familyLog10P } = await read(model);
    expect(familyLog10P(Math.max(...m))).toBeGreaterThan(-3);
  }
}, 300_000);

test("white-box: a board's dump names it alone; a copy averaged from two boards names both from the units' columns", () => {
  const hex = uids.map((u) => u.toString('hex'));
  const named = (model: Uint8Array) => {
    const v = unitsVerdict(unitVotesOfWeights(model, record), CLASSES, TRACE_KEY, hex, 1e-6 / 2);
    return v.named ? [v.uid, ...v.others.map((o) => o.uid)].sort() : [];
  };
  const board = (i: number) => writeBoardClasses(owner, record, candidates[i]);
  expect(named(board(7))).toEqual([hex[7]]);
  expect(named(averageCopies([board(5), board(6)]))).toEqual([hex[5], hex[6]].sort());
  expect(named(owner)).toEqual([]);
});

test('edgelock trace reads the units only of the boards the factory log says carry them', async () => {
  const hex = uids.map((u) => u.toString('hex'));
  const leaked = writeBoardClasses(owner, record, candidates[7]);
  const trace = (unitBoards?: string[]) =>
    traceLeak({
      base: owner,
      master: MASTER,
      candidates: [{ uids: hex, params: DEFAULT_TRACE_PARAMS, ...(unitBoards ? { unitBoards } : {}) }],
      alpha: 1e-6,
      leaked,
    });
  // not known (a --devices list): every board is read
  expect((await trace()).units).toMatchObject({ uid: hex[7], named: true });
  // the log says boards 0-9 carry units: the same board, among fewer
  const some = (await trace(hex.slice(0, 10))).units!;
  expect(some).toMatchObject({ uid: hex[7], named: true });
  expect(some.log10P).toBeLessThan((await trace()).units!.log10P);
  // no board carries them: no units verdict, and the code's test gets the whole alpha
  expect((await trace([])).units).toBeUndefined();
});

test('a model whose last dense layers are not joined by ReLUs alone gets no detector path: E_UNITS_MODEL', () => {
  // the MLP with a Flatten between its last hidden layer and the output layer
  const g = architecture.graph;
  const nodes = g.nodes.flatMap((n) =>
    n.inputs[0] === 'relu2_out'
      ? [
          {
            name: 'extra_flatten',
            opType: 'Flatten',
            domain: '',
            inputs: ['relu2_out'],
            outputs: ['flat2'],
            attrs: {},
          },
          { ...n, inputs: ['flat2', ...n.inputs.slice(1)] },
        ]
      : [n],
  );
  const odd: Model = { ...architecture, graph: { ...g, nodes } };
  const data = { x: train.images.subarray(0, 100 * SIZE), labels: train.labels.subarray(0, 100), count: 100 };
  const make = (room: 'path' | 'least-used') => () =>
    triggerUnitsOwnerModel({
      model: odd,
      traceKey: TRACE_KEY,
      data,
      training: { ...TRIGGER_UNITS_DEFAULTS, room, epochs: 1 },
    });
  let code = '';
  try {
    make('path')();
  } catch (e) {
    code = (e as { code?: string }).code ?? '';
  }
  expect(code).toBe('E_UNITS_MODEL');
  // the earlier design needs only the last two dense layers
  expect(() => make('least-used')()).not.toThrow();
});
