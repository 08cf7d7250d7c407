/**
 * The keyed signs of a board's score offsets (docs/watermark.md, "Score offsets"):
 *
 *   score key  = HKDF-SHA256(ikm = device key, salt = empty, info = "edgelock score offsets key v1")
 *   block b    = HMAC-SHA256(score key, "ELS1" | u8 m | u16 classes | u32 b)      (little-endian)
 *   S[j][c]    = −1 when bit t = j·classes + c of the blocks' concatenation is set (bit t%8 of byte t/8), else +1
 *
 * The firmware (score_offsets.c) computes the same; the owner derives the key from the master key and the board's uid.
 */
import { createHmac } from 'crypto';
import { deriveDeviceKey, deriveScoreOffsetsKey } from '../keys/derive';

/** A board's score key from the owner's master key and the board's uid (the caller wipes it). */
export function scoreOffsetsKey(master: Uint8Array, uid: Uint8Array): Buffer {
  const device = deriveDeviceKey(master, uid);
  try {
    return deriveScoreOffsetsKey(device);
  } finally {
    device.fill(0);
  }
}

/** S as m × classes values ±1, row-major. */
export function keyedSigns(key: Uint8Array, m: number, classes: number): Int8Array {
  const bits = m * classes;
  const out = new Int8Array(bits);
  for (let b = 0; b * 256 < bits; b++) {
    const head = Buffer.alloc(11);
    head.write('ELS1', 0, 'latin1');
    head[4] = m;
    head.writeUInt16LE(classes, 5);
    head.writeUInt32LE(b, 7);
    const d = createHmac('sha256', key).update(head).digest();
    for (let t = b * 256; t < Math.min(bits, (b + 1) * 256); t++) out[t] = (d[(t % 256) >> 3] >> (t & 7)) & 1 ? -1 : 1;
  }
  return out;
}
