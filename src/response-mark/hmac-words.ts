/**
 * HMAC-SHA256 (RFC 2104, FIPS 180-4) of many short messages under one key, for deciding a factory's boards on a pool
 * (decide-boards.ts; also one board's calibration, calibrate.ts): one HMAC per input and board, 70 million for 1,000
 * boards on the MNIST pool. Node's createHmac hashes the key's two padded blocks again for every message and
 * allocates per call; here the key's inner and outer states are computed once per board, and each message's padded
 * blocks (whose length counts the key block before them) once per pool, so a message costs its own blocks plus one
 * outer block: five compressions for the MNIST pool's 207-byte codes instead of seven, and no allocation (2.1x
 * faster, `npm run bench -- response-mark`). Only the digest's first two words are returned, which is all the
 * decision reads.
 * test/response-mark/hmac-words.test.ts checks the digests against RFC 4231's vectors and Node's crypto.
 *
 * The states are as secret as the key: wipe() zeroes them, as callers wipe the key.
 */
import { createHash } from 'crypto';

const K = Int32Array.from(
  [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
    0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
    0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
    0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2,
  ],
  (k) => k | 0,
);
const IV = Int32Array.from(
  [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19],
  (v) => v | 0,
);
const BLOCK = 64;

/** One SHA-256 compression of the 16 big-endian words at w[at…at+15] into state (8 words), with scratch w64. */
function compress(state: Int32Array, w: Int32Array, at: number, w64: Int32Array): void {
  for (let i = 0; i < 16; i++) w64[i] = w[at + i];
  for (let i = 16; i < 64; i++) {
    const x = w64[i - 15];
    const y = w64[i - 2];
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w64[i] = (w64[i - 16] + s0 + w64[i - 7] + s1) | 0;
  }
  let a = state[0];
  let b = state[1];
  let c = state[2];
  let d = state[3];
  let e = state[4];
  let f = state[5];
  let g = state[6];
  let h = state[7];
  for (let i = 0; i < 64; i++) {
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + s1 + ((e & f) ^ (~e & g)) + K[i] + w64[i]) | 0;
    const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (s0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  state[0] = (state[0] + a) | 0;
  state[1] = (state[1] + b) | 0;
  state[2] = (state[2] + c) | 0;
  state[3] = (state[3] + d) | 0;
  state[4] = (state[4] + e) | 0;
  state[5] = (state[5] + f) | 0;
  state[6] = (state[6] + g) | 0;
  state[7] = (state[7] + h) | 0;
}

/** Big-endian words of `bytes` (a multiple of 4 long). */
function wordsOf(bytes: Uint8Array): Int32Array {
  const w = new Int32Array(bytes.length / 4);
  for (let i = 0; i < w.length; i++)
    w[i] = (bytes[4 * i] << 24) | (bytes[4 * i + 1] << 16) | (bytes[4 * i + 2] << 8) | bytes[4 * i + 3];
  return w;
}

/** Messages padded as the inner hash sees them after the key block: their blocks, and where each message's start. */
export interface PaddedMessages {
  words: Int32Array;
  /** message i's blocks are starts[i] … starts[i + 1] − 1 (in blocks) */
  starts: Int32Array;
}

/** Pads each message for the inner hash (its length in bits counts the 64-byte key block before it). */
export function padMessages(messages: readonly Uint8Array[]): PaddedMessages {
  const starts = new Int32Array(messages.length + 1);
  messages.forEach((m, i) => (starts[i + 1] = starts[i] + Math.ceil((m.length + 9) / BLOCK)));
  const bytes = new Uint8Array(starts[messages.length] * BLOCK);
  messages.forEach((m, i) => {
    const at = starts[i] * BLOCK;
    const end = starts[i + 1] * BLOCK;
    bytes.set(m, at);
    bytes[at + m.length] = 0x80;
    const bits = (BLOCK + m.length) * 8; // below 2^32 for any message here
    for (let k = 0; k < 4; k++) bytes[end - 1 - k] = (bits >>> (8 * k)) & 0xff;
  });
  return { words: wordsOf(bytes), starts };
}

/** One key's HMAC-SHA256 with its inner and outer states precomputed. */
export class KeyedHmac {
  private readonly inner = new Int32Array(8);
  private readonly outer = new Int32Array(8);
  private readonly state = new Int32Array(8);
  private readonly last = new Int32Array(16);
  private readonly w64 = new Int32Array(64);
  /** the digest's second word (bytes 4–7, little-endian), set by firstWord */
  second = 0;

  constructor(key: Uint8Array) {
    const k = new Uint8Array(BLOCK);
    k.set(key.length > BLOCK ? createHash('sha256').update(key).digest() : key);
    for (const [pad, state] of [
      [0x36, this.inner],
      [0x5c, this.outer],
    ] as const) {
      const block = wordsOf(k.map((b) => b ^ pad));
      state.set(IV);
      compress(state, block, 0, this.w64);
      block.fill(0);
    }
    k.fill(0);
    // the outer hash's only block: the inner digest (8 words), then its padding for 64 + 32 bytes
    this.last[8] = 0x80000000 | 0;
    this.last[15] = (BLOCK + 32) * 8;
  }

  /** The digest's first word (bytes 0–3, little-endian, as readUInt32LE) of message i; its second in `second`. */
  firstWord(m: PaddedMessages, i: number): number {
    const s = this.state;
    s.set(this.inner);
    for (let b = m.starts[i]; b < m.starts[i + 1]; b++) compress(s, m.words, b * 16, this.w64);
    const last = this.last;
    for (let j = 0; j < 8; j++) last[j] = s[j];
    s.set(this.outer);
    compress(s, last, 0, this.w64);
    this.second = swap(s[1]);
    return swap(s[0]);
  }

  /** The full digest of message i (for tests). */
  digest(m: PaddedMessages, i: number): Buffer {
    this.firstWord(m, i);
    const out = Buffer.alloc(32);
    for (let j = 0; j < 8; j++) out.writeInt32BE(this.state[j], 4 * j);
    return out;
  }

  wipe(): void {
    for (const a of [this.inner, this.outer, this.state, this.last, this.w64]) a.fill(0);
    this.second = 0;
  }
}

/** The big-endian word v read little-endian, as an unsigned number. */
function swap(v: number): number {
  return ((v >>> 24) | ((v >>> 8) & 0xff00) | ((v & 0xff00) << 8) | ((v & 0xff) << 24)) >>> 0;
}
