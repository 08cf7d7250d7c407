import * as crypto from 'crypto';
import { DeviceClient, withDevice } from '../../src/device';
import { Faults, openClientThroughProxy, retryingPortLock, startFaultProxy } from './fault-proxy';
import { DEV, QEMU_BOARDS, removeRunRoot, startTestBoard, stopAllBoards } from './helpers';
import { fcModelOfSize } from './models';

afterAll(async () => {
  await stopAllBoards();
  removeRunRoot();
});

interface Scenario {
  name: string;
  toBoard: Faults;
  toHost: Faults;
}

// Per-byte rates are low because one 4 KiB chunk frame is ~4,100 bytes: at 1e-4 a chunk is hit ~40% of the time.
const SCENARIOS: Scenario[] = [
  { name: 'dropped bytes', toBoard: { drop: 1e-4 }, toHost: { drop: 2e-3 } },
  { name: 'corrupted bytes', toBoard: { corrupt: 1e-4 }, toHost: { corrupt: 2e-3 } },
  {
    name: 'duplicated bytes and replayed frames',
    toBoard: { duplicate: 1e-4, replay: 0.2 },
    toHost: { duplicate: 2e-3 },
  },
  { name: 'delayed bytes', toBoard: { delay: 0.3, delayMs: 80 }, toHost: { delay: 0.3, delayMs: 80 } },
  {
    name: 'everything at once',
    toBoard: { drop: 5e-5, corrupt: 5e-5, duplicate: 5e-5, replay: 0.1, delay: 0.1, delayMs: 50 },
    toHost: { drop: 1e-3, corrupt: 1e-3, duplicate: 1e-3, delay: 0.1, delayMs: 50 },
  },
];

/**
 * Runs a provisioning-like session through the faulty link and checks every answer against values computed on the
 * host. Afterwards, over a clean link, the device's executed-request counter must equal the number of requests the
 * host issued: each was executed exactly once, whatever was lost, corrupted or repeated on the way.
 */
async function session(c: DeviceClient, model: Buffer, pings: number) {
  try {
    const key = crypto.randomBytes(32);
    for (let i = 0; i < pings; i++) {
      const data = crypto.randomBytes(50 + ((i * 97) % 400));
      expect((await c.ping(data)).equals(data)).toBe(true); // the client also rejects a differing echo
    }
    expect(await c.keyWrite(key)).toBe('written'); // 'unchanged' would mean the write ran twice
    expect((await c.keyCheck()).toString('hex')).toBe(crypto.createHmac('sha256', key).update('check').digest('hex'));
    const r = await c.loadModelDev(model, 0);
    expect(r.sha256).toBe(crypto.createHash('sha256').update(model).digest('hex'));
    const info = await c.info();
    expect(info.modelSlots[0]).toMatchObject({ state: 'ready', size: model.length });
    return { requests: c.transport.stats.requests, retries: c.transport.stats.retries };
  } finally {
    await c.close();
  }
}

const openThroughProxy = (boardPort: string, s: Scenario, seed: number, timeoutScale = 0.05) =>
  openClientThroughProxy(boardPort, s.toBoard, s.toHost, seed, { attempts: 30, timeoutScale });

describe('fault injection between host and host-sim', () => {
  test.each(SCENARIOS.map((s, i) => [s.name, s, i] as const))(
    '%s: every command completes with the right answer, executed once',
    async (_n, s, i) => {
      const b = await startTestBoard('host-sim', undefined, DEV);
      const { proxy, client } = await openThroughProxy(b.port, s, 1000 + i);
      const run = await session(client, fcModelOfSize(1000 + i, 40 * 1024), 60).finally(() => proxy.stop());
      // the proxy has just let go of the board port; a refused pty lock there is retried, as flash.test does
      const clean = await retryingPortLock('board port', 'trying again', () => withDevice(b.port, (c) => c.info()));
      expect(clean.executed).toBe(run.requests + 1);
      const injected = Object.values(proxy.stats).reduce(
        (n, st) => n + st.dropped + st.corrupted + st.duplicated + st.delayed + st.replayed,
        0,
      );
      expect(injected).toBeGreaterThan(0);
      if (!s.name.startsWith('delayed')) expect(run.retries).toBeGreaterThan(0);
    },
  );

  test('a dead link fails with a clear E_DEVICE_TIMEOUT, not a wrong answer', async () => {
    const b = await startTestBoard('host-sim', undefined, DEV);
    const proxy = await startFaultProxy(b.port, { drop: 1 }, {}, 7);
    try {
      const c = await DeviceClient.open(proxy.hostPort, { attempts: 3, timeoutScale: 0.05 });
      await expect(c.info()).rejects.toMatchObject({ code: 'E_DEVICE_TIMEOUT' });
      await c.close();
    } finally {
      await proxy.stop();
    }
  });
});

/**
 * The full scenario matrix runs on host-sim (fast, the same firmware core); each QEMU board (the M4, and the M33 whose
 * non-secure image owns the link and hands key and model commands to the secure image) gets the mixed scenario,
 * which exercises every fault kind at once, to keep CI time in check.
 */
describe.each(QEMU_BOARDS)('fault injection between host and the QEMU board %s', (board) => {
  test('mixed faults: commands complete with the right answers, each executed once', async () => {
    const b = await startTestBoard(board, undefined, DEV);
    await withDevice(b.port, (c) => c.info()); // QEMU attaches to the pty lazily; settle before measuring
    const before = await withDevice(b.port, (c) => c.info());
    const mixed: Scenario = {
      name: 'mixed',
      toBoard: { drop: 5e-5, corrupt: 5e-5, duplicate: 5e-5, replay: 0.2, delay: 0.1, delayMs: 50 },
      toHost: { drop: 3e-4, corrupt: 3e-4, duplicate: 3e-4, delay: 0.1, delayMs: 50 },
    };
    const { proxy, client } = await openThroughProxy(b.port, mixed, 99, 0.5);
    const run = await session(client, fcModelOfSize(99, 6 * 1024), 15).finally(() => proxy.stop());
    expect(run.retries).toBeGreaterThan(0);
    const after = await retryingPortLock('board port', 'trying again', () => withDevice(b.port, (c) => c.info()));
    expect(after.executed - before.executed).toBe(run.requests + 1);
  }, 240000);
});
