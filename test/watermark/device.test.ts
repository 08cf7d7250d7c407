/**
 * The watermark check on real firmware (issue #6): the int8 .tflite of the watermarked zoo LeNet
 * (test/watermark/fixtures, made by docs/watermark.md's robustness run) is loaded into a board; the host sends the
 * owner signature, the public parameters and the 100 unstamped MNIST base samples (WATERMARK_BEGIN/BASES); the
 * firmware regenerates the stamp in C, stamps, runs the model and answers the labels.
 *
 * Reference: the official TFLite runtime (TfliteOracle) on the triggers the host stamps with src/watermark.
 * The board's labels must equal the runtime's. Should one differ, the documented rounding rule applies (the
 * firmware rounds like TFLite's reference kernels, the runtime's optimised kernels may differ by one output step,
 * docs/runtime.md): the board's label must then be within one step of the runtime's top logit; the count of such
 * labels is printed and must stay tiny. Owner: p <= 1e-9; another owner id on the same board: p > 1e-3.
 * Null rate 1/C = 0.1: the calibrated null of the robustness run (docs/watermark.md) is that floor.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadDataset } from '../../src/data/dataset';
import { DeviceClient } from '../../src/device/client';
import { EdgelockError } from '../../src/errors';
import { nchwToNhwc, quantizeAffine } from '../../src/tflite/affine';
import { TfliteOracle } from '../../src/tflite/oracle';
import { readTflite } from '../../src/tflite/reader';
import { DeviceTriggerPort, verifyOnDevice } from '../../src/watermark/device';
import { ENCODING_F32, protocolTriggerPort, tableEncoding } from '../../src/watermark/device-protocol';
import { recordFromTflite } from '../../src/watermark/metadata';
import { TriggerParams } from '../../src/watermark/params';
import { ownerSignature } from '../../src/watermark/signature';
import { stamp, triggerPlan } from '../../src/watermark/triggers';
import { compileModel } from '../../src/compiler/compile';
import { deriveDeviceKey } from '../../src/keys/derive';
import { compileLocked } from '../../src/lock/compile-locked';
import { flashPackage } from '../../src/factory/flash';
import { buildPackage } from '../../src/package/build';
import { lockModel } from '../../src/lock/lock-model';
import { readOnnx, writeOnnx } from '../../src/onnx';
import { syntheticTask } from '../../src/zoo/synthetic-task';
import { prepareTriggers, selectedBases, VerifyRequest } from '../../src/watermark/verify';
import { BOARD_NAMES, DEV, removeRunRoot, startBoardWithModel, startTestBoard, stopAllBoards } from '../device/helpers';
import { runCli } from '../helpers/cli';

const MODEL = fs.readFileSync(path.join(__dirname, 'fixtures', 'mnist-lenet-wm.tflite'));
const OWNER_KEY = createHash('sha256').update('edgelock watermark robustness demo key').digest();
const OWNER = 'acme-vision';

afterAll(async () => {
  await stopAllBoards();
  removeRunRoot();
});

interface Reference {
  labels: Int32Array;
  /** int8 logits of every trigger from the TFLite runtime */
  logits: Int32Array[];
}

let oracle: TfliteOracle;
let params: TriggerParams;
let base: VerifyRequest['base'];
let classes: number;

/** The TFLite runtime's labels and logits on triggers stamped on the host (src/watermark), fed as the host feeds it. */
function reference(
  x: Float32Array,
  count: number,
  model: Uint8Array = MODEL,
  runtime: TfliteOracle = oracle,
): Reference {
  const sg = readTflite(model).subgraphs[0];
  const input = sg.tensors[sg.inputs[0]];
  const [, h, w, c] = input.shape;
  const size = h * w * c;
  const q = input.quantization!;
  const labels = new Int32Array(count);
  const logits: Int32Array[] = [];
  for (let k = 0; k < count; k++) {
    const sample = nchwToNhwc(x.subarray(k * size, (k + 1) * size), c, h, w);
    const [o] = runtime.run([{ data: quantizeAffine(sample, q.scale[0], q.zeroPoint[0]), shape: input.shape }]);
    const l = Int32Array.from(o.data);
    logits.push(l);
    labels[k] = l.indexOf(Math.max(...l));
  }
  return { labels, logits };
}

/** Board labels against the runtime: equal, or (documented rounding rule) within one step of the top logit. */
function compareLabels(board: Int32Array, ref: Reference, what: string): number {
  let differing = 0;
  board.forEach((b, k) => {
    if (b === ref.labels[k]) return;
    differing++;
    const l = ref.logits[k];
    expect(l[b]).toBeGreaterThanOrEqual(l[ref.labels[k]] - 1);
  });
  console.log(
    `${what}: ${board.length - differing}/${board.length} labels equal to the TFLite runtime${differing ? `, ${differing} within one output step` : ''}`,
  );
  expect(differing).toBeLessThanOrEqual(2);
  return differing;
}

beforeAll(async () => {
  oracle = await TfliteOracle.load(MODEL);
  const record = recordFromTflite(MODEL, 'fixture')!;
  params = record;
  classes = record.classes;
  const ds = loadDataset('mnist-train');
  base = { data: ds.data, labels: ds.labels!, count: ds.count };
}, 60_000);

afterAll(() => oracle?.dispose());

function request(owner: string): VerifyRequest {
  const signature = ownerSignature(OWNER_KEY, owner);
  return { signature, params, record: recordFromTflite(MODEL, 'fixture'), base, nullRate: 1 / classes };
}

/** A port that keeps the labels the board answered. */
function recording(port: DeviceTriggerPort): DeviceTriggerPort & { labels?: Int32Array } {
  const r: DeviceTriggerPort & { labels?: Int32Array } = {
    async runTriggers(req) {
      r.labels = await port.runTriggers(req);
      return r.labels;
    },
  };
  return r;
}

describe.each(BOARD_NAMES)('watermarked LeNet on board %s', (boardName) => {
  let client: DeviceClient;

  beforeAll(async () => {
    const b = await startTestBoard(boardName, undefined, DEV);
    client = await DeviceClient.open(b.port);
    await client.loadModelDev(MODEL, 0);
  }, 120_000);
  afterAll(async () => {
    await client?.close();
  });

  test("owner: the board's labels equal the TFLite runtime on host-stamped triggers; p <= 1e-9 with all 100 triggers", async () => {
    const req = request(OWNER);
    const { set } = prepareTriggers(req.signature, params, base);
    const ref = reference(set.x, set.labels.length);
    const port = protocolTriggerPort(client, { slot: 0 });
    const rec = recording(port);
    const t0 = Date.now();
    const report = await verifyOnDevice(rec, req);
    const seconds = (Date.now() - t0) / 1000;
    compareLabels(rec.labels!, ref, `${boardName}, owner`);
    expect(report.triggers).toBe(100);
    expect(report.pValue).toBeLessThanOrEqual(1e-9);
    expect(report.verdict).toBe('detected');
    expect(report.commitment).toBe('match');
    expect(report.baseData).toBe('match');
    const s = port.lastRun!;
    expect(s.encoding).toBe('table'); // MNIST bases have <= 256 distinct float32 values: one byte per value on the wire
    console.log(
      `${boardName}: owner ${report.matches}/${report.triggers} matches, p ${report.pValue.toExponential(2)} (log10 ${report.log10PValue.toFixed(1)}); ` +
        `${s.frames} frames, ${s.bytesSent} payload bytes, ${s.cycles} cycles of invokes, ${seconds.toFixed(1)} s`,
    );
  }, 300_000);

  test('another owner id, same board and model: p > 1e-3 (through verifyOnDevice(client, ...))', async () => {
    const req = request('acme-visio');
    const t0 = Date.now();
    const report = await verifyOnDevice(client, { ...req, slot: 0 });
    expect(report.pValue).toBeGreaterThan(1e-3);
    expect(report.verdict).toBe('not detected');
    expect(report.commitment).toBe('mismatch');
    console.log(
      `${boardName}: other owner ${report.matches}/${report.triggers} matches, p ${report.pValue.toExponential(2)}, ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
  }, 300_000);

  if (boardName !== 'host-sim') return;

  test('float32 encoding (bases with more than 256 distinct values) also equals the runtime', async () => {
    const req = request(OWNER);
    const { plan } = prepareTriggers(req.signature, params, base);
    const n = 20;
    const bases = selectedBases(plan, params, base.data).slice(0, n * params.sampleSize);
    for (let i = 0; i < bases.length; i++) bases[i] = Math.fround(Math.min(1, bases[i] + ((i * 7919) % 1000) * 1e-6));
    expect(tableEncoding(bases)).toBeNull();
    const port = protocolTriggerPort(client);
    const labels = await port.runTriggers({
      signature: req.signature,
      positions: params.positions,
      delta: params.delta,
      range: params.range,
      sampleSize: params.sampleSize,
      bases,
      count: n,
    });
    expect(port.lastRun!.encoding).toBe('float32');
    // the host's stamp of the same bases (triggers.ts), fed to the runtime
    const stamped = Float32Array.from(bases);
    for (let k = 0; k < n; k++)
      stamp(stamped.subarray(k * params.sampleSize, (k + 1) * params.sampleSize), plan, params);
    compareLabels(labels, reference(stamped, n), 'host-sim, float32 encoding');
  }, 120_000);

  test('protocol errors: BASES without BEGIN, at a wrong offset, after END; BEGIN that does not fit the model', async () => {
    const code = async (p: Promise<unknown>) =>
      (
        (await p.then(
          () => undefined,
          (e: unknown) => e,
        )) as EdgelockError
      )?.code;
    const sig = Buffer.alloc(32, 7);
    const begin = {
      slot: 0,
      encoding: ENCODING_F32,
      channels: 1,
      sample_size: 784,
      positions: 39,
      delta: 0x3f000000,
      lo: 0,
      hi: 0x3f800000,
      signature: sig,
    };
    expect(await code(client.call('WATERMARK_BASES', { offset: 0, values: Buffer.alloc(16) }))).toBe(
      'E_WATERMARK_DEVICE_SEQUENCE',
    );
    expect(await code(client.call('WATERMARK_BEGIN', { ...begin, sample_size: 783 }))).toBe('E_WATERMARK_PARAMS');
    expect(await code(client.call('WATERMARK_BEGIN', { ...begin, positions: 785 }))).toBe('E_WATERMARK_PARAMS');
    expect(await code(client.call('WATERMARK_BEGIN', { ...begin, lo: 0x3f800000 }))).toBe('E_WATERMARK_PARAMS'); // empty range
    expect(await code(client.call('WATERMARK_BEGIN', { ...begin, slot: 1 }))).toBe('E_DEVICE_MODEL_EMPTY');
    await client.call('WATERMARK_BEGIN', begin);
    expect(await code(client.call('WATERMARK_BASES', { offset: 4, values: Buffer.alloc(16) }))).toBe(
      'E_WATERMARK_DEVICE_SEQUENCE',
    );
    expect(await code(client.call('WATERMARK_BASES', { offset: 0, values: Buffer.alloc(6) }))).toBe(
      'E_WATERMARK_DEVICE_SEQUENCE',
    ); // partial float
    const ok = await client.call('WATERMARK_BASES', { offset: 0, values: Buffer.alloc(4 * 784) });
    expect(ok.fields.next_offset).toBe(784);
    expect((ok.fields.labels as Buffer).length).toBe(2);
    await client.call('WATERMARK_END');
    expect(await code(client.call('WATERMARK_BASES', { offset: 784, values: Buffer.alloc(16) }))).toBe(
      'E_WATERMARK_DEVICE_SEQUENCE',
    );
  }, 60_000);
});

describe('edgelock watermark verify --port (built CLI, host-sim board)', () => {
  let port = '';
  let dir = '';

  beforeAll(async () => {
    port = (await startBoardWithModel(MODEL, 1)).port;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgelock-wm-cli-'));
    fs.writeFileSync(path.join(dir, 'owner.key'), OWNER_KEY, { mode: 0o600 });
  }, 120_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const fixture = path.join(__dirname, 'fixtures', 'mnist-lenet-wm.tflite');

  test("owner detected from the board's labels; the slot holds the very file", () => {
    const r = runCli([
      'watermark',
      'verify',
      fixture,
      '--owner',
      OWNER,
      '--key',
      path.join(dir, 'owner.key'),
      '--data',
      'mnist-train',
      '--port',
      port,
      '--slot',
      '1',
      '--json',
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({
      matches: 100,
      triggers: 100,
      verdict: 'detected',
      commitment: 'match',
      baseData: 'match',
      board: { port, slot: 1, model: 'same as the file' },
    });
    expect(j.pValue).toBeLessThanOrEqual(1e-9);
  });

  test('table output names the board; an empty slot is a catalogue error, --slot without --port a usage error', () => {
    const args = [
      'watermark',
      'verify',
      fixture,
      '--owner',
      OWNER,
      '--key',
      path.join(dir, 'owner.key'),
      '--data',
      'mnist-train',
    ];
    const ok = runCli([...args, '--port', port, '--slot', '1']);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/labels from\s+board on .*, slot 1 \(model same as the file\)/);
    expect(ok.stdout).toMatch(/trigger matches\s+100\/100/);
    const empty = runCli([...args, '--port', port, '--slot', '0']);
    expect(empty.status).toBe(1);
    expect(empty.stderr).toMatch(/^error E_DEVICE_MODEL_EMPTY: /);
    const usage = runCli([...args, '--slot', '1']);
    expect(usage.stderr).toMatch(/E_USAGE: --slot needs --port/);
  });
});

describe('channels-last input (zoo cifar-resnet8, [3, 32, 32] samples moved to [32, 32, 3] on the board), host-sim', () => {
  let client: DeviceClient;
  let model: Uint8Array;
  let runtime: TfliteOracle;
  const signature = ownerSignature(OWNER_KEY, 'channels-test');
  const n = 6;
  let bases: Float32Array;
  let cifarParams: TriggerParams;

  beforeAll(async () => {
    const calib = syntheticTask('cifar-resnet8', 'calib', 16);
    const compiled = await compileModel(
      fs.readFileSync(path.join(__dirname, '..', '..', 'models', 'cifar-resnet8.onnx')),
      {
        precision: 'int8',
        io: 'int8',
        calibration: { data: calib.data, count: calib.count, sampleShape: calib.sampleShape },
      },
    );
    model = compiled.bytes;
    runtime = await TfliteOracle.load(model);
    const test = syntheticTask('cifar-resnet8', 'test', n);
    bases = test.data;
    cifarParams = {
      triggers: n,
      positions: 153,
      delta: 0.6,
      range: [0, 1],
      classes: 10,
      baseCount: n,
      sampleSize: 3072,
    };
    const b = await startTestBoard('host-sim', undefined, DEV);
    client = await DeviceClient.open(b.port);
    await client.loadModelDev(Buffer.from(model), 0);
  }, 180_000);
  afterAll(async () => {
    runtime?.dispose();
    await client?.close();
  });

  test.each([
    ['float32 values, samples spanning frames', (x: Float32Array) => x, 'float32'],
    [
      'byte-valued images, table encoding',
      (x: Float32Array) => x.map((v) => Math.round(Math.min(1, Math.max(0, v)) * 255) / 255),
      'table',
    ],
  ] as const)(
    '%s',
    async (_name, prepare, encoding) => {
      const x = prepare(Float32Array.from(bases));
      const port = protocolTriggerPort(client, { slot: 0 }); // channels from the board's input shape [1, 32, 32, 3]
      const labels = await port.runTriggers({
        signature,
        positions: cifarParams.positions,
        delta: cifarParams.delta,
        range: cifarParams.range,
        sampleSize: 3072,
        bases: x,
        count: n,
      });
      expect(port.lastRun!.encoding).toBe(encoding);
      const plan = triggerPlan(signature, cifarParams);
      const stamped = Float32Array.from(x);
      for (let k = 0; k < n; k++) stamp(stamped.subarray(k * 3072, (k + 1) * 3072), plan, cifarParams);
      compareLabels(labels, reference(stamped, n, model, runtime), `host-sim cifar-resnet8, ${encoding}`);
    },
    120_000,
  );
});

describe('locked watermarked LeNet (device-bound seal lock, in a package) on host-sim', () => {
  const MASTER = createHash('sha256').update('edgelock watermark device test master key').digest();
  let client: DeviceClient;
  let locked: Uint8Array;
  let uid: Buffer;

  beforeAll(async () => {
    const b = await startTestBoard('host-sim'); // production firmware: the locked model arrives in a package
    client = await DeviceClient.open(b.port);
    uid = Buffer.from((await client.info()).uid, 'hex');
    const material = { master: MASTER, deviceUid: uid };
    const onnx = readOnnx(fs.readFileSync(path.join(__dirname, 'fixtures', 'mnist-lenet-wm.onnx')));
    const lockedOnnx = writeOnnx(lockModel(onnx, material, { binding: 'device', scheme: 'seal' }).model);
    const ds = loadDataset('mnist-train');
    locked = (
      await compileLocked(lockedOnnx, material, {
        precision: 'int8',
        io: 'int8',
        calibration: { data: ds.data.subarray(0, 64 * 784), count: 64, sampleShape: ds.sampleShape },
      })
    ).bytes;
  }, 180_000);
  afterAll(async () => {
    await client?.close();
  });

  test('without the device key the board takes no package (E_DEVICE_KEY_EMPTY); provisioned and flashed, the owner is detected', async () => {
    const record = recordFromTflite(locked, 'locked');
    expect(record?.commitment).toBe(recordFromTflite(MODEL, 'fixture')?.commitment); // the lock keeps the watermark record
    const pkg = buildPackage(locked, { master: MASTER, deviceUid: uid, version: '1.0.0', securityCounter: 1 }).bytes;
    const e = await flashPackage(client, pkg).then(
      () => undefined,
      (x: EdgelockError) => x,
    );
    expect(e).toMatchObject({ code: 'E_DEVICE_KEY_EMPTY' });
    await client.keyWrite(deriveDeviceKey(MASTER, uid));
    const slot = (await flashPackage(client, pkg)).slot;
    const report = await verifyOnDevice(client, { ...request(OWNER), record, slot });
    expect(report.pValue).toBeLessThanOrEqual(1e-9);
    expect(report.commitment).toBe('match');
    console.log(
      `host-sim, locked model: owner ${report.matches}/${report.triggers}, p ${report.pValue.toExponential(2)}`,
    );
  }, 120_000);
});
