/**
 * The operators users' exporters produce that the firmware runtime gained for issue #13: RESIZE_NEAREST_NEIGHBOR,
 * RESIZE_BILINEAR, TRANSPOSE_CONV (and the SLICE that crops ConvTranspose's output_padding), RSQRT (int8 and
 * float), SQRT and DIV (float: TFLite has no int8 form of either), and MEAN over any axes (LayerNorm's).
 *
 * 1. One model per operator variant (./models-export.ts), run by the official TFLite runtime (the oracle) and by
 *    edgelock's C runtime on the host (el_run, also under ASan/UBSan) and on QEMU's Cortex-M4 (optimised and
 *    reference loops). As in ./ops.test.ts the oracle's profiler says which kernel ran: where TFLite's own kernel
 *    ran, int8 outputs must be identical (the default build: TFLite's two-rounding arithmetic) and float outputs
 *    bit-identical. XNNPACK takes int8 RESIZE_BILINEAR whenever its tensors carry quantisation parameters and
 *    blends with its own 11-bit weights: those cases may differ by one step (counts printed); the same layers
 *    with plain int8 codes (no parameters: TFLite accepts them, XNNPACK declines) reach TFLite's kernel.
 * 3. The conformance corpus's PyTorch Upsample, ConvTranspose and LayerNorm exports, int8, on real MNIST digits: the host
 *    (both build flavours) and QEMU agree with the oracle's top-1 and stay within a few steps of it.
 * 2. Small ONNX graphs written the way PyTorch exports them (Upsample/Resize nearest and bilinear with
 *    align_corners true and false, ConvTranspose stride 2 with and without output_padding, Div by a constant and
 *    by a tensor), compiled by edgelock: onnxruntime is the float reference for the compiled model; the C runtime
 *    on the host, on QEMU and in the host-sim firmware (device protocol LOAD + RUN) must equal the oracle exactly
 *    wherever the oracle ran TFLite's kernels, within one step per XNNPACK node otherwise.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { compileModel, CompileResult } from '../../src/compiler/compile';
import { loadDataset } from '../../src/data/dataset';
import { makeTensor } from '../../src/ir/tensor';
import { runtimeScratchBytes } from '../../src/compiler/runtime-scratch';
import { readTflite } from '../../src/tflite/reader';
import { buildQemuRuntimeHarness, runOnQemu } from '../../src/bench/qemu-runtime';
import { devBoardClient } from '../helpers/dev-board';
import { GraphBuilder } from '../compiler/helpers/graph';
import { runOrt } from '../helpers/ort';
import { buildHarness, oracleKernels, runBatch, runC, runOracleMany, XNNPACK } from './harness';
import * as M from './models';
import * as E from './models-export';

const SAMPLES = 4;
const summary: string[] = [];
afterAll(() => console.log(`exporter operators, C runtime vs TFLite runtime:\n${summary.join('\n')}`));

/** Bit patterns for floats (so -0 and NaN compare as bits), values for int8. */
function bits(a: ArrayLike<number>, float: boolean): number[] {
  return float ? Array.from(new Uint32Array(Float32Array.from(a).buffer)) : Array.from(a);
}

function diff(got: ArrayLike<number>, want: ArrayLike<number>): { differing: number; max: number } {
  let differing = 0;
  let max = 0;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    if (d !== 0) differing++;
    max = Math.max(max, d);
  }
  return { differing, max };
}

// ---------------------------------------------------------------------------------------------------------------
// 1. one operator per model

interface OpCase {
  model: () => M.TestModel;
  /**
   * Which kernel the oracle runs and what is required (the profiler is checked):
   * - 'tflite' (default): TFLite's own kernel; outputs identical (int8 values, float bit patterns);
   * - 'xnnpack': XNNPACK, for IEEE-exact float operations (SQRT, DIV): bit patterns identical all the same;
   * - 'near': XNNPACK's own int8 arithmetic (≤ 1 step) or float interpolation formula (≤ 1e-6 relative).
   */
  oracle?: 'tflite' | 'xnnpack' | 'near';
  /** inputs other than uniform random codes / values */
  inputs?: (m: M.TestModel, r: M.Rand) => (Int8Array | Float32Array)[];
}

const R6 = 3;
const aboveZeroPoint = (zp: number) => (m: M.TestModel, r: M.Rand) => [
  Int8Array.from({ length: M.count(m.inputShapes[0]) }, () => M.randInt(r, zp, 127)),
];
const positive = (m: M.TestModel, r: M.Rand) =>
  m.inputShapes.map((s) => Float32Array.from({ length: M.count(s) }, () => (r() < 0.1 ? r() * 1e-3 : r() * 50)));
const nonZero = (m: M.TestModel, r: M.Rand) =>
  m.inputShapes.map((s) => Float32Array.from({ length: M.count(s) }, () => (r() < 0.5 ? -1 : 1) * (0.05 + r() * 4)));

/** TRANSPOSE_CONV of `outC` channels, kernel `k`, on an input `inShape` (NHWC); `more`: the spec's other fields. */
const tconv =
  (
    seed: number,
    inShape: number[],
    outC: number,
    k: [number, number],
    stride: [number, number],
    padding: 'SAME' | 'VALID',
    more: Partial<E.TransposeConvSpec> = {},
  ) =>
  () =>
    E.transposeConv(seed, { inShape, outC, k, stride, padding, ...more });
const NEAREST = 'RESIZE_NEAREST_NEIGHBOR';
const BILINEAR = 'RESIZE_BILINEAR';
const OP_CASES: Record<string, OpCase> = {
  'RESIZE_NEAREST_NEIGHBOR ×2': { model: () => E.resize(1, NEAREST, { inShape: [1, 5, 4, 3], outHW: [10, 8] }) },
  'RESIZE_NEAREST_NEIGHBOR 6x6 → 9x15, batch 2': {
    model: () => E.resize(2, NEAREST, { inShape: [2, 6, 6, 5], outHW: [9, 15] }),
  },
  'RESIZE_NEAREST_NEIGHBOR align_corners 4x5 → 7x9': {
    model: () => E.resize(3, NEAREST, { inShape: [1, 4, 5, 3], outHW: [7, 9], alignCorners: true }),
  },
  'RESIZE_NEAREST_NEIGHBOR half_pixel_centers 4x3 → 8x9': {
    model: () => E.resize(4, NEAREST, { inShape: [1, 4, 3, 2], outHW: [8, 9], halfPixelCenters: true }),
  },
  'RESIZE_NEAREST_NEIGHBOR half_pixel_centers 9x7 → 4x3 (down)': {
    model: () => E.resize(5, NEAREST, { inShape: [1, 9, 7, 2], outHW: [4, 3], halfPixelCenters: true }),
  },
  'RESIZE_BILINEAR ×2, plain codes': {
    model: () => E.resize(6, BILINEAR, { inShape: [1, 5, 4, 3], outHW: [10, 8], unquantized: true }),
  },
  'RESIZE_BILINEAR align_corners 4x5 → 7x11, plain codes': {
    model: () =>
      E.resize(7, BILINEAR, { inShape: [1, 4, 5, 3], outHW: [7, 11], alignCorners: true, unquantized: true }),
  },
  'RESIZE_BILINEAR half_pixel_centers 5x5 → 10x10, plain codes': {
    model: () =>
      E.resize(8, BILINEAR, { inShape: [1, 5, 5, 4], outHW: [10, 10], halfPixelCenters: true, unquantized: true }),
  },
  'RESIZE_BILINEAR half_pixel_centers 8x8 → 3x5 (down), batch 2, plain codes': {
    model: () =>
      E.resize(9, BILINEAR, { inShape: [2, 8, 8, 3], outHW: [3, 5], halfPixelCenters: true, unquantized: true }),
  },
  'RESIZE_BILINEAR 3x4 → 7x9, plain codes': {
    model: () => E.resize(10, BILINEAR, { inShape: [1, 3, 4, 2], outHW: [7, 9], unquantized: true }),
  },
  'RESIZE_BILINEAR ×2 (XNNPACK)': {
    model: () => E.resize(11, BILINEAR, { inShape: [1, 5, 4, 3], outHW: [10, 8] }),
    oracle: 'near',
  },
  'RESIZE_BILINEAR align_corners 4x5 → 7x11 (XNNPACK)': {
    model: () => E.resize(12, BILINEAR, { inShape: [1, 4, 5, 3], outHW: [7, 11], alignCorners: true }),
    oracle: 'near',
  },
  'RESIZE_BILINEAR half_pixel_centers 5x5 → 10x10 (XNNPACK)': {
    model: () => E.resize(13, BILINEAR, { inShape: [1, 5, 5, 4], outHW: [10, 10], halfPixelCenters: true }),
    oracle: 'near',
  },
  'TRANSPOSE_CONV 4x4 stride 2 SAME per-channel': {
    model: tconv(14, [1, 5, 6, 8], 6, [4, 4], [2, 2], 'SAME'),
  },
  'TRANSPOSE_CONV 3x3 stride 2 VALID, batch 2': {
    model: tconv(15, [2, 4, 5, 3], 5, [3, 3], [2, 2], 'VALID'),
  },
  'TRANSPOSE_CONV 2x2 stride 2 per-channel no bias': {
    model: tconv(16, [1, 6, 5, 7], 4, [2, 2], [2, 2], 'VALID', { withBias: false }),
  },
  'TRANSPOSE_CONV 2x2 stride 2 per-tensor no bias (XNNPACK)': {
    model: tconv(16, [1, 6, 5, 7], 4, [2, 2], [2, 2], 'VALID', { perChannel: false, withBias: false }),
    oracle: 'near',
  },
  'TRANSPOSE_CONV 3x3 stride 1 SAME, unquantised bias': {
    model: tconv(17, [1, 6, 6, 4], 3, [3, 3], [1, 1], 'SAME', { biasQuantized: false }),
  },
  'TRANSPOSE_CONV 3x2 stride 2x1 SAME': {
    model: tconv(18, [1, 4, 5, 6], 8, [3, 2], [2, 1], 'SAME'),
  },
  'RSQRT zero point -128': { model: () => E.rsqrt(19, [4, 64], -128) },
  'RSQRT zero point -20 (inputs at or above it)': {
    model: () => E.rsqrt(20, [4, 64], -20),
    inputs: aboveZeroPoint(-20),
  },
  // (the oracle's profiler runs zeros: a zero point above 0 would make them negative values, which TFLite refuses)
  'RSQRT zero point 0, every valid code': {
    model: () => E.rsqrt(21, [1, 128], 0),
    inputs: () => [Int8Array.from({ length: 128 }, (_, i) => i)],
  },
  'SLICE 4-D crop': { model: () => E.slice(22, [1, 11, 13, 4], [0, 1, 1, 0], [1, 10, 12, 4]) },
  'SLICE 3-D, size -1': { model: () => E.slice(23, [3, 7, 5], [1, 2, 0], [2, -1, 3]) },
  'MEAN over the last axis, keep_dims (LayerNorm)': { model: () => E.meanAxes(31, [2, 24, 32], [-1], true) },
  'MEAN over the last axis, rank 2': { model: () => E.meanAxes(32, [30, 40], [1], true) },
  'MEAN over axes 0, 2, no keep_dims': { model: () => E.meanAxes(33, [3, 4, 5, 6], [0, 2], false) },
  'MEAN over the last axis, same parameters (integer mean)': {
    model: () => E.meanAxes(34, [2, 15, 24], [2], false, true),
  },
  'float SQRT': { model: () => E.floatUnary(24, 'SQRT', [3, 50]), inputs: positive, oracle: 'xnnpack' },
  'float RSQRT': { model: () => E.floatUnary(25, 'RSQRT', [3, 50]), inputs: positive },
  'float DIV same shape': { model: () => E.floatDiv(26, [2, 3, 16], [2, 3, 16]), inputs: nonZero, oracle: 'xnnpack' },
  'float DIV broadcast [1,4,4,8]/[8] + RELU6': {
    model: () => E.floatDiv(27, [1, 4, 4, 8], [8], R6),
    inputs: nonZero,
    oracle: 'xnnpack',
  },
  'float DIV broadcast [4,1,5]/[3,1]': {
    model: () => E.floatDiv(28, [4, 1, 5], [3, 1]),
    inputs: nonZero,
    oracle: 'xnnpack',
  },
  'float RESIZE_NEAREST_NEIGHBOR align_corners': {
    model: () => E.resize(29, NEAREST, { inShape: [1, 4, 5, 3], outHW: [7, 9], alignCorners: true, float: true }),
  },
  'float RESIZE_BILINEAR half_pixel_centers': {
    model: () => E.resize(30, BILINEAR, { inShape: [1, 4, 5, 3], outHW: [7, 9], halfPixelCenters: true, float: true }),
    oracle: 'near',
  },
};

interface OpPrepared {
  name: string;
  m: M.TestModel;
  inputSets: (Int8Array | Float32Array)[][];
  wants: (Int32Array | Float32Array)[][];
  kernels: string[];
  float: boolean;
}

let opCases: OpPrepared[] = [];

describe('one operator per model: C runtime vs the TFLite runtime', () => {
  let exe: string;
  beforeAll(async () => {
    exe = buildHarness(false);
    opCases = [];
    for (const [name, c] of Object.entries(OP_CASES)) {
      const m = c.model();
      const r = M.rng(3000 + name.length);
      const inputSets = Array.from({ length: SAMPLES }, () => (c.inputs ?? M.randomInputs)(m, r));
      const wants = await runOracleMany(m.model, inputSets, m.inputShapes);
      const kernels = await oracleKernels(m.model, m.inputShapes, m.inputKinds);
      const float = m.inputKinds[0] === 'float32';
      opCases.push({ name, m, inputSets, wants, kernels, float });
    }
  }, 300_000);

  test.each(Object.keys(OP_CASES))('%s (host)', (name) => {
    const p = opCases.find((c) => c.name === name)!;
    const oracle = OP_CASES[name].oracle ?? 'tflite';
    expect({ name, xnnpack: p.kernels.includes(XNNPACK) }).toEqual({ name, xnnpack: oracle !== 'tflite' });
    let differing = 0;
    let elements = 0;
    let max = 0;
    p.inputSets.forEach((inputs, s) => {
      const got = runC(exe, p.m.model, inputs);
      expect({ name, status: got.status }).toEqual({ name, status: 'ok' });
      const want = p.wants[s][0];
      if (oracle !== 'near') {
        expect({ name, values: bits(got.values![0], p.float) }).toEqual({ name, values: bits(want, p.float) });
      }
      const d = diff(got.values![0], want);
      differing += d.differing;
      elements += want.length;
      max = Math.max(max, p.float ? d.max / Math.max(...Array.from(want, Math.abs)) : d.max);
    });
    summary.push(`${name} [${p.kernels.join(',')}]: ${differing}/${elements} differ (max ${+max.toPrecision(3)})`);
    expect(max).toBeLessThanOrEqual(oracle !== 'near' ? 0 : p.float ? 1e-6 : 1);
  });

  test("the compiler's scratch estimate equals the runtime's request for MEAN over other axes", () => {
    const means = opCases.filter((p) => p.name.startsWith('MEAN'));
    expect(means.length).toBe(4);
    for (const p of means) {
      const g = readTflite(p.m.model).subgraphs[0];
      const op = g.operators[0];
      const shapeOf = (i: number) => g.tensors[i].shape;
      const predicted = runtimeScratchBytes('MEAN', [shapeOf(op.inputs[0])], [shapeOf(op.outputs[0])]);
      expect({ name: p.name, scratch: runC(exe, p.m.model, p.inputSets[0]).scratch }).toEqual({
        name: p.name,
        scratch: predicted,
      });
      expect(predicted).toBeGreaterThan(0);
    }
  });

  test('a fused activation on TRANSPOSE_CONV is refused (TFLite runtimes disagree on it)', () => {
    const m = tconv(15, [1, 4, 5, 3], 5, [3, 3], [2, 2], 'VALID', { activation: R6 })();
    const got = runC(exe, m.model, M.randomInputs(m, M.rng(1)));
    expect(got.status).toBe('unsupported operator options');
  });

  test('no read or write outside a tensor (ASan + UBSan build)', () => {
    const asan = buildHarness(true);
    for (const p of opCases) {
      const got = runC(asan, p.m.model, p.inputSets[0]);
      expect({ name: p.name, status: got.status }).toEqual({ name: p.name, status: 'ok' });
    }
  }, 300_000);

  test('300 corrupted or truncated models of these operators end in a status, never a crash (ASan/UBSan)', () => {
    const asan = buildHarness(true);
    const r = M.rng(1313);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'el-export-mutants-'));
    try {
      const files = Array.from({ length: 300 }, (_, i) => {
        const base = opCases[i % opCases.length].m.model;
        const out = base.slice();
        if (i % 3 === 0) {
          for (let k = 0; k < 1 + M.randInt(r, 0, 7); k++)
            out[M.randInt(r, 0, out.length - 1)] ^= 1 << M.randInt(r, 0, 7);
        } else if (i % 3 === 1) {
          const hostile = [0xffffffff, 0x7fffffff, 0x80000000, 0, 1, 65536, 1 << 20];
          const at = M.randInt(r, 0, out.length - 4) & ~3;
          new DataView(out.buffer).setUint32(at, hostile[M.randInt(r, 0, hostile.length - 1)], true);
        }
        const file = path.join(dir, `m${i}.tflite`);
        fs.writeFileSync(file, i % 3 === 2 ? out.slice(0, M.randInt(r, 0, out.length - 1)) : out);
        return file;
      });
      const { statuses, stderr, exitCode } = runBatch(asan, files);
      expect(stderr).not.toMatch(/Sanitizer|runtime error/);
      expect(exitCode).toBe(0);
      expect(statuses).toHaveLength(files.length);
      const counts: Record<string, number> = {};
      statuses.forEach((st) => (counts[st] = (counts[st] ?? 0) + 1));
      summary.push(`mutants of the exporter-operator models: ${JSON.stringify(counts)}`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);

  test('QEMU Cortex-M4, optimised and reference loops: the same bytes as on the host', () => {
    const elf = buildQemuRuntimeHarness('default');
    const results = runOnQemu(
      elf,
      opCases.map((p) => ({
        model: p.m.model,
        input: Buffer.concat(p.inputSets[0].map((x) => Buffer.from(x.buffer, x.byteOffset, x.byteLength))),
      })),
    );
    results.forEach((r, j) => {
      const p = opCases[j];
      expect({ name: p.name, status: r.status }).toEqual({ name: p.name, status: 'ok' });
      const host = runC(exe, p.m.model, p.inputSets[0]).values![0];
      const hostBytes = Buffer.from(host.buffer, host.byteOffset, host.byteLength).toString('hex');
      expect({ name: p.name, fast: r.outFast!.toString('hex'), ref: r.outRef!.toString('hex') }).toEqual({
        name: p.name,
        fast: hostBytes,
        ref: hostBytes,
      });
    });
  }, 600_000);
});

// ---------------------------------------------------------------------------------------------------------------
// 2. ONNX graphs as exporters write them, compiled by edgelock

interface GraphCase {
  name: string;
  /** One float input 'x' (ONNX shape `inputShape`), one output. */
  graph: () => GraphBuilder;
  inputShape: number[];
  precision: 'int8' | 'float32';
  /** Operators the compiled model must contain. */
  ops: string[];
  /** Input values > 0 (a Sqrt of the input). */
  positive?: boolean;
  /**
   * Steps the int8 outputs may differ from the oracle's (default: 0 where the oracle ran only TFLite's kernels,
   * 1 where XNNPACK ran int8 nodes with its own requantisation).
   */
  steps?: number;
}

function resizeGraph(mode: string, ct: string, nearest: string | undefined, inHW: number[], outHW: number[]) {
  return () => {
    const b = new GraphBuilder(13, 11);
    const x = b.input('x', [1, 3, ...inHW]);
    const attrs: Record<string, string> = { mode, coordinate_transformation_mode: ct };
    if (nearest) attrs.nearest_mode = nearest;
    const roi = b.init('roi', makeTensor('float32', [0], new Float32Array(0)));
    b.output(b.node('Resize', [x, roi, '', b.ints('sizes', [1, 3, ...outHW])], attrs, 'y'));
    return b;
  };
}

function convTransposeGraph(k: number, attrs: Record<string, number[]>) {
  return () => {
    const b = new GraphBuilder(13, 12);
    const x = b.input('x', [1, 6, 5, 6]);
    b.output(b.node('ConvTranspose', [x, b.weight('tw', [6, 4, k, k]), b.weight('tb', [4], 0.1)], attrs, 'y'));
    return b;
  };
}

const GRAPH_CASES: GraphCase[] = [
  {
    name: 'PyTorch Upsample(scale_factor=2, mode="nearest")',
    graph: resizeGraph('nearest', 'asymmetric', 'floor', [5, 4], [10, 8]),
    inputShape: [1, 3, 5, 4],
    precision: 'int8',
    ops: ['RESIZE_NEAREST_NEIGHBOR'],
  },
  {
    name: 'Resize nearest align_corners (round_prefer_ceil) 4x5 → 7x9',
    graph: resizeGraph('nearest', 'align_corners', 'round_prefer_ceil', [4, 5], [7, 9]),
    inputShape: [1, 3, 4, 5],
    precision: 'int8',
    ops: ['RESIZE_NEAREST_NEIGHBOR'],
  },
  {
    name: 'PyTorch interpolate(bilinear, align_corners=True) 4x5 → 7x11',
    graph: resizeGraph('linear', 'align_corners', undefined, [4, 5], [7, 11]),
    inputShape: [1, 3, 4, 5],
    precision: 'int8',
    ops: ['RESIZE_BILINEAR'],
  },
  {
    name: 'PyTorch Upsample(scale_factor=2, mode="bilinear", align_corners=False)',
    graph: resizeGraph('linear', 'pytorch_half_pixel', undefined, [5, 5], [10, 10]),
    inputShape: [1, 3, 5, 5],
    precision: 'int8',
    ops: ['RESIZE_BILINEAR'],
  },
  {
    name: 'PyTorch ConvTranspose2d(k=4, stride=2, padding=1)',
    graph: convTransposeGraph(4, { strides: [2, 2], pads: [1, 1, 1, 1] }),
    inputShape: [1, 6, 5, 6],
    precision: 'int8',
    ops: ['TRANSPOSE_CONV'],
  },
  {
    name: 'PyTorch ConvTranspose2d(k=3, stride=2, padding=1, output_padding=1)',
    graph: convTransposeGraph(3, { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] }),
    inputShape: [1, 6, 5, 6],
    precision: 'int8',
    ops: ['TRANSPOSE_CONV', 'SLICE'],
  },
  {
    name: 'PyTorch ConvTranspose2d(k=2, stride=2)',
    graph: convTransposeGraph(2, { strides: [2, 2] }),
    inputShape: [1, 6, 5, 6],
    precision: 'int8',
    ops: ['TRANSPOSE_CONV'],
  },
  {
    name: 'Div by a constant (x / c, per channel)',
    graph: () => {
      const b = new GraphBuilder(13, 13);
      const x = b.input('x', [1, 4, 5, 5]);
      const k = b.init('k', makeTensor('float32', [1, 4, 1, 1], Float32Array.from([3, -2, 0.5, 7])));
      b.output(b.node('Div', [x, k], {}, 'y'));
      return b;
    },
    inputShape: [1, 4, 5, 5],
    precision: 'int8',
    ops: ['MUL'],
  },
  {
    name: 'Div by a tensor: x / sqrt(x² + 1)',
    graph: () => {
      const b = new GraphBuilder(13, 14);
      const x = b.input('x', [1, 4, 6, 6]);
      const one = b.init('one', makeTensor('float32', [], Float32Array.from([1])));
      const s = b.node('Sqrt', [b.node('Add', [b.node('Mul', [x, x]), one])]);
      b.output(b.node('Div', [x, s], {}, 'y'));
      return b;
    },
    inputShape: [1, 4, 6, 6],
    precision: 'int8',
    ops: ['RSQRT', 'MUL'],
    // XNNPACK runs the MUL and ADD before the RSQRT with its own requantisation (each within one step of
    // TFLite's); where RSQRT is steep a one-step difference in its input moves its output by up to two
    steps: 2,
  },
  {
    name: 'Reciprocal(Sqrt(x)) (→ one RSQRT)',
    graph: () => {
      const b = new GraphBuilder(13, 16);
      const x = b.input('x', [1, 4, 6, 6]);
      b.output(b.node('Reciprocal', [b.node('Sqrt', [x])], {}, 'y'));
      return b;
    },
    inputShape: [1, 4, 6, 6],
    precision: 'int8',
    ops: ['RSQRT'],
    positive: true,
  },
  {
    name: 'float Div by a tensor: x / sqrt(x), broadcast by a row',
    graph: () => {
      const b = new GraphBuilder(13, 15);
      const x = b.input('x', [3, 16]);
      const s = b.node('Sqrt', [x], {}, 'root');
      const row = b.node('Slice', [x, b.ints('st', [1]), b.ints('en', [2]), b.ints('ax', [0])]);
      b.output(b.node('Div', [b.node('Div', [x, s]), row], {}, 'y'));
      b.output(s); // a graph output too, so it stays SQRT (a Sqrt read only by divisions becomes RSQRT + MUL)
      return b;
    },
    inputShape: [3, 16],
    precision: 'float32',
    ops: ['SQRT', 'DIV', 'SLICE'],
  },
];

interface GraphPrepared {
  c: GraphCase;
  onnx: Uint8Array;
  compiled: CompileResult;
  tfliteInput: number[];
  inputs: (Int8Array | Float32Array)[];
  /** the oracle's output 0 per input */
  expected: (Int32Array | Float32Array)[];
  kernels: string[];
}

let graphCases: GraphPrepared[] = [];

async function prepareGraph(c: GraphCase, seed: number): Promise<GraphPrepared> {
  const onnx = c.graph().bytes();
  const r = M.rng(seed);
  let compiled: CompileResult;
  const size = M.count(c.inputShape.slice(1));
  if (c.precision === 'int8') {
    const n = 32;
    const data = new Float32Array(n * size);
    for (let k = 0; k < n; k++) data.set(smooth(k, size, c.positive), k * size);
    compiled = await compileModel(onnx, {
      precision: 'int8',
      io: 'int8',
      calibration: { data, count: n, sampleShape: c.inputShape.slice(1) },
    });
  } else {
    compiled = await compileModel(onnx, { precision: 'float32' });
  }
  const tfliteInput = compiled.summary.inputs[0].shape;
  const inp = compiled.summary.inputs[0];
  // held-out samples of the calibration distribution, quantised with the model's input parameters
  const inputs = Array.from({ length: SAMPLES }, (_, s) => {
    if (c.precision === 'float32') return Float32Array.from({ length: M.count(tfliteInput) }, () => 0.01 + r() * 4);
    const v = smooth(100 + s, size, c.positive);
    const nhwc = tfliteInput.length === 4 ? toNhwc(v, tfliteInput) : v;
    return Int8Array.from(nhwc, (f) => Math.max(-128, Math.min(127, Math.round(f / inp.scale!) + inp.zeroPoint!)));
  });
  const wants = await runOracleMany(
    compiled.bytes,
    inputs.map((x) => [x]),
    [tfliteInput],
  );
  const kernels = await oracleKernels(compiled.bytes, [tfliteInput], [c.precision === 'int8' ? 'int8' : 'float32']);
  return { c, onnx, compiled, tfliteInput, inputs, expected: wants.map((w) => w[0]), kernels };
}

/** Calibration-like data: cosines of varying frequency and amplitude (sample k of `size` values, NCHW order). */
function smooth(k: number, size: number, positive = false): Float32Array {
  return Float32Array.from({ length: size }, (_, i) => {
    const v = Math.cos((k * size + i) * 0.37 + (i % 7)) * (1 + (i % 3));
    return positive ? Math.abs(v) + 0.05 : v;
  });
}

function toNhwc(v: Float32Array, nhwc: number[]): Float32Array {
  const [n, h, w, c] = nhwc;
  const out = new Float32Array(v.length);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let ch = 0; ch < c; ch++) out[((b * h + y) * w + x) * c + ch] = v[((b * c + ch) * h + y) * w + x];
  return out;
}

function toNchw(v: Float32Array, nhwc: number[]): Float32Array {
  const [n, h, w, c] = nhwc;
  const out = new Float32Array(v.length);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let ch = 0; ch < c; ch++) out[((b * c + ch) * h + y) * w + x] = v[((b * h + y) * w + x) * c + ch];
  return out;
}

/** Steps allowed against the oracle: 0 where it ran TFLite's kernels; 1 where XNNPACK ran int8 nodes. */
const allowed = (p: GraphPrepared) => p.c.steps ?? (p.c.precision === 'int8' && p.kernels.includes(XNNPACK) ? 1 : 0);

function checkAgainstOracle(p: GraphPrepared, s: number, got: ArrayLike<number>, where: string): number {
  const want = p.expected[s];
  const float = p.c.precision === 'float32';
  if (allowed(p) === 0) {
    expect({ name: p.c.name, where, values: bits(got, float) }).toEqual({
      name: p.c.name,
      where,
      values: bits(want, float),
    });
  }
  const d = diff(got, want);
  expect({ name: p.c.name, where, max: d.max }).toEqual({ name: p.c.name, where, max: Math.min(d.max, allowed(p)) });
  return d.differing;
}

describe('ONNX graphs as exporters write them: compiled, then the C runtime vs the TFLite runtime', () => {
  beforeAll(async () => {
    graphCases = [];
    for (const [i, c] of GRAPH_CASES.entries()) graphCases.push(await prepareGraph(c, 700 + i));
  }, 300_000);

  test.each(GRAPH_CASES.map((c, i) => [c.name, i] as const))(
    '%s: the compiled model computes the ONNX graph (onnxruntime)',
    async (name, i) => {
      const p = graphCases[i];
      const ops = p.compiled.summary.ops.map((o) => o.op);
      expect({ name, ops: p.c.ops.filter((op) => !ops.includes(op)) }).toEqual({ name, ops: [] });
      const inp = p.compiled.summary.inputs[0];
      const out = p.compiled.summary.outputs[0];
      const int8 = p.c.precision === 'int8';
      let worst = 0;
      let span = 0;
      for (const [s, x] of p.inputs.entries()) {
        const values = Float32Array.from(x, (v) => (int8 ? (v - inp.zeroPoint!) * inp.scale! : v));
        const onnxInput = p.tfliteInput.length === 4 ? toNchw(values, p.tfliteInput) : values;
        const ref = await runOrt(p.onnx, { x: { dtype: 'float32', shape: p.c.inputShape, data: onnxInput } });
        const want = ref.y.data as Float32Array;
        const got = Float32Array.from(p.expected[s], (v) => (int8 ? (v - out.zeroPoint!) * out.scale! : v));
        span = Math.max(span, Math.max(...want) - Math.min(...want));
        want.forEach((v, k) => (worst = Math.max(worst, Math.abs(v - got[k]))));
      }
      summary.push(
        `${name}: vs onnxruntime max ` +
          `|error| ${+worst.toPrecision(3)}${int8 ? ` (${+(worst / out.scale!).toFixed(2)} output steps)` : ''}, ` +
          `output range ${+span.toPrecision(3)}`,
      );
      if (int8) {
        // int8 error (input rounding carried through the operator): a few per cent of the output range at most
        expect(worst / span).toBeLessThanOrEqual(0.025);
        expect(new Set(p.expected[0]).size).toBeGreaterThan(16); // outputs that carry information
      } else {
        expect(worst / span).toBeLessThanOrEqual(1e-6);
      }
    },
  );

  test.each(GRAPH_CASES.map((c, i) => [c.name, i] as const))('%s: host (el_run)', (name, i) => {
    const p = graphCases[i];
    const exe = buildHarness(false);
    let differing = 0;
    p.inputs.forEach((x, s) => {
      const got = runC(exe, p.compiled.bytes, [x]);
      expect({ name, status: got.status }).toEqual({ name, status: 'ok' });
      differing += checkAgainstOracle(p, s, got.values![0], 'host');
    });
    summary.push(`${name} [${p.kernels.join(',')}]: host ${differing}/${p.expected[0].length * SAMPLES} differ`);
  });

  test('QEMU Cortex-M4 (optimised and reference loops), every graph in one boot', () => {
    const elf = buildQemuRuntimeHarness('default');
    const results = runOnQemu(
      elf,
      graphCases.map((p) => ({ model: p.compiled.bytes, input: new Uint8Array(p.inputs[0].buffer) })),
    );
    results.forEach((r, j) => {
      const p = graphCases[j];
      const float = p.c.precision === 'float32';
      expect({ name: p.c.name, status: r.status }).toEqual({ name: p.c.name, status: 'ok' });
      const view = (b: Buffer) =>
        float ? new Float32Array(new Uint8Array(b).buffer) : new Int8Array(new Uint8Array(b).buffer);
      const n = p.expected[0].length; // the harness writes every output, one after the other: output 0 first
      checkAgainstOracle(p, 0, view(r.outFast!).subarray(0, n), 'qemu optimised');
      checkAgainstOracle(p, 0, view(r.outRef!).subarray(0, n), 'qemu reference');
    });
  }, 600_000);

  describe('host-sim firmware (device protocol: LOAD, RUN)', () => {
    const client = devBoardClient();

    test('every int8 graph', async () => {
      const int8 = graphCases.filter((q) => q.c.precision === 'int8');
      for (const p of int8) {
        await client().loadModelDev(Buffer.from(p.compiled.bytes), 0);
        for (const [s, x] of p.inputs.entries()) {
          const r = await client().run(0, x as Int8Array);
          checkAgainstOracle(p, s, r.outputs[0].int8, 'host-sim');
        }
      }
      expect(int8.length).toBe(GRAPH_CASES.length - 1);
    }, 300_000);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// 3. The conformance corpus's PyTorch exports that use these operators (test/conformance/fixtures), on the device

const CORPUS = [
  'torch-upsample-opset11',
  'torch-upsample-opset13',
  'torch-convtranspose-opset13',
  ...[11, 13, 16, 17].map((o) => `torch-ln-hsig-opset${o}`),
];
/**
 * Whole-model bound in output steps: XNNPACK runs the convolutions with one rounding, TFLite's TRANSPOSE_CONV
 * kernel and the default build round twice; per-operator one-step differences compound (printed).
 */
const CORPUS_MAX_STEPS = 3;

describe('conformance-corpus PyTorch exports (Upsample, ConvTranspose, LayerNorm) on real MNIST digits', () => {
  const DIGITS = 8;
  const SIZE = 28 * 28;
  let models: { name: string; bytes: Uint8Array; inputs: Int8Array[]; expected: Int32Array[] }[] = [];

  beforeAll(async () => {
    const train = loadDataset('mnist-train');
    const test10k = loadDataset('mnist-test');
    models = [];
    for (const name of CORPUS) {
      const onnx = new Uint8Array(fs.readFileSync(path.join(__dirname, '../conformance/fixtures', `${name}.onnx`)));
      const calibration = { data: train.data.subarray(0, 300 * SIZE), count: 300, sampleShape: [1, 28, 28] };
      const q = await compileModel(onnx, { precision: 'int8', io: 'int8', calibration });
      const inp = q.summary.inputs[0];
      const inputs = Array.from({ length: DIGITS }, (_, i) =>
        Int8Array.from(test10k.data.subarray(i * SIZE, (i + 1) * SIZE), (v) =>
          Math.max(-128, Math.min(127, Math.round(v / inp.scale!) + inp.zeroPoint!)),
        ),
      );
      const wants = await runOracleMany(
        q.bytes,
        inputs.map((x) => [x]),
        [inp.shape],
      );
      models.push({ name, bytes: q.bytes, inputs, expected: wants.map((w) => Int32Array.from(w[0])) });
    }
  }, 300_000);

  const argmax = (a: ArrayLike<number>) => Array.prototype.indexOf.call(a, Math.max(...Array.from(a)));

  test('host (default and single-rounding builds) and QEMU: same top-1 as the TFLite runtime, within a few steps', () => {
    const builds = [buildHarness(false), buildHarness(false, ['EL_SINGLE_ROUNDING'])];
    const elf = buildQemuRuntimeHarness('default');
    const qemu = runOnQemu(
      elf,
      models.flatMap((m) => m.inputs.map((x) => ({ model: m.bytes, input: new Uint8Array(x.buffer) }))),
    );
    let k = 0;
    for (const m of models) {
      const steps = [0, 0];
      m.inputs.forEach((x, s) => {
        const want = m.expected[s];
        builds.forEach((exe, b) => {
          const got = runC(exe, m.bytes, [x]);
          expect({ name: m.name, status: got.status }).toEqual({ name: m.name, status: 'ok' });
          steps[b] = Math.max(steps[b], diff(got.values![0], want).max);
          expect({ name: m.name, top1: argmax(got.values![0]) }).toEqual({ name: m.name, top1: argmax(want) });
          if (b === 0) {
            const q = qemu[k++];
            expect({ name: m.name, status: q.status }).toEqual({ name: m.name, status: 'ok' });
            const host = Buffer.from(got.values![0].buffer).toString('hex');
            expect({ name: m.name, fast: q.outFast!.toString('hex'), ref: q.outRef!.toString('hex') }).toEqual({
              name: m.name,
              fast: host,
              ref: host,
            });
          }
        });
      });
      summary.push(
        `${m.name} on ${DIGITS} MNIST digits: default build ≤ ${steps[0]} steps, single-rounding ≤ ${steps[1]} from the TFLite runtime; QEMU = host`,
      );
      expect(Math.max(...steps)).toBeLessThanOrEqual(CORPUS_MAX_STEPS);
    }
  }, 600_000);
});
