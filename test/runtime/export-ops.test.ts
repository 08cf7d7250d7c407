/**
 * The operators users' exporters produce that the firmware runtime gained for issue #13: RESIZE_NEAREST_NEIGHBOR,
 * RESIZE_BILINEAR, TRANSPOSE_CONV (and the SLICE that crops ConvTranspose's output_padding), RSQRT (int8 and
 * float), SQRT and DIV (float: TFLite has no int8 form of either).
 *
 * 1. One model per operator variant (./models-export.ts), run by the official TFLite runtime (the oracle) and by
 *    edgelock's C runtime on the host (el_run, also under ASan/UBSan) and on QEMU's Cortex-M4 (optimised and
 *    reference loops). As in ./ops.test.ts the oracle's profiler says which kernel ran: where TFLite's own kernel
 *    ran, int8 outputs must be identical (the default build: TFLite's two-rounding arithmetic) and float outputs
 *    bit-identical. XNNPACK takes int8 RESIZE_BILINEAR whenever its tensors carry quantisation parameters and
 *    blends with its own 11-bit weights: those cases may differ by one step (counts printed); the same layers
 *    with plain int8 codes (no parameters: TFLite accepts them, XNNPACK declines) reach TFLite's kernel.
 * 2. Small ONNX graphs written the way PyTorch exports them (Upsample/Resize nearest and bilinear with
 *    align_corners true and false, ConvTranspose stride 2 with and without output_padding, Div by a constant and
 *    by a tensor), compiled by edgelock: onnxruntime is the float reference for the compiled model; the C runtime
 *    on the host, on QEMU and in the host-sim firmware (device protocol LOAD + RUN) must equal the oracle exactly
 *    wherever the oracle ran TFLite's kernels, within one step per XNNPACK node otherwise.
 */
import { compileModel, CompileResult } from '../../src/compiler/compile';
import { makeTensor } from '../../src/ir/tensor';
import { buildQemuRuntimeHarness, runOnQemu } from '../../src/bench/qemu-runtime';
import { DeviceClient } from '../../src/device/client';
import { GraphBuilder } from '../compiler/helpers/graph';
import { runOrt } from '../helpers/ort';
import { DEV, removeRunRoot, startTestBoard, stopAllBoards } from '../device/helpers';
import { buildHarness, oracleKernels, runC, runOracleMany, XNNPACK } from './harness';
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
    model: () => E.transposeConv(14, { inShape: [1, 5, 6, 8], outC: 6, k: [4, 4], stride: [2, 2], padding: 'SAME' }),
  },
  'TRANSPOSE_CONV 3x3 stride 2 VALID, batch 2': {
    model: () => E.transposeConv(15, { inShape: [2, 4, 5, 3], outC: 5, k: [3, 3], stride: [2, 2], padding: 'VALID' }),
  },
  'TRANSPOSE_CONV 2x2 stride 2 per-channel no bias': {
    model: () =>
      E.transposeConv(16, {
        inShape: [1, 6, 5, 7],
        outC: 4,
        k: [2, 2],
        stride: [2, 2],
        padding: 'VALID',
        withBias: false,
      }),
  },
  'TRANSPOSE_CONV 2x2 stride 2 per-tensor no bias (XNNPACK)': {
    model: () =>
      E.transposeConv(16, {
        inShape: [1, 6, 5, 7],
        outC: 4,
        k: [2, 2],
        stride: [2, 2],
        padding: 'VALID',
        perChannel: false,
        withBias: false,
      }),
    oracle: 'near',
  },
  'TRANSPOSE_CONV 3x3 stride 1 SAME, unquantised bias': {
    model: () =>
      E.transposeConv(17, {
        inShape: [1, 6, 6, 4],
        outC: 3,
        k: [3, 3],
        stride: [1, 1],
        padding: 'SAME',
        biasQuantized: false,
      }),
  },
  'TRANSPOSE_CONV 3x2 stride 2x1 SAME': {
    model: () => E.transposeConv(18, { inShape: [1, 4, 5, 6], outC: 8, k: [3, 2], stride: [2, 1], padding: 'SAME' }),
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

  test('a fused activation on TRANSPOSE_CONV is refused (TFLite runtimes disagree on it)', () => {
    const m = E.transposeConv(15, {
      inShape: [1, 4, 5, 3],
      outC: 5,
      k: [3, 3],
      stride: [2, 2],
      padding: 'VALID',
      activation: R6,
    });
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
