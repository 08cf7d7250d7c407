import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { RunningBoard, listBoards, startBoard, stopBoard } from '../../src/board';
import { DeviceClient } from '../../src/device/client';
import { crc32 } from '../../src/protocol/crc32';

/** Per-test-file registry and state directories, so parallel jest workers never share a board. */
const RUN_ROOT = fs.mkdtempSync(path.join(os.tmpdir(), 'edgelock-test-'));
process.env.EDGELOCK_RUN_DIR = path.join(RUN_ROOT, 'run');

/** The emulated Cortex-M boards: the M4 (one address space) and the M33 with TrustZone-M (secure + non-secure
 * images). Device suites that run on one run on both (docs/porting.md, "TrustZone-M"). */
export const QEMU_BOARDS = ['qemu-mps2-an386', 'qemu-mps2-an505'] as const;
export const BOARD_NAMES = ['host-sim', ...QEMU_BOARDS] as const;

export function freshStateDir(label: string): string {
  return fs.mkdtempSync(path.join(RUN_ROOT, `${label}-`));
}

/**
 * A fresh state directory whose board has unique id `uidHex`: the identity record the firmware otherwise draws at
 * first start (firmware-tools/core/identity.c: magic "EID1", the uid, CRC-32 over both, little-endian), so that a
 * statistical test meets the same board — and the same derived device key — on every run.
 */
export function stateDirWithUid(label: string, uidHex: string): string {
  const dir = freshStateDir(label);
  const uid = Buffer.from(uidHex, 'hex');
  const rec = Buffer.alloc(8 + uid.length);
  rec.writeUInt32LE(0x31444945, 0);
  uid.copy(rec, 4);
  rec.writeUInt32LE(crc32(rec, 0, 4 + uid.length), 4 + uid.length);
  fs.writeFileSync(path.join(dir, 'identity.bin'), rec);
  return dir;
}

/** The development flavour (MODEL_LOAD_*, `device load-dev`): boards of tests that upload raw models start with it. */
export const DEV = 'dev';

export async function startTestBoard(
  board: string,
  stateDir = freshStateDir(board),
  flavour = 'default',
): Promise<RunningBoard> {
  return startBoard({ board, stateDir, flavour });
}

/** A host-sim board of the development flavour with `model` uploaded into `slot`; its port is closed again, for the
 * CLI under test to open. */
export async function startBoardWithModel(model: Uint8Array, slot: number): Promise<RunningBoard> {
  const b = await startTestBoard('host-sim', undefined, DEV);
  const client = await DeviceClient.open(b.port);
  try {
    await client.loadModelDev(Buffer.from(model), slot);
  } finally {
    await client.close();
  }
  return b;
}

/** Stops every board this test file started (safe to call twice). */
export async function stopAllBoards(): Promise<void> {
  for (const b of listBoards()) await stopBoard(b.pid).catch(() => undefined);
}

export function removeRunRoot(): void {
  fs.rmSync(RUN_ROOT, { recursive: true, force: true });
}
