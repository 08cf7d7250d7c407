/**
 * The .tflite lock is bound to its model (descriptor version 2, src/lock/model-binding.ts): the lock key is
 * HKDF(root, binding hash, "edgelock tflite lock key v2") with binding hash = SHA-256 of the file with every locked
 * tensor's data and the descriptor's key id zeroed. Checked here against an independent computation with node:crypto
 * on a real locked compile (both bindings), and for its purpose: any change to a non-sealed byte of the model (graph,
 * shapes, quantisation, metadata, descriptor) gives another key id, a change to the sealed bytes does not. Version 1
 * descriptors are refused. (The firmware's side: test/firmware/crypto.test.ts and every locked-model device test.)
 */
import { createHash, createHmac, hkdfSync } from 'crypto';
import { CompileOptions } from '../../src/compiler/compile';
import { loadMnist } from '../../src/data/mnist';
import { deriveDeviceKey, deriveDeviceLockKey, deriveModelKey } from '../../src/keys/derive';
import { compileLocked } from '../../src/lock/compile-locked';
import { Binding, LOCK_METADATA_KEY } from '../../src/lock/descriptor';
import { lockModel } from '../../src/lock/lock-model';
import { readTfliteDescriptor, tfliteBindingHash, unsealTflite } from '../../src/lock/tflite-lock';
import { decodeTfliteDescriptor } from '../../src/lock/tflite-descriptor';
import { writeOnnx } from '../../src/onnx';
import { readTflite } from '../../src/tflite/reader';
import { DEVICE, MASTER, UID, zooModel } from './fixtures';

const train = loadMnist('train');
const OPTS: CompileOptions = {
  precision: 'int8',
  calibration: { data: train.images.subarray(0, 16 * 784), count: 16, sampleShape: [1, 28, 28] },
};
const keyIdOf = (k: Uint8Array) =>
  createHmac('sha256', k).update('edgelock key id').digest().subarray(0, 8).toString('hex');

async function lockedMlp(binding: Binding): Promise<Uint8Array> {
  const locked = writeOnnx(lockModel(zooModel('mnist-mlp').model, DEVICE, { binding }).model);
  return (await compileLocked(locked, DEVICE, OPTS)).bytes;
}

/** Where the locked data and the descriptor are, read with the plain TFLite reader. */
function layout(bytes: Uint8Array): { ranges: Array<[number, number]>; descAt: number } {
  const info = readTflite(bytes);
  const td = readTfliteDescriptor(bytes)!;
  const md = info.buffers[info.metadata.find((m) => m.name === LOCK_METADATA_KEY)!.buffer];
  const ranges = td.entries.map((e): [number, number] => {
    const b = info.buffers[info.subgraphs[0].tensors[e.tensor].buffer];
    return [b.dataOffset!, b.size];
  });
  return { ranges, descAt: md.dataOffset! };
}

/** The binding hash computed independently: copy, zero, one SHA-256 (node:crypto). */
function referenceHash(bytes: Uint8Array): Buffer {
  const copy = Buffer.from(bytes);
  const { ranges, descAt } = layout(bytes);
  for (const [at, n] of ranges) copy.fill(0, at, at + n);
  copy.fill(0, descAt + 24, descAt + 32);
  return createHash('sha256').update(copy).digest();
}

describe.each(['device', 'model'] as const)('%s-bound .tflite lock', (binding) => {
  let bytes: Uint8Array;
  beforeAll(async () => {
    bytes = await lockedMlp(binding);
  }, 120_000);

  test('descriptor version 2; key = HKDF(root, binding hash, "edgelock tflite lock key v2") against node:crypto; it unseals', () => {
    const b = Buffer.from(bytes);
    const td = readTfliteDescriptor(bytes)!;
    expect(b[layout(bytes).descAt + 4]).toBe(2);
    const hash = referenceHash(bytes);
    expect(tfliteBindingHash(bytes).equals(hash)).toBe(true);
    const lockId = Buffer.from(td.lockId, 'hex');
    const root =
      binding === 'device' ? deriveDeviceLockKey(deriveDeviceKey(MASTER, UID), lockId) : deriveModelKey(MASTER, lockId);
    const expectedRoot =
      binding === 'device'
        ? Buffer.from(
            hkdfSync(
              'sha256',
              Buffer.from(hkdfSync('sha256', MASTER, UID, Buffer.from('edgelock device key v1'), 32)),
              lockId,
              Buffer.from('edgelock lock key v1'),
              32,
            ),
          )
        : Buffer.from(hkdfSync('sha256', MASTER, lockId, Buffer.from('edgelock model key v1'), 32));
    expect(root.equals(expectedRoot)).toBe(true);
    const key = Buffer.from(hkdfSync('sha256', root, hash, Buffer.from('edgelock tflite lock key v2'), 32));
    expect(td.keyId).toBe(keyIdOf(key));
    expect(keyIdOf(root)).not.toBe(td.keyId); // the root alone (the v1 key) no longer unseals
    expect(() => unsealTflite(bytes, DEVICE)).not.toThrow();
  });

  test(
    'every non-sealed byte is bound: flipping any of 400 sampled bytes outside the sealed data changes the ' +
      'key (refused); the sealed bytes and the key id field do not enter the hash',
    () => {
      const { ranges, descAt } = layout(bytes);
      const inside = (i: number) =>
        ranges.some(([at, n]) => i >= at && i < at + n) || (i >= descAt + 24 && i < descAt + 32);
      const base = tfliteBindingHash(bytes);
      let changed = 0;
      let tried = 0;
      for (let k = 0; tried < 400; k++) {
        const i = Math.floor((((k * 2654435761) >>> 0) / 2 ** 32) * bytes.length);
        if (inside(i)) continue;
        tried++;
        const c = Buffer.from(bytes);
        c[i] ^= 0x01;
        // the changed file may not parse any more (a flatbuffer offset): then it is refused anyway
        let h: Buffer | null = null;
        try {
          h = tfliteBindingHash(c);
        } catch {
          h = null;
        }
        if (h === null || !h.equals(base)) changed++;
      }
      expect(changed).toBe(tried);
      const sealedFlip = Buffer.from(bytes);
      sealedFlip[ranges[0][0] + 3] ^= 0xff;
      sealedFlip[descAt + 24] ^= 0xff;
      expect(tfliteBindingHash(sealedFlip).equals(base)).toBe(true);
    },
  );

  test('a changed descriptor entry (stream number) or salt gives another key: E_LOCK_KEY_MISMATCH', () => {
    const { descAt } = layout(bytes);
    for (const at of [descAt + 32, descAt + 44 + 12]) {
      const c = Buffer.from(bytes);
      c[at] ^= 0x01;
      expect(() => unsealTflite(c, DEVICE)).toThrow(expect.objectContaining({ code: 'E_LOCK_KEY_MISMATCH' }));
    }
  });
});

test('a version-1 descriptor (unbound) is refused with a clear error', async () => {
  const bytes = Buffer.from(await lockedMlp('device'));
  const { descAt } = layout(bytes);
  bytes[descAt + 4] = 1;
  const info = readTflite(bytes);
  const md = info.buffers[info.metadata.find((m) => m.name === LOCK_METADATA_KEY)!.buffer];
  expect(() => decodeTfliteDescriptor(bytes.subarray(md.dataOffset!, md.dataOffset! + md.size))).toThrow(
    /version 1 .*compile the locked ONNX again/,
  );
  expect(() => unsealTflite(bytes, DEVICE)).toThrow(expect.objectContaining({ code: 'E_LOCK_DESCRIPTOR' }));
}, 120_000);
