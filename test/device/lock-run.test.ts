/**
 * Locked models on real firmware (issue #5, device side): a zoo model is locked to one board's device key
 * (`lockModel` + `compileLocked`, what `edgelock lock --device-uid` and `edgelock compile --int8 --key --device-uid` run),
 * packaged for that board, flashed, and run. The firmware reads the descriptor in place, computes the model's binding
 * hash, derives the lock key inside its key store, checks the key id and unseals the weights into RAM
 * (firmware-tools/runtime/el_lock_unseal.c). A development upload of the same locked model never runs.
 *
 * References nobody here wrote: the official TFLite runtime on the unlocked model (within one quantisation step, the
 * rounding note in test/device/run.test.ts), and the same firmware running the plain int8 compile of the same model in
 * another slot (bit-exact: same kernels, same constants once unsealed).
 *
 * Refusals: no key provisioned -> no package is taken (E_DEVICE_KEY_EMPTY); a development upload of the locked model ->
 * E_LOCK_NOT_PACKAGED, before and after provisioning; another device (its own key from the same master, the model in an
 * authentic package for that device) -> E_LOCK_KEY_MISMATCH; no output in any case.
 * On QEMU the RUN cycle count (SysTick under -icount shift=0: 40 guest instructions per tick) of the locked model is
 * compared with the plain one: the unseal happens at load, so inference work must not grow (issue bound: +3%).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CompileOptions, compileModel } from '../../src/compiler/compile';
import { loadMnist } from '../../src/data/mnist';
import { writeNpy } from '../../src/data/npy';
import { DeviceClient } from '../../src/device/client';
import { EdgelockError } from '../../src/errors';
import { deriveDeviceKey } from '../../src/keys/derive';
import { flashPackage } from '../../src/factory/flash';
import { compileLocked } from '../../src/lock/compile-locked';
import { buildPackage } from '../../src/package/build';
import { KeyMaterial } from '../../src/lock/key-material';
import { lockModel, unlockModel } from '../../src/lock/lock-model';
import { readTfliteDescriptor, unsealTflite } from '../../src/lock/tflite-lock';
import { readOnnx, writeOnnx } from '../../src/onnx';
import { TfliteOracle } from '../../src/tflite/oracle';
import { readTflite } from '../../src/tflite/reader';
import { NodeSpec, graphModel } from '../helpers/build';
import { Tensor } from '../../src/ir/types';
import { packageArgs, runCli } from '../helpers/cli';
import { mnistInt8Options } from './models';
import { DEV, removeRunRoot, startTestBoard, stopAllBoards } from './helpers';

const ROOT = path.resolve(__dirname, '../..');
const MASTER = Buffer.from('6c6f636b2d6f6e2d626f6172642d6d61737465722d6b65792d33322d62797465', 'hex');
const IMAGES = [0, 1, 2, 3];
/** Unseal RAM per slot in the firmware (EL_LOCK_RAM_BYTES, el_lock_unseal.h). */
const LOCK_RAM_BYTES = 128 * 1024;

type ModelName = 'mnist-mlp' | 'mnist-lenet';

afterAll(async () => {
  await stopAllBoards();
  removeRunRoot();
});

const compileOptions = (): CompileOptions => mnistInt8Options(8);

/** The model locked to `material`'s device with `scheme`, compiled to int8, and the plain int8 compile of the same weights. */
async function lockedAndPlain(
  name: ModelName,
  material: KeyMaterial,
  scheme: string,
): Promise<{ locked: Uint8Array; plain: Uint8Array }> {
  const onnx = readOnnx(fs.readFileSync(path.join(ROOT, 'models', `${name}.onnx`)));
  const lockedOnnx = writeOnnx(lockModel(onnx, material, { binding: 'device', scheme }).model);
  const locked = await compileLocked(lockedOnnx, material, compileOptions());
  const plain = await compileModel(writeOnnx(unlockModel(readOnnx(lockedOnnx), material)), compileOptions());
  return { locked: locked.bytes, plain: plain.bytes };
}

function mnistInt8(index: number, scale: number, zeroPoint: number): Int8Array {
  const m = loadMnist('test');
  const n = 784;
  return Int8Array.from(m.images.subarray(index * n, (index + 1) * n), (v) =>
    Math.max(-128, Math.min(127, Math.round(v / scale) + zeroPoint)),
  );
}

async function expectCode(p: Promise<unknown>, code: string): Promise<void> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(EdgelockError);
  expect(e).toMatchObject({ code });
}

/** RAM the firmware needs to unseal a locked model: every sealed tensor rounded up to 16 bytes. */
function unsealRam(locked: Uint8Array): number {
  const d = readTfliteDescriptor(locked)!;
  const info = readTflite(locked);
  return d.entries.reduce(
    (n, e) => n + Math.ceil(info.buffers[info.subgraphs[0].tensors[e.tensor].buffer].size / 16) * 16,
    0,
  );
}

/** The locked model in a package for the board of `uid` (what `edgelock package --device-uid` writes). */
function packageFor(locked: Uint8Array, uid: Uint8Array): Buffer {
  return buildPackage(locked, { master: MASTER, deviceUid: uid, version: '1.0.0', securityCounter: 1 }).bytes;
}

/**
 * Flashes the locked model's package (it becomes the active slot) and uploads the plain one into the other slot, and
 * runs IMAGES on both: bit-exact between the two, within one step of the TFLite runtime on the plain model. Returns
 * the RUN cycles (locked, plain) per image.
 */
async function compareOnBoard(
  client: DeviceClient,
  m: { locked: Uint8Array; plain: Uint8Array },
): Promise<{ locked: number[]; plain: number[] }> {
  const s = (await flashPackage(client, packageFor(m.locked, Buffer.from((await client.info()).uid, 'hex')))).slot;
  const p = 1 - s;
  await client.loadModelDev(Buffer.from(m.plain), p);
  const oracle = await TfliteOracle.load(m.plain);
  const cycles = { locked: [] as number[], plain: [] as number[] };
  try {
    const io = await client.modelIo(s);
    expect(await client.modelIo(p)).toEqual(io);
    for (const i of IMAGES) {
      const x = mnistInt8(i, io.inputs[0].scale, io.inputs[0].zeroPoint);
      const a = await client.run(s, x);
      const b = await client.run(p, x);
      expect(Array.from(a.outputs[0].int8)).toEqual(Array.from(b.outputs[0].int8));
      const ref = oracle.run([{ data: Int32Array.from(x), shape: oracle.inputShapes[0], dtype: 'int8' }])[0].data;
      const dev = a.outputs[0].int8;
      expect(dev.length).toBe(ref.length);
      expect(Math.max(...Array.from(dev, (v, k) => Math.abs(v - ref[k])))).toBeLessThanOrEqual(1);
      cycles.locked.push(a.cycles);
      cycles.plain.push(b.cycles);
    }
  } finally {
    oracle.dispose();
  }
  return cycles;
}

describe.each([
  ['host-sim', ['mnist-mlp', 'mnist-lenet'] as ModelName[]],
  ['qemu-mps2-an386', ['mnist-mlp', 'mnist-lenet'] as ModelName[]],
  ['qemu-mps2-an505', ['mnist-mlp', 'mnist-lenet'] as ModelName[]],
] as const)('locked models on %s', (boardName, models) => {
  let client: DeviceClient;
  let other: DeviceClient;
  let material: KeyMaterial;
  let otherKey: Buffer;
  const built = new Map<string, { locked: Uint8Array; plain: Uint8Array }>();

  beforeAll(async () => {
    // development flavour: the plain reference model goes into the other slot by development upload
    const [a, b] = await Promise.all([
      startTestBoard(boardName, undefined, DEV),
      startTestBoard(boardName, undefined, DEV),
    ]);
    client = await DeviceClient.open(a.port);
    other = await DeviceClient.open(b.port);
    const uid = Buffer.from((await client.info()).uid, 'hex');
    otherKey = deriveDeviceKey(MASTER, Buffer.from((await other.info()).uid, 'hex'));
    material = { master: MASTER, deviceUid: uid };
    for (const name of models) built.set(name, await lockedAndPlain(name, material, 'seal'));
  }, 240_000);
  afterAll(async () => {
    await client?.close();
    await other?.close();
  });

  test(
    `${models[0]}: a development upload never runs (E_LOCK_NOT_PACKAGED); no key -> no package; provisioned, ` +
      `the package runs bit-exact with the plain model`,
    async () => {
      const m = built.get(models[0])!;
      expect(unsealRam(m.locked)).toBeLessThanOrEqual(LOCK_RAM_BYTES);
      await client.loadModelDev(Buffer.from(m.locked), 0); // the load itself succeeds (the descriptor is well formed)
      await expectCode(client.run(0, new Int8Array(784)), 'E_LOCK_NOT_PACKAGED');
      await expectCode(client.modelIo(0), 'E_LOCK_NOT_PACKAGED');
      await expectCode(flashPackage(client, packageFor(m.locked, material.deviceUid!)), 'E_DEVICE_KEY_EMPTY');
      await client.keyWrite(deriveDeviceKey(material.master, material.deviceUid!));
      await expectCode(client.run(0, new Int8Array(784)), 'E_LOCK_NOT_PACKAGED'); // the key is there; still no unseal
      const cycles = await compareOnBoard(client, m);
      if (boardName !== 'host-sim') {
        // deterministic instruction counts: the locked model does the same work per inference as the plain one
        cycles.locked.forEach((c, k) => expect(c).toBeLessThanOrEqual(cycles.plain[k] * 1.03));
      }
      console.log(
        `${boardName} ${models[0]} seal: unseal RAM ${unsealRam(m.locked)} B; RUN cycles ` +
          `locked ${cycles.locked.join(', ')} | plain ${cycles.plain.join(', ')}` +
          (boardName === 'host-sim'
            ? ' (host ns)'
            : ` (SysTick ticks = ${boardName === 'qemu-mps2-an505' ? 50 : 40} instructions)`),
      );
    },
    180_000,
  );

  test(`${models[1]}: locked vs plain on the same board`, async () => {
    const m = built.get(models[1])!;
    const cycles = await compareOnBoard(client, m);
    if (boardName !== 'host-sim')
      cycles.locked.forEach((c, k) => expect(c).toBeLessThanOrEqual(cycles.plain[k] * 1.03));
    console.log(
      `${boardName} ${models[1]} seal: unseal RAM ${unsealRam(m.locked)} B; RUN cycles locked ${cycles.locked.join(', ')} | plain ${cycles.plain.join(', ')}`,
    );
  }, 180_000);

  test('another device (its own key from the same master) refuses the model: E_LOCK_KEY_MISMATCH, no output', async () => {
    const m = built.get('mnist-lenet') ?? built.get(models[0])!;
    await other.keyWrite(otherKey);
    // an authentic package for the other board (the vendor's mistake, or a replay of the model into it)
    const slot = (await flashPackage(other, packageFor(m.locked, Buffer.from((await other.info()).uid, 'hex')))).slot;
    await expectCode(other.run(slot, new Int8Array(784)), 'E_LOCK_KEY_MISMATCH');
    await expectCode(other.run(slot, new Int8Array(784)), 'E_LOCK_KEY_MISMATCH'); // and stays refused
  }, 120_000);

  if (boardName !== 'qemu-mps2-an386') {
    test(`streaming mode: sealed tensors summing to more than the unseal RAM (${LOCK_RAM_BYTES} B) run, bit-exact with the plain compile`, async () => {
      // 784 -> 96 -> 512 -> 16: 132,608 int8 weights + int32 biases, more than EL_LOCK_RAM_BYTES in total, while the
      // largest operator's sealed inputs (75,264 + 384 B) fit: the firmware restores them operator by operator.
      const dims = [784, 96, 512, 16];
      let seed = 7;
      const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32 - 0.5) * 0.2;
      const initializers: Record<string, Tensor> = {};
      const nodes: NodeSpec[] = [];
      for (let l = 0; l < 3; l++) {
        const [k, n] = [dims[l], dims[l + 1]];
        initializers[`w${l}`] = { dtype: 'float32', shape: [k, n], data: Float32Array.from({ length: k * n }, rnd) };
        initializers[`b${l}`] = { dtype: 'float32', shape: [n], data: Float32Array.from({ length: n }, rnd) };
        nodes.push({
          op: 'Gemm',
          inputs: [l === 0 ? 'x' : `r${l - 1}`, `w${l}`, `b${l}`],
          outputs: [l === 2 ? 'y' : `h${l}`],
        });
        if (l < 2) nodes.push({ op: 'Relu', inputs: [`h${l}`], outputs: [`r${l}`] });
      }
      const big = graphModel({
        inputs: [{ name: 'x', shape: [1, 784] }],
        initializers,
        nodes,
        outputs: [{ name: 'y', shape: [1, 16] }],
      });
      const lockedOnnx = writeOnnx(lockModel(big, material, { binding: 'device' }).model);
      const base = compileOptions();
      const opts: CompileOptions = { ...base, calibration: { ...base.calibration!, sampleShape: [784] } };
      const locked = (await compileLocked(lockedOnnx, material, opts)).bytes;
      const plain = (await compileModel(writeOnnx(unlockModel(readOnnx(lockedOnnx), material)), opts)).bytes;
      expect(unsealRam(locked)).toBeGreaterThan(LOCK_RAM_BYTES);
      await client.keyWrite(deriveDeviceKey(material.master, material.deviceUid!)); // written or unchanged
      const cycles = await compareOnBoard(client, { locked, plain });
      console.log(
        `${boardName} streaming: ${unsealRam(locked)} sealed bytes (> ${LOCK_RAM_BYTES}); RUN cycles ` +
          `locked ${cycles.locked.join(', ')} | plain ${cycles.plain.join(', ')}`,
      );
    }, 180_000);
  }

  if (boardName === 'host-sim') {
    test('hpnn-locked MLP (key-bit negation of hidden units) runs bit-exact with its plain compile', async () => {
      await compareOnBoard(client, await lockedAndPlain('mnist-mlp', material, 'hpnn'));
    }, 120_000);

    test('after a reset the board unseals the stored model again at boot', async () => {
      const m = built.get(models[0])!;
      const slot = (await flashPackage(client, packageFor(m.locked, material.deviceUid!))).slot;
      const io = await client.modelIo(slot);
      const x = mnistInt8(0, io.inputs[0].scale, io.inputs[0].zeroPoint);
      const before = await client.run(slot, x);
      await client.reset();
      const after = await client.run(slot, x);
      expect(Array.from(after.outputs[0].int8)).toEqual(Array.from(before.outputs[0].int8));
    }, 60_000);

    test(`sealed tensors larger than the unseal RAM (${LOCK_RAM_BYTES} B): the load is refused, RUN answers E_DEVICE_LOCK_RAM`, async () => {
      // one Gemm 784 -> 200: 156,800 int8 weights, more than EL_LOCK_RAM_BYTES
      const [k, n] = [784, 200];
      let seed = 1;
      const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32 - 0.5;
      const big = graphModel({
        inputs: [{ name: 'x', shape: [1, k] }],
        initializers: {
          w: { dtype: 'float32', shape: [k, n], data: Float32Array.from({ length: k * n }, rnd) },
          b: { dtype: 'float32', shape: [n], data: Float32Array.from({ length: n }, rnd) },
        },
        nodes: [{ op: 'Gemm', inputs: ['x', 'w', 'b'], outputs: ['y'] }],
        outputs: [{ name: 'y', shape: [1, n] }],
      });
      const lockedOnnx = writeOnnx(lockModel(big, material, { binding: 'device' }).model);
      const calibration = { data: Float32Array.from({ length: 8 * k }, rnd), count: 8, sampleShape: [k] };
      const locked = await compileLocked(lockedOnnx, material, { precision: 'int8', io: 'int8', calibration });
      expect(unsealRam(locked.bytes)).toBeGreaterThan(LOCK_RAM_BYTES);
      await expectCode(client.loadModelDev(Buffer.from(locked.bytes), 1), 'E_DEVICE_MODEL_INVALID');
      await expectCode(client.run(1, new Int8Array(k)), 'E_DEVICE_LOCK_RAM');
    }, 60_000);

    test('a descriptor that names a tensor the model does not have: the load is refused, RUN says why', async () => {
      const m = built.get(models[0])!;
      const bad = Buffer.from(m.locked);
      const d = readTfliteDescriptor(bad)!;
      const info = readTflite(bad);
      const md = info.metadata.find((e) => e.name === 'edgelock.lock')!;
      const at = info.buffers[md.buffer].dataOffset! + 44; // first entry's tensor index
      expect(bad.readUInt32LE(at)).toBe(d.entries[0].tensor);
      bad.writeUInt32LE(100000, at);
      await expectCode(client.loadModelDev(bad, 1), 'E_DEVICE_MODEL_INVALID');
      await expectCode(client.run(1, new Int8Array(784)), 'E_LOCK_DESCRIPTOR');
    }, 60_000);

    test('a version-1 descriptor (a lock not bound to its model) is refused at load', async () => {
      const v1 = Buffer.from(built.get(models[0])!.locked);
      const info = readTflite(v1);
      const at = info.buffers[info.metadata.find((e) => e.name === 'edgelock.lock')!.buffer].dataOffset! + 4;
      expect(v1[at]).toBe(2);
      v1[at] = 1;
      await expectCode(client.loadModelDev(v1, 1), 'E_DEVICE_MODEL_INVALID');
      await expectCode(client.run(1, new Int8Array(784)), 'E_LOCK_DESCRIPTOR');
    }, 60_000);
  }
});

/** The user's path on host-sim: `edgelock lock`, `edgelock compile --int8 --key --device-uid`, `package`, `flash`, `device run`. */
describe('CLI on host-sim: lock + compile for one board, device run there and on another board', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'el-lock-cli-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test(
    'the owner board runs it (within one step of the TFLite runtime on the unlocked model); another board: ' +
      'error E_LOCK_KEY_MISMATCH, no output',
    async () => {
      const [a, b] = await Promise.all([startTestBoard('host-sim'), startTestBoard('host-sim')]);
      const key = path.join(dir, 'master.key');
      expect(runCli(['keygen', '-o', key]).status).toBe(0);
      const master = fs.readFileSync(key);
      const uid = JSON.parse(runCli(['device', 'info', '--port', a.port, '--json']).stdout).uid as string;
      const otherUid = JSON.parse(runCli(['device', 'info', '--port', b.port, '--json']).stdout).uid as string;
      for (const [port, u] of [
        [a.port, uid],
        [b.port, otherUid],
      ]) {
        const c = await DeviceClient.open(port);
        await c.keyWrite(deriveDeviceKey(master, Buffer.from(u, 'hex'))); // what `edgelock provision` writes
        await c.close();
      }
      const m = loadMnist('test');
      writeNpy(path.join(dir, 'calib.npy'), {
        dtype: 'float32',
        shape: [8, 1, 28, 28],
        data: m.images.slice(0, 8 * 784),
      });
      writeNpy(path.join(dir, 'x.npy'), { dtype: 'float32', shape: [1, 1, 28, 28], data: m.images.slice(0, 784) });
      const lockedOnnx = path.join(dir, 'mlp.locked.onnx');
      const tfl = path.join(dir, 'mlp.locked.tflite');
      expect(
        runCli([
          'lock',
          path.join(ROOT, 'models', 'mnist-mlp.onnx'),
          '-o',
          lockedOnnx,
          '--key',
          key,
          '--device-uid',
          uid,
        ]).status,
      ).toBe(0);
      const compiled = runCli([
        'compile',
        lockedOnnx,
        '-o',
        tfl,
        '--int8',
        '--calib',
        path.join(dir, 'calib.npy'),
        '--key',
        key,
        '--device-uid',
        uid,
      ]);
      expect(compiled.stderr).toBe('');
      expect(compiled.status).toBe(0);
      for (const [port, u] of [
        [a.port, uid],
        [b.port, otherUid],
      ]) {
        const elp = path.join(dir, `${u}.elp`);
        expect(runCli([...packageArgs(tfl, elp, key, u)]).status).toBe(0);
        expect(runCli(['flash', '--port', port, elp]).status).toBe(0);
      }

      const ok = runCli(['device', 'run', '--port', a.port, '--input', path.join(dir, 'x.npy'), '--json']);
      expect(ok.status).toBe(0);
      const dev = JSON.parse(ok.stdout).outputs[0].int8 as number[];
      const unlocked = unsealTflite(fs.readFileSync(tfl), { master, deviceUid: Buffer.from(uid, 'hex') });
      const oracle = await TfliteOracle.load(unlocked);
      try {
        const io = readTflite(unlocked).subgraphs[0];
        const inQ = io.tensors[io.inputs[0]].quantization!;
        const x = mnistInt8(0, inQ.scale[0], inQ.zeroPoint[0]);
        const ref = oracle.run([{ data: Int32Array.from(x), shape: oracle.inputShapes[0], dtype: 'int8' }])[0].data;
        expect(dev.length).toBe(ref.length);
        expect(Math.max(...dev.map((v, k) => Math.abs(v - ref[k])))).toBeLessThanOrEqual(1);
        expect(dev.indexOf(Math.max(...dev))).toBe(m.labels[0]);
      } finally {
        oracle.dispose();
      }

      const refused = runCli(['device', 'run', '--port', b.port, '--input', path.join(dir, 'x.npy'), '--json']);
      expect(refused.status).not.toBe(0);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toMatch(/^error E_LOCK_KEY_MISMATCH: /);
      expect(refused.stderr).not.toMatch(/\n\s+at /); // no stack trace
    },
    180_000,
  );
});
