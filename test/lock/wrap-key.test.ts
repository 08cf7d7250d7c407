/** Model-key wrapping (src/lock/wrap-key.ts) against a computation written here from node:crypto primitives only. */
import { createCipheriv, createHmac, hkdfSync, randomBytes } from 'crypto';
import { deriveDeviceKey, deriveModelKey, keyId } from '../../src/keys/derive';
import { unwrapModelKey, wrapModelKey } from '../../src/lock/wrap-key';

/** wrapped = modelKey XOR ChaCha20(HKDF(deviceKey, lockId, "edgelock key wrap v1"), nonce 0, counter 0). */
function reference(deviceKey: Buffer, lockId: Buffer, modelKey: Buffer): Buffer {
  const wrapKey = Buffer.from(hkdfSync('sha256', deviceKey, lockId, Buffer.from('edgelock key wrap v1'), 32));
  const c = createCipheriv('chacha20', wrapKey, Buffer.alloc(16)); // OpenSSL IV = u32 counter 0 ‖ 12-byte zero nonce
  const stream = Buffer.concat([c.update(Buffer.alloc(32)), c.final()]);
  return Buffer.from(modelKey.map((b, i) => b ^ stream[i]));
}

test('wrap matches the reference; unwrap inverts it; the key id authenticates the unwrapped key', () => {
  for (let i = 0; i < 8; i++) {
    const master = randomBytes(32);
    const deviceKey = deriveDeviceKey(master, randomBytes(8));
    const lockId = randomBytes(16);
    const modelKey = deriveModelKey(master, lockId);
    const wrapped = wrapModelKey(deviceKey, lockId, modelKey);
    expect(wrapped.equals(reference(deviceKey, lockId, modelKey))).toBe(true);
    expect(wrapped.equals(modelKey)).toBe(false);
    expect(unwrapModelKey(deviceKey, lockId, wrapped).equals(modelKey)).toBe(true);
    const id = createHmac('sha256', modelKey).update('edgelock key id').digest().subarray(0, 8).toString('hex');
    expect(keyId(unwrapModelKey(deviceKey, lockId, wrapped))).toBe(id);
    // another device, another lock id, or one flipped bit: a different key, refused by the key id check
    expect(keyId(unwrapModelKey(deriveDeviceKey(master, randomBytes(8)), lockId, wrapped))).not.toBe(id);
    expect(keyId(unwrapModelKey(deviceKey, randomBytes(16), wrapped))).not.toBe(id);
    const flipped = Buffer.from(wrapped);
    flipped[i] ^= 1;
    expect(keyId(unwrapModelKey(deviceKey, lockId, flipped))).not.toBe(id);
  }
});

test('wrong lengths are refused', () => {
  expect(() => wrapModelKey(Buffer.alloc(31), Buffer.alloc(16), Buffer.alloc(32))).toThrow(
    /device key must be 32 bytes/,
  );
  expect(() => wrapModelKey(Buffer.alloc(32), Buffer.alloc(8), Buffer.alloc(32))).toThrow(/lock id must be 16 bytes/);
  expect(() => unwrapModelKey(Buffer.alloc(32), Buffer.alloc(16), Buffer.alloc(33))).toThrow(/must be 32 bytes/);
});
