/**
 * Query limits enforced by the real firmware (host-sim, QEMU Cortex-M4 an386, QEMU Cortex-M33 an505 where the check
 * runs in the TrustZone secure image), attacked the way a holder of the board would: queries past the per-boot and
 * the lifetime budget are refused with their stable codes and nothing runs; a reset restores the per-boot budget but
 * not the lifetime one, and neither does a power cut (SIGKILL of host-sim); the rate limit refuses, says how long
 * to wait, and answers again once the window has passed; a budget changed in the package breaks its tag, and a
 * vendor-signed budget the board cannot enforce (all zero, rate without window, window over a day) or the reserved
 * security counter 0xFFFFFFFF is refused even with a valid tag. Outputs of admitted queries are the TFLite runtime's.
 */
import { createHmac } from 'crypto';
import { execFileSync } from 'child_process';
import * as path from 'path';
import { RunningBoard } from '../../src/board';
import { boardByName, buildDir } from '../../src/board/build';
import { DeviceClient, QueryLimitRefusal } from '../../src/device/client';
import { EdgelockError } from '../../src/errors';
import { flashPackage } from '../../src/factory/flash';
import { deriveDeviceKey } from '../../src/keys/derive';
import { buildPackage } from '../../src/package/build';
import { decodePackage } from '../../src/package/decode';
import { TAG_SIZE } from '../../src/package/format';
import { derivePackageKey } from '../../src/package/keys';
import { QueryLimits } from '../../src/package/query-limits';
import { RECORDS, commandByName } from '../../src/protocol/definition';
import { decodeFields, encodeFields } from '../../src/protocol/payload';
import { fcModelOfSize } from '../device/models';
import { removeRunRoot, stopAllBoards } from '../device/helpers';
import { errorCode, inputOf, killAndRestart, master, oracleOutput, provisionedBoard } from '../factory/flash-helpers';

afterAll(async () => {
  await stopAllBoards();
  removeRunRoot();
});

const model = fcModelOfSize(21, 3000);
const none = { lifetime: 0, perBoot: 0, rateCount: 0, rateWindowMs: 0 };

function limited(uid: Uint8Array, counter: number, queryLimits?: QueryLimits): Buffer {
  return buildPackage(model, {
    master,
    deviceUid: uid,
    version: `1.0.${counter}`,
    securityCounter: counter,
    queryLimits,
  }).bytes;
}

/** A package whose limits value (or counter) is rewritten and whose tag is recomputed with the real package key: what
 * only the vendor could make — the board must still refuse values it cannot enforce. */
function resigned(uid: Buffer, counter: number, edit: (p: Buffer, valueAt: (name: string) => number) => void): Buffer {
  const p = Buffer.from(limited(uid, counter, { ...none, perBoot: 1 }));
  const d = decodePackage(p);
  edit(p, (name) => d.records.find((r) => r.name === name)!.valueOffset);
  const key = derivePackageKey(deriveDeviceKey(master, uid));
  createHmac('sha256', key)
    .update(p.subarray(0, p.length - TAG_SIZE))
    .digest()
    .copy(p, p.length - TAG_SIZE);
  return p;
}

async function refusal(p: Promise<unknown>): Promise<{ code: string; limit?: QueryLimitRefusal }> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  if (e === undefined) return { code: 'answered' };
  if (!(e instanceof EdgelockError)) throw e;
  return { code: e.code, limit: (e as EdgelockError & { queryLimit?: QueryLimitRefusal }).queryLimit };
}

describe.each(['host-sim', 'qemu-mps2-an386', 'qemu-mps2-an505'] as const)('query limits on %s', (boardName) => {
  let board: RunningBoard;
  let client: DeviceClient;
  let uid: Buffer;
  let x: Int8Array;
  let want: number[];
  const run = () => client.run(0, x).then((r) => Array.from(r.outputs[0].int8));

  beforeAll(async () => {
    ({ board, client, uid } = await provisionedBoard(boardName));
  }, 120_000);
  afterAll(async () => {
    await client?.close().catch(() => undefined);
  });

  test('per-boot 3, lifetime 5: the 4th query of a boot and the 6th overall are refused; a reset restores only the per-boot budget', async () => {
    const r = await flashPackage(client, limited(uid, 2, { ...none, lifetime: 5, perBoot: 3 }));
    expect(r.slot).toBe(0);
    const io = await client.modelIo(0);
    x = inputOf(io.inputs[0].bytes);
    want = await oracleOutput(model, x, io.inputs[0].shape);
    for (let i = 0; i < 3; i++) (await run()).forEach((v, j) => expect(Math.abs(v - want[j])).toBeLessThanOrEqual(1));
    expect(await refusal(run())).toEqual({
      code: 'E_DEVICE_QUERY_BUDGET',
      limit: { kind: 'per-boot', limit: 3, used: 3, retryAfterMs: 0 },
    });
    await client.reset();
    await run();
    await run();
    expect(await refusal(run())).toEqual({
      code: 'E_DEVICE_QUERY_BUDGET',
      limit: { kind: 'lifetime', limit: 5, used: 5, retryAfterMs: 0 },
    });
    await client.reset();
    expect((await refusal(run())).limit).toMatchObject({ kind: 'lifetime', used: 5 });
  }, 180_000);

  test('a power cut (the board process killed) does not give the lifetime budget back', async () => {
    ({ board, client } = await killAndRestart(board, client));
    expect((await refusal(run())).limit).toMatchObject({ kind: 'lifetime', limit: 5, used: 5 });
  }, 120_000);

  test('the same package flashed again, or another one with the same security counter, keeps the spent budget; a higher counter starts a new one', async () => {
    expect((await flashPackage(client, limited(uid, 2, { ...none, lifetime: 5, perBoot: 3 }))).skipped).toBe(true);
    expect((await flashPackage(client, limited(uid, 2, { ...none, lifetime: 6 }))).slot).toBe(1);
    await client.call('RUN', { slot: 1, input: Buffer.from(x.buffer, x.byteOffset, x.byteLength) }); // the 6th
    expect((await refusal(client.run(1, x))).limit).toMatchObject({ kind: 'lifetime', limit: 6, used: 6 });
    // the lifetime count applies to every slot on the board (the active package's limits), not only the active one
    expect((await refusal(run())).limit).toMatchObject({ kind: 'lifetime', limit: 6, used: 6 });
    expect((await flashPackage(client, limited(uid, 3, { ...none, lifetime: 2 }))).slot).toBe(0);
    await run();
    await run();
    expect((await refusal(run())).limit).toMatchObject({ kind: 'lifetime', limit: 2, used: 2 });
  }, 180_000);

  test('rate 2 per 400 ms of board time: the 3rd query in a window is refused with the wait, and answered after it', async () => {
    await client.reset(); // new boot, so the per-boot count of earlier tests is gone
    expect((await flashPackage(client, limited(uid, 4, { ...none, rateCount: 2, rateWindowMs: 400 }))).slot).toBe(1);
    await client.run(1, x);
    await client.run(1, x);
    const r = await refusal(client.run(1, x));
    expect(r.code).toBe('E_DEVICE_QUERY_RATE');
    expect(r.limit).toMatchObject({ kind: 'rate', limit: 2, used: 2 });
    expect(r.limit!.retryAfterMs).toBeGreaterThan(0);
    expect(r.limit!.retryAfterMs).toBeLessThanOrEqual(400);
    // board time: the host waits what the board said; QEMU's virtual clock follows the host's while the board idles
    let answered = false;
    for (let i = 0; i < 20 && !answered; i++) {
      await new Promise((res) => setTimeout(res, r.limit!.retryAfterMs + 50));
      answered = (await refusal(client.run(1, x))).code === 'answered';
    }
    expect(answered).toBe(true);
  }, 180_000);

  test(
    'tampering with the budget: a changed limit breaks the tag; limits the board cannot enforce and the ' +
      'reserved counter are refused even when signed',
    async () => {
      const before = (await client.info()).package;
      const good = limited(uid, 5, { ...none, lifetime: 1 });
      const d = decodePackage(good);
      const at = d.records.find((r) => r.name === 'queryLimits')!.valueOffset;
      const raised = Buffer.from(good);
      raised.writeUInt32LE(1_000_000, at); // lifetime 1 → 1,000,000
      expect(await errorCode(flashPackage(client, raised, undefined, d))).toBe('E_PACKAGE_AUTH');
      const cases: [string, (p: Buffer, at: (n: string) => number) => void][] = [
        ['all limits 0', (p, v) => p.fill(0, v('queryLimits'), v('queryLimits') + 16)],
        ['a rate without a window', (p, v) => p.writeUInt32LE(10, v('queryLimits') + 8)],
        [
          'a window of a day and 1 ms',
          (p, v) => {
            p.writeUInt32LE(10, v('queryLimits') + 8);
            p.writeUInt32LE(86_400_001, v('queryLimits') + 12);
          },
        ],
        ['security counter 0xFFFFFFFF', (p, v) => p.writeUInt32LE(0xffffffff, v('securityCounter'))],
      ];
      for (const [name, edit] of cases) {
        const p = resigned(uid, 5, edit);
        const decoded = { ...decodePackage(good), sha256: '' }; // the host would refuse it: send it as it is
        expect([name, await errorCode(flashPackage(client, p, undefined, decoded))]).toEqual([
          name,
          'E_PACKAGE_INVALID',
        ]);
      }
      expect((await client.info()).package).toEqual(before);
    },
    180_000,
  );
  test('each sample of a watermark check is an inference: a request completing more samples than the budget has left runs none', async () => {
    const { slot } = await flashPackage(client, limited(uid, 6, { ...none, lifetime: 2 }));
    const size = (await client.modelIo(slot)).inputs[0].shape.reduce((a, b) => a * b, 1);
    const f32 = (v: number) => Buffer.from(Float32Array.of(v).buffer).readUInt32LE(0);
    await client.call('WATERMARK_BEGIN', {
      slot,
      encoding: 0,
      channels: 1,
      sample_size: size,
      positions: 4,
      delta: f32(0.25),
      lo: f32(-1),
      hi: f32(1),
      signature: Buffer.alloc(32, 7),
      table: Buffer.alloc(0),
    });
    const samples = (n: number) =>
      Buffer.from(Float32Array.from({ length: n * size }, (_, i) => ((i % 7) - 3) / 4).buffer);
    const r = await refusal(client.call('WATERMARK_BASES', { offset: 0, values: samples(3) }));
    expect(r).toEqual({
      code: 'E_DEVICE_QUERY_BUDGET',
      limit: { kind: 'lifetime', limit: 2, used: 0, retryAfterMs: 0 },
    });
    const ok = await client.call('WATERMARK_BASES', { offset: 0, values: samples(2) });
    expect((ok.fields.labels as Buffer).length).toBe(4); // two u16 labels
    await client.call('WATERMARK_END');
    expect((await refusal(client.run(slot, x))).limit).toMatchObject({ kind: 'lifetime', limit: 2, used: 2 });
  }, 120_000);
});

describe('query limits on host-sim across a full tally', () => {
  test('a lifetime budget of 1030 crosses the 1024-byte tally (record + erase) and still refuses the 1031st, also after a restart', async () => {
    let { board, client, uid } = await provisionedBoard('host-sim');
    try {
      await flashPackage(client, limited(uid, 1, { ...none, lifetime: 1030 }));
      const io = await client.modelIo(0);
      const x = inputOf(io.inputs[0].bytes);
      for (let i = 0; i < 1030; i++) await client.run(0, x);
      expect((await refusal(client.run(0, x))).limit).toMatchObject({ kind: 'lifetime', limit: 1030, used: 1030 });
      ({ board, client } = await killAndRestart(board, client));
      expect((await refusal(client.run(0, x))).limit).toMatchObject({ kind: 'lifetime', limit: 1030, used: 1030 });
    } finally {
      await client.close().catch(() => undefined);
    }
  }, 300_000);
});

/** Address of a symbol in an ELF file (local symbols included), from arm-none-eabi-nm. */
function symbol(elf: string, name: string): number {
  const out = execFileSync('arm-none-eabi-nm', [elf], { encoding: 'utf8' });
  const line = out.split('\n').find((l) => l.split(' ')[2] === name);
  if (!line) throw new Error(`${name} not in ${elf}`);
  return parseInt(line.split(' ')[0], 16);
}

test('qemu-mps2-an505: the non-secure image cannot reach the query counters or the flash they live in; the budget holds', async () => {
  const board = 'qemu-mps2-an505';
  const { client, uid } = await provisionedBoard(board, true, 'tz-probe');
  const probe = commandByName('PROBE_READ');
  try {
    await flashPackage(client, limited(uid, 1, { ...none, perBoot: 1, lifetime: 2 }));
    const io = await client.modelIo(0);
    const x = inputOf(io.inputs[0].bytes);
    await client.run(0, x);
    expect((await refusal(client.run(0, x))).code).toBe('E_DEVICE_QUERY_BUDGET');
    const secureElf = path.join(buildDir(boardByName(board), 'tz-probe'), 'secure.elf');
    const nsElf = path.join(path.dirname(secureElf), 'nonsecure.elf');
    // the non-secure image has no query-limit code to call: only the el_tz_command veneer into the secure one
    const nsSymbols = execFileSync('arm-none-eabi-nm', [nsElf], { encoding: 'utf8' });
    expect(nsSymbols).not.toMatch(/el_query_|g_boot_used|g_life/);
    for (const name of ['g_boot_used', 'g_window_used', 'g_life', 'g_limits', 'g_pool']) {
      const at = symbol(secureElf, name);
      for (const address of [at, at & ~0x10000000]) {
        const r = await client.transport.request(probe, encodeFields(probe.request, { address, length: 4 }));
        expect([name, address, r.status]).toEqual([name, address, 0x70]); // ERR_SECURE_FAULT
        expect(decodeFields(RECORDS.FAULT_RECORD, r.body)!.bytes_read).toBe(0);
      }
    }
    expect((await refusal(client.run(0, x))).limit).toMatchObject({ kind: 'per-boot', limit: 1, used: 1 });
  } finally {
    await client.close().catch(() => undefined);
  }
}, 240_000);
