/** Independent arithmetic for checking TFLite outputs (written from the op definitions, not from edgelock code). */
import { rng } from '../helpers/rng';

export { rng };

export function uniform(n: number, lo: number, hi: number, r: () => number): Float32Array {
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
}

export function randInt(n: number, lo: number, hi: number, r: () => number): Int32Array {
  return Int32Array.from({ length: n }, () => lo + Math.floor((hi - lo + 1) * r()));
}

/** Rounds half away from zero (TFLite's rounding for requantisation). */
export function roundHalfAway(x: number): number {
  return Math.sign(x) * Math.floor(Math.abs(x) + 0.5);
}

export const clampInt8 = (v: number) => Math.max(-128, Math.min(127, v));

export function quantize(x: number, scale: number, zeroPoint: number): number {
  return clampInt8(roundHalfAway(x / scale) + zeroPoint);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export interface Conv2DParams {
  inH: number;
  inW: number;
  inC: number;
  outC: number;
  kH: number;
  kW: number;
  strideH: number;
  strideW: number;
  /** 'SAME' pads like TensorFlow (extra padding at the bottom/right). */
  padding: 'SAME' | 'VALID';
}

export function convOutputSize(p: Conv2DParams): { outH: number; outW: number; padTop: number; padLeft: number } {
  if (p.padding === 'VALID') {
    return {
      outH: Math.floor((p.inH - p.kH) / p.strideH) + 1,
      outW: Math.floor((p.inW - p.kW) / p.strideW) + 1,
      padTop: 0,
      padLeft: 0,
    };
  }
  const outH = Math.ceil(p.inH / p.strideH);
  const outW = Math.ceil(p.inW / p.strideW);
  const padH = Math.max(0, (outH - 1) * p.strideH + p.kH - p.inH);
  const padW = Math.max(0, (outW - 1) * p.strideW + p.kW - p.inW);
  return { outH, outW, padTop: Math.floor(padH / 2), padLeft: Math.floor(padW / 2) };
}

/**
 * NHWC convolution with OHWI filters, batch 1. `x(h,w,c)` returns the (already zero-point-shifted)
 * input value, or 0 in the padding; returns raw accumulators per output element [outH, outW, outC].
 */
export function conv2dAccumulate(
  p: Conv2DParams,
  x: (h: number, w: number, c: number) => number,
  filter: (o: number, kh: number, kw: number, i: number) => number,
): { acc: Float64Array; outH: number; outW: number } {
  const { outH, outW, padTop, padLeft } = convOutputSize(p);
  const acc = new Float64Array(outH * outW * p.outC);
  for (let oh = 0; oh < outH; oh++)
    for (let ow = 0; ow < outW; ow++)
      for (let o = 0; o < p.outC; o++) {
        let s = 0;
        for (let kh = 0; kh < p.kH; kh++)
          for (let kw = 0; kw < p.kW; kw++) {
            const ih = oh * p.strideH + kh - padTop;
            const iw = ow * p.strideW + kw - padLeft;
            if (ih < 0 || iw < 0 || ih >= p.inH || iw >= p.inW) continue;
            for (let i = 0; i < p.inC; i++) s += x(ih, iw, i) * filter(o, kh, kw, i);
          }
        acc[(oh * outW + ow) * p.outC + o] = s;
      }
  return { acc, outH, outW };
}
