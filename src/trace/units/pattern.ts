/**
 * The pixel path's stamp (docs/security.md, "Trigger units: a path from the pixels"): one keyed binary pattern the
 * size of the first convolution's kernel, written whole (ones and zeros, every channel) at a recorded origin per
 * unit. Draw n of the pattern is SHA-256 counter mode over the trace key and n; the owner records which draw it
 * kept (the first that natural patches do not come near), so the trace redraws it from the key.
 */
import { EdgelockError } from '../../errors';
import { Sha256Stream } from '../../watermark/drbg';
import type { Stamp } from './stamps';

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

/**
 * The stamps of a pixel path over a (C, H, W) sample: the pattern written with its top-left pixel at each origin
 * (y · W + x), on every channel.
 */
export function patternStamps(
  bits: Uint8Array,
  patch: readonly [number, number],
  origins: readonly number[],
  shape: readonly [number, number, number],
): Stamp[] {
  const [C, H, W] = shape;
  const [kh, kw] = patch;
  return origins.map((o) => {
    const [y0, x0] = [Math.floor(o / W), o % W];
    if (y0 + kh > H || x0 + kw > W)
      throw new EdgelockError('E_TRACE_MODEL', `a stamp origin (${y0}, ${x0}) puts the pattern outside the input`);
    const set: number[] = [];
    const clear: number[] = [];
    for (let c = 0; c < C; c++)
      for (let dy = 0; dy < kh; dy++)
        for (let dx = 0; dx < kw; dx++) (bits[dy * kw + dx] ? set : clear).push(c * H * W + (y0 + dy) * W + x0 + dx);
    return { set: Int32Array.from(set), clear: Int32Array.from(clear) };
  });
}
