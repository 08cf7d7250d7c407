/**
 * Flashing authenticated packages on the host-sim firmware (the real C firmware core built natively): activation,
 * skip when identical, every byte class of a package tampered (refused by the board, previous model still active
 * and running), anti-rollback, wrong device, unprovisioned board, attestation, and a board killed mid-flash and
 * restarted (previous model runs, the upload resumes and completes). Model outputs are checked against the
 * official TFLite runtime.
 */
import { randomBytes } from 'crypto';
import { RunningBoard } from '../../src/board';
import { DeviceClient, withDevice } from '../../src/device/client';
import { attest } from '../../src/factory/attest';
import { FLASH_CHUNK_BYTES, flashPackage, flashPort } from '../../src/factory/flash';
import { decodePackage } from '../../src/package/decode';
import { HEADER_SIZE, RECORD_HEADER_SIZE, TAG_SIZE, pad16 } from '../../src/package/format';
import { fcModelOfSize } from '../device/models';
import { openClientThroughProxy, retryingPortLock } from '../device/fault-proxy';
import { removeRunRoot, stopAllBoards } from '../device/helpers';
import {
  errorCode,
  inputOf,
  killAndRestart,
  master,
  oracleOutput,
  pkg,
  provisionedBoard,
  runSlot,
} from './flash-helpers';

afterAll(async () => {
  await stopAllBoards();
  removeRunRoot();
});

const modelA = fcModelOfSize(11, 6000);
const modelB = fcModelOfSize(12, 6000);
const modelC = fcModelOfSize(13, 30000); // several chunks
const noop = () => undefined;

describe('flash on host-sim', () => {
  let board: RunningBoard;
  let client: DeviceClient;
  let uid: Buffer;
  let input: Int8Array;
  let baseline: number[];

  beforeAll(async () => {
    ({ board, client, uid } = await provisionedBoard('host-sim'));
  });
  afterAll(async () => {
    await client?.close().catch(() => undefined);
  });

  test('a fresh package is uploaded, verified and activated; its model runs like the TFLite runtime', async () => {
    const a = pkg(modelA, uid, '1.0.0', 5);
    const events: string[] = [];
    const r = await flashPackage(client, a, (e) => events.push(e.event));
    expect(r).toMatchObject({ slot: 0, skipped: false, resumedFrom: 0, version: '1.0.0', securityCounter: 5 });
    expect(events).toEqual(expect.arrayContaining(['begin', 'progress', 'verify', 'activated']));
    const info = await client.info();
    expect(info.package).toEqual({ activeSlot: 0, securityCounter: 5 });
    expect(info.modelSlots[0]).toMatchObject({ state: 'ready', size: a.length, sha256: decodePackage(a).sha256 });
    const io = await client.modelIo(0);
    input = inputOf(io.inputs[0].bytes);
    baseline = await runSlot(client, 0, input);
    const ref = await oracleOutput(modelA, input, io.inputs[0].shape);
    expect(baseline.length).toBe(ref.length);
    baseline.forEach((v, i) => expect(Math.abs(v - ref[i])).toBeLessThanOrEqual(1));
  });

  test('the identical package again is skipped (nothing erased or uploaded)', async () => {
    const before = (await client.info()).executed;
    const r = await flashPackage(client, pkg(modelA, uid, '1.0.0', 5));
    expect(r).toMatchObject({ skipped: true, slot: 0, chunks: 0 });
    expect((await client.info()).executed - before).toBe(2); // the INFO of flashPackage and this one
    expect(await runSlot(client, 0, input)).toEqual(baseline);
  });

  // Every byte class of a package, tampered, and the status the board answers for it.
  const b = pkg(modelB, Buffer.alloc(16), '2.0.0', 6); // layout only; rebuilt for the board's uid below
  const layout = decodePackage(b);
  const cases: [string, number, string][] = [
    ['header magic', 0, 'E_PACKAGE_INVALID'],
    ['header format version', 4, 'E_PACKAGE_INVALID'],
    ['header size', 6, 'E_PACKAGE_INVALID'],
    ['header record count', 8, 'E_PACKAGE_INVALID'],
    ['header tag kind', 10, 'E_PACKAGE_INVALID'],
    ['header reserved', 11, 'E_PACKAGE_INVALID'],
    ['header total size', 13, 'E_PACKAGE_INVALID'],
    ['header reserved tail', 31, 'E_PACKAGE_INVALID'],
  ];
  for (const r of layout.records) {
    cases.push([`record ${r.name}: type`, r.offset, 'E_PACKAGE_INVALID']);
    cases.push([`record ${r.name}: reserved`, r.offset + 2, 'E_PACKAGE_INVALID']);
    cases.push([`record ${r.name}: length`, r.offset + 5, 'E_PACKAGE_INVALID']);
    cases.push([`record ${r.name}: reserved tail`, r.offset + RECORD_HEADER_SIZE - 1, 'E_PACKAGE_INVALID']);
    cases.push([
      `record ${r.name}: value`,
      r.valueOffset + (r.length >> 1),
      r.name === 'deviceUid' ? 'E_PACKAGE_WRONG_DEVICE' : 'E_PACKAGE_AUTH',
    ]);
    if (pad16(r.length) > r.length)
      cases.push([`record ${r.name}: padding`, r.valueOffset + r.length, 'E_PACKAGE_INVALID']);
  }
  cases.push(['model bytes (first)', layout.records[0].valueOffset, 'E_PACKAGE_AUTH']);
  cases.push(['model bytes (last)', layout.records[0].valueOffset + layout.records[0].length - 1, 'E_PACKAGE_AUTH']);
  cases.push(['tag (first byte)', b.length - TAG_SIZE, 'E_PACKAGE_AUTH']);
  cases.push(['tag (last byte)', b.length - 1, 'E_PACKAGE_AUTH']);
  expect(HEADER_SIZE).toBe(32);

  test.each(cases)(
    'tampered %s (byte %i): refused with %s; the previous model stays active and runs',
    async (_name, at, code) => {
      const good = pkg(modelB, uid, '2.0.0', 6);
      const bad = Buffer.from(good);
      bad[at] ^= 0x01;
      expect(await errorCode(flashPackage(client, bad, noop, decodePackage(good)))).toBe(code);
      const info = await client.info();
      expect(info.package).toEqual({ activeSlot: 0, securityCounter: 5 });
      expect(info.modelSlots[1].state).toBe('empty');
      expect(await runSlot(client, 0, input)).toEqual(baseline);
    },
  );

  test('a package for another device uid is refused; one for this uid under another master key is not authentic', async () => {
    expect(await errorCode(flashPackage(client, pkg(modelB, randomBytes(16), '2.0.0', 6)))).toBe(
      'E_PACKAGE_WRONG_DEVICE',
    );
    expect(await errorCode(flashPackage(client, pkg(modelB, uid, '2.0.0', 6, randomBytes(32))))).toBe('E_PACKAGE_AUTH');
    expect((await client.info()).package).toEqual({ activeSlot: 0, securityCounter: 5 });
    expect(await runSlot(client, 0, input)).toEqual(baseline);
  });

  test('anti-rollback: a lower security counter is refused, an equal or higher one activates in the other slot', async () => {
    expect(await errorCode(flashPackage(client, pkg(modelB, uid, '0.9.0', 4)))).toBe('E_PACKAGE_ROLLBACK');
    expect((await client.info()).package).toEqual({ activeSlot: 0, securityCounter: 5 });
    expect(await runSlot(client, 0, input)).toEqual(baseline);
    const r = await flashPackage(client, pkg(modelB, uid, '2.0.0', 5));
    expect(r).toMatchObject({ slot: 1, skipped: false, securityCounter: 5 });
    const r2 = await flashPackage(client, pkg(modelA, uid, '2.1.0', 9));
    expect(r2).toMatchObject({ slot: 0, securityCounter: 9 });
    expect((await client.info()).package).toEqual({ activeSlot: 0, securityCounter: 9 });
    expect(await errorCode(flashPackage(client, pkg(modelB, uid, '2.0.0', 5)))).toBe('E_PACKAGE_ROLLBACK');
    expect(await runSlot(client, 0, input)).toEqual(baseline);
  });

  test('attestation: genuine under the right master key with the active package hash, version and counter; not genuine under another', async () => {
    const active = (await client.info()).modelSlots[0].sha256;
    const a = await attest(client, master);
    expect(a).toMatchObject({
      uid: uid.toString('hex'),
      genuineDevice: true,
      genuineModel: true,
      activeSlot: 0,
      packageSha256: active,
      version: '2.1.0',
      securityCounter: 9,
    });
    const wrong = await attest(client, randomBytes(32));
    expect(wrong).toMatchObject({ genuineDevice: false, genuineModel: false });
    expect(wrong.reason).toMatch(/does not verify/);
  });

  test('killed mid-flash and restarted: the previous model still runs, the upload resumes and completes', async () => {
    const next = pkg(modelC, uid, '3.0.0', 10);
    const sha = decodePackage(next).sha256;
    const begin = await client.call('FLASH_BEGIN', { size: next.length, sha256: Buffer.from(sha, 'hex') });
    expect(begin.fields.slot).toBe(1);
    let off = 0;
    for (let i = 0; i < 2; i++) {
      off = (await client.call('FLASH_CHUNK', { offset: off, data: next.subarray(off, off + FLASH_CHUNK_BYTES) }))
        .fields.next_offset as number;
    }
    expect(off).toBe(2 * FLASH_CHUNK_BYTES);
    ({ board, client } = await killAndRestart(board, client));
    const info = await client.info();
    expect(info.package).toEqual({ activeSlot: 0, securityCounter: 9 });
    expect(info.modelSlots[1]).toMatchObject({ state: 'loading', size: next.length, sha256: sha });
    expect(await runSlot(client, 0, input)).toEqual(baseline);
    const st = (await client.call('FLASH_STATUS')).fields;
    expect(st).toMatchObject({ loading: 1, slot: 1, size: next.length });
    expect(st.next_offset).toBeLessThanOrEqual(off);
    expect(st.next_offset).toBeGreaterThan(off - 64); // trailing 0xFF bytes of the last chunk are resent
    await client.close();
    const events: { event: string; done?: number }[] = [];
    const r = await flashPort(board.port, next, (e) => events.push(e));
    client = await DeviceClient.open(board.port);
    expect(r.resumedFrom).toBe(st.next_offset);
    expect(events.find((e) => e.event === 'resume')?.done).toBe(st.next_offset);
    expect(r).toMatchObject({ slot: 1, skipped: false, version: '3.0.0' });
    expect((await client.info()).package).toEqual({ activeSlot: 1, securityCounter: 10 });
    const out = await runSlot(client, 1, input);
    const ref = await oracleOutput(modelC, input, (await client.modelIo(1)).inputs[0].shape);
    expect(out.length).toBe(ref.length);
    out.forEach((v, i) => expect(Math.abs(v - ref[i])).toBeLessThanOrEqual(1));
  });

  test("a lost link (no reset): reconnecting resumes exactly at the board's RAM position", async () => {
    const next = pkg(modelC, uid, '3.0.1', 10);
    await client.call('FLASH_BEGIN', { size: next.length, sha256: Buffer.from(decodePackage(next).sha256, 'hex') });
    let off = 0;
    for (let i = 0; i < 3; i++)
      off = (await client.call('FLASH_CHUNK', { offset: off, data: next.subarray(off, off + FLASH_CHUNK_BYTES) }))
        .fields.next_offset as number;
    await client.close(); // the station drops the link; the board keeps running
    const r = await flashPort(board.port, next);
    client = await DeviceClient.open(board.port);
    expect(r).toMatchObject({ resumedFrom: off, skipped: false, version: '3.0.1' });
    expect((await client.info()).package!.securityCounter).toBe(10);
  });

  test('a resumed upload whose stored prefix differs from the package starts over', async () => {
    const other = pkg(modelA, uid, '3.1.0', 10);
    const sha = Buffer.from(decodePackage(other).sha256, 'hex');
    await client.call('FLASH_BEGIN', { size: other.length, sha256: sha });
    const wrong = Buffer.from(other.subarray(0, FLASH_CHUNK_BYTES));
    wrong[7] ^= 0xff; // the board stores bytes that are not the package's
    await client.call('FLASH_CHUNK', { offset: 0, data: wrong });
    const active = (await client.info()).package!.activeSlot;
    const r = await flashPackage(client, other);
    expect(r).toMatchObject({ resumedFrom: 0, slot: 1 - active!, version: '3.1.0' });
    expect((await client.info()).package!.activeSlot).toBe(1 - active!);
  });
});

describe('an unprovisioned board', () => {
  test('refuses packages (it cannot verify them) and does not attest', async () => {
    const { client, uid } = await provisionedBoard('host-sim', false);
    try {
      expect(await errorCode(flashPackage(client, pkg(modelA, uid, '1.0.0', 1)))).toBe('E_DEVICE_KEY_EMPTY');
      expect((await client.info()).package).toEqual({ activeSlot: null, securityCounter: 0 });
      const a = await attest(client, master);
      expect(a).toMatchObject({ genuineDevice: false, genuineModel: false });
      expect(a.reason).toMatch(/not provisioned/);
    } finally {
      await client.close();
    }
  });
});

describe('flashing through a faulty link (dropped, corrupted, duplicated, replayed and delayed bytes)', () => {
  test('the package arrives intact, is activated, and every request ran exactly once', async () => {
    const { board: b, client: c0, uid: id } = await provisionedBoard('host-sim');
    const before = await c0.info();
    await c0.close();
    const { proxy, client: c } = await openClientThroughProxy(
      b.port,
      { drop: 5e-5, corrupt: 5e-5, duplicate: 5e-5, replay: 0.1, delay: 0.1, delayMs: 50 },
      { drop: 1e-3, corrupt: 1e-3, duplicate: 1e-3, delay: 0.1, delayMs: 50 },
      4242,
      { attempts: 30, timeoutScale: 0.05 },
    );
    let requests = 0;
    let retries = 0;
    try {
      try {
        const r = await flashPackage(c, pkg(modelC, id, '1.0.0', 1));
        expect(r).toMatchObject({ slot: 0, skipped: false });
        ({ requests, retries } = c.transport.stats);
      } finally {
        await c.close();
      }
    } finally {
      await proxy.stop();
    }
    // the proxy has just let go of the board's pty; a lock still held for a moment is retried (fault-proxy.ts)
    const after = await retryingPortLock('board port', 'trying again', () => withDevice(b.port, (c) => c.info()));
    expect(after.package).toEqual({ activeSlot: 0, securityCounter: 1 });
    expect(retries).toBeGreaterThan(0);
    expect(after.executed - before.executed).toBe(requests + 1); // + 1: the INFO that reads `after` counts itself
  }, 120000);
});
