/** Locking and unlocking ONNX models (the IR), with the descriptor kept in the model's metadata. */
import { randomBytes } from 'crypto';
import { EdgelockError } from '../errors';
import { Model } from '../ir/types';
import { keyId, LOCK_ID_BYTES } from '../keys/derive';
import { Binding, LockDescriptor, readDescriptor, withDescriptor } from './descriptor';
import { KeyMaterial, lockKeyFor, resolveLockKey } from './key-material';
import { DEFAULT_SCHEME, schemeByName } from './schemes';

export interface LockOptions {
  scheme?: string;
  binding: Binding;
}

export interface LockResult {
  model: Model;
  descriptor: LockDescriptor;
}

export function lockModel(model: Model, material: KeyMaterial, opts: LockOptions): LockResult {
  if (readDescriptor(model)) throw new EdgelockError('E_LOCK_ALREADY', 'the model already carries a lock descriptor');
  const scheme = schemeByName(opts.scheme ?? DEFAULT_SCHEME);
  const lockId = randomBytes(LOCK_ID_BYTES);
  const salt = randomBytes(8);
  const key = lockKeyFor(material, opts.binding, lockId);
  try {
    const locked = scheme.lockOnnx(model, { key, salt });
    const descriptor: LockDescriptor = {
      format: 'edgelock-lock',
      version: 1,
      scheme: scheme.name,
      cipher: 'chacha20',
      binding: opts.binding,
      lockId: lockId.toString('hex'),
      keyId: keyId(key),
      salt: salt.toString('hex'),
      entries: locked.entries,
    };
    return { model: withDescriptor(locked.model, descriptor), descriptor };
  } finally {
    key.fill(0);
  }
}

export function requireDescriptor(model: Model): LockDescriptor {
  const d = readDescriptor(model);
  if (!d) throw new EdgelockError('E_USAGE', 'the model is not locked (no edgelock.lock metadata)');
  return d;
}

/** Unlocks with the lock key itself (tests, attacks). */
export function unlockWithKey(locked: Model, d: LockDescriptor, key: Buffer): Model {
  return withDescriptor(schemeByName(d.scheme).unlockOnnx(locked, d, key), null);
}

/**
 * The unlocked model. With `verify` (default) a key whose id does not match is refused
 * (E_LOCK_KEY_MISMATCH); with verify = false a wrong key yields wrong weights, as on a device
 * that skipped the check.
 */
export function unlockModel(locked: Model, material: KeyMaterial, verify = true): Model {
  const d = requireDescriptor(locked);
  const key = resolveLockKey(material, d, verify);
  try {
    return unlockWithKey(locked, d, key);
  } finally {
    key.fill(0);
  }
}
