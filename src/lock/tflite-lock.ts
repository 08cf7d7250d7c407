/**
 * The device side of a lock, in the .tflite: `sealTfliteGraph` locks the int8 constants of a
 * compiled graph under the model's lock key (a fresh salt, so no keystream of the ONNX lock is
 * reused) and records the binary descriptor as metadata "edgelock.lock"; `unsealTflite` is what a
 * device does at load, on the host: it reads the descriptor, derives and checks the key and
 * restores the constants in a copy of the file.
 */
import { randomBytes } from 'crypto';
import { TflGraph } from '../compiler/tfl-graph';
import { EdgelockError } from '../errors';
import { keyId } from '../keys/derive';
import { readTflite } from '../tflite/reader';
import { LockDescriptor, LOCK_METADATA_KEY } from './descriptor';
import { KeyMaterial, lockKeyFor } from './key-material';
import { schemeByName } from './schemes';
import { decodeTfliteDescriptor, encodeTfliteDescriptor, TfliteLockDescriptor } from './tflite-descriptor';

/** Locks `graph` in place with the same scheme, binding, lock id and key as the ONNX lock `d`. */
export function sealTfliteGraph(graph: TflGraph, lockKey: Buffer, d: Pick<LockDescriptor, 'scheme' | 'binding' | 'lockId'>): TfliteLockDescriptor {
  const salt = randomBytes(8);
  const entries = schemeByName(d.scheme).lockTflite(graph, { key: lockKey, salt });
  const td: TfliteLockDescriptor = { scheme: d.scheme, binding: d.binding, lockId: d.lockId, keyId: keyId(lockKey), salt: salt.toString('hex'), entries };
  graph.metadata = { ...graph.metadata, [LOCK_METADATA_KEY]: encodeTfliteDescriptor(td) };
  return td;
}

/** The binary lock descriptor of a .tflite, or null when it is not locked. */
export function readTfliteDescriptor(bytes: Uint8Array): TfliteLockDescriptor | null {
  const info = readTflite(bytes);
  const md = info.metadata.find((m) => m.name === LOCK_METADATA_KEY);
  if (!md) return null;
  const b = info.buffers[md.buffer];
  if (!b || b.dataOffset === null) throw new EdgelockError('E_LOCK_DESCRIPTOR', 'the edgelock.lock metadata has no data');
  return decodeTfliteDescriptor(bytes.subarray(b.dataOffset, b.dataOffset + b.size));
}

/** Unlocks with the lock key itself; returns a new file (the descriptor stays, the constants are plain). */
export function unsealTfliteWithKey(bytes: Uint8Array, lockKey: Buffer, verify = true): Uint8Array {
  const td = readTfliteDescriptor(bytes);
  if (!td) throw new EdgelockError('E_USAGE', 'the .tflite model is not locked (no edgelock.lock metadata)');
  if (verify && keyId(lockKey) !== td.keyId) throw new EdgelockError('E_LOCK_KEY_MISMATCH', 'the key does not match the locked .tflite model');
  const out = new Uint8Array(bytes);
  schemeByName(td.scheme).unlockTflite(out, readTflite(out), td.entries, { key: lockKey, salt: Buffer.from(td.salt, 'hex') });
  return out;
}

/** What a device does at load, on the host: derive the lock key from key material, check it, unseal. */
export function unsealTflite(bytes: Uint8Array, material: KeyMaterial, verify = true): Uint8Array {
  const td = readTfliteDescriptor(bytes);
  if (!td) throw new EdgelockError('E_USAGE', 'the .tflite model is not locked (no edgelock.lock metadata)');
  const key = lockKeyFor(material, td.binding, Buffer.from(td.lockId, 'hex'));
  try {
    return unsealTfliteWithKey(bytes, key, verify);
  } finally {
    key.fill(0);
  }
}
