/**
 * What a key holder supplies to lock or unlock: the master key and, for device-bound locks, the
 * device uid. Turns that into the lock key of a descriptor and checks it against the key id.
 */
import { EdgelockError } from '../errors';
import { deriveDeviceKey, deriveDeviceLockKey, deriveModelKey, keyId } from '../keys/derive';
import { Binding, LockDescriptor } from './descriptor';

export interface KeyMaterial {
  master: Uint8Array;
  /** Required for device-bound locks. */
  deviceUid?: Uint8Array;
}

export function lockKeyFor(material: KeyMaterial, binding: Binding, lockId: Uint8Array): Buffer {
  if (binding === 'model') return deriveModelKey(material.master, lockId);
  if (!material.deviceUid) {
    throw new EdgelockError(
      'E_LOCK_KEY_REQUIRED',
      'the model is locked to one device; its device uid is needed',
      {},
      'pass --device-uid <uid>',
    );
  }
  const deviceKey = deriveDeviceKey(material.master, material.deviceUid);
  try {
    return deriveDeviceLockKey(deviceKey, lockId);
  } finally {
    deviceKey.fill(0);
  }
}

/**
 * The lock key for descriptor `d`. With `verify` (the default) a key whose id differs from the
 * descriptor's is refused with E_LOCK_KEY_MISMATCH; without it the wrong key is returned as is
 * (what a device that skipped the check would compute: wrong weights, not an error).
 */
export function resolveLockKey(material: KeyMaterial, d: LockDescriptor, verify = true): Buffer {
  const key = lockKeyFor(material, d.binding, Buffer.from(d.lockId, 'hex'));
  if (verify && keyId(key) !== d.keyId) {
    key.fill(0);
    throw new EdgelockError(
      'E_LOCK_KEY_MISMATCH',
      d.binding === 'device'
        ? "the master key and device uid do not give this model's lock key"
        : "the master key does not give this model's lock key",
    );
  }
  return key;
}
