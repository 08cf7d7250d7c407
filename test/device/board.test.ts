import * as crypto from 'crypto';
import { listBoards, stopBoard } from '../../src/board';
import { DeviceClient, withDevice } from '../../src/device';
import { EdgelockError } from '../../src/errors';
import { FIRMWARE_VERSION, LIMITS, PROTOCOL_VERSION } from '../../src/protocol/definition';
import { BOARD_NAMES, DEV, freshStateDir, removeRunRoot, startTestBoard, stopAllBoards } from './helpers';
import { fcModelOfSize } from './models';

const kcv = (key: Buffer): string => crypto.createHmac('sha256', key).update('check').digest('hex');
const sha = (b: Buffer): string => crypto.createHash('sha256').update(b).digest('hex');

async function expectCode(p: Promise<unknown>, code: string): Promise<void> {
  await expect(p).rejects.toBeInstanceOf(EdgelockError);
  await expect(p).rejects.toMatchObject({ code });
}

afterAll(async () => {
  await stopAllBoards();
  removeRunRoot();
});

describe.each(BOARD_NAMES)('board %s, real firmware over its serial port', (boardName) => {
  const stateDir = freshStateDir(boardName);
  const key1 = crypto.randomBytes(LIMITS.keySize);
  const key2 = crypto.randomBytes(LIMITS.keySize);
  // QEMU's UART is slow (see docs/porting.md): smaller transfers there keep the suite fast. The firmware
  // Prepares every loaded model (the int8 runtime is built in), so the payload is a valid int8 model.
  const model = fcModelOfSize(
    boardName === 'host-sim' ? 1 : 2,
    boardName === 'host-sim' ? 300 * 1024 : 40 * 1024 + 123,
  );
  let client: DeviceClient;
  let uid = '';

  beforeAll(async () => {
    const b = await startTestBoard(boardName, stateDir, DEV); // uploads raw models: the development flavour
    client = await DeviceClient.open(b.port);
  });
  afterAll(async () => {
    await client?.close();
  });

  test('INFO on a fresh board', async () => {
    const info = await client.info();
    expect(info.board).toBe(boardName);
    expect(info.protocolVersion).toBe(PROTOCOL_VERSION);
    expect(info.firmwareVersion).toBe(`${FIRMWARE_VERSION.major}.${FIRMWARE_VERSION.minor}.${FIRMWARE_VERSION.patch}`);
    expect(info.uid).toMatch(/^[0-9a-f]{32}$/);
    expect(info.uid).not.toBe('0'.repeat(32));
    expect(info.keyProvisioned).toBe(false);
    expect(info.maxPayload).toBe(LIMITS.maxPayload);
    expect(info.modelSlots.map((s) => s.state)).toEqual(Array(LIMITS.modelSlots).fill('empty'));
    expect(info.firmware).toEqual({ flavour: 'dev', devUpload: true });
    uid = info.uid;
  });

  test('PING echoes payloads up to the maximum size', async () => {
    for (const n of [0, 1, 255, 1000, LIMITS.maxPayload - 1]) {
      const data = crypto.randomBytes(n);
      expect((await client.ping(data)).equals(data)).toBe(true);
    }
  });

  test('key store: check before provisioning, write once, same key is a no-op, a different key is refused', async () => {
    await expectCode(client.keyCheck(), 'E_DEVICE_KEY_EMPTY');
    expect(await client.keyWrite(key1)).toBe('written');
    expect((await client.keyCheck()).toString('hex')).toBe(kcv(key1));
    expect(await client.keyWrite(key1)).toBe('unchanged');
    await expectCode(client.keyWrite(key2), 'E_DEVICE_KEY_CONFLICT');
    expect((await client.keyCheck()).toString('hex')).toBe(kcv(key1));
    await expectCode(client.keyWrite(key1, LIMITS.keySlots), 'E_DEVICE_BAD_REQUEST');
    expect((await client.info()).keyProvisioned).toBe(true);
  });

  test('development model load: stored bytes hash to the host SHA-256; bad sequences are refused', async () => {
    const before = { ...client.transport.stats };
    const r = await client.loadModelDev(model, 1);
    expect(r.sha256).toBe(sha(model));
    const s = client.transport.stats;
    const wire = s.bytesSent - before.bytesSent + s.bytesReceived - before.bytesReceived;
    expect(model.length / wire).toBeGreaterThanOrEqual(0.95); // protocol efficiency target of the issue
    expect(s.requests - before.requests).toBe(Math.ceil(model.length / (LIMITS.maxPayload - 5)) + 2);
    const slot = (await client.info()).modelSlots[1];
    expect(slot).toEqual({ slot: 1, state: 'ready', size: model.length, sha256: sha(model), source: 'development' });

    await expectCode(
      client.call('MODEL_LOAD_CHUNK', { slot: 0, offset: 0, data: Buffer.alloc(8) }),
      'E_DEVICE_MODEL_SEQUENCE',
    );
    await expectCode(
      client.call('MODEL_LOAD_BEGIN', { slot: 0, size: LIMITS.modelSlotSize + 1 }),
      'E_DEVICE_MODEL_TOO_LARGE',
    );
    await expectCode(client.call('MODEL_LOAD_BEGIN', { slot: LIMITS.modelSlots, size: 10 }), 'E_DEVICE_BAD_REQUEST');
    await client.call('MODEL_LOAD_BEGIN', { slot: 0, size: 16 });
    await expectCode(
      client.call('MODEL_LOAD_CHUNK', { slot: 0, offset: 8, data: Buffer.alloc(8) }),
      'E_DEVICE_MODEL_SEQUENCE',
    );
    await client.call('MODEL_LOAD_CHUNK', { slot: 0, offset: 0, data: Buffer.alloc(16, 1) });
    await expectCode(
      client.call('MODEL_LOAD_END', {
        slot: 0,
        sha256: crypto.createHash('sha256').update(Buffer.alloc(16, 2)).digest(),
      }),
      'E_DEVICE_MODEL_HASH',
    );
    expect((await client.info()).modelSlots[0].state).toBe('loading');
  });

  test('RESET restarts the firmware (counters cleared) and keeps persistent state', async () => {
    await client.reset();
    const info = await client.info();
    expect(info.executed).toBe(1); // only this INFO since the restart
    expect(info.keyProvisioned).toBe(true);
    expect(info.uid).toBe(uid);
  });

  test('restart with the same --state keeps uid, key and model; the key is still write-once', async () => {
    await client.close();
    const before = listBoards().find((b) => b.stateDir === stateDir)!;
    await stopBoard(before.port);
    expect(listBoards().find((b) => b.stateDir === stateDir)).toBeUndefined();
    const b = await startTestBoard(boardName, stateDir, DEV);
    client = await DeviceClient.open(b.port);
    const info = await client.info();
    expect(info.uid).toBe(uid);
    expect(info.keyProvisioned).toBe(true);
    expect(info.modelSlots[1]).toEqual({
      slot: 1,
      state: 'ready',
      size: model.length,
      sha256: sha(model),
      source: 'development',
    });
    expect((await client.keyCheck()).toString('hex')).toBe(kcv(key1));
    await expectCode(client.keyWrite(key2), 'E_DEVICE_KEY_CONFLICT');
    expect(await client.keyWrite(key1)).toBe('unchanged');
  });

  test('another state directory is another device', async () => {
    const other = await startTestBoard(boardName);
    const info = await withDevice(other.port, (c) => c.info());
    expect(info.uid).not.toBe(uid);
    expect(info.keyProvisioned).toBe(false);
    await stopBoard(other.pid);
  });
});

describe.each(BOARD_NAMES)('production firmware on %s (the default flavour)', (boardName) => {
  test(
    'no development upload: MODEL_LOAD_* answer E_DEVICE_DEV_ONLY; INFO says default flavour; a development ' +
      'upload left by a dev firmware is dropped at boot',
    async () => {
      const stateDir = freshStateDir(`${boardName}-prod`);
      const model = fcModelOfSize(1, 4 * 1024);
      let b = await startTestBoard(boardName, stateDir, DEV);
      await withDevice(b.port, (c) => c.loadModelDev(model, 0));
      expect((await withDevice(b.port, (c) => c.info())).modelSlots[0]).toMatchObject({
        state: 'ready',
        source: 'development',
      });
      await stopBoard(b.pid);
      b = await startTestBoard(boardName, stateDir); // the same board, now on production firmware
      const c = await DeviceClient.open(b.port);
      try {
        const info = await c.info();
        expect(info.firmware).toEqual({ flavour: 'default', devUpload: false });
        expect(info.modelSlots[0]).toMatchObject({ state: 'empty', source: null });
        await expectCode(c.call('MODEL_LOAD_BEGIN', { slot: 0, size: 16 }), 'E_DEVICE_DEV_ONLY');
        await expectCode(
          c.call('MODEL_LOAD_CHUNK', { slot: 0, offset: 0, data: Buffer.alloc(8) }),
          'E_DEVICE_DEV_ONLY',
        );
        await expectCode(c.call('MODEL_LOAD_END', { slot: 0, sha256: Buffer.alloc(32) }), 'E_DEVICE_DEV_ONLY');
        await expectCode(c.loadModelDev(model, 1), 'E_DEVICE_DEV_ONLY');
        await expectCode(c.run(0, new Int8Array(4)), 'E_DEVICE_MODEL_EMPTY');
      } finally {
        await c.close();
        await stopBoard(b.pid);
      }
    },
    120_000,
  );
});

describe('board lifecycle errors', () => {
  test('unknown board, stopping a board that is not running, two boards on one state directory', async () => {
    await expectCode(startTestBoard('no-such-board'), 'E_BOARD_UNKNOWN');
    await expectCode(stopBoard('/dev/pts/999999'), 'E_BOARD_NOT_RUNNING');
    const dir = freshStateDir('busy');
    const b = await startTestBoard('host-sim', dir);
    await expectCode(startTestBoard('host-sim', dir), 'E_BOARD_START');
    await stopBoard(b.pid);
  });
});
