/**
 * Every kernel of the C int8 runtime against the official TFLite runtime (the oracle), on models
 * built with the project's flatbuffer writer (seeded random weights and quantisation parameters)
 * and seeded random int8 inputs.
 *
 * The oracle does not run one arithmetic everywhere. Its profiler tells which kernel ran each node:
 * TFLite's builtin kernel or XNNPACK. Each case declares what the oracle's kernel computes:
 *  - 'reference': TFLite's reference int8 arithmetic (MultiplyByQuantizedMultiplier with two
 *    roundings, the TFLite/TFLite-Micro default). The default C build must be bit-exact.
 *  - 'single': one rounding of x*m/2^(31-shift) (TFLITE_SINGLE_ROUNDING; what ruy's CONV_2D and
 *    XNNPACK's convolutions use). The C runtime built with -DEL_SINGLE_ROUNDING must be bit-exact;
 *    the default build may differ by one step.
 *  - 'near': an XNNPACK kernel with its own requantisation that neither build reproduces; both may
 *    differ by one step, and the measured counts are printed.
 */
import { buildHarness, compare, oracleKernels, runC, runOracleMany, XNNPACK } from './harness';
import * as M from './models';
import * as flatbuffers from 'flatbuffers';
import { Model } from '../../src/tflite/generated';

interface Case {
  model: () => M.TestModel;
  oracle?: 'reference' | 'single' | 'near';
}

const R = 1; // fused RELU
const R6 = 3; // fused RELU6

/**
 * Convolutions. Each row runs as given (an int32 bias: the oracle hands it to XNNPACK when `oracle` says 'single')
 * and, under the name `tfliteKernel`, once more with a bias without quantisation parameters, which keeps it on
 * TFLite's own kernel: ruy's single rounding for CONV_2D, the reference arithmetic for DEPTHWISE_CONV_2D.
 */
interface ConvRow {
  name: string;
  seed: number;
  spec: M.ConvSpec;
  /** DEPTHWISE_CONV_2D with this depth multiplier (CONV_2D when absent) */
  depthMultiplier?: number;
  oracle?: Case['oracle'];
  tfliteKernel?: string;
}

const CONV_ROWS: ConvRow[] = [
  {
    name: 'CONV_2D 3x3 SAME per-channel + RELU',
    seed: 1,
    spec: { padding: 'SAME', inShape: [1, 9, 9, 3], outC: 8, k: [3, 3], stride: [1, 1], activation: R },
    oracle: 'single',
    tfliteKernel: 'CONV_2D 3x3 SAME per-channel + RELU, TFLite kernel',
  },
  {
    name: 'CONV_2D 5x5 VALID stride 2',
    seed: 2,
    spec: { inShape: [2, 12, 11, 4], outC: 6, k: [5, 5], stride: [2, 2], padding: 'VALID' },
    oracle: 'single',
    tfliteKernel: 'CONV_2D 5x5 VALID stride 2 batch 2, TFLite kernel',
  },
  {
    name: 'CONV_2D 3x3 SAME stride 2 dilation 2 + RELU6',
    seed: 3,
    spec: {
      padding: 'SAME',
      inShape: [1, 10, 10, 5],
      outC: 7,
      k: [3, 3],
      stride: [2, 2],
      dilation: [2, 2],
      activation: R6,
    },
    oracle: 'single',
    tfliteKernel: 'CONV_2D 3x3 SAME stride 2 dilation 2 + RELU6, TFLite kernel',
  },
  {
    name: 'CONV_2D 1x1 per-tensor',
    seed: 4,
    spec: { inShape: [1, 6, 6, 16], outC: 12, k: [1, 1], stride: [1, 1], padding: 'VALID', perChannel: false },
    oracle: 'single',
  },
  {
    name: 'CONV_2D 2x3 SAME stride 2x1',
    seed: 5,
    spec: { inShape: [1, 7, 8, 2], outC: 4, k: [2, 3], stride: [2, 1], padding: 'SAME' },
    oracle: 'single',
    tfliteKernel: 'CONV_2D 2x3 SAME stride 2x1, TFLite kernel',
  },
  {
    name: 'DEPTHWISE_CONV_2D 3x3 SAME dm 1 + RELU',
    seed: 6,
    spec: { padding: 'SAME', inShape: [1, 9, 9, 8], outC: 8, k: [3, 3], stride: [1, 1], activation: R },
    depthMultiplier: 1,
    oracle: 'single',
    tfliteKernel: 'DEPTHWISE_CONV_2D 3x3 SAME dm 1 + RELU, TFLite kernel',
  },
  {
    name: 'DEPTHWISE_CONV_2D 3x3 VALID stride 2 dm 2',
    seed: 7,
    spec: { inShape: [2, 11, 10, 3], outC: 6, k: [3, 3], stride: [2, 2], padding: 'VALID' },
    depthMultiplier: 2,
    oracle: 'single',
    tfliteKernel: 'DEPTHWISE_CONV_2D 3x3 VALID stride 2 dm 2, TFLite kernel',
  },
  {
    name: 'DEPTHWISE_CONV_2D 5x5 SAME dilation 2 no bias',
    seed: 8,
    spec: {
      inShape: [1, 12, 12, 4],
      outC: 4,
      k: [5, 5],
      stride: [1, 1],
      dilation: [2, 2],
      padding: 'SAME',
      withBias: false,
    },
    depthMultiplier: 1,
  },
];

function convCases(row: ConvRow): [string, Case][] {
  const depthwise = row.depthMultiplier !== undefined;
  const model = (spec: M.ConvSpec) => () => M.conv2d(row.seed, spec, depthwise, row.depthMultiplier ?? 1);
  const cases: [string, Case][] = [[row.name, { model: model(row.spec), oracle: row.oracle }]];
  if (row.tfliteKernel)
    cases.push([
      row.tfliteKernel,
      { model: model({ ...row.spec, biasQuantized: false }), oracle: depthwise ? 'reference' : 'single' },
    ]);
  return cases;
}

const CASES: Record<string, Case> = {
  ...Object.fromEntries(CONV_ROWS.flatMap(convCases)),
  'FULLY_CONNECTED per-tensor + bias': { model: () => M.fullyConnected(9, 1, 64, 10, false, true) },
  'FULLY_CONNECTED per-channel + bias + RELU, batch 3': {
    model: () => M.fullyConnected(10, 3, 100, 17, true, true, R),
  },
  'FULLY_CONNECTED per-channel no bias': { model: () => M.fullyConnected(11, 2, 33, 8, true, false) },
  'ADD same shape': { model: () => M.binary(12, 'ADD', [1, 5, 5, 8], [1, 5, 5, 8]) },
  'ADD broadcast channel vector + RELU': { model: () => M.binary(13, 'ADD', [1, 4, 6, 8], [8], R) },
  'ADD broadcast [1,4,4,1]+[1,1,1,6]': { model: () => M.binary(14, 'ADD', [1, 4, 4, 1], [1, 1, 1, 6]) },
  'SUB same shape': { model: () => M.binary(15, 'SUB', [2, 3, 4, 5], [2, 3, 4, 5]) },
  'SUB broadcast scalar + RELU6': { model: () => M.binary(16, 'SUB', [1, 6, 6, 4], [1], R6) },
  'MUL same shape': { model: () => M.binary(17, 'MUL', [1, 5, 5, 8], [1, 5, 5, 8]), oracle: 'near' },
  'MUL broadcast [1,4,4,8]*[1,1,1,8]': { model: () => M.binary(18, 'MUL', [1, 4, 4, 8], [1, 1, 1, 8]), oracle: 'near' },
  'MUL broadcast [2,10]*[1] + RELU': { model: () => M.binary(19, 'MUL', [2, 10], [1], R) },
  'MAXIMUM broadcast': { model: () => M.binary(20, 'MAXIMUM', [1, 4, 4, 6], [1, 1, 1, 6]) },
  'MINIMUM same shape': { model: () => M.binary(21, 'MINIMUM', [3, 7], [3, 7]) },
  'AVERAGE_POOL_2D 2x2 stride 2 VALID': {
    model: () => M.pool(22, 'AVERAGE_POOL_2D', [1, 8, 8, 5], [2, 2], [2, 2], 'VALID'),
  },
  'AVERAGE_POOL_2D 3x3 stride 1 SAME (edge taps)': {
    model: () => M.pool(23, 'AVERAGE_POOL_2D', [2, 7, 6, 3], [3, 3], [1, 1], 'SAME'),
  },
  'MAX_POOL_2D 2x2 stride 2 VALID': { model: () => M.pool(24, 'MAX_POOL_2D', [1, 8, 8, 5], [2, 2], [2, 2], 'VALID') },
  'MAX_POOL_2D 3x3 stride 2 SAME + RELU': {
    model: () => M.pool(25, 'MAX_POOL_2D', [1, 9, 9, 4], [3, 3], [2, 2], 'SAME', R),
  },
  'MEAN over H,W keep_dims': { model: () => M.mean(26, [1, 7, 7, 16], true) },
  'MEAN over H,W no keep_dims': { model: () => M.mean(27, [2, 5, 6, 8], false), oracle: 'near' },
  RESHAPE: { model: () => M.unary(28, 'RESHAPE', [1, 4, 4, 3], { outShape: [1, 48] }) },
  'SQUEEZE axes [1, -2]': { model: () => M.squeeze(47, [2, 1, 5, 1, 3], [1, -2]) },
  'SQUEEZE all size-1 axes': { model: () => M.squeeze(48, [1, 1, 6, 1], []) },
  'SOFTMAX [1,10]': { model: () => M.unary(29, 'SOFTMAX', [1, 10]) },
  'SOFTMAX [2,3,7] beta 0.5': { model: () => M.unary(30, 'SOFTMAX', [2, 3, 7], { beta: 0.5 }) },
  LOGISTIC: { model: () => M.unary(31, 'LOGISTIC', [1, 256]) },
  TANH: { model: () => M.unary(32, 'TANH', [1, 256]) },
  RELU: { model: () => M.unary(33, 'RELU', [1, 256]) },
  RELU6: { model: () => M.unary(34, 'RELU6', [1, 256]) },
  LEAKY_RELU: { model: () => M.unary(35, 'LEAKY_RELU', [1, 256], { alpha: 0.15 }), oracle: 'near' },
  // alpha * in_scale / out_scale below 2^-8 is outside XNNPACK's range: the oracle runs TFLite's kernel
  'LEAKY_RELU alpha 0.002, TFLite kernel': { model: () => M.unary(46, 'LEAKY_RELU', [1, 256], { alpha: 0.002 }) },
  HARD_SWISH: { model: () => M.unary(36, 'HARD_SWISH', [1, 256]) },
  'CONCATENATION channels': {
    model: () =>
      M.concatenation(
        37,
        [
          [1, 3, 3, 2],
          [1, 3, 3, 5],
          [1, 3, 3, 1],
        ],
        3,
      ),
  },
  'CONCATENATION axis 1': {
    model: () =>
      M.concatenation(
        38,
        [
          [2, 2, 4],
          [2, 3, 4],
        ],
        1,
      ),
  },
  PAD: {
    model: () =>
      M.pad(
        39,
        [1, 4, 5, 3],
        [
          [0, 0],
          [1, 2],
          [2, 1],
          [0, 0],
        ],
      ),
  },
  'PADV2 value -128': {
    model: () =>
      M.pad(
        45,
        [1, 5, 4, 2],
        [
          [0, 0],
          [2, 0],
          [1, 1],
          [0, 0],
        ],
        -128,
      ),
  },
  'TRANSPOSE NHWC->NCHW': { model: () => M.transpose(40, [1, 3, 4, 5], [0, 3, 1, 2]) },
  'QUANTIZE float32->int8': { model: () => M.convert(41, [4, 64], 'quantize') },
  'QUANTIZE int8->int8 (requantise)': { model: () => M.convert(42, [4, 64], 'requantize'), oracle: 'single' },
  'DEQUANTIZE int8->float32': { model: () => M.convert(43, [4, 64], 'dequantize') },
  'QUANTIZE -> QUANTIZE -> DEQUANTIZE (float io)': { model: () => M.quantizeChain(44, [4, 64]), oracle: 'near' },
};

const SAMPLES = 4;
const summary: string[] = [];
let exe: string;
let exeSingle: string;

/** Scale of the last int8 tensor feeding a float32 output (one step of the dequantised values). */
function stepOf(m: M.TestModel): number {
  const info = runC(exe, m.model, M.randomInputs(m, M.rng(1)));
  return info.outputs![0].type === 'float32' ? lastInt8Scale(m) : 1;
}

function lastInt8Scale(m: M.TestModel): number {
  // the dequantised tensor is the operator input with the largest index among int8 tensors
  const model = Model.getRootAsModel(new flatbuffers.ByteBuffer(m.model));
  const sg = model.subgraphs(0)!;
  let scale = 1;
  for (let i = 0; i < sg.tensorsLength(); i++) {
    const t = sg.tensors(i)!;
    const qp = t.quantization();
    if (t.type() === 9 && qp && qp.scaleLength() > 0) scale = qp.scale(0)!;
  }
  return scale;
}

beforeAll(() => {
  exe = buildHarness(false);
  exeSingle = buildHarness(false, ['EL_SINGLE_ROUNDING']);
});

afterAll(() => {
  console.log(`C runtime vs TFLite runtime (oracle kernel in brackets):\n${summary.join('\n')}`);
});

describe('C int8 runtime vs the TFLite runtime, one model per op variant', () => {
  for (const [name, c] of Object.entries(CASES)) {
    test(name, async () => {
      const m = c.model();
      const r = M.rng(1000 + name.length);
      const kernels = await oracleKernels(m.model, m.inputShapes, m.inputKinds);
      const delegated = kernels.includes(XNNPACK);
      // float outputs: one step of the int8 tensor that was dequantised
      const step = m.inputKinds[0] === 'float32' || name.startsWith('DEQUANTIZE') ? stepOf(m) : 1;
      const inputSets = Array.from({ length: SAMPLES }, () => M.randomInputs(m, r));
      const wants = await runOracleMany(m.model, inputSets, m.inputShapes);
      const measure = (binary: string) => {
        const tally = { elements: 0, differing: 0, maxDiff: 0 };
        inputSets.forEach((inputs, s) => {
          const got = runC(binary, m.model, inputs);
          expect(got.status).toBe('ok');
          expect(got.values!.length).toBe(wants[s].length);
          wants[s].forEach((w, i) => {
            const cmp = compare(got.values![i], w);
            tally.elements += cmp.elements;
            tally.differing += cmp.differing;
            tally.maxDiff = Math.max(tally.maxDiff, cmp.maxDiff / step);
          });
        });
        return tally;
      };
      const oracle = c.oracle ?? 'reference';
      const def = measure(exe);
      let line = `${name} [${kernels.join(',')}, ${oracle}]: default build ${def.differing}/${def.elements} differ (max ${+def.maxDiff.toFixed(3)} step)`;
      if (oracle === 'single') {
        const single = measure(exeSingle);
        line += `, single-rounding build ${single.differing}/${single.elements} differ`;
        expect(single.maxDiff).toBe(0);
      }
      summary.push(line);
      expect(def.maxDiff).toBeLessThanOrEqual(oracle === 'reference' ? 0 : 1.0001);
      if (oracle === 'near') expect(delegated).toBe(true); // only XNNPACK kernels are allowed to be 'near'
    });
  }
});
