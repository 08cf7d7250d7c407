/**
 * `device run` end to end on real firmware: a compiled int8 MNIST model is loaded into a board (development
 * load), run on MNIST test images, and its int8 outputs are compared with the official TFLite runtime
 * (TfliteOracle) on the same int8 inputs.
 *
 * Tolerance: the firmware's default build rounds like TFLite's reference kernels (two roundings in the
 * fixed-point requantisation), while the oracle's optimised kernels (XNNPACK / ruy) round once, so an element
 * may differ by one quantisation step (docs/runtime.md, "Rounding"). Top-1 must be identical.
 * QEMU's UART is slow (~10 KB/s), so the QEMU board gets the smaller LeNet (69 KB); host-sim gets the MLP (115 KB).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Command } from 'commander';
import { register as registerDevice } from '../../src/cli/commands/device';
import { loadMnist } from '../../src/data/mnist';
import { writeNpy } from '../../src/data/npy';
import { DeviceClient } from '../../src/device/client';
import { EdgelockError } from '../../src/errors';
import { TfliteOracle } from '../../src/tflite/oracle';
import { removeRunRoot, startTestBoard, stopAllBoards } from './helpers';
import { compiledMnistModel } from './models';

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
  return Int8Array.from(m.images.subarray(index * n, (index + 1) * n), (v) => Math.max(-128, Math.min(127, Math.round(v / scale) + zeroPoint)));
}

const argmax = (a: ArrayLike<number>): number => Array.prototype.indexOf.call(a, Math.max(...Array.from(a)));

async function expectCode(p: Promise<unknown>, code: string): Promise<EdgelockError> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(EdgelockError);
  expect(e).toMatchObject({ code });
  return e as EdgelockError;
}

describe.each([
  ['host-sim', 'mnist-mlp'],
  ['qemu-mps2-an386', 'mnist-lenet'],
] as const)('board %s running %s', (boardName, modelName) => {
  let client: DeviceClient;
  let port = '';
  let oracle: TfliteOracle;
  let compiled: Awaited<ReturnType<typeof compiledMnistModel>>;

  beforeAll(async () => {
    compiled = await compiledMnistModel(modelName);
    const b = await startTestBoard(boardName);
    port = b.port;
    client = await DeviceClient.open(b.port);
    await client.loadModelDev(Buffer.from(compiled.bytes), 0);
    oracle = await TfliteOracle.load(compiled.bytes);
  }, 180_000);
  afterAll(async () => {
    oracle?.dispose();
    await client?.close();
  });

  test('MODEL_IO reports the compiled model\'s int8 input and output quantisation', async () => {
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
    if (boardName === 'qemu-mps2-an386') {
      // SysTick under -icount shift=0 (1 tick = 40 guest instructions); counts differ slightly per image (data-dependent branches)
      for (const c of cycles) expect(c).toBeGreaterThan(0);
    }
    console.log(`${boardName} ${modelName}: cycles per inference ${cycles.join(', ')}${boardName === 'host-sim' ? ' (host ns)' : ' (SysTick ticks, 1 per 40 guest instructions)'}`);
  });

  test('RUN errors: wrong input length, empty slot, no such slot', async () => {
    const io = await client.modelIo(0);
    await expectCode(client.run(0, new Int8Array(io.inputs[0].bytes - 1)), 'E_DEVICE_BAD_REQUEST');
    await expectCode(client.run(1, new Int8Array(io.inputs[0].bytes)), 'E_DEVICE_MODEL_EMPTY');
    await expectCode(client.run(2, new Int8Array(1)), 'E_DEVICE_BAD_REQUEST');
  });

  if (boardName === 'host-sim') {
    test('a slot holding bytes that are not a model: the load is refused, RUN reports the runtime\'s reason', async () => {
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
        const ref = oracle.run([{ data: Int32Array.from(mnistInt8(0, inp.scale!, inp.zeroPoint!)), shape: oracle.inputShapes[0], dtype: 'int8' }])[0].data;
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
        await expect(cli(['device', 'run', '--port', port, '--input', path.join(dir, 'short.npy')])).rejects.toMatchObject({ code: 'E_DATA_SHAPE' });
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
        client = await DeviceClient.open(port);
      }
    });
  }
});

/** Runs `edgelock <args>` against the device command handlers and returns what they printed. */
async function cli(args: string[]): Promise<string> {
  const program = new Command('edgelock').exitOverride();
  registerDevice(program);
  let out = '';
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    out += String(s);
    return true;
  });
  try {
    await program.parseAsync(args, { from: 'user' });
  } finally {
    spy.mockRestore();
  }
  return out;
}
