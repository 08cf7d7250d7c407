/**
 * Scale/zero-point math of the TFLite int8 spec, checked against the spec's definitions:
 * real = scale · (q − zp); activations asymmetric with 0 exactly representable; weights
 * symmetric in [−127, 127] with zp 0; bias scale = input scale × weight scale.
 */
import { dequantizeValue, quantizeValue } from '../../src/compiler/quantize/fixed-point';
import { activationParams, biasScale, fixedParams, quantizeInt8 } from '../../src/compiler/quantize/params';
import { channelAbsMax, quantizeBias, quantizeWeights, weightScales } from '../../src/compiler/quantize/weights';
import { EdgelockError } from '../../src/errors';
import { rng } from '../helpers/rng';

describe('activation parameters', () => {
  test('0.0 is exactly representable and the nudged range spans 255 steps', () => {
    const r = rng(1);
    for (let i = 0; i < 2000; i++) {
      const a = (r() - 0.7) * 10 ** (r() * 4 - 2);
      const b = (r() - 0.3) * 10 ** (r() * 4 - 2);
      const p = activationParams({ min: Math.min(a, b), max: Math.max(a, b) });
      expect(Number.isInteger(p.zeroPoint)).toBe(true);
      expect(p.zeroPoint).toBeGreaterThanOrEqual(-128);
      expect(p.zeroPoint).toBeLessThanOrEqual(127);
      expect(quantizeValue(0, p.scale, p.zeroPoint)).toBe(p.zeroPoint);
      expect(dequantizeValue(p.zeroPoint, p.scale, p.zeroPoint)).toBe(0);
      expect(p.scale).toBe(Math.fround(p.scale));
      expect(p.min).toBeCloseTo((-128 - p.zeroPoint) * p.scale, 12);
      expect(p.max - p.min).toBeCloseTo(255 * p.scale, 9);
      // the nudged range moves each end by at most half a step
      const lo = Math.min(0, Math.min(a, b));
      const hi = Math.max(0, Math.max(a, b));
      expect(Math.abs(p.min - lo)).toBeLessThanOrEqual(p.scale * 0.5 + 1e-9 * hi);
      expect(Math.abs(p.max - hi)).toBeLessThanOrEqual(p.scale * 0.5 + 1e-9 * hi);
    }
  });

  test('scale = (max − min)/255 and zp = round(−128 − min/scale)', () => {
    const p = activationParams({ min: -1, max: 3 });
    expect(p.scale).toBe(Math.fround(4 / 255));
    expect(p.zeroPoint).toBe(Math.round(-128 + 1 / Math.fround(4 / 255)));
    expect(p.zeroPoint).toBe(-64);
  });

  test('ranges are extended to contain 0', () => {
    expect(activationParams({ min: 2, max: 6 })).toMatchObject({ zeroPoint: -128, min: 0 });
    expect(activationParams({ min: 2, max: 6 }).scale).toBe(Math.fround(6 / 255));
    const neg = activationParams({ min: -5, max: -1 });
    expect(neg.zeroPoint).toBe(127);
    expect(neg.max).toBe(0);
  });

  test('an all-zero tensor gets a positive scale; invalid ranges are catalogue errors', () => {
    const z = activationParams({ min: 0, max: 0 });
    expect(z.scale).toBeGreaterThan(0);
    expect(quantizeValue(0, z.scale, z.zeroPoint)).toBe(z.zeroPoint);
    expect(() => activationParams({ min: NaN, max: 1 })).toThrow(EdgelockError);
    expect(() => activationParams({ min: 2, max: 1 })).toThrow(/E_QUANT_RANGE|no usable range/);
  });

  test('fixed parameters of softmax/logistic and tanh', () => {
    expect(fixedParams(1 / 256, -128)).toEqual({ scale: 1 / 256, zeroPoint: -128, min: 0, max: 255 / 256 });
    expect(fixedParams(1 / 128, 0)).toEqual({ scale: 1 / 128, zeroPoint: 0, min: -1, max: 127 / 128 });
  });
});

describe('weights and bias', () => {
  const shape = [3, 2, 2, 4]; // [O, H, W, I]
  const r = rng(2);
  const w = Float32Array.from({ length: 48 }, (_, i) => (r() - 0.5) * (i < 16 ? 0.2 : i < 32 ? 3 : 0.01));

  test('per output channel symmetric int8 in [−127, 127], zp 0, channel max → ±127', () => {
    const scales = weightScales(w, shape, 0, 0.1);
    const q = quantizeWeights(w, shape, 0, scales, 'w');
    expect(q.quant.axis).toBe(0);
    expect(q.quant.zeroPoint).toEqual([0, 0, 0]);
    const absMax = channelAbsMax(w, shape, 0);
    for (let c = 0; c < 3; c++) {
      expect(scales[c]).toBe(Math.fround(absMax[c] / 127));
      let peak = 0;
      for (let i = c * 16; i < (c + 1) * 16; i++) {
        expect(q.data[i]).toBeGreaterThanOrEqual(-127);
        expect(q.data[i]).toBeLessThanOrEqual(127);
        expect(Math.abs(q.data[i] * scales[c] - w[i])).toBeLessThanOrEqual(scales[c] / 2 + 1e-9);
        peak = Math.max(peak, Math.abs(q.data[i]));
      }
      expect(peak).toBe(127);
    }
  });

  test('axis 3 (depthwise [1, H, W, O]) quantises the last dimension', () => {
    const dw = Float32Array.from({ length: 2 * 2 * 3 }, (_, i) => ((i % 3) + 1) * (i % 2 ? -1 : 1));
    const scales = weightScales(dw, [1, 2, 2, 3], 3, 0.1);
    expect(scales).toEqual([1, 2, 3].map((m) => Math.fround(m / 127)));
    const q = quantizeWeights(dw, [1, 2, 2, 3], 3, scales, 'dw');
    expect(Array.from(q.data).map(Math.abs)).toEqual(new Array(12).fill(127));
  });

  test('-128 never appears even for values below −max (symmetric range)', () => {
    expect(quantizeInt8(-1.0, 1 / 127, 0, -127, 127)).toBe(-127);
    expect(quantizeInt8(-1.2, 1 / 127, 0, -127, 127)).toBe(-127);
  });

  test('bias: int32, zp 0, scale = input scale × weight scale[c]', () => {
    const inScale = Math.fround(0.0371);
    const scales = weightScales(w, shape, 0, inScale);
    const bias = Float32Array.from([0.5, -2, 0.001]);
    const q = quantizeBias(bias, inScale, scales, 'b');
    expect(q.data).toBeInstanceOf(Int32Array);
    expect(q.quant.zeroPoint).toEqual([0, 0, 0]);
    for (let c = 0; c < 3; c++) {
      expect(q.quant.scale[c]).toBe(Math.fround(inScale * scales[c]));
      expect(q.quant.scale[c]).toBe(biasScale(inScale, scales[c]));
      expect(Math.abs(q.data[c] * q.quant.scale[c] - bias[c])).toBeLessThanOrEqual(q.quant.scale[c] / 2);
    }
  });

  test('a bias too large for int32 at the natural scale raises that channel’s weight scale', () => {
    const tiny = Float32Array.from([1e-6, -1e-6, 1e-6, 1e-6]);
    const inScale = 1e-4;
    const bias = Float32Array.from([1e3]);
    const natural = Math.fround(1e-6 / 127);
    expect(1e3 / (inScale * natural)).toBeGreaterThan(2147483647);
    const scales = weightScales(tiny, [1, 4], 0, inScale, bias);
    expect(scales[0]).toBeGreaterThan(natural);
    const q = quantizeBias(bias, inScale, scales, 'b');
    expect(Math.abs(q.data[0])).toBeLessThanOrEqual(2147483647);
    expect(q.data[0] * q.quant.scale[0]).toBeCloseTo(1e3, 0);
  });
});
