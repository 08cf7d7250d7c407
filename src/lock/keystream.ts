/** Keystreams of a lock: ChaCha20 under the lock key, nonce = salt (8 B) ‖ u32le(stream number). */
import { chacha20Keystream, chacha20Xor } from '../keys/chacha20';

/** The stream number reserved for HPNN key bits. */
export const KEY_BITS_STREAM = 0xffffffff;

export function streamNonce(salt: Uint8Array, stream: number): Buffer {
  const nonce = Buffer.alloc(12);
  Buffer.from(salt).copy(nonce, 0, 0, 8);
  nonce.writeUInt32LE(stream >>> 0, 8);
  return nonce;
}

/** XORs `bytes` with stream `stream` from block 0. */
export function xorStream(key: Uint8Array, salt: Uint8Array, stream: number, bytes: Uint8Array): Buffer {
  return chacha20Xor(key, streamNonce(salt, stream), 0, bytes);
}

/** `count` key bits: bit j is bit (j mod 8) (LSB first) of keystream byte ⌊j/8⌋ of stream 0xFFFFFFFF. */
export function keyBits(key: Uint8Array, salt: Uint8Array, count: number): Uint8Array {
  const bytes = chacha20Keystream(key, streamNonce(salt, KEY_BITS_STREAM), 0, Math.ceil(count / 8));
  const bits = new Uint8Array(count);
  for (let j = 0; j < count; j++) bits[j] = (bytes[j >> 3] >> (j & 7)) & 1;
  return bits;
}
