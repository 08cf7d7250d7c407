/**
 * `device run` end to end on real firmware, outputs compared with the official TFLite runtime (TfliteOracle)
 * on the same int8 inputs.
 *
 * 1. host-sim, default build, the int8 MNIST MLP: MODEL_IO, RUN on MNIST test images, RUN errors, a slot
 *    holding junk, the `device run` CLI. The default build rounds like TFLite's reference kernels and TFLite
 *    Micro (two roundings in the fixed-point requantisation) while the oracle's optimised kernels (XNNPACK /
 *    ruy) round once, so a value may differ by one quantisation step per operator (docs/runtime.md,
 *    "Bit-exactness"); for this three-layer model the outputs stay within one step and top-1 is identical.
 * 2. Every zoo model (models/ and models/pytorch/, int8 with int8 I/O, compiled and calibrated as
 *    `npm run bench -- compile` does) on ONE QEMU mps2-an386 boot of the firmware's single-rounding build
 *    (`-DEL_SINGLE_ROUNDING`, BUILD_FLAVOURS in src/board/build.ts): the models are loaded in turn into the
 *    two slots, each runs SAMPLES held-out inputs, and the int8 outputs must EQUAL the oracle's exactly.
 * 3. The same models on host-sim's default build: one-step differences per operator compound through deep
 *    models; the measured maximum is printed and bounded (DEFAULT_BUILD_MAX_STEPS), top-1 must agree.
 * QEMU's UART is not paced but slow (~10-20 KB/s of model upload), which dominates this file's time.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCommandsInProcess } from '../helpers/cli';
import { zooModels } from '../../src/zoo/models-dir';
import { register as registerDevice } from '../../src/cli/commands/device';
import { loadMnist } from '../../src/data/mnist';
import { writeNpy } from '../../src/data/npy';
import { DeviceClient } from '../../src/device/client';
import { EdgelockError } from '../../src/errors';
import { TfliteOracle } from '../../src/tflite/oracle';
import { startBoard } from '../../src/board';
import { DEV, freshStateDir, removeRunRoot, startTestBoard, stopAllBoards } from './helpers';
import { compiledMnistModel, compiledZooModel, int8Input, zooSamples } from './models';

const IMAGES = [0, 1, 2];
const TFLITE_INT8 = 9;

afterAll(async () => {
  await stopAllBoards();
  removeRunRoot();
});

/** Affine int8 quantisation of one MNIST test image (any rounding will do: both runtimes get the same bytes). */
function mnistInt8(index: number, scale: number, zeroPoint: number): Int8Array {
  const m = loadMnist('test');
  const n = m.shape[1] * m.shape[2] * m.shape[3];
  return Int8Array.from(m.images.subarray(index * n, (index + 1) * n), (v) =>
    Math.max(-128, Math.min(127, Math.round(v / scale) + zeroPoint)),
  );
}

const argmax = (a: ArrayLike<number>): number => Array.prototype.indexOf.call(a, Math.max(...Array.from(a)));

async function expectCode(p: Promise<unknown>, code: string): Promise<EdgelockError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(EdgelockError);
  expect(e).toMatchObject({ code });
  return e as EdgelockError;
}

describe.each([['host-sim', 'mnist-mlp']] as const)('board %s (default build) running %s', (boardName, modelName) => {
  let client: DeviceClient;
  let port = '';
  let oracle: TfliteOracle;
  let compiled: Awaited<ReturnType<typeof compiledMnistModel>>;

  beforeAll(async () => {
    compiled = await compiledMnistModel(modelName);
    const b = await startTestBoard(boardName, undefined, DEV);
    port = b.port;
    client = await DeviceClient.open(b.port);
    await client.loadModelDev(Buffer.from(compiled.bytes), 0);
    oracle = await TfliteOracle.load(compiled.bytes);
  }, 180_000);
  afterAll(async () => {
    oracle?.dispose();
    await client?.close();
  });

  test("MODEL_IO reports the compiled model's int8 input and output quantisation", async () => {
    const io = await client.modelIo(0);
    expect(io.inputs).toHaveLength(1);
    expect(io.outputs).toHaveLength(1);
    const [inp, out] = [io.inputs[0], io.outputs[0]];
    expect(inp.type).toBe(TFLITE_INT8);
    expect(inp.shape).toEqual(oracle.inputShapes[0]);
    expect(out.shape).toEqual(oracle.outputShapes[0]);
    expect(inp.scale).toBeCloseTo(compiled.summary.inputs[0].scale!, 6);
    expect(inp.zeroPoint).toBe(compiled.summary.inputs[0].zeroPoint);
    expect(out.scale).toBeCloseTo(compiled.summary.outputs[0].scale!, 6);
    expect(out.zeroPoint).toBe(compiled.summary.outputs[0].zeroPoint);
  });

  test('RUN on 3 MNIST test images: int8 outputs within one step of the TFLite runtime, same top-1', async () => {
    const io = await client.modelIo(0);
    const cycles: number[] = [];
    for (const i of IMAGES) {
      const x = mnistInt8(i, io.inputs[0].scale, io.inputs[0].zeroPoint);
      const r = await client.run(0, x);
      expect(r.outputs).toHaveLength(1);
      const dev = r.outputs[0].int8;
      const ref = oracle.run([{ data: Int32Array.from(x), shape: oracle.inputShapes[0], dtype: 'int8' }])[0].data;
      expect(dev.length).toBe(ref.length);
      const maxDiff = Math.max(...Array.from(dev, (v, k) => Math.abs(v - ref[k])));
      expect(maxDiff).toBeLessThanOrEqual(1);
      expect(argmax(dev)).toBe(argmax(ref));
      cycles.push(r.cycles);
    }
    for (const c of cycles) expect(c).toBeGreaterThan(0);
    console.log(`${boardName} ${modelName}: cycles per inference ${cycles.join(', ')} (host ns)`);
  });

  test('RUN errors: wrong input length, empty slot, no such slot', async () => {
    const io = await client.modelIo(0);
    await expectCode(client.run(0, new Int8Array(io.inputs[0].bytes - 1)), 'E_DEVICE_BAD_REQUEST');
    await expectCode(client.run(1, new Int8Array(io.inputs[0].bytes)), 'E_DEVICE_MODEL_EMPTY');
    await expectCode(client.run(2, new Int8Array(1)), 'E_DEVICE_BAD_REQUEST');
  });

  test("a slot holding bytes that are not a model: the load is refused, RUN reports the runtime's reason", async () => {
    const junk = Buffer.alloc(2048, 0x5a);
    await expectCode(client.loadModelDev(junk, 1), 'E_DEVICE_MODEL_INVALID');
    const e = await expectCode(client.run(1, new Int8Array(4)), 'E_DEVICE_MODEL_EMPTY');
    expect(e.message).toMatch(/; runtime status .+ \(\d+\)$/);
  });

  test('CLI: edgelock device run --input <float32 .npy> --json, and the text output', async () => {
    const m = loadMnist('test');
    const n = m.shape[1] * m.shape[2] * m.shape[3];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'el-run-'));
    await client.close(); // one host process per serial port: the CLI opens its own
    try {
      const file = path.join(dir, 'x.npy');
      writeNpy(file, { dtype: 'float32', shape: [1, 1, 28, 28], data: m.images.slice(0, n) });
      const out = JSON.parse(await cli(['device', 'run', '--port', port, '--input', file, '--json']));
      const inp = compiled.summary.inputs[0];
      const ref = oracle.run([
        {
          data: Int32Array.from(mnistInt8(0, inp.scale!, inp.zeroPoint!)),
          shape: oracle.inputShapes[0],
          dtype: 'int8',
        },
      ])[0].data;
      expect(out.outputs).toHaveLength(1);
      const o = out.outputs[0];
      expect(o.shape).toEqual(oracle.outputShapes[0]);
      expect(Math.max(...o.int8.map((v: number, k: number) => Math.abs(v - ref[k])))).toBeLessThanOrEqual(1);
      o.values.forEach((v: number, k: number) => expect(v).toBeCloseTo((o.int8[k] - o.zeroPoint) * o.scale, 6));
      expect(argmax(o.values)).toBe(m.labels[0]);
      expect(out.cycles).toBeGreaterThan(0);
      const text = await cli(['device', 'run', '--port', port, '--input', file]);
      expect(text).toContain(`int8    ${o.int8.join(' ')}`);
      expect(text).toMatch(/cycles\s+\d+/);
      writeNpy(path.join(dir, 'short.npy'), { dtype: 'float32', shape: [10], data: new Float32Array(10) });
      await expect(
        cli(['device', 'run', '--port', port, '--input', path.join(dir, 'short.npy')]),
      ).rejects.toMatchObject({ code: 'E_DATA_SHAPE' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      client = await DeviceClient.open(port);
    }
  });
});

const ZOO = zooModels();
/** Held-out inputs per zoo model. */
const SAMPLES = 3;
/**
 * Whole-model bound for the default build, in output quantisation steps: each operator is within one step of
 * the oracle's single-rounding kernels; through deep models the differences compound (measured maxima printed;
 * 2 steps on cifar-resnet8 with the zoo of 2026-11-25, 1 on kws-dscnn and mnist-lenet, 0 on the others).
 */
const DEFAULT_BUILD_MAX_STEPS = 3;

interface ZooCase {
  name: string;
  bytes: Uint8Array;
  input: { shape: number[]; scale: number; zeroPoint: number };
  output: { shape: number[]; scale: number; zeroPoint: number };
  inputs: Int8Array[];
  /** the TFLite runtime's int8 outputs for `inputs` */
  expected: Int32Array[];
}

let zooCasesPromise: Promise<ZooCase[]> | undefined;

/** Every zoo model compiled as the bench does, its held-out int8 inputs and the oracle's outputs (computed once). */
function zooCases(): Promise<ZooCase[]> {
  zooCasesPromise ??= (async () => {
    const out: ZooCase[] = [];
    for (const z of ZOO) {
      const c = await compiledZooModel(z);
      const [inp, outp] = [c.summary.inputs[0], c.summary.outputs[0]];
      const samples = zooSamples(z, SAMPLES);
      const inputs = Array.from({ length: SAMPLES }, (_v, i) => int8Input(samples, i, inp));
      const oracle = await TfliteOracle.load(c.bytes);
      try {
        const expected = inputs.map((x) =>
          Int32Array.from(oracle.run([{ data: Int32Array.from(x), shape: inp.shape, dtype: 'int8' }])[0].data),
        );
        out.push({
          name: z.name,
          bytes: c.bytes,
          input: { shape: inp.shape, scale: inp.scale!, zeroPoint: inp.zeroPoint! },
          output: { shape: outp.shape, scale: outp.scale!, zeroPoint: outp.zeroPoint! },
          inputs,
          expected,
        });
      } finally {
        oracle.dispose();
      }
    }
    return out;
  })();
  return zooCasesPromise;
}

test('the zoo is there: every model in models/ and models/pytorch/ is run below', () => {
  expect(ZOO.length).toBeGreaterThanOrEqual(6);
});

describe.each([
  ['qemu-mps2-an386', 'single-rounding'],
  ['qemu-mps2-an505', 'single-rounding'],
  ['host-sim', 'default'],
] as const)('every zoo model on %s (%s build) against the TFLite runtime', (boardName, flavour) => {
  let client: DeviceClient;
  let cases: ZooCase[];
  const report: string[] = [];
  let t0 = 0;

  beforeAll(async () => {
    const c0 = Date.now();
    cases = await zooCases();
    report.push(
      `(zoo compiled and run in the oracle: ${((Date.now() - c0) / 1000).toFixed(1)} s, shared by both boards)`,
    );
    t0 = Date.now();
    const b = await startBoard({
      board: boardName,
      stateDir: freshStateDir(`${boardName}-${flavour}`),
      flavour: `${flavour},${DEV}`,
    });
    client = await DeviceClient.open(b.port);
  }, 300_000);
  afterAll(async () => {
    await client?.close();
    console.log(
      `${boardName} (${flavour} build): build if needed, boot, ${ZOO.length} zoo models × ${SAMPLES} inputs ` +
        `in ${((Date.now() - t0) / 1000).toFixed(1)} s:\n  ${report.join('\n  ')}`,
    );
  });

  test.each(ZOO.map((z, i) => [z.name, i] as const))(
    '%s',
    async (_name, i) => {
      const c = cases[i];
      const slot = i % 2; // models take turns in the two slots; a load replaces the slot's previous model
      const l0 = Date.now();
      await client.loadModelDev(Buffer.from(c.bytes), slot);
      const loadMs = Date.now() - l0;
      const io = await client.modelIo(slot);
      expect(io.inputs).toHaveLength(1);
      expect(io.outputs).toHaveLength(1);
      expect(io.inputs[0]).toMatchObject({ type: TFLITE_INT8, shape: c.input.shape, zeroPoint: c.input.zeroPoint });
      expect(io.outputs[0]).toMatchObject({ type: TFLITE_INT8, shape: c.output.shape, zeroPoint: c.output.zeroPoint });
      expect(io.inputs[0].scale).toBeCloseTo(c.input.scale, 6);
      expect(io.outputs[0].scale).toBeCloseTo(c.output.scale, 6);
      let differing = 0;
      let maxDiff = 0;
      let top1 = 0;
      const cycles: number[] = [];
      for (let s = 0; s < SAMPLES; s++) {
        const r = await client.run(slot, c.inputs[s]);
        expect(r.outputs).toHaveLength(1);
        const dev = Array.from(r.outputs[0].int8);
        const ref = Array.from(c.expected[s]);
        expect(dev).toHaveLength(ref.length);
        if (flavour === 'single-rounding') expect(dev).toEqual(ref); // bit-exact with the TFLite runtime
        dev.forEach((v, k) => {
          if (v !== ref[k]) differing++;
          maxDiff = Math.max(maxDiff, Math.abs(v - ref[k]));
        });
        if (argmax(dev) === argmax(ref)) top1++;
        expect(r.cycles).toBeGreaterThan(0);
        cycles.push(r.cycles);
      }
      expect(maxDiff).toBeLessThanOrEqual(DEFAULT_BUILD_MAX_STEPS);
      const unit =
        boardName === 'host-sim'
          ? 'host ns'
          : `SysTick ticks of ${boardName === 'qemu-mps2-an505' ? 50 : 40} instructions`;
      report.push(
        `${c.name}: ${c.bytes.length} B loaded into slot ${slot} in ${loadMs} ` +
          `ms; ${differing}/${SAMPLES * c.expected[0].length} outputs differ from the oracle (max ${maxDiff} ` +
          `step), top-1 agrees ${top1}/${SAMPLES}; ${cycles.join(', ')} ${unit}`,
      );
    },
    120_000,
  );
});

/** Runs `edgelock <args>` against the device command handlers and returns what they printed. */
function cli(args: string[]): Promise<string> {
  return runCommandsInProcess([registerDevice], args);
}
