/**
 * What ties a .tflite lock to its model (descriptor version 2, docs/security.md "Binding the lock to the model"):
 *
 *   binding hash = SHA-256(the .tflite file with the data of every tensor the descriptor names and the descriptor's
 *                  key id field replaced by zero bytes)
 *   lock key     = HKDF-SHA256(ikm = root key, salt = binding hash, info = "edgelock tflite lock key v2")
 *
 * The root key is what a v1 lock used directly: HKDF(device key, lock id, "edgelock lock key v1") for a device-bound
 * lock, the (unwrapped) model key for a model-key lock. Everything about the model except its sealed bytes — graph,
 * shapes, quantisation, metadata, the descriptor's entries, salt and lock id — goes into the key, so sealed bytes
 * moved into another graph, or a descriptor re-pointed, renumbered or extended, give another key: its id is not the
 * descriptor's, and the device refuses the model. The key id field is zeroed because it is computed from the key.
 * The firmware computes the same hash in firmware-tools/runtime/el_lock_unseal.c.
 */
import { createHash } from 'crypto';
import { EdgelockError } from '../errors';
import { deriveTfliteLockKey } from '../keys/derive';
import { TfliteModelInfo } from '../tflite/reader';
import { TfliteLockEntry } from './tflite-descriptor';

/** Offset of the key id inside the binary descriptor. */
export const DESCRIPTOR_KEY_ID_OFFSET = 24;
export const DESCRIPTOR_KEY_ID_BYTES = 8;

export interface ByteRange {
  at: number;
  bytes: number;
}

/**
 * The byte ranges the binding hash zeroes: each entry's tensor data and the descriptor's key id, sorted. Entries that
 * name a tensor the model lacks, a tensor without data, or data overlapping another range are refused (the firmware
 * refuses the same descriptors).
 */
export function zeroedRanges(
  info: TfliteModelInfo,
  entries: readonly TfliteLockEntry[],
  descriptorAt: number,
): ByteRange[] {
  const tensors = info.subgraphs[0]?.tensors ?? [];
  const ranges: ByteRange[] = [{ at: descriptorAt + DESCRIPTOR_KEY_ID_OFFSET, bytes: DESCRIPTOR_KEY_ID_BYTES }];
  for (const e of entries) {
    const t = tensors[e.tensor];
    const b = t ? info.buffers[t.buffer] : undefined;
    if (!b || b.dataOffset === null || b.size === 0)
      throw new EdgelockError('E_LOCK_DESCRIPTOR', `locked tensor ${e.tensor} is not a constant tensor of the model`);
    ranges.push({ at: b.dataOffset, bytes: b.size });
  }
  ranges.sort((x, y) => x.at - y.at);
  for (let i = 1; i < ranges.length; i++) {
    if (ranges[i].at < ranges[i - 1].at + ranges[i - 1].bytes)
      throw new EdgelockError(
        'E_LOCK_DESCRIPTOR',
        'two locked ranges of the model overlap (a tensor named twice, or tensors sharing data)',
      );
  }
  return ranges;
}

/** SHA-256 of `bytes` with `ranges` (sorted, disjoint) read as zeros. */
export function bindingHash(bytes: Uint8Array, ranges: readonly ByteRange[]): Buffer {
  const h = createHash('sha256');
  let pos = 0;
  for (const r of ranges) {
    h.update(bytes.subarray(pos, r.at));
    h.update(Buffer.alloc(r.bytes));
    pos = r.at + r.bytes;
  }
  h.update(bytes.subarray(pos));
  return h.digest();
}

/** The lock key of a version-2 .tflite lock from its root key and the model's binding hash. */
export function boundLockKey(rootKey: Uint8Array, hash: Uint8Array): Buffer {
  return deriveTfliteLockKey(rootKey, hash);
}
