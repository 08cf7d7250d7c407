/**
 * Score offsets on the real firmware (host-sim; QEMU Cortex-M4 an386; QEMU Cortex-M33 an505, where they are computed
 * in the TrustZone secure image beside the key store): the watermarked zoo LeNet packaged with offsets of 1 logit,
 * flashed to a provisioned board of the bit-exact flavour and queried with MNIST test images and random int8 inputs.
 * Every answer must equal, byte for byte, the official TFLite runtime's output on the same bytes with the host's
 * offsets (src/score-offsets/, key from master + uid) added; with a response mark as well, the mark is decided on the
 * offset answer. An altered record is refused (tag), an out-of-range one signed by the vendor too, and a record for
 * another input shape makes the board answer nothing.
 */
import { createHmac } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { RunningBoard } from '../../src/board';
import { loadDataset } from '../../src/data/dataset';
import { DeviceClient } from '../../src/device/client';
import { flashPackage } from '../../src/factory/flash';
import { deriveDeviceKey } from '../../src/keys/derive';
import { buildPackage } from '../../src/package/build';
import { decodePackage } from '../../src/package/decode';
import { TAG_SIZE } from '../../src/package/format';
import { derivePackageKey } from '../../src/package/keys';
import { ResponseMarkParams } from '../../src/package/response-mark';
import { ScoreOffsetsParams } from '../../src/package/score-offsets';
import { applyMark, responseMarkKey } from '../../src/response-mark/decision';
import { offsetAnswer } from '../../src/score-offsets/apply';
import { scoreOffsetsForModel } from '../../src/score-offsets/for-model';
import { scoreOffsetsKey } from '../../src/score-offsets/signs';
import { quantizeAffine } from '../../src/tflite/affine';
import { TfliteOracle } from '../../src/tflite/oracle';
import { removeRunRoot, stopAllBoards } from '../device/helpers';
import { errorCode, inputOf, master, provisionedBoard } from '../factory/flash-helpers';

const model = fs.readFileSync(path.join(__dirname, '..', 'watermark', 'fixtures', 'mnist-lenet-wm.tflite'));
const offsets: ScoreOffsetsParams = scoreOffsetsForModel(model, 1, ['mnist-test']);

afterAll(async () => {
  await stopAllBoards();
  removeRunRoot();
});

function inputs(images: number, random: number): Int8Array[] {
  const mnist = loadDataset('mnist-test');
  const out: Int8Array[] = [];
  for (let i = 0; i < images; i++)
    out.push(Int8Array.from(quantizeAffine(mnist.data.subarray(i * 784, (i + 1) * 784), 1 / 255, -128)));
  for (let i = 0; i < random; i++) out.push(inputOf(784, 2000 + i));
  return out;
}

function packageFor(uid: Buffer, counter: number, o?: ScoreOffsetsParams, responseMark?: ResponseMarkParams): Buffer {
  return buildPackage(model, {
    master,
    deviceUid: uid,
    version: `1.0.${counter}`,
    securityCounter: counter,
    scoreOffsets: o,
    responseMark,
  }).bytes;
}

/** the package re-signed with the board's real package key (what only the vendor could do) */
function resign(uid: Buffer, b: Buffer): Buffer {
  createHmac('sha256', derivePackageKey(deriveDeviceKey(master, uid)))
    .update(b.subarray(0, b.length - TAG_SIZE))
    .digest()
    .copy(b, b.length - TAG_SIZE);
  return b;
}

const SIZES: Record<string, [number, number]> = {
  'host-sim': [300, 100],
  'qemu-mps2-an386': [40, 10],
  'qemu-mps2-an505': [40, 10],
};

describe.each(Object.keys(SIZES))('score offsets on %s', (boardName) => {
  let board: RunningBoard;
  let client: DeviceClient;
  let uid: Buffer;
  let oracle: TfliteOracle;
  const xs = inputs(...SIZES[boardName]);

  beforeAll(async () => {
    ({ board, client, uid } = await provisionedBoard(boardName, true, 'single-rounding'));
    oracle = await TfliteOracle.load(model);
  }, 300_000);
  afterAll(async () => {
    oracle?.dispose();
    await client?.close().catch(() => undefined);
    void board;
  });

  const reference = (x: Int8Array) =>
    Array.from(oracle.run([{ data: Int32Array.from(x), shape: [1, 28, 28, 1], dtype: 'int8' }])[0].data);

  test('every answer is the TFLite runtime output plus the host-computed offsets, byte for byte', async () => {
    const slot = (await flashPackage(client, packageFor(uid, 1, offsets))).slot;
    const key = scoreOffsetsKey(master, uid);
    const other = scoreOffsetsKey(master, Buffer.alloc(16, 7));
    let moved = 0;
    let otherwise = 0;
    for (const x of xs) {
      const want = reference(x);
      const got = Array.from((await client.run(slot, x)).outputs[0].int8);
      expect(got).toEqual(Array.from(offsetAnswer(key, offsets, x, want, 'int8')));
      if (got.some((v, c) => v !== want[c])) moved++;
      if (got.some((v, c) => v !== offsetAnswer(other, offsets, x, want, 'int8')[c])) otherwise++;
    }
    // the offsets move nearly every answer, and another board's key would move them otherwise
    expect(moved).toBeGreaterThan(0.9 * xs.length);
    expect(otherwise).toBeGreaterThan(0.9 * xs.length);
  }, 600_000);

  test('a changed or removed record is refused by the tag, an out-of-range one signed by the vendor by the parser', async () => {
    const p = packageFor(uid, 2, offsets);
    const d = decodePackage(p);
    const at = d.records.find((r) => r.name === 'scoreOffsets')!.valueOffset;
    const halved = Buffer.from(p);
    halved.writeFloatLE(offsets.delta / 2, at + 12);
    expect(await errorCode(flashPackage(client, halved, undefined, d))).toBe('E_PACKAGE_AUTH');
    const off = packageFor(uid, 2);
    p.copy(off, off.length - TAG_SIZE, p.length - TAG_SIZE);
    expect(await errorCode(flashPackage(client, off))).toBe('E_PACKAGE_AUTH');
    const edits: ((b: Buffer) => void)[] = [
      (b) => (b[at] = 2), // scheme
      (b) => (b[at + 1] = 5), // degrees
      (b) => (b[at + 2] = 0), // grid
      (b) => (b[at + 2] = 17),
      (b) => (b[at + 3] = 1), // reserved
      (b) => b.writeUInt16LE(3, at + 4), // height below the grid
      (b) => b.writeUInt16LE(0, at + 8), // no channels
      (b) => (b.writeUInt16LE(2000, at + 4), b.writeUInt16LE(2000, at + 6)), // 4 M values
      (b) => b.writeFloatLE(0, at + 12), // delta
      (b) => b.writeFloatLE(-1, at + 12),
      (b) => b.writeFloatLE(2 ** 21, at + 12), // above 2^20
      (b) => b.writeFloatLE(NaN, at + 16), // clip
      (b) => b.writeFloatLE(64.5, at + 16), // above 64
      (b) => b.writeFloatLE(Infinity, at + 20), // a mean
      (b) => b.writeFloatLE(NaN, at + 20 + 4 * 16 + 4 * 255), // the last weight
    ];
    // every edit on host-sim; every fourth on QEMU, where each upload takes seconds
    for (const edit of boardName === 'host-sim' ? edits : edits.filter((_, i) => i % 4 === 0)) {
      const bad = Buffer.from(p);
      edit(bad);
      resign(uid, bad);
      expect(() => decodePackage(bad)).toThrow(/scoreOffsets/);
      expect(await errorCode(flashPackage(client, bad, undefined, { ...d, sha256: '' }))).toBe('E_PACKAGE_INVALID');
    }
  }, 300_000);

  if (boardName !== 'host-sim') return;

  test('with a response mark too, the mark is decided on the offset answer', async () => {
    const mark: ResponseMarkParams = { ratePpm: 300_000, groups: 196, levels: 2, skipRunnerUp: true };
    const slot = (await flashPackage(client, packageFor(uid, 3, offsets, mark))).slot;
    const key = scoreOffsetsKey(master, uid);
    const markKey = responseMarkKey(master, uid);
    let marked = 0;
    for (const x of xs) {
      const offset = Array.from(offsetAnswer(key, offsets, x, reference(x), 'int8'));
      const m = applyMark(markKey, mark, x, offset);
      if (m.decision?.marked) marked++;
      expect(Array.from((await client.run(slot, x)).outputs[0].int8)).toEqual(m.answer);
    }
    expect(marked).toBeGreaterThan(0.3 * xs.length - 6 * Math.sqrt(0.21 * xs.length));
  }, 300_000);

  test('a record for another input shape (signed by the vendor) makes the board answer nothing', async () => {
    const wide = { ...offsets, height: 14, width: 56 }; // 784 values, other cells: still answered
    const slot = (await flashPackage(client, packageFor(uid, 4, wide))).slot;
    const x = xs[0];
    expect(Array.from((await client.run(slot, x)).outputs[0].int8)).toEqual(
      Array.from(offsetAnswer(scoreOffsetsKey(master, uid), wide, x, reference(x), 'int8')),
    );
    const p = packageFor(uid, 5, offsets);
    const at = decodePackage(p).records.find((r) => r.name === 'scoreOffsets')!.valueOffset;
    p.writeUInt16LE(27, at + 4); // 27 × 28 values: not the model's input
    resign(uid, p);
    const s = (await flashPackage(client, p)).slot;
    expect(await errorCode(client.run(s, x))).toBe('E_DEVICE_BAD_REQUEST');
  }, 300_000);
});
