/**
 * ChaCha20 (RFC 8439: 256-bit key, 96-bit nonce, 32-bit block counter) through node:crypto.
 * OpenSSL's "chacha20" takes a 16-byte IV = counter (u32 little-endian) ‖ nonce.
 */
import { createCipheriv } from 'crypto';

/** XORs `data` with the keystream starting at block `counter`; returns a new buffer. */
export function chacha20Xor(key: Uint8Array, nonce: Uint8Array, counter: number, data: Uint8Array): Buffer {
  if (key.length !== 32 || nonce.length !== 12)
    throw new RangeError('chacha20: 32-byte key and 12-byte nonce required');
  const iv = Buffer.alloc(16);
  iv.writeUInt32LE(counter >>> 0, 0);
  Buffer.from(nonce).copy(iv, 4);
  const c = createCipheriv('chacha20', key, iv);
  return Buffer.concat([c.update(data), c.final()]);
}

export function chacha20Keystream(key: Uint8Array, nonce: Uint8Array, counter: number, length: number): Buffer {
  return chacha20Xor(key, nonce, counter, Buffer.alloc(length));
}
