/**
 * The response mark on the real firmware (host-sim; QEMU Cortex-M4 an386; QEMU Cortex-M33 an505, where the decision
 * runs in the TrustZone secure image with the key store): the watermarked zoo LeNet packaged with a mark at a high
 * rate (so that many answers are marked), flashed to a provisioned board of the bit-exact flavour, and queried with
 * MNIST test images and random int8 inputs. Every answer must equal, byte for byte, the official TFLite runtime's
 * output on the same bytes with the host's keyed decision (src/response-mark/decision.ts, key from master + uid)
 * applied: unmarked answers untouched, marked ones with the arg-max's and the keyed class's scores swapped. The same
 * package without the mark answers exactly the TFLite runtime's outputs, and an altered mark record is refused.
 */
import { createHmac } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { RunningBoard } from '../../src/board';
import { loadDataset } from '../../src/data/dataset';
import { DeviceClient } from '../../src/device/client';
import { queryStateLines } from '../../src/device/query-state-text';
import { flashPackage } from '../../src/factory/flash';
import { deriveDeviceKey } from '../../src/keys/derive';
import { buildPackage } from '../../src/package/build';
import { decodePackage } from '../../src/package/decode';
import { TAG_SIZE } from '../../src/package/format';
import { derivePackageKey } from '../../src/package/keys';
import { ResponseMarkParams } from '../../src/package/response-mark';
import {
  applyMark,
  decide,
  firstArgmax,
  keyedClass,
  markedAnswer,
  responseMarkKey,
  runnerUp,
} from '../../src/response-mark/decision';
import { quantizeAffine } from '../../src/tflite/affine';
import { TfliteOracle } from '../../src/tflite/oracle';
import { removeRunRoot, stopAllBoards } from '../device/helpers';
import { errorCode, inputOf, master, provisionedBoard } from '../factory/flash-helpers';

const FIXTURE = path.join(__dirname, '..', 'watermark', 'fixtures', 'mnist-lenet-wm.tflite');
const model = fs.readFileSync(FIXTURE);
const mark: ResponseMarkParams = { ratePpm: 300_000, groups: 196, levels: 2 };

afterAll(async () => {
  await stopAllBoards();
  removeRunRoot();
});

/** MNIST test images quantised as the host sends them (input scale 1/255, zero point -128), then random int8 bytes. */
function inputs(images: number, random: number): Int8Array[] {
  const test = loadDataset('mnist-test');
  const out: Int8Array[] = [];
  for (let i = 0; i < images; i++)
    out.push(Int8Array.from(quantizeAffine(test.data.subarray(i * 784, (i + 1) * 784), 1 / 255, -128)));
  for (let i = 0; i < random; i++) out.push(inputOf(784, 1000 + i));
  return out;
}

function packageFor(uid: Buffer, counter: number, responseMark?: ResponseMarkParams): Buffer {
  return buildPackage(model, {
    master,
    deviceUid: uid,
    version: `1.0.${counter}`,
    securityCounter: counter,
    responseMark,
  }).bytes;
}

const SIZES: Record<string, [number, number]> = {
  'host-sim': [400, 100],
  'qemu-mps2-an386': [60, 20],
  'qemu-mps2-an505': [60, 20],
};

describe.each(Object.keys(SIZES))('response mark on %s', (boardName) => {
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

  test('every answer is the TFLite runtime output with the host-computed keyed decision applied, byte for byte', async () => {
    expect((await flashPackage(client, packageFor(uid, 1, mark))).slot).toBe(0);
    // INFO reports that the active package marks (QUERY_STATE flag bit 1), and `device info` says so
    const info = await client.info();
    expect(info.queries!.responseMark).toBe(true);
    expect(queryStateLines(info.queries!, info.package)).toContainEqual(expect.stringMatching(/^response mark +on/));
    const key = responseMarkKey(master, uid);
    let marked = 0;
    for (const x of xs) {
      const want = reference(x);
      const d = decide(key, mark, x, want.length);
      const got = Array.from((await client.run(0, x)).outputs[0].int8);
      expect(got).toEqual(markedAnswer(want, d));
      if (d.marked) {
        marked++;
        // the keyed class is the answer of every marked query, also when its score tied the arg-max's
        expect(firstArgmax(got)).toBe(keyedClass(firstArgmax(want), d.offset, want.length));
      }
    }
    // a 30% rate: the decisions are neither all nor none (binomial: 6 sigma either side at these counts)
    expect(marked).toBeGreaterThan(0.3 * xs.length - 6 * Math.sqrt(0.21 * xs.length));
    expect(marked).toBeLessThan(0.3 * xs.length + 6 * Math.sqrt(0.21 * xs.length));
    // another board's key would mark other inputs: the decision depends on this board's device key
    const other = responseMarkKey(master, Buffer.alloc(16, 7));
    expect(
      xs.filter((x) => decide(other, mark, x, 10).marked !== decide(key, mark, x, 10).marked).length,
    ).toBeGreaterThan(0);
  }, 600_000);

  test('the same model packaged without the mark answers exactly the TFLite runtime outputs', async () => {
    expect((await flashPackage(client, packageFor(uid, 2))).slot).toBe(1);
    const info = await client.info();
    expect(info.queries!.responseMark).toBe(false);
    expect(queryStateLines(info.queries!, info.package)).toContainEqual(expect.stringMatching(/^response mark +off/));
    for (const x of xs.slice(0, 40)) expect(Array.from((await client.run(1, x)).outputs[0].int8)).toEqual(reference(x));
  }, 300_000);

  test('a mark record turned off or changed in the package is refused (tag), and an out-of-range one signed by the vendor too', async () => {
    const p = packageFor(uid, 3, mark);
    const d = decodePackage(p);
    const at = d.records.find((r) => r.name === 'responseMark')!.valueOffset;
    const lowered = Buffer.from(p);
    lowered.writeUInt32LE(1, at); // rate 30% → 1 per million
    expect(await errorCode(flashPackage(client, lowered, undefined, d))).toBe('E_PACKAGE_AUTH');
    // the record removed (the package the vendor would have built without it) under the marked package's tag
    const off = packageFor(uid, 3);
    p.copy(off, off.length - TAG_SIZE, p.length - TAG_SIZE);
    expect(await errorCode(flashPackage(client, off))).toBe('E_PACKAGE_AUTH');
    // rate 0, levels 1, scheme 3, scheme 1 with a gate, scheme 2 with a gate below zero, -0, +inf or NaN or a
    // non-zero reserved byte, signed with the real package key: the board's parser refuses what it cannot apply
    const scheme2 =
      (gate: number, reserved = 0) =>
      (b: Buffer) => {
        b[at + 7] = 2;
        b.writeFloatLE(gate, at + 8);
        b[at + 12] = reserved;
      };
    const edits: ((b: Buffer) => void)[] = [
      (b) => b.writeUInt32LE(0, at),
      (b) => (b[at + 6] = 1),
      (b) => (b[at + 7] = 3),
      (b) => b.writeFloatLE(20, at + 8),
      scheme2(-1),
      scheme2(-0),
      scheme2(Infinity),
      scheme2(NaN),
      scheme2(20, 1),
    ];
    for (const edit of edits) {
      const bad = Buffer.from(p);
      edit(bad);
      createHmac('sha256', derivePackageKey(deriveDeviceKey(master, uid)))
        .update(bad.subarray(0, bad.length - TAG_SIZE))
        .digest()
        .copy(bad, bad.length - TAG_SIZE);
      expect(() => decodePackage(bad)).toThrow(/responseMark/); // the host refuses it too
      const asIs = { ...d, sha256: '' }; // send it as it is
      expect(await errorCode(flashPackage(client, bad, undefined, asIs))).toBe('E_PACKAGE_INVALID');
    }
    // the unmarked package (counter 2) is still the active one and answers unmarked
    const x = xs[0];
    const active = (await client.info()).package!.activeSlot;
    expect(active).not.toBeNull();
    expect(Array.from((await client.run(active!, x)).outputs[0].int8)).toEqual(reference(x));
  }, 300_000);

  test('scheme 2 with a gate: only unsure answers are marked, never with the runner-up, as applyMark computes', async () => {
    // the gate at the median margin of these inputs, so that about half of the answers can be marked at all
    const margins = xs.map((x) => {
      const r = reference(x);
      const top = firstArgmax(r);
      return r[top] - r[runnerUp(r, top)];
    });
    const gate = [...margins].sort((a, b) => a - b)[Math.floor(margins.length / 2)];
    const gated: ResponseMarkParams = { ...mark, skipRunnerUp: true, gate };
    const slot = (await flashPackage(client, packageFor(uid, 4, gated))).slot;
    const key = responseMarkKey(master, uid);
    let marked = 0;
    let closed = 0;
    for (const x of xs) {
      const want = reference(x);
      const m = applyMark(key, gated, x, want);
      const got = Array.from((await client.run(slot, x)).outputs[0].int8);
      expect(got).toEqual(m.answer);
      if (!m.decision) closed++;
      if (m.decision?.marked) {
        marked++;
        const top = firstArgmax(want);
        expect(firstArgmax(got)).not.toBe(runnerUp(want, top));
        expect(firstArgmax(got)).toBe(keyedClass(top, m.decision.offset, want.length, runnerUp(want, top)));
      }
    }
    // some answers closed by the gate, and 30% of the others marked (6 sigma either side)
    const open = xs.length - closed;
    expect(closed).toBeGreaterThan(0);
    expect(marked).toBeGreaterThan(0.3 * open - 6 * Math.sqrt(0.21 * open));
    expect(marked).toBeLessThan(0.3 * open + 6 * Math.sqrt(0.21 * open));
  }, 300_000);
});
