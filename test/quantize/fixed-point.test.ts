/**
 * The reference fixed-point helpers against (a) exact rational arithmetic from the documented
 * semantics (gemmlowp: a·b/2^31 rounded to nearest, ties toward +∞; x/2^e rounded to nearest,
 * ties away from zero), (b) hand-checked values, and (c) the official TFLite runtime: an int8
 * FULLY_CONNECTED model whose outputs the helpers must predict.
 */
import {
  dequantizeValue,
  frexp,
  multiplyByQuantizedMultiplier,
  quantizeMultiplier,
  quantizeValue,
  requantize,
  roundingDivideByPOT,
  saturatingRoundingDoublingHighMul,
} from '../../src/compiler/quantize/fixed-point';
import { TfliteBuilder, options } from '../../src/tflite/builder';
import { FullyConnectedOptionsT } from '../../src/tflite/generated';
import { runTflite } from '../../src/tflite/oracle';
import { rng } from '../helpers/rng';

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

const randInt32 = (r: () => number) => Math.floor(r() * 2 ** 32) - 2 ** 31;

/** floor(n / d) for BigInt (d > 0). */
function floorDiv(n: bigint, d: bigint): bigint {
  const q = n / d;
  return n % d !== 0n && n < 0n ? q - 1n : q;
}

describe('frexp', () => {
  test.each([
    [8, 0.5, 4],
    [0.75, 0.75, 0],
    [-3, -0.75, 2],
    [1, 0.5, 1],
    [0.1, 0.8, -3],
    [5e-324, 0.5, -1073],
  ])('frexp(%p) = %p · 2^%p', (x, f, e) => {
    const r = frexp(x);
    expect(r.exponent).toBe(e);
    expect(r.fraction).toBeCloseTo(f, 15);
    expect(r.fraction * 2 ** r.exponent).toBe(x);
  });
});

describe('quantizeMultiplier', () => {
  test.each([
    [0.5, 2 ** 30, 0],
    [1, 2 ** 30, 1],
    [0.25, 2 ** 30, -1],
    [0.75, 1610612736, 0],
    [3, 1610612736, 2],
    [0, 0, 0],
    // 2^-40 needs a shift below -31: flushed to zero
    [2 ** -40, 0, 0],
    // rounds up to 2^31 and is renormalised
    [1 - 2 ** -40, 2 ** 30, 1],
  ])('M = %p → multiplier %p, shift %p', (m, q, s) => {
    expect(quantizeMultiplier(m)).toEqual({ multiplier: q, shift: s });
  });

  test('the Q31 value reconstructs the real multiplier to within 2^-31 relative', () => {
    const r = rng(7);
    for (let i = 0; i < 2000; i++) {
      const m = Math.exp((r() - 0.5) * 30);
      const { multiplier, shift } = quantizeMultiplier(m);
      expect(multiplier).toBeGreaterThanOrEqual(2 ** 30);
      expect(multiplier).toBeLessThan(2 ** 31);
      expect(Math.abs(multiplier * 2 ** (shift - 31) - m) / m).toBeLessThanOrEqual(2 ** -31);
    }
  });
});

describe('saturatingRoundingDoublingHighMul', () => {
  const exact = (a: number, b: number) => Number(floorDiv(2n * BigInt(a) * BigInt(b) + (1n << 31n), 1n << 32n));

  test('hand-checked values', () => {
    expect(saturatingRoundingDoublingHighMul(2 ** 30, 2 ** 30)).toBe(2 ** 29);
    expect(saturatingRoundingDoublingHighMul(3, 2 ** 30)).toBe(2); // 1.5 → 2
    expect(saturatingRoundingDoublingHighMul(-3, 2 ** 30)).toBe(-1); // −1.5 → −1 (ties toward +∞)
    expect(saturatingRoundingDoublingHighMul(-5, 2 ** 30)).toBe(-2); // −2.5 → −2
    expect(saturatingRoundingDoublingHighMul(1000, INT32_MAX)).toBe(1000);
    expect(saturatingRoundingDoublingHighMul(INT32_MIN, INT32_MIN)).toBe(INT32_MAX);
    expect(saturatingRoundingDoublingHighMul(INT32_MIN, INT32_MAX)).toBe(-INT32_MAX);
  });

  test('equals round(a·b / 2^31) with ties toward +∞ on random int32 pairs', () => {
    const r = rng(11);
    for (let i = 0; i < 5000; i++) {
      const a = randInt32(r);
      const b = i % 3 === 0 ? 2 ** 30 + Math.floor(r() * 2 ** 30) : randInt32(r);
      if (a === INT32_MIN && b === INT32_MIN) continue;
      expect(saturatingRoundingDoublingHighMul(a, b)).toBe(exact(a, b));
    }
  });
});

describe('roundingDivideByPOT', () => {
  const exact = (x: number, e: number) => {
    const mag = Number(floorDiv(2n * BigInt(Math.abs(x)) + (1n << BigInt(e)), 1n << BigInt(e + 1)));
    return x < 0 && mag !== 0 ? -mag : mag;
  };

  test('hand-checked values (ties away from zero)', () => {
    expect(roundingDivideByPOT(5, 1)).toBe(3);
    expect(roundingDivideByPOT(-5, 1)).toBe(-3);
    expect(roundingDivideByPOT(6, 2)).toBe(2);
    expect(roundingDivideByPOT(-6, 2)).toBe(-2);
    expect(roundingDivideByPOT(-7, 2)).toBe(-2);
    expect(roundingDivideByPOT(-9, 2)).toBe(-2);
    expect(roundingDivideByPOT(12345, 0)).toBe(12345);
    expect(roundingDivideByPOT(INT32_MIN, 31)).toBe(-1);
    expect(roundingDivideByPOT(INT32_MAX, 31)).toBe(1);
  });

  test('equals x / 2^e rounded half away from zero on random values', () => {
    const r = rng(12);
    for (let i = 0; i < 5000; i++) {
      const x = randInt32(r);
      const e = Math.floor(r() * 32);
      expect(roundingDivideByPOT(x, e)).toBe(exact(x, e));
    }
  });
});

describe('multiplyByQuantizedMultiplier', () => {
  test('is within one unit of x · M for M in [2^-20, 2^4]', () => {
    const r = rng(13);
    for (let i = 0; i < 5000; i++) {
      const m = 2 ** (-20 + 24 * r());
      const x = Math.floor((r() - 0.5) * 2 * Math.min(2 ** 30, 2 ** 30 / m));
      const q = quantizeMultiplier(m);
      expect(Math.abs(multiplyByQuantizedMultiplier(x, q.multiplier, q.shift) - x * m)).toBeLessThanOrEqual(1);
    }
  });

  test('hand-checked values', () => {
    const half = quantizeMultiplier(0.5);
    expect(multiplyByQuantizedMultiplier(3, half.multiplier, half.shift)).toBe(2); // 1.5 → 2
    expect(multiplyByQuantizedMultiplier(-3, half.multiplier, half.shift)).toBe(-1); // −1.5: high-mul gives −1.5 → −1 at shift 0
    const four = quantizeMultiplier(4);
    expect(multiplyByQuantizedMultiplier(-7, four.multiplier, four.shift)).toBe(-28);
    const eighth = quantizeMultiplier(0.125);
    expect(multiplyByQuantizedMultiplier(-20, eighth.multiplier, eighth.shift)).toBe(-3); // −2.5 → −3 (RDBPOT)
  });
});

describe('quantizeValue / dequantizeValue', () => {
  test('round trip and clamping', () => {
    expect(quantizeValue(0, 0.1, -5)).toBe(-5);
    expect(quantizeValue(0.25, 0.1, 0)).toBe(3); // 2.5 → 3
    expect(quantizeValue(-0.25, 0.1, 0)).toBe(-3);
    expect(quantizeValue(100, 0.1, 0)).toBe(127);
    expect(quantizeValue(-100, 0.1, 0)).toBe(-128);
    expect(dequantizeValue(quantizeValue(1.3, 0.1, 7), 0.1, 7)).toBeCloseTo(1.3, 6);
  });
});

describe('the TFLite runtime computes what the helpers predict', () => {
  test('int8 FULLY_CONNECTED with per-channel weights: every output within one step, ≥95% exact', async () => {
    const r = rng(21);
    const [inN, outN, batch] = [24, 10, 8];
    const sIn = Math.fround(0.043);
    const zIn = -7;
    const sOut = Math.fround(0.37);
    const zOut = 5;
    const sW = Array.from({ length: outN }, () => Math.fround(0.002 + 0.01 * r()));
    const w = Int8Array.from({ length: outN * inN }, () => Math.floor(r() * 255) - 127);
    const bias = Int32Array.from({ length: outN }, () => Math.floor((r() - 0.5) * 4000));
    const x = Int32Array.from({ length: batch * inN }, () => Math.floor(r() * 256) - 128);

    const b = new TfliteBuilder();
    const xt = b.addTensor({
      name: 'x',
      shape: [batch, inN],
      dtype: 'int8',
      quantization: { scale: [sIn], zeroPoint: [zIn] },
    });
    const wt = b.addConstTensor({
      name: 'w',
      shape: [outN, inN],
      dtype: 'int8',
      data: w,
      quantization: { scale: sW, zeroPoint: sW.map(() => 0), quantizedDimension: 0 },
    });
    const biasScales = sW.map((s) => Math.fround(sIn * s));
    const bt = b.addConstTensor({
      name: 'b',
      shape: [outN],
      dtype: 'int32',
      data: bias,
      quantization: { scale: biasScales, zeroPoint: sW.map(() => 0), quantizedDimension: 0 },
    });
    const yt = b.addTensor({
      name: 'y',
      shape: [batch, outN],
      dtype: 'int8',
      quantization: { scale: [sOut], zeroPoint: [zOut] },
    });
    b.addOperator({
      op: 'FULLY_CONNECTED',
      version: 4,
      inputs: [xt, wt, bt],
      outputs: [yt],
      options: options(FullyConnectedOptionsT),
    });
    b.setInputs([xt]).setOutputs([yt]);

    const [out] = await runTflite(b.finish(), [{ data: x, shape: [batch, inN] }]);
    let exact = 0;
    for (let n = 0; n < batch; n++) {
      for (let o = 0; o < outN; o++) {
        let acc = bias[o];
        for (let i = 0; i < inN; i++) acc += (x[n * inN + i] - zIn) * w[o * inN + i];
        const m = quantizeMultiplier((sIn * sW[o]) / sOut);
        const predicted = requantize(acc, m, zOut);
        const got = out.data[n * outN + o];
        expect(Math.abs(got - predicted)).toBeLessThanOrEqual(1);
        if (got === predicted) exact++;
      }
    }
    expect(exact / (batch * outN)).toBeGreaterThanOrEqual(0.95);
  });
});
