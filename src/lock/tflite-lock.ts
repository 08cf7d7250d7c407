/**
 * The device side of a lock, in the .tflite: `sealTflite` locks the int8 constants of a compiled graph under a key
 * bound to the model (src/lock/model-binding.ts: root key + binding hash; a fresh salt, so no keystream of the ONNX
 * lock is reused) and records the binary descriptor as metadata "edgelock.lock"; `unsealTflite` is what a device does
 * at load, on the host: it reads the descriptor, computes the binding hash, derives and checks the key and restores
 * the constants in a copy of the file.
 */
import { randomBytes } from 'crypto';
import { TflGraph } from '../compiler/tfl-graph';
import { serialize } from '../compiler/serialize';
import { EdgelockError } from '../errors';
import { keyId } from '../keys/derive';
import { readTflite, TfliteModelInfo } from '../tflite/reader';
import { LockDescriptor, LOCK_METADATA_KEY } from './descriptor';
import { KeyMaterial, lockKeyFor } from './key-material';
import { bindingHash, boundLockKey, DESCRIPTOR_KEY_ID_OFFSET, zeroedRanges } from './model-binding';

/** Offset of the salt inside the binary descriptor (src/lock/tflite-descriptor.ts). */
const DESCRIPTOR_SALT_OFFSET = 32;
import { schemeByName } from './schemes';
import { decodeTfliteDescriptor, encodeTfliteDescriptor, TfliteLockDescriptor } from './tflite-descriptor';

/** Where the descriptor's bytes are in the file, or null when the model is not locked. */
function descriptorLocation(bytes: Uint8Array, info: TfliteModelInfo): { at: number; size: number } | null {
  const md = info.metadata.find((m) => m.name === LOCK_METADATA_KEY);
  if (!md) return null;
  const b = info.buffers[md.buffer];
  if (!b || b.dataOffset === null)
    throw new EdgelockError('E_LOCK_DESCRIPTOR', 'the edgelock.lock metadata has no data');
  return { at: b.dataOffset, size: b.size };
}

/** The binary lock descriptor of a .tflite, or null when it is not locked. */
export function readTfliteDescriptor(bytes: Uint8Array): TfliteLockDescriptor | null {
  const loc = descriptorLocation(bytes, readTflite(bytes));
  return loc ? decodeTfliteDescriptor(bytes.subarray(loc.at, loc.at + loc.size)) : null;
}

/** The binding hash of a locked .tflite (its bytes with the locked tensors' data and the key id zeroed). */
export function tfliteBindingHash(bytes: Uint8Array): Buffer {
  const info = readTflite(bytes);
  const loc = descriptorLocation(bytes, info);
  if (!loc) throw new EdgelockError('E_USAGE', 'the .tflite model is not locked (no edgelock.lock metadata)');
  const td = decodeTfliteDescriptor(bytes.subarray(loc.at, loc.at + loc.size));
  return bindingHash(bytes, zeroedRanges(info, td.entries, loc.at));
}

/** The lock key of a locked .tflite from its root key (device-bound lock key or model key). */
export function tfliteLockKey(bytes: Uint8Array, rootKey: Uint8Array): Buffer {
  return boundLockKey(rootKey, tfliteBindingHash(bytes));
}

/** Applies or undoes (both schemes are involutions: XOR, sign flips) the lock of `td` under `key` to `bytes` in place. */
function applyLock(bytes: Uint8Array, td: TfliteLockDescriptor, key: Buffer): void {
  schemeByName(td.scheme).unlockTflite(bytes, readTflite(bytes), td.entries, {
    key,
    salt: Buffer.from(td.salt, 'hex'),
  });
}

/**
 * Locks `graph` (its constants are changed) with the same scheme, binding and lock id as the ONNX lock `d`, under the
 * key bound to the serialized model, and returns the locked file. `rootKey` is the ONNX lock's key (device-bound lock
 * key or model key).
 */
export function sealTflite(
  graph: TflGraph,
  rootKey: Buffer,
  d: Pick<LockDescriptor, 'scheme' | 'binding' | 'lockId'>,
): { bytes: Uint8Array; lock: TfliteLockDescriptor } {
  const salt = randomBytes(8);
  // Which tensors are locked is the scheme's choice; lock under a throwaway key first to learn them, then restore the
  // plain bytes in the serialized file and lock them again under the bound key (the binding hash ignores them).
  const scratch = randomBytes(32);
  const entries = schemeByName(d.scheme).lockTflite(graph, { key: scratch, salt });
  const td: TfliteLockDescriptor = {
    scheme: d.scheme,
    binding: d.binding,
    lockId: d.lockId,
    keyId: '0'.repeat(16),
    salt: salt.toString('hex'),
    entries,
  };
  graph.metadata = { ...graph.metadata, [LOCK_METADATA_KEY]: encodeTfliteDescriptor(td) };
  const bytes = serialize(graph);
  applyLock(bytes, td, scratch);
  scratch.fill(0);
  const key = tfliteLockKey(bytes, rootKey);
  try {
    applyLock(bytes, td, key);
    td.keyId = keyId(key);
    const loc = descriptorLocation(bytes, readTflite(bytes))!;
    bytes.set(Buffer.from(td.keyId, 'hex'), loc.at + DESCRIPTOR_KEY_ID_OFFSET);
  } finally {
    key.fill(0);
  }
  return { bytes, lock: td };
}

/**
 * Seals an unsealed copy of a locked .tflite again (its descriptor still in place) under a fresh salt, so a model
 * whose plain constants were changed (a per-device trace code, src/trace/) gets its own binding hash, key and
 * keystream: no keystream is shared between two copies that differ. `rootKey` as for `unsealTfliteWithRootKey`.
 */
export function resealTflite(plain: Uint8Array, rootKey: Uint8Array): Uint8Array {
  const out = new Uint8Array(plain);
  const loc = descriptorLocation(out, readTflite(out));
  if (!loc) throw new EdgelockError('E_USAGE', 'the .tflite model is not locked (no edgelock.lock metadata)');
  out.set(randomBytes(8), loc.at + DESCRIPTOR_SALT_OFFSET);
  out.fill(0, loc.at + DESCRIPTOR_KEY_ID_OFFSET, loc.at + DESCRIPTOR_KEY_ID_OFFSET + 8);
  const td = decodeTfliteDescriptor(out.subarray(loc.at, loc.at + loc.size));
  const key = tfliteLockKey(out, rootKey);
  try {
    applyLock(out, td, key);
    out.set(Buffer.from(keyId(key), 'hex'), loc.at + DESCRIPTOR_KEY_ID_OFFSET);
  } finally {
    key.fill(0);
  }
  return out;
}

/** Unlocks with the root key (device-bound lock key or model key); returns a new file (the descriptor stays, the constants are plain). */
export function unsealTfliteWithRootKey(bytes: Uint8Array, rootKey: Uint8Array, verify = true): Uint8Array {
  const td = readTfliteDescriptor(bytes);
  if (!td) throw new EdgelockError('E_USAGE', 'the .tflite model is not locked (no edgelock.lock metadata)');
  const key = tfliteLockKey(bytes, rootKey);
  try {
    if (verify && keyId(key) !== td.keyId)
      throw new EdgelockError(
        'E_LOCK_KEY_MISMATCH',
        'the key does not match the locked .tflite model (another key, or the model or its descriptor was changed)',
      );
    const out = new Uint8Array(bytes);
    applyLock(out, td, key);
    return out;
  } finally {
    key.fill(0);
  }
}

/** What a device does at load, on the host: derive the root key from key material, bind it to the model, check it, unseal. */
export function unsealTflite(bytes: Uint8Array, material: KeyMaterial, verify = true): Uint8Array {
  const td = readTfliteDescriptor(bytes);
  if (!td) throw new EdgelockError('E_USAGE', 'the .tflite model is not locked (no edgelock.lock metadata)');
  const root = lockKeyFor(material, td.binding, Buffer.from(td.lockId, 'hex'));
  try {
    return unsealTfliteWithRootKey(bytes, root, verify);
  } finally {
    root.fill(0);
  }
}
