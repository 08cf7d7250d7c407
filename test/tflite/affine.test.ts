/**
 * The host's input quantisation (src/tflite/affine.ts, used by eval, watermark verification and
 * device run) against the TFLite runtime's own QUANTIZE kernel, with saturation at both ends and
 * exact .5 ties (power-of-two scale) on both signs. Off ties the two must agree exactly. On exact
 * ties they differ by design: the runtime in Node (XNNPACK) rounds half to even, while TFLite's
 * reference kernels — what TFLM and our firmware's QUANTIZE run — use std::round, half away from
 * zero, which the host follows so that what it feeds a board equals what the board computes.
 */
import { TfliteBuilder, options } from '../../src/tflite/builder';
import { QuantizeOptionsT, TensorType } from '../../src/tflite/generated';
import { TFLITE_OPS } from '../../src/tflite/builtins';
import { runTflite } from '../../src/tflite/oracle';
import { nchwToNhwc, quantizeAffine, toModelLayout } from '../../src/tflite/affine';

async function runtimeQuantize(x: Float32Array, scale: number, zeroPoint: number): Promise<number[]> {
  const n = x.length;
  const b = new TfliteBuilder();
  const xi = b.addTensor({ name: 'x', shape: [1, n], dtype: 'float32' });
  const q = b.addTensor({
    name: 'q',
    shape: [1, n],
    dtype: 'int8',
    quantization: { scale: [scale], zeroPoint: [zeroPoint] },
  });
  b.addOperator({
    op: 'QUANTIZE',
    version: TFLITE_OPS.QUANTIZE.version({ inputTypes: [TensorType.FLOAT32], outputTypes: [TensorType.INT8] }),
    inputs: [xi],
    outputs: [q],
    options: options(QuantizeOptionsT),
  });
  b.setInputs([xi]).setOutputs([q]);
  const [out] = await runTflite(b.finish(), [{ data: x, shape: [1, n] }]);
  return Array.from(out.data);
}

test.each([
  [0.0625, 0],
  [0.0625, -7],
  [0.03125, 12],
])(
  'quantizeAffine vs the runtime QUANTIZE (scale %p, zero point %p): equal off ties, TFLite-reference rounding on ties',
  async (scale, zp) => {
    const values: number[] = [];
    for (let k = -300; k <= 300; k++) values.push((k + 0.5) * scale, k * scale, (k + 0.25) * scale);
    values.push(1e6, -1e6, 0, -0);
    const x = Float32Array.from(values);
    const ours = Array.from(quantizeAffine(x, scale, zp));
    const theirs = await runtimeQuantize(x, scale, zp);
    const isTie = (i: number) => Math.abs(x[i] / scale - Math.trunc(x[i] / scale)) === 0.5;
    const offTie = values.map((_, i) => i).filter((i) => !isTie(i));
    expect(offTie.map((i) => ours[i])).toEqual(offTie.map((i) => theirs[i]));
    const ties = values.map((_, i) => i).filter(isTie);
    expect(ties.length).toBeGreaterThan(100);
    for (const i of ties) {
      const v = x[i] / scale;
      // the runtime: half to even; ours: half away from zero (both before the zero point and saturation)
      const even = 2 * Math.round(v / 2);
      const away = Math.sign(v) * Math.ceil(Math.abs(v));
      const clamp = (q: number) => Math.min(127, Math.max(-128, q + zp));
      expect([theirs[i], ours[i]]).toEqual([clamp(even), clamp(away)]);
    }
  },
);

test('nchwToNhwc moves channels last', () => {
  // c=2, h=1, w=3: [[a0 a1 a2], [b0 b1 b2]] -> a0 b0 a1 b1 a2 b2
  expect(Array.from(nchwToNhwc([1, 2, 3, 10, 20, 30], 2, 1, 3))).toEqual([1, 10, 2, 20, 3, 30]);
});

test('toModelLayout moves channels last only for a channels-last model input', () => {
  const x = Float32Array.from([1, 2, 3, 10, 20, 30]); // [c=2, h=1, w=3]
  expect(Array.from(toModelLayout(x, [2, 1, 3], [1, 1, 3, 2]))).toEqual([1, 10, 2, 20, 3, 30]);
  expect(toModelLayout(x, [2, 1, 3], [1, 2, 1, 3])).toBe(x); // NCHW model input
  const gray = Float32Array.from([1, 2, 3]);
  expect(toModelLayout(gray, [1, 1, 3], [1, 1, 3, 1])).toBe(gray); // one channel: same order
  expect(toModelLayout(gray, [3], [1, 3])).toBe(gray); // not an image
});

test('toModelLayout follows the layout edgelock recorded, even where the shapes are ambiguous', () => {
  const x = Float32Array.from({ length: 8 }, (_, i) => i); // [2, 2, 2]
  const moved = Array.from(nchwToNhwc(x, 2, 2, 2));
  expect(Array.from(toModelLayout(x, [2, 2, 2], [1, 2, 2, 2], 'nhwc'))).toEqual(moved);
  expect(toModelLayout(x, [2, 2, 2], [1, 2, 2, 2], 'onnx-nhwc')).toBe(x); // the ONNX input was channels-last already
  expect(toModelLayout(x, [2, 2, 2], [1, 2, 2, 2], 'nchw')).toBe(x);
  expect(Array.from(toModelLayout(x, [2, 2, 2], [1, 2, 2, 2]))).toEqual(moved); // no record: shape heuristic
});
