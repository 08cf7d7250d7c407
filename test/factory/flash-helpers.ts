/** Shared by the flash tests: a provisioned board, packages of real int8 models, and a board kill/restart. */
import { randomBytes } from 'crypto';
import { RunningBoard, startBoard, stopBoard } from '../../src/board';
import { DeviceClient } from '../../src/device/client';
import { deriveDeviceKey } from '../../src/keys/derive';
import { buildPackage } from '../../src/package/build';
import { TfliteOracle } from '../../src/tflite/oracle';
import { freshStateDir } from '../device/helpers';

export const master = randomBytes(32);

export async function provisionedBoard(
  board: string,
  provision = true,
  flavour = 'default',
): Promise<{ board: RunningBoard; client: DeviceClient; uid: Buffer }> {
  const b = await startBoard({ board, stateDir: freshStateDir(board), flavour });
  const client = await DeviceClient.open(b.port);
  const uid = Buffer.from((await client.info()).uid, 'hex');
  if (provision) expect(await client.keyWrite(deriveDeviceKey(master, uid))).toBe('written');
  return { board: b, client, uid };
}

export function pkg(
  model: Uint8Array,
  uid: Uint8Array,
  version: string,
  securityCounter: number,
  key = master,
): Buffer {
  return buildPackage(model, { master: key, deviceUid: uid, version, securityCounter }).bytes;
}

/** Deterministic int8 input bytes of a given length. */
export function inputOf(n: number, seed = 1): Int8Array {
  let s = seed;
  return Int8Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) >>> 0) >>> 24) - 128);
}

/** The board's int8 output of slot `slot` on `input`. */
export async function runSlot(client: DeviceClient, slot: number, input: Int8Array): Promise<number[]> {
  const r = await client.run(slot, input);
  return Array.from(r.outputs[0].int8);
}

/** The official TFLite runtime's int8 output on the same bytes. */
export async function oracleOutput(model: Uint8Array, input: Int8Array, shape: number[]): Promise<number[]> {
  const o = await TfliteOracle.load(model);
  try {
    return Array.from(o.run([{ data: Int32Array.from(input), shape, dtype: 'int8' }])[0].data);
  } finally {
    o.dispose();
  }
}

/** Kills the board process (SIGKILL: no clean shutdown) and starts it again on the same state directory. */
export async function killAndRestart(
  b: RunningBoard,
  client: DeviceClient,
): Promise<{ board: RunningBoard; client: DeviceClient }> {
  process.kill(b.pid, 'SIGKILL');
  await client.close().catch(() => undefined);
  await stopBoard(b.pid).catch(() => undefined);
  const nb = await startBoard({ board: b.board, stateDir: b.stateDir });
  return { board: nb, client: await DeviceClient.open(nb.port) };
}

export { errorCode } from '../helpers/error-code';
