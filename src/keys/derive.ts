/**
 * The key hierarchy (all HKDF-SHA256, RFC 5869, via node:crypto):
 *
 *   master (32 B, key file)
 *     └─ device key = HKDF(ikm = master, salt = device uid bytes, info = "edgelock device key v1")
 *          └─ lock key (device-bound) = HKDF(ikm = device key, salt = lock id, info = "edgelock lock key v1")
 *     └─ model key (product line) = HKDF(ikm = master, salt = lock id, info = "edgelock model key v1")
 *     └─ trace key (owner's tracing secret) = HKDF(ikm = master, salt = empty, info = "edgelock trace key v1")
 *          └─ device trace code seed = HKDF(ikm = trace key, salt = device uid, info = "edgelock trace code v1")
 *     └─ (device key) └─ response mark key = HKDF(ikm = device key, salt = empty, info = "edgelock response mark key v1")
 *                        derived by the board itself (firmware response_mark.c) and by the owner, never stored
 *     └─ (device key) └─ score offsets key = HKDF(ikm = device key, salt = empty, info = "edgelock score offsets key v1")
 *                        likewise (firmware score_offsets.c, src/score-offsets/signs.ts)
 *   .tflite lock key = HKDF(ikm = lock key or model key (the root), salt = the model's binding hash,
 *                           info = "edgelock tflite lock key v2")   (src/lock/model-binding.ts)
 *
 * The lock id is 16 random bytes chosen when a model is locked and stored, public, in its lock
 * descriptor, so every locked model gets its own key. A key id names a key without revealing it:
 * the first 8 bytes of HMAC-SHA256(key, "edgelock key id"), in hex.
 */
import { createHmac, hkdfSync } from 'crypto';

export const LABELS = {
  deviceKey: 'edgelock device key v1',
  lockKey: 'edgelock lock key v1',
  modelKey: 'edgelock model key v1',
  keyWrap: 'edgelock key wrap v1',
  tfliteLockKey: 'edgelock tflite lock key v2',
  keyId: 'edgelock key id',
  traceKey: 'edgelock trace key v1',
  traceCode: 'edgelock trace code v1',
  responseMarkKey: 'edgelock response mark key v1',
  scoreOffsetsKey: 'edgelock score offsets key v1',
} as const;

export const LOCK_ID_BYTES = 16;
export const KEY_ID_BYTES = 8;

export function hkdf(ikm: Uint8Array, salt: Uint8Array, info: string, length = 32): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from(info, 'utf8'), length));
}

export function deriveDeviceKey(master: Uint8Array, uid: Uint8Array): Buffer {
  return hkdf(master, uid, LABELS.deviceKey);
}

/** The lock key of a model locked to one device. */
export function deriveDeviceLockKey(deviceKey: Uint8Array, lockId: Uint8Array): Buffer {
  return hkdf(deviceKey, lockId, LABELS.lockKey);
}

/** The lock key of a model locked for a product line (delivered wrapped to each device). */
export function deriveModelKey(master: Uint8Array, lockId: Uint8Array): Buffer {
  return hkdf(master, lockId, LABELS.modelKey);
}

/** The key that seals a compiled .tflite: bound to its model by the binding hash (src/lock/model-binding.ts). */
export function deriveTfliteLockKey(rootKey: Uint8Array, bindingHash: Uint8Array): Buffer {
  return hkdf(rootKey, bindingHash, LABELS.tfliteLockKey);
}

/** The key that wraps a model key for one device (see docs/security.md, "Model keys"). */
export function deriveWrapKey(deviceKey: Uint8Array, lockId: Uint8Array): Buffer {
  return hkdf(deviceKey, lockId, LABELS.keyWrap);
}

/** The owner's tracing secret: every per-device trace code (src/trace/) derives from it. */
export function deriveTraceKey(master: Uint8Array): Buffer {
  return hkdf(master, new Uint8Array(0), LABELS.traceKey);
}

/** The seed of one device's trace code. */
export function deriveTraceCodeSeed(traceKey: Uint8Array, uid: Uint8Array): Buffer {
  return hkdf(traceKey, uid, LABELS.traceCode);
}

/** The key of one board's response mark (src/response-mark/): the board derives it from its device key in the key store. */
export function deriveResponseMarkKey(deviceKey: Uint8Array): Buffer {
  return hkdf(deviceKey, new Uint8Array(0), LABELS.responseMarkKey);
}

/** The key of one board's score offsets (src/score-offsets/): the board derives it from its device key in the key store. */
export function deriveScoreOffsetsKey(deviceKey: Uint8Array): Buffer {
  return hkdf(deviceKey, new Uint8Array(0), LABELS.scoreOffsetsKey);
}

export function keyId(key: Uint8Array): string {
  return createHmac('sha256', key).update(LABELS.keyId, 'utf8').digest().subarray(0, KEY_ID_BYTES).toString('hex');
}
