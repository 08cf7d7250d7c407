/**
 * The optimised int8 kernels (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, same-shape ADD/SUB, MAX_POOL_2D, PAD:
 * firmware-tools/runtime/kernels/) against
 * the reference loops of the same build, selected at run time (el_model_use_reference_kernels / el_run
 * --reference): on seeded random shapes, strides, paddings, dilations, zero points (the whole int8 range),
 * per-tensor and per-channel weights, with and without bias, fused activations, every output byte must be
 * identical, in both build flavours (default and -DEL_SINGLE_ROUNDING), on the host (the portable C
 * fallback; also under ASan/UBSan, which catches any read outside a tensor) and on QEMU's Cortex-M4 (the DSP
 * instructions: SXTB16, SMLAD, SADD16, SMLABB/SMLATT).
 */
import { buildQemuRuntimeHarness, runOnQemu } from '../../src/bench/qemu-runtime';
import { runtimeScratchBytes } from '../../src/compiler/runtime-scratch';
import { readTflite } from '../../src/tflite/reader';
import { buildHarness, runC } from './harness';
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
    const dm = depthwise && r() < 0.2 ? 2 : 1;
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

function randomElementwiseCases(seed: number, count: number): KernelCase[] {
  const r = M.rng(seed);
  return Array.from({ length: count }, (_, i) => {
    const shape = [1, M.randInt(r, 1, 20), M.randInt(r, 1, 20), M.randInt(r, 1, 13)];
    if (i % 3 === 0) {
      // same-shape ADD/SUB; the optimised path takes 1024 elements or more
      shape[1] = M.randInt(r, 8, 20);
      shape[2] = M.randInt(r, 8, 20);
      const op = i % 2 === 0 ? 'ADD' : 'SUB';
      const model = M.binary(3000 + i, op, shape, shape, [0, 1, 3][M.randInt(r, 0, 2)]);
      return { name: `${op} ${shape.join('x')}`, model, input: M.randomInt8(r, 2 * M.count(shape)) };
    }
    const k: [number, number] = [M.randInt(r, 1, 4), M.randInt(r, 1, 4)];
    const stride: [number, number] = [M.randInt(r, 1, 3), M.randInt(r, 1, 3)];
    const padding = r() < 0.5 || k[0] > shape[1] || k[1] > shape[2] ? 'SAME' : 'VALID';
    const model = M.pool(3000 + i, 'MAX_POOL_2D', shape, k, stride, padding, [0, 1, 3][M.randInt(r, 0, 2)]);
    return {
      name: `MAX_POOL_2D ${shape.join('x')} k ${k.join('x')} s ${stride.join('x')} ${padding}`,
      model,
      input: M.randomInt8(r, M.count(shape)),
    };
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
  ...randomElementwiseCases(17, 30),
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
