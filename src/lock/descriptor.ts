/**
 * The lock descriptor: public facts a key holder needs to undo a lock (scheme, cipher, key
 * binding, lock id, key id, salt, and which tensors are locked). It never holds key material.
 * In a locked ONNX model it is the JSON metadata entry "edgelock.lock"; in a locked .tflite it is
 * a binary metadata entry of the same name (src/lock/tflite-descriptor.ts).
 */
import { EdgelockError } from '../errors';
import { Model } from '../ir/types';

export const LOCK_METADATA_KEY = 'edgelock.lock';

export type Binding = 'device' | 'model';

/** One sealed tensor: its keystream is ChaCha20(lock key, nonce = salt ‖ u32le(stream), counter 0). */
export interface SealEntry {
  name: string;
  stream: number;
}

/** One HPNN-locked layer: key bits [bitOffset, bitOffset + units) negate its output units. */
export interface HpnnEntry {
  weight: string;
  bias: string | null;
  /** The axis of `weight` that indexes output units. */
  axis: number;
  units: number;
  bitOffset: number;
}

export interface LockDescriptor {
  format: 'edgelock-lock';
  version: 1;
  scheme: string;
  cipher: 'chacha20';
  binding: Binding;
  /** 16 bytes, hex: the HKDF salt of the lock key. */
  lockId: string;
  /** 8 bytes, hex: identifies the lock key (truncated HMAC). */
  keyId: string;
  /** 8 bytes, hex: the first 8 nonce bytes of every keystream of this lock. */
  salt: string;
  entries: Array<SealEntry | HpnnEntry>;
}

function bad(msg: string): never {
  throw new EdgelockError('E_LOCK_DESCRIPTOR', msg);
}

function hexOf(v: unknown, bytes: number, field: string): string {
  if (typeof v !== 'string' || !new RegExp(`^[0-9a-f]{${bytes * 2}}$`).test(v))
    bad(`field ${field} must be ${bytes} bytes of lowercase hex`);
  return v;
}

export function parseDescriptor(text: string): LockDescriptor {
  let d: Record<string, unknown>;
  try {
    d = JSON.parse(text) as Record<string, unknown>;
  } catch {
    bad('the descriptor is not JSON');
  }
  if (!d || typeof d !== 'object') bad('the descriptor is not an object');
  if (d.format !== 'edgelock-lock') bad(`unknown descriptor format '${String(d.format)}'`);
  if (d.version !== 1) bad(`descriptor version ${String(d.version)} is not supported (this edgelock reads version 1)`);
  if (d.cipher !== 'chacha20') bad(`unknown cipher '${String(d.cipher)}'`);
  if (d.binding !== 'device' && d.binding !== 'model') bad(`unknown key binding '${String(d.binding)}'`);
  if (typeof d.scheme !== 'string') bad('missing scheme');
  if (!Array.isArray(d.entries)) bad('missing entries');
  return {
    format: 'edgelock-lock',
    version: 1,
    scheme: d.scheme,
    cipher: 'chacha20',
    binding: d.binding,
    lockId: hexOf(d.lockId, 16, 'lockId'),
    keyId: hexOf(d.keyId, 8, 'keyId'),
    salt: hexOf(d.salt, 8, 'salt'),
    entries: d.entries as LockDescriptor['entries'],
  };
}

/** The descriptor of a locked ONNX model, or null when the model is not locked. */
export function readDescriptor(model: Model): LockDescriptor | null {
  const text = model.metadata[LOCK_METADATA_KEY];
  return text === undefined ? null : parseDescriptor(text);
}

export function withDescriptor(model: Model, d: LockDescriptor | null): Model {
  const metadata = { ...model.metadata };
  if (d) metadata[LOCK_METADATA_KEY] = JSON.stringify(d);
  else delete metadata[LOCK_METADATA_KEY];
  return { ...model, metadata };
}
