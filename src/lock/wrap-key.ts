/**
 * Model keys delivered to one device (binding "model", docs/security.md "Keys"): the per-model key is wrapped under a
 * key only that device can derive, and the package carries the 32 wrapped bytes:
 *
 *   wrap key = HKDF-SHA256(ikm = device key, salt = lock id, info = "edgelock key wrap v1")   (deriveWrapKey)
 *   wrapped  = model key XOR ChaCha20(key = wrap key, nonce = 12 zero bytes, counter 0)[0..32)
 *
 * The firmware does the same in firmware-tools/core/lock_key.c (el_lock_derive_key). The wrap has no tag of its own: a
 * wrong or corrupted wrapped key unwraps to a key whose id differs from the lock descriptor's, which the device
 * refuses (ERR_LOCK_KEY), and the package around it is authenticated by its own HMAC. One wrap key per (device, lock
 * id) encrypts exactly one 32-byte model key, so the fixed nonce never repeats a keystream on different plaintext.
 */
import { EdgelockError } from '../errors';
import { chacha20Xor } from '../keys/chacha20';
import { deriveWrapKey, LOCK_ID_BYTES } from '../keys/derive';

export const MODEL_KEY_BYTES = 32;
const ZERO_NONCE = Buffer.alloc(12);

function check(name: string, b: Uint8Array, bytes: number): void {
  if (b.length !== bytes) throw new EdgelockError('E_INTERNAL', `${name} must be ${bytes} bytes, got ${b.length}`);
}

function xorWithWrapStream(deviceKey: Uint8Array, lockId: Uint8Array, data: Uint8Array): Buffer {
  check('the device key', deviceKey, 32);
  check('the lock id', lockId, LOCK_ID_BYTES);
  check('the key to wrap or unwrap', data, MODEL_KEY_BYTES);
  const wrapKey = deriveWrapKey(deviceKey, lockId);
  try {
    return chacha20Xor(wrapKey, ZERO_NONCE, 0, data);
  } finally {
    wrapKey.fill(0);
  }
}

/** The 32 wrapped bytes of `modelKey` for the device holding `deviceKey`. */
export function wrapModelKey(deviceKey: Uint8Array, lockId: Uint8Array, modelKey: Uint8Array): Buffer {
  return xorWithWrapStream(deviceKey, lockId, modelKey);
}

/** The model key from its wrapped bytes (the device's computation, on the host). Check it with keyId() against the descriptor. */
export function unwrapModelKey(deviceKey: Uint8Array, lockId: Uint8Array, wrapped: Uint8Array): Buffer {
  return xorWithWrapStream(deviceKey, lockId, wrapped);
}
