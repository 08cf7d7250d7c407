/**
 * The deterministic bit generator every trigger is derived from: SHA-256 in counter mode over the
 * signature and a purpose tag. Specified byte by byte so the firmware can regenerate the same
 * triggers (docs/watermark.md, "DRBG"):
 *
 *   block(i) = SHA-256(signature[32] ‖ ASCII(tag) ‖ uint32_be(i)),  i = 0, 1, 2, …
 *   stream   = block(0) ‖ block(1) ‖ …, read as consecutive big-endian uint32 words
 *   uniform(n), 1 ≤ n ≤ 2^32: limit = 2^32 − (2^32 mod n); draw words until w < limit; return w mod n
 */
import { createHash } from 'crypto';

export const TAG_PREFIX = 'edgelock-wm1/';

export class Sha256Stream {
  private block = new Uint8Array(0);
  private pos = 0;
  private counter = 0;
  private readonly tagBytes: Buffer;

  constructor(
    private readonly seed: Uint8Array,
    tag: string,
  ) {
    this.tagBytes = Buffer.from(TAG_PREFIX + tag, 'ascii');
  }

  private refill(): void {
    const ctr = Buffer.alloc(4);
    ctr.writeUInt32BE(this.counter >>> 0, 0);
    this.counter++;
    this.block = new Uint8Array(createHash('sha256').update(this.seed).update(this.tagBytes).update(ctr).digest());
    this.pos = 0;
  }

  /** The next big-endian 32-bit word of the stream. */
  nextU32(): number {
    if (this.pos + 4 > this.block.length) this.refill();
    const b = this.block;
    const p = this.pos;
    this.pos += 4;
    return ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
  }

  /** Uniform integer in [0, n) by rejection (no modulo bias). */
  uniform(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 2 ** 32)
      throw new RangeError(`uniform(${n}): n must be an integer in 1..2^32`);
    const limit = 2 ** 32 - (2 ** 32 % n);
    for (;;) {
      const w = this.nextU32();
      if (w < limit) return w % n;
    }
  }
}

/**
 * k distinct values of [0, n) in draw order: draw uniform(n), skip values already drawn.
 * (The C port keeps a bitmap of n bits.)
 */
export function distinctDraws(stream: Sha256Stream, k: number, n: number): number[] {
  if (k > n) throw new RangeError(`cannot draw ${k} distinct values from ${n}`);
  const seen = new Uint8Array(n);
  const out: number[] = [];
  while (out.length < k) {
    const v = stream.uniform(n);
    if (!seen[v]) {
      seen[v] = 1;
      out.push(v);
    }
  }
  return out;
}
