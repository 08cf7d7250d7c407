/**
 * `edgelock device info` reports the active package's query limits and the board's counts against them (INFO's
 * QUERY_STATE record), read from the real firmware on host-sim: the limits are the package's, the counts move with
 * every admitted inference, the per-boot count and rate window restart after a power cut while the lifetime count
 * does not, and the counts INFO gives equal those of the board's own refusal record when it stops answering.
 */
import { DeviceClient, QueryLimitRefusal } from '../../src/device/client';
import { EdgelockError } from '../../src/errors';
import { flashPackage } from '../../src/factory/flash';
import { buildPackage } from '../../src/package/build';
import { fcModelOfSize } from './models';
import { removeRunRoot, stopAllBoards } from './helpers';
import { inputOf, killAndRestart, master, provisionedBoard } from '../factory/flash-helpers';
import { runCli } from '../helpers/cli';

afterAll(async () => {
  await stopAllBoards();
  removeRunRoot();
});

const WINDOW = 600_000;

test('device info shows the query limits of the active package and the inferences counted against them', async () => {
  let { board, client, uid } = await provisionedBoard('host-sim');
  try {
    const before = await client.info();
    expect(before.queries).toEqual({
      limits: null,
      lifetimeUsed: 0,
      bootUsed: 0,
      windowUsed: 0,
      windowLeftMs: 0,
      responseMark: false,
    });
    const model = fcModelOfSize(21, 3000);
    const limits = { lifetime: 6, perBoot: 4, rateCount: 3, rateWindowMs: WINDOW };
    const pkg = buildPackage(model, {
      master,
      deviceUid: uid,
      version: '1.0.0',
      securityCounter: 3,
      queryLimits: limits,
    }).bytes;
    const { slot } = await flashPackage(client, pkg);
    const input = inputOf((await client.modelIo(slot)).inputs[0].bytes);
    expect((await client.info()).queries).toEqual({
      limits,
      lifetimeUsed: 0,
      bootUsed: 0,
      windowUsed: 0,
      windowLeftMs: 0,
      responseMark: false,
    });
    await client.run(slot, input);
    await client.run(slot, input);
    const q = (await client.info()).queries!;
    expect(q).toMatchObject({ limits, lifetimeUsed: 2, bootUsed: 2, windowUsed: 2 });
    expect(q.windowLeftMs).toBeGreaterThan(0);
    expect(q.windowLeftMs).toBeLessThanOrEqual(WINDOW);

    await client.close();
    const text = runCli(['device', 'info', '--port', board.port]);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain(`query limits      lifetime 6, per boot 4, rate 3 per ${WINDOW} ms\n`);
    expect(text.stdout).toMatch(
      /inferences {8}lifetime 2 of 6 \(security counter 3\), this boot 2 of 4, current window 2 of 3 \(\d+ ms left\)\n/,
    );
    const json = JSON.parse(runCli(['device', 'info', '--port', board.port, '--json']).stdout);
    expect(json.queries).toMatchObject({ limits, lifetimeUsed: 2, bootUsed: 2, windowUsed: 2 });

    // a power cut: the per-boot count and the rate window start again, the lifetime count is in flash
    client = await DeviceClient.open(board.port);
    ({ board, client } = await killAndRestart(board, client));
    expect((await client.info()).queries).toEqual({
      limits,
      lifetimeUsed: 2,
      bootUsed: 0,
      windowUsed: 0,
      windowLeftMs: 0,
      responseMark: false,
    });
    // three more fill the rate window; the fourth is refused with the same counts INFO reports
    for (let i = 0; i < 3; i++) await client.run(slot, input);
    const refusal = await client.run(slot, input).then(
      () => null,
      (e: unknown) => (e as EdgelockError & { queryLimit?: QueryLimitRefusal }).queryLimit ?? null,
    );
    expect(refusal).toMatchObject({ kind: 'rate', limit: 3, used: 3 });
    const after = (await client.info()).queries!;
    expect(after).toMatchObject({ lifetimeUsed: 5, bootUsed: 3, windowUsed: refusal!.used });
    expect(after.windowLeftMs).toBeLessThanOrEqual(refusal!.retryAfterMs);
  } finally {
    await client.close().catch(() => undefined);
  }
}, 300_000);
