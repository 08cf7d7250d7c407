import * as crypto from 'crypto';
import { DeviceClient, withDevice } from '../../src/device';
import { openSerialLink } from '../../src/device/serial-link';
import { ByteLink } from '../../src/device/link';
import { commandByName, PROTOCOL_VERSION, RECORDS, RESPONSE_FLAG, statusByValue } from '../../src/protocol/definition';
import { decodeFields } from '../../src/protocol/payload';
import { Frame, FrameDecoder, encodeFrame } from '../../src/protocol/frame';
import { BOARD_NAMES, removeRunRoot, startTestBoard, stopAllBoards } from './helpers';

afterAll(async () => {
  await stopAllBoards();
  removeRunRoot();
});

/** Raw frames to and from a board, bypassing the transport's retry logic. */
async function rawLink(
  port: string,
): Promise<{ link: ByteLink; frames: Frame[]; waitFrames: (n: number) => Promise<void> }> {
  const link = await openSerialLink(port);
  const frames: Frame[] = [];
  const dec = new FrameDecoder((f) => frames.push(f));
  link.onData((b) => dec.push(b));
  const waitFrames = async (n: number) => {
    for (let i = 0; i < 400 && frames.length < n; i++) await new Promise((r) => setTimeout(r, 10));
  };
  return { link, frames, waitFrames };
}

const status = (f: Frame): string => statusByValue(f.payload[0])!.name;

describe.each(BOARD_NAMES)('repeat cache on %s', (board) => {
  test('a repeated KEY_WRITE is answered from the cache, never executed twice', async () => {
    const b = await startTestBoard(board);
    const { link, frames, waitFrames } = await rawLink(b.port);
    const key = crypto.randomBytes(32);
    const kw = commandByName('KEY_WRITE');
    const req = encodeFrame({
      version: PROTOCOL_VERSION,
      type: kw.id,
      seq: 4242,
      payload: Buffer.concat([Buffer.from([0]), key]),
    });
    // QEMU starts reading a pty up to a second after it is opened: repeat until the first answer arrives.
    for (let i = 0; i < 40 && frames.length === 0; i++) {
      await link.write(req);
      await waitFrames(1);
    }
    await waitFrames(2); // a possible answer to a repeat sent while the device was busy
    frames.length = 0;
    await link.write(Buffer.concat([req, req]));
    await waitFrames(2);
    expect(frames.map((f) => [f.seq, f.type, status(f)])).toEqual([
      [4242, kw.id | RESPONSE_FLAG, 'OK'],
      [4242, kw.id | RESPONSE_FLAG, 'OK'],
    ]);

    // A newer request, then a late duplicate of the older one: answered ERR_STALE_SEQ, not executed.
    frames.length = 0;
    await link.write(
      encodeFrame({ version: PROTOCOL_VERSION, type: commandByName('PING').id, seq: 4243, payload: Buffer.from('p') }),
    );
    await waitFrames(1);
    await link.write(req);
    await waitFrames(2);
    expect(frames.map((f) => [f.seq, status(f)])).toEqual([
      [4243, 'OK'],
      [4242, 'ERR_STALE_SEQ'],
    ]);
    expect(decodeFields(RECORDS.STALE_SEQ, frames[1].payload.subarray(1))).toEqual({ last_seq: 4243 });

    // Same seq as the last request, different content: a new request (executed), here refused as a conflict.
    frames.length = 0;
    await link.write(
      encodeFrame({
        version: PROTOCOL_VERSION,
        type: kw.id,
        seq: 4243,
        payload: Buffer.concat([Buffer.from([0]), crypto.randomBytes(32)]),
      }),
    );
    await waitFrames(1);
    expect(status(frames[0])).toBe('ERR_KEY_CONFLICT');
    await link.close();

    const c = await DeviceClient.open(b.port);
    const info = await c.info();
    expect(info.executed).toBe(4); // KEY_WRITE, PING, the conflicting KEY_WRITE, this INFO
    expect((await c.keyCheck()).toString('hex')).toBe(crypto.createHmac('sha256', key).update('check').digest('hex'));
    await c.close();
  });

  test('garbage and frames with bad CRC are dropped silently and counted', async () => {
    const b = await startTestBoard(board);
    const { link, frames, waitFrames } = await rawLink(b.port);
    const good = encodeFrame({
      version: PROTOCOL_VERSION,
      type: commandByName('PING').id,
      seq: 7,
      payload: Buffer.from('x'),
    });
    const bad = Buffer.from(good);
    bad[4] ^= 0x10;
    await link.write(Buffer.concat([crypto.randomBytes(64).map((x) => x || 1), Buffer.from([0]), bad, good]));
    await waitFrames(1);
    await new Promise((r) => setTimeout(r, 200));
    expect(frames.length).toBe(1);
    expect(frames[0].payload.subarray(1).toString()).toBe('x');
    await link.close();
    const after = await withDevice(b.port, (c) => c.info());
    expect(after.rxDropped).toBe(2); // fresh board: only the garbage block and the corrupted frame
    expect(after.executed).toBe(2); // the PING and this INFO
  });
});

describe('malformed requests on host-sim are answered with a status, not executed', () => {
  test('foreign version, unknown command, response-typed frame, wrong payload length', async () => {
    const b = await startTestBoard('host-sim');
    const { link, frames, waitFrames } = await rawLink(b.port);
    const info = commandByName('INFO').id;
    const send = [
      { version: PROTOCOL_VERSION + 1, type: info, seq: 10, payload: Buffer.alloc(0) },
      { version: PROTOCOL_VERSION, type: 0x7e, seq: 11, payload: Buffer.alloc(0) },
      { version: PROTOCOL_VERSION, type: info | RESPONSE_FLAG, seq: 12, payload: Buffer.alloc(0) },
      { version: PROTOCOL_VERSION, type: info, seq: 13, payload: Buffer.alloc(1) },
      { version: PROTOCOL_VERSION, type: commandByName('KEY_WRITE').id, seq: 14, payload: Buffer.alloc(32) },
    ];
    for (const f of send) await link.write(encodeFrame(f));
    await waitFrames(send.length);
    await link.close();
    expect(frames.map((f) => [f.seq, f.version, status(f)])).toEqual([
      [10, PROTOCOL_VERSION, 'ERR_VERSION'],
      [11, PROTOCOL_VERSION, 'ERR_UNKNOWN_COMMAND'],
      [12, PROTOCOL_VERSION, 'ERR_UNKNOWN_COMMAND'],
      [13, PROTOCOL_VERSION, 'ERR_BAD_LENGTH'],
      [14, PROTOCOL_VERSION, 'ERR_BAD_LENGTH'],
    ]);
    const after = await withDevice(b.port, (c) => c.info());
    expect(after.executed).toBe(1); // only this INFO
    expect(after.keyProvisioned).toBe(false);
  });
});
