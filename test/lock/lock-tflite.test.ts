/**
 * The compile path of a locked model: compileLocked → a locked int8 .tflite (stock builtins, sealed
 * constants, binary descriptor). Unsealed with the right key material it is byte-for-byte the
 * plain compile's weights and gives identical int8 outputs in the TFLite runtime; without the key
 * or for another device it is no better than chance (seal).
 */
import { compileModel, CompileOptions } from '../../src/compiler/compile';
import { loadMnist } from '../../src/data/mnist';
import { predictTflite } from '../../src/eval/tflite-classifier';
import { LabelledSet } from '../../src/eval/labelled-data';
import { compileLocked } from '../../src/lock/compile-locked';
import { lockModel } from '../../src/lock/lock-model';
import { readTfliteDescriptor, unsealTflite } from '../../src/lock/tflite-lock';
import { decodeTfliteDescriptor, encodeTfliteDescriptor } from '../../src/lock/tflite-descriptor';
import { writeOnnx } from '../../src/onnx';
import { TfliteOracle } from '../../src/tflite/oracle';
import { readTflite, tfliteBufferData } from '../../src/tflite/reader';
import { DEVICE, MASTER, mnistTest, OTHER_UID, ZOO, zooModel } from './fixtures';

const train = loadMnist('train');
const calib = { data: train.images.subarray(0, 100 * 784), count: 100, sampleShape: [1, 28, 28] };
const OPTS: CompileOptions = { precision: 'int8', calibration: calib };
const data = mnistTest(200);

async function accuracy(bytes: Uint8Array, d: LabelledSet): Promise<number> {
  const p = await predictTflite(bytes, d);
  let ok = 0;
  for (let i = 0; i < d.count; i++) if (p[i] === d.labels[i]) ok++;
  return ok / d.count;
}

async function int8Outputs(bytes: Uint8Array, n: number): Promise<number[][]> {
  const info = readTflite(bytes);
  const inT = info.subgraphs[0].tensors[info.subgraphs[0].inputs[0]];
  const q = inT.quantization!;
  const oracle = await TfliteOracle.load(bytes);
  try {
    const out: number[][] = [];
    for (let i = 0; i < n; i++) {
      const x = new Int32Array(784);
      for (let k = 0; k < 784; k++)
        x[k] = Math.max(-128, Math.min(127, Math.round(data.x[i * 784 + k] / q.scale[0]) + q.zeroPoint[0]));
      out.push(Array.from(oracle.run([{ data: x, shape: inT.shape }])[0].data));
    }
    return out;
  } finally {
    oracle.dispose();
  }
}

test('the binary descriptor round-trips', () => {
  const d = {
    scheme: 'seal',
    binding: 'device' as const,
    lockId: '00112233445566778899aabbccddeeff',
    keyId: '0123456789abcdef',
    salt: 'fedcba9876543210',
    entries: [
      { tensor: 3, kind: 1, axis: 0, a: 1024, b: 0 },
      { tensor: 9, kind: 1, axis: 0, a: 40, b: 1 },
    ],
  };
  const bytes = encodeTfliteDescriptor(d);
  expect(bytes.length).toBe(44 + 2 * 16);
  expect(Buffer.from(bytes.subarray(0, 4)).toString('latin1')).toBe('ELK1');
  expect(decodeTfliteDescriptor(bytes)).toEqual(d);
  expect(() => decodeTfliteDescriptor(bytes.subarray(0, 50))).toThrow(
    expect.objectContaining({ code: 'E_LOCK_DESCRIPTOR' }),
  );
});

describe.each(ZOO)('%s int8', (name) => {
  const { model } = zooModel(name);
  let plain: Uint8Array;
  beforeAll(async () => {
    plain = (await compileModel(writeOnnx(model), OPTS)).bytes;
  });

  describe.each(['seal', 'hpnn'])('scheme %s', (scheme) => {
    let locked: Uint8Array;
    beforeAll(async () => {
      const lockedOnnx = writeOnnx(lockModel(model, DEVICE, { scheme, binding: 'device' }).model);
      locked = (await compileLocked(lockedOnnx, DEVICE, OPTS)).bytes;
    });

    test('stock builtins, same tensors and ops as the plain compile; constants differ until unsealed', () => {
      const a = readTflite(plain);
      const b = readTflite(locked);
      expect(b.opcodes.map((o) => [o.name, o.version, o.customCode])).toEqual(
        a.opcodes.map((o) => [o.name, o.version, o.customCode]),
      );
      expect(b.opcodes.every((o) => o.customCode === null)).toBe(true);
      const d = readTfliteDescriptor(locked)!;
      expect(d.scheme).toBe(scheme);
      const lockedTensors = new Set(d.entries.map((e) => e.tensor));
      const unsealed = unsealTflite(locked, DEVICE);
      const u = readTflite(unsealed);
      expect(lockedTensors.size).toBeGreaterThan(0);
      expect([...lockedTensors].every((i) => a.subgraphs[0].tensors[i].constant)).toBe(true);
      a.subgraphs[0].tensors.forEach((t, i) => {
        if (!t.constant) return;
        const want = Buffer.from(tfliteBufferData(plain, a, t.buffer));
        const sealed = Buffer.from(tfliteBufferData(locked, b, b.subgraphs[0].tensors[i].buffer));
        const back = Buffer.from(tfliteBufferData(unsealed, u, u.subgraphs[0].tensors[i].buffer));
        expect(back.equals(want)).toBe(true);
        if (lockedTensors.has(i) && scheme === 'seal') expect(sealed.equals(want)).toBe(false);
        if (!lockedTensors.has(i)) expect(sealed.equals(want)).toBe(true);
      });
    });

    test('correct key: int8 outputs identical to the unlocked int8 model in the TFLite runtime', async () => {
      const want = await int8Outputs(plain, 10);
      const got = await int8Outputs(unsealTflite(locked, DEVICE), 10);
      expect(got).toEqual(want);
    });

    test('another device: refused by the key id check; run anyway, or without any key, it is useless', async () => {
      expect(() => unsealTflite(locked, { master: MASTER, deviceUid: OTHER_UID })).toThrow(
        expect.objectContaining({ code: 'E_LOCK_KEY_MISMATCH' }),
      );
      const clean = await accuracy(plain, data);
      const none = await accuracy(locked, data);
      const other = await accuracy(unsealTflite(locked, { master: MASTER, deviceUid: OTHER_UID }, false), data);
      expect(clean).toBeGreaterThan(0.93);
      for (const a of [none, other]) expect(a).toBeLessThanOrEqual(scheme === 'seal' ? 0.2 : 0.5);
    });
  });
});
