/**
 * End to end on the emulated Cortex-M boards (QEMU mps2-an386, and mps2-an505 where packages are verified and
 * activated in the secure image; firmware built with arm-none-eabi-gcc): a package is
 * flashed and activated and its model's outputs match the TFLite runtime; then the board is killed mid-flash
 * (SIGKILL to QEMU) and restarted on the same state: the previous model still runs, the upload resumes from the
 * board's stored progress and completes, and attestation reports the new package.
 */
import { RunningBoard } from '../../src/board';
import { DeviceClient } from '../../src/device/client';
import { attest } from '../../src/factory/attest';
import { FLASH_CHUNK_BYTES, flashPackage, flashPort } from '../../src/factory/flash';
import { decodePackage } from '../../src/package/decode';
import { fcModelOfSize } from '../device/models';
import { QEMU_BOARDS, removeRunRoot, stopAllBoards } from '../device/helpers';
import { inputOf, killAndRestart, master, oracleOutput, pkg, provisionedBoard, runSlot } from './flash-helpers';

afterAll(async () => {
  await stopAllBoards();
  removeRunRoot();
});

test.each(QEMU_BOARDS)(
  '%s: flash, run, kill mid-flash, restart, previous model runs, resume, activate, attest',
  async (boardName) => {
    let board: RunningBoard;
    let client: DeviceClient;
    let uid: Buffer;
    ({ board, client, uid } = await provisionedBoard(boardName));
    try {
      const modelA = fcModelOfSize(31, 8000);
      const modelB = fcModelOfSize(32, 16000);
      const r = await flashPackage(client, pkg(modelA, uid, '1.0.0', 1));
      expect(r).toMatchObject({ slot: 0, skipped: false });
      const io = await client.modelIo(0);
      const input = inputOf(io.inputs[0].bytes, 3);
      const before = await runSlot(client, 0, input);
      const ref = await oracleOutput(modelA, input, io.inputs[0].shape);
      expect(before.length).toBe(ref.length);
      before.forEach((v, i) => expect(Math.abs(v - ref[i])).toBeLessThanOrEqual(1));

      const next = pkg(modelB, uid, '1.1.0', 2);
      await client.call('FLASH_BEGIN', { size: next.length, sha256: Buffer.from(decodePackage(next).sha256, 'hex') });
      let off = 0;
      for (let i = 0; i < 2; i++)
        off = (await client.call('FLASH_CHUNK', { offset: off, data: next.subarray(off, off + FLASH_CHUNK_BYTES) }))
          .fields.next_offset as number;
      ({ board, client } = await killAndRestart(board, client));
      const info = await client.info();
      expect(info.package).toEqual({ activeSlot: 0, securityCounter: 1 });
      expect(info.modelSlots[1].state).toBe('loading');
      expect(await runSlot(client, 0, input)).toEqual(before);
      await client.close();

      const done = await flashPort(board.port, next);
      expect(done.resumedFrom).toBeGreaterThan(off - 64);
      expect(done.resumedFrom).toBeLessThanOrEqual(off);
      expect(done).toMatchObject({ slot: 1, version: '1.1.0', securityCounter: 2 });
      client = await DeviceClient.open(board.port);
      const out = await runSlot(client, 1, input);
      const refB = await oracleOutput(modelB, input, (await client.modelIo(1)).inputs[0].shape);
      expect(out.length).toBe(refB.length);
      out.forEach((v, i) => expect(Math.abs(v - refB[i])).toBeLessThanOrEqual(1));
      const a = await attest(client, master);
      expect(a).toMatchObject({
        genuineDevice: true,
        genuineModel: true,
        activeSlot: 1,
        version: '1.1.0',
        securityCounter: 2,
        packageSha256: decodePackage(next).sha256,
      });
    } finally {
      await client!.close().catch(() => undefined);
    }
  },
  180000,
);
