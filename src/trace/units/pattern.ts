/**
 * The pixel path's pattern (docs/security.md, "A path from the pixels"): one keyed binary pattern the size of the
 * first convolution's kernel, which a stamp writes whole (ones and zeros, every channel) at a recorded origin per
 * unit (patternStamps in stamps.ts). Draw n of the pattern is SHA-256 counter mode over the trace key and n; the owner
 * records which draw it kept (the first that natural patches do not come near), so the trace redraws it from the key.
 */
import { Sha256Stream } from '../../watermark/drbg';

/** A pattern is kept only with ones between these shares of its cells (a pattern of a few ones is met by strokes) */
const ONES_SHARE = [0.4, 0.6] as const;

/** Draw `draw` of the keyed pattern over a kh × kw kernel (row-major, 1 = a set pixel), or null when the draw has too
 * few or too many ones. */
export function patternDraw(traceKey: Uint8Array, kh: number, kw: number, draw: number): Uint8Array | null {
  const stream = new Sha256Stream(traceKey, `pixel-path pattern ${draw}`);
  const bits = Uint8Array.from({ length: kh * kw }, () => stream.uniform(2));
  const ones = bits.reduce((a, b) => a + b, 0);
  return ones >= ONES_SHARE[0] * bits.length && ones <= ONES_SHARE[1] * bits.length ? bits : null;
}
