/**
 * Flashing an authenticated package onto a board (FLASH_* commands, docs/package.md):
 *  - skipped when the board's active slot already holds this exact package (its SHA-256);
 *  - resumed when the board reports an upload of this package in progress (FLASH_STATUS, also after a board
 *    reset) and the stored prefix hashes like ours; otherwise started over (FLASH_BEGIN erases the inactive slot);
 *  - activated by the board only after it verified everything (FLASH_END); a refusal is the board's status
 *    as an EdgelockError (E_PACKAGE_AUTH, E_PACKAGE_ROLLBACK, ...), and the previous model keeps running.
 */
import { createHash } from 'crypto';
import { DeviceClient, withDevice } from '../device/client';
import { EdgelockError, isEdgelockError } from '../errors';
import { DecodedPackage, decodePackage } from '../package/decode';
import { LIMITS, commandByName, fixedSize } from '../protocol/definition';
import type { Emit } from './multi-board';

export const FLASH_CHUNK_BYTES = LIMITS.maxPayload - fixedSize(commandByName('FLASH_CHUNK').request);

export interface FlashResult {
  slot: number;
  skipped: boolean;
  /** offset the upload resumed from (0: fresh upload; null: skipped) */
  resumedFrom: number | null;
  bytes: number;
  chunks: number;
  version: string;
  securityCounter: number;
  sha256: string;
  seconds: number;
}

const sha256 = (b: Uint8Array): Buffer => createHash('sha256').update(b).digest();

/** Where to continue: the board's offset when its upload in progress is this package with a matching prefix. */
async function resumePoint(client: DeviceClient, pkg: Buffer, pkgSha: Buffer): Promise<number | null> {
  const st = (await client.call('FLASH_STATUS')).fields;
  if (st.loading !== 1 || st.size !== pkg.length || !(st.sha256 as Buffer).equals(pkgSha)) return null;
  const next = st.next_offset as number;
  if (next > pkg.length || !(st.prefix_sha256 as Buffer).equals(sha256(pkg.subarray(0, next)))) return null;
  return next;
}

/** Flashes `pkgBytes` through an open client. `emit` receives step and progress events (see multi-board.ts). */
export async function flashPackage(
  client: DeviceClient,
  pkgBytes: Uint8Array,
  emit: Emit = () => undefined,
  decoded?: DecodedPackage,
): Promise<FlashResult> {
  const t0 = Date.now();
  const pkg = Buffer.from(pkgBytes.buffer, pkgBytes.byteOffset, pkgBytes.byteLength);
  const d = decoded ?? decodePackage(pkg);
  const pkgSha = sha256(pkg);
  const base = { bytes: pkg.length, version: d.version, securityCounter: d.securityCounter, sha256: d.sha256 };
  const done = (slot: number, skipped: boolean, resumedFrom: number | null, chunks: number): FlashResult => ({
    ...base,
    slot,
    skipped,
    resumedFrom,
    chunks,
    seconds: (Date.now() - t0) / 1000,
  });

  const info = await client.info();
  if (info.uid !== d.deviceUid)
    emit({
      event: 'warning',
      message: `the package is for device ${d.deviceUid}, this board is ${info.uid}; the board will refuse it`,
    });
  const active = info.package?.activeSlot ?? null;
  if (active !== null && info.modelSlots[active]?.state === 'ready' && info.modelSlots[active].sha256 === d.sha256) {
    emit({ event: 'skipped', message: `package ${d.version} already active in slot ${active}` });
    return done(active, true, null, 0);
  }
  let offset = await resumePoint(client, pkg, pkgSha);
  let slot: number;
  if (offset !== null && offset > 0) {
    slot = (await client.call('FLASH_STATUS')).fields.slot as number;
    emit({
      event: 'resume',
      message: `resuming at byte ${offset} of ${pkg.length}`,
      done: offset,
      total: pkg.length,
      slot,
    });
  } else {
    const b = await client.call('FLASH_BEGIN', { size: pkg.length, sha256: pkgSha });
    slot = b.fields.slot as number;
    if (b.status === 'OK_UNCHANGED') {
      emit({ event: 'skipped', message: `package ${d.version} already active in slot ${slot}` });
      return done(slot, true, null, 0);
    }
    offset = 0;
    emit({
      event: 'begin',
      message: `uploading ${pkg.length} bytes into slot ${slot}`,
      done: 0,
      total: pkg.length,
      slot,
    });
  }
  const resumedFrom = offset;
  let chunks = 0;
  let resyncs = 0;
  while (offset < pkg.length) {
    const data = pkg.subarray(offset, Math.min(pkg.length, offset + FLASH_CHUNK_BYTES));
    try {
      const r = await client.call('FLASH_CHUNK', { offset, data });
      offset = r.fields.next_offset as number;
    } catch (e) {
      // The board expects another offset (e.g. an answer lost before a reconnect): continue where it is, if its
      // stored prefix is ours; a second disagreement in a row is an error.
      if (!isEdgelockError(e) || e.code !== 'E_FLASH_SEQUENCE' || ++resyncs > 2) throw e;
      const at = await resumePoint(client, pkg, pkgSha);
      if (at === null)
        throw new EdgelockError(
          'E_FLASH_SEQUENCE',
          `the board lost the upload at byte ${offset}; flash again to start over`,
        );
      offset = at;
      continue;
    }
    resyncs = 0;
    chunks++;
    emit({ event: 'progress', done: offset, total: pkg.length });
  }
  emit({ event: 'verify', message: 'board checks hash, tag, device and security counter' });
  const end = (await client.call('FLASH_END')).fields;
  emit({
    event: 'activated',
    message: `version ${d.version} (counter ${end.security_counter}) active in slot ${end.slot}`,
    done: pkg.length,
    total: pkg.length,
  });
  return done(end.slot as number, false, resumedFrom, chunks);
}

const RECONNECTABLE = new Set(['E_DEVICE_TIMEOUT', 'E_DEVICE_PORT']);

/**
 * flashPackage on a port, reconnecting after a lost link (timeouts, a closed port: e.g. a board that was reset or
 * restarted on the same port) and resuming the upload where the board has it, up to `attempts` connections.
 */
export async function flashPort(
  port: string,
  pkgBytes: Uint8Array,
  emit: Emit = () => undefined,
  attempts = 3,
): Promise<FlashResult> {
  const decoded = decodePackage(pkgBytes);
  for (let i = 1; ; i++) {
    try {
      return await withDevice(port, (c) => flashPackage(c, pkgBytes, emit, decoded));
    } catch (e) {
      if (!isEdgelockError(e) || !RECONNECTABLE.has(e.code) || i >= attempts) throw e;
      emit({ event: 'reconnect', message: `${e.code}: reconnecting (attempt ${i + 1} of ${attempts})` });
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
