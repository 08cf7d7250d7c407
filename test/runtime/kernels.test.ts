/**
 * The optimised int8 kernels (CONV_2D, DEPTHWISE_CONV_2D with depth multipliers 1-4, FULLY_CONNECTED, ADD/SUB/MUL
 * with and without broadcasting, MAX_POOL_2D, AVERAGE_POOL_2D, spatial MEAN, PAD: firmware-tools/runtime/kernels/) against
 * the reference loops of the same build, selected at run time (el_model_use_reference_kernels / el_run
 * --reference): on seeded random shapes, strides, paddings, dilations, broadcast shapes, zero points (the whole
 * int8 range), per-tensor and per-channel weights, with and without bias, fused activations, every output byte must be
 * identical, in both build flavours (default and -DEL_SINGLE_ROUNDING), on the host (the portable C
 * fallback; also under ASan/UBSan, which catches any read outside a tensor) and on QEMU's Cortex-M4 (the DSP
 * instructions: SXTB16, SMLAD, SADD16, SMLABB/SMLATT).
 */
import { buildQemuRuntimeHarness, runOnQemu } from '../../src/bench/qemu-runtime';
import { runtimeScratchBytes } from '../../src/compiler/runtime-scratch';
import { readTflite } from '../../src/tflite/reader';
import { execFileSync } from 'child_process';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { buildHarness, runC, RUNTIME_DIR, STRICT_FLAGS } from './harness';
import * as M from './models';

interface KernelCase {
  name: string;
  model: M.TestModel;
  input: Int8Array;
}

function randomCases(seed: number, count: number): KernelCase[] {
  const r = M.rng(seed);
  const cases: KernelCase[] = [];
  while (cases.length < count) {
    const i = cases.length;
    const depthwise = i % 3 === 2;
    const k: [number, number] = [M.randInt(r, 1, 5), M.randInt(r, 1, 5)];
    if (i % 7 === 0) {
      k[0] = 1;
      k[1] = 1;
    } // pointwise: the in-place column path
    if (i % 5 === 1) {
      k[0] = 3;
      k[1] = 3;
    } // the 3x3 depthwise path
    const stride: [number, number] = [M.randInt(r, 1, 3), M.randInt(r, 1, 3)];
    const dilation: [number, number] = r() < 0.3 ? [M.randInt(r, 1, 3), M.randInt(r, 1, 3)] : [1, 1];
    const padding = r() < 0.5 ? 'SAME' : 'VALID';
    const ic = M.randInt(r, 1, i % 4 === 0 ? 3 : 24);
    const shape = [M.randInt(r, 1, 2), M.randInt(r, 1, 14), M.randInt(r, 1, 14), ic];
    const eff = [(k[0] - 1) * dilation[0] + 1, (k[1] - 1) * dilation[1] + 1];
    if (padding === 'VALID' && (eff[0] > shape[1] || eff[1] > shape[2])) continue;
    const dm = depthwise && r() < 0.4 ? M.randInt(r, 2, 4) : 1;
    const spec: M.ConvSpec = {
      inShape: shape,
      outC: M.randInt(r, 1, 21),
      k,
      stride,
      dilation,
      padding,
      activation: [0, 1, 3][M.randInt(r, 0, 2)],
      perChannel: r() < 0.8,
      withBias: r() < 0.85,
      zeroPointRange: 127,
    };
    const model = M.conv2d(1000 + i, spec, depthwise, dm);
    cases.push({
      name: `${depthwise ? `DEPTHWISE dm ${dm}` : 'CONV'} in ${shape.join('x')} k ${k.join('x')} s ${stride.join('x')} d ${dilation.join('x')} ${padding}`,
      model,
      input: M.randomInt8(r, M.count(shape)),
    });
  }
  return cases;
}

function randomFcCases(seed: number, count: number): KernelCase[] {
  const r = M.rng(seed);
  return Array.from({ length: count }, (_, i) => {
    const batch = M.randInt(r, 1, 3),
      depth = M.randInt(r, 1, 300),
      units = M.randInt(r, 1, 40);
    const perChannel = r() < 0.5;
    const model = M.fullyConnected(
      2000 + i,
      batch,
      depth,
      units,
      perChannel,
      r() < 0.8,
      [0, 1, 3][M.randInt(r, 0, 2)],
      127,
    );
    return {
      name: `FULLY_CONNECTED ${batch}x${depth} -> ${units} ${perChannel ? 'per-channel' : 'per-tensor'}`,
      model,
      input: M.randomInt8(r, batch * depth),
    };
  });
}

/**
 * Broadcast-compatible shapes of at least 256 output elements (the optimised ADD/SUB's threshold): one input a
 * per-channel vector or a scalar, or each input with random axes set to 1 and leading axes dropped; the inputs
 * are swapped at random.
 */
function broadcastShapes(r: M.Rand): [number[], number[]] {
  for (;;) {
    const rank = M.randInt(r, 2, 4);
    const out = Array.from({ length: rank }, () => M.randInt(r, 2, 16));
    if (M.count(out) < 256) continue;
    const one = (shape: number[]) => {
      const s = shape.map((d) => (r() < 0.4 ? 1 : d));
      return r() < 0.3 ? s.slice(M.randInt(r, 1, s.length - 1)) : s;
    };
    const pattern = M.randInt(r, 0, 3);
    const a = pattern === 3 ? one(out) : [...out];
    const b = pattern === 0 ? [out[rank - 1]] : pattern === 1 ? [1] : one(out);
    return r() < 0.5 ? [a, b] : [b, a];
  }
}

function randomElementwiseCases(seed: number, count: number): KernelCase[] {
  const r = M.rng(seed);
  const binaryOps: M.BinaryOp[] = ['ADD', 'SUB', 'MUL'];
  return Array.from({ length: count }, (_, i) => {
    const shape = [1, M.randInt(r, 1, 20), M.randInt(r, 1, 20), M.randInt(r, 1, 13)];
    const activation = [0, 1, 3][M.randInt(r, 0, 2)];
    const kind = [0, 1, 1, 2, 3, 4, 5][i % 7];
    if (kind === 5) {
      // spatial MEAN (global average): up to 2 batches, up to 400 taps (the 16-bit lanes are flushed)
      shape[0] = M.randInt(r, 1, 2);
      // half of them large and near one end of the range: a channel's sum leaves 16 bits
      const extreme = r() < 0.5 ? 0 : r() < 0.5 ? 1 : -1;
      if (extreme !== 0) {
        shape[1] = M.randInt(r, 16, 20);
        shape[2] = M.randInt(r, 16, 20);
      }
      const model = M.mean(3000 + i, shape, r() < 0.5, false, 127);
      const input = Int8Array.from({ length: M.count(shape) }, () =>
        extreme > 0 ? M.randInt(r, 100, 127) : extreme < 0 ? M.randInt(r, -128, -100) : M.randInt(r, -128, 127),
      );
      return { name: `MEAN ${shape.join('x')} axes 1,2`, model, input };
    }
    if (kind === 0 || kind === 1) {
      const op = binaryOps[M.randInt(r, 0, 2)];
      let shapes: [number[], number[]];
      if (kind === 0) {
        // same shapes; ADD/SUB take the optimised path from 256 elements
        shape[1] = M.randInt(r, 4, 20);
        shape[2] = M.randInt(r, 4, 20);
        shapes = [shape, shape];
      } else {
        shapes = broadcastShapes(r);
      }
      // MUL: multipliers from 1/100 to 5 (below 1/2: el_rq_small; from 1/2: el_rq_apply with a left shift)
      const mulOutFactor = r() < 0.35 ? M.randScale(r, 0.2, 2) : M.randScale(r, 2, 100);
      const model = M.binary(3000 + i, op, shapes[0], shapes[1], activation, 127, mulOutFactor);
      return {
        name: `${op} ${shapes[0].join('x')} ${shapes[1].join('x')}`,
        model,
        input: M.randomInt8(r, M.count(shapes[0]) + M.count(shapes[1])),
      };
    }
    const op = kind === 2 ? 'MAX_POOL_2D' : 'AVERAGE_POOL_2D';
    let k: [number, number] = [M.randInt(r, 1, 4), M.randInt(r, 1, 4)];
    let stride: [number, number] = [M.randInt(r, 1, 3), M.randInt(r, 1, 3)];
    if (kind === 4) {
      // global pooling: over 256 taps per window for the larger maps (the 16-bit lanes are flushed)
      shape[1] = M.randInt(r, 6, 20);
      shape[2] = M.randInt(r, 6, 20);
      k = [shape[1], shape[2]];
      stride = [1, 1];
    }
    const padding = kind !== 4 && (r() < 0.5 || k[0] > shape[1] || k[1] > shape[2]) ? 'SAME' : 'VALID';
    const model = M.pool(3000 + i, op, shape, k, stride, padding, activation, 127);
    // global pools: values near one end of the range, so a window's sum leaves 16 bits (the lanes must be flushed)
    const sign = r() < 0.5 ? 1 : -1;
    const input =
      kind === 4
        ? Int8Array.from({ length: M.count(shape) }, () => (sign > 0 ? M.randInt(r, 90, 127) : M.randInt(r, -128, -90)))
        : M.randomInt8(r, M.count(shape));
    return { name: `${op} ${shape.join('x')} k ${k.join('x')} s ${stride.join('x')} ${padding}`, model, input };
  });
}

function randomPadCases(seed: number, count: number): KernelCase[] {
  const r = M.rng(seed);
  return Array.from({ length: count }, (_, i) => {
    const rank = M.randInt(r, 1, 4);
    const shape = Array.from({ length: rank }, () => M.randInt(r, 1, 9));
    const pads = shape.map(() => (r() < 0.4 ? [0, 0] : [M.randInt(r, 0, 3), M.randInt(r, 0, 3)]) as [number, number]);
    const value = i % 2 === 0 ? undefined : M.randInt(r, -128, 127);
    const model = M.pad(4000 + i, shape, pads, value);
    return {
      name: `${value === undefined ? 'PAD' : 'PADV2'} ${shape.join('x')} ${JSON.stringify(pads)}`,
      model,
      input: M.randomInt8(r, M.count(shape)),
    };
  });
}

const CASES = [
  ...randomCases(15, 90),
  ...randomFcCases(16, 30),
  ...randomElementwiseCases(17, 84),
  ...randomPadCases(18, 20),
];
const FLAVOURS: [string, string[]][] = [
  ['default', []],
  ['single-rounding', ['EL_SINGLE_ROUNDING']],
];

describe('optimised kernels equal the reference loops (host, portable C)', () => {
  for (const [flavour, defines] of FLAVOURS) {
    test(`${CASES.length} random layers, ${flavour} build`, () => {
      const exe = buildHarness(false, defines);
      let compared = 0;
      for (const c of CASES) {
        const fast = runC(exe, c.model.model, [c.input]);
        const ref = runC(exe, c.model.model, [c.input], undefined, [], ['--reference']);
        expect({ name: c.name, status: fast.status }).toEqual({ name: c.name, status: 'ok' });
        expect(ref.status).toBe('ok');
        expect({ name: c.name, bytes: Buffer.from((fast.values as Int8Array[])[0]).toString('hex') }).toEqual({
          name: c.name,
          bytes: Buffer.from((ref.values as Int8Array[])[0]).toString('hex'),
        });
        compared += (fast.values as Int8Array[])[0].length;
      }
      expect(compared).toBeGreaterThan(10_000);
    });
  }

  test("the compiler's scratch formula (src/compiler/runtime-scratch.ts) gives the runtime's scratch region", () => {
    const exe = buildHarness(false, ['EL_SINGLE_ROUNDING']); // el_rq is 24 bytes there, the size the formula assumes
    const exeDefault = buildHarness(false);
    let nonZero = 0;
    for (const c of CASES) {
      const sg = readTflite(c.model.model).subgraphs[0];
      const predicted = Math.max(
        0,
        ...sg.operators.map(
          (o) =>
            Math.ceil(
              runtimeScratchBytes(
                o.op,
                o.inputs.map((i) => sg.tensors[i]?.shape),
                o.outputs.map((i) => sg.tensors[i]?.shape),
                {
                  strideW: Number(o.options?.fields.strideW ?? 1) || 1,
                  dilationW: Number(o.options?.fields.dilationWFactor ?? 1) || 1,
                },
              ) / 16,
            ) * 16,
        ),
      );
      expect({ name: c.name, scratch: runC(exe, c.model.model, [c.input]).scratch }).toEqual({
        name: c.name,
        scratch: predicted,
      });
      expect(runC(exeDefault, c.model.model, [c.input]).scratch).toBeLessThanOrEqual(predicted);
      if (predicted > 0) nonZero++;
    }
    expect(nonZero).toBeGreaterThan(CASES.length / 2);
  });

  test('the rounding identities of the optimised ADD/SUB and MUL hold on every tie (test/runtime/c/requant_check.c)', () => {
    // Random models reach a rounding tie of ADD's output rescaling about once in 2^20 elements: checked directly.
    const dir = mkdtempSync(join(tmpdir(), 'el-requant-check-'));
    try {
      for (const [flavour, defines] of FLAVOURS) {
        const exe = join(dir, `requant_check-${flavour}`);
        execFileSync('gcc', [
          ...STRICT_FLAGS,
          '-O2',
          ...defines.map((d) => `-D${d}`),
          `-I${RUNTIME_DIR}`,
          join(__dirname, 'c/requant_check.c'),
          '-o',
          exe,
        ]);
        expect({ flavour, out: execFileSync(exe, { encoding: 'utf8' }) }).toEqual({
          flavour,
          out: expect.stringMatching(/^ok \d{8}/),
        });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('no read or write outside a tensor (ASan + UBSan build)', () => {
    const exe = buildHarness(true);
    for (const c of CASES.filter((_, i) => i % 2 === 0)) {
      const fast = runC(exe, c.model.model, [c.input]);
      expect({ name: c.name, status: fast.status }).toEqual({ name: c.name, status: 'ok' });
    }
  }, 300_000);
});

describe('optimised kernels equal the reference loops (QEMU Cortex-M4, DSP instructions)', () => {
  for (const [flavour] of FLAVOURS) {
    test(`${CASES.length} random layers, ${flavour} build`, () => {
      const elf = buildQemuRuntimeHarness(flavour);
      const results = runOnQemu(
        elf,
        CASES.map((c) => ({ model: c.model.model, input: new Uint8Array(c.input.buffer) })),
      );
      let faster = 0;
      results.forEach((r, i) => {
        expect({ name: CASES[i].name, status: r.status }).toEqual({ name: CASES[i].name, status: 'ok' });
        expect({ name: CASES[i].name, bytes: r.outFast!.toString('hex') }).toEqual({
          name: CASES[i].name,
          bytes: r.outRef!.toString('hex'),
        });
        if (r.fast! < r.ref!) faster++;
      });
      // The optimised path really ran (it executes fewer instructions than the reference loop on most shapes).
      expect(faster).toBeGreaterThan(CASES.length / 2);
    }, 300_000);
  }
});
