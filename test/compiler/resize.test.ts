/**
 * Resize → RESIZE_NEAREST_NEIGHBOR / RESIZE_BILINEAR: each supported coordinate transformation is
 * checked against onnxruntime through the TFLite runtime (float, and int8 with float I/O); modes
 * without a TFLite equivalent are refused naming the node.
 */
import { compileModel } from '../../src/compiler/compile';
import { compileFloat } from '../../src/compiler/compile-float';
import { EdgelockError } from '../../src/errors';
import { makeTensor } from '../../src/ir/tensor';
import { compileAndCompare } from './helpers/check';
import { compareWithOnnx } from './helpers/compare';
import { GraphBuilder } from './helpers/graph';

type Case = [
  mode: string,
  ct: string,
  nearest: string | undefined,
  inHW: [number, number],
  outHW: [number, number],
  op: string,
];

const CASES: Case[] = [
  ['nearest', 'asymmetric', 'floor', [5, 4], [10, 8], 'RESIZE_NEAREST_NEIGHBOR'],
  ['nearest', 'asymmetric', 'floor', [6, 6], [9, 15], 'RESIZE_NEAREST_NEIGHBOR'],
  ['nearest', 'align_corners', 'round_prefer_ceil', [4, 5], [7, 9], 'RESIZE_NEAREST_NEIGHBOR'],
  ['nearest', 'half_pixel', 'round_prefer_floor', [4, 3], [8, 9], 'RESIZE_NEAREST_NEIGHBOR'],
  ['nearest', 'tf_half_pixel_for_nn', 'floor', [4, 6], [6, 9], 'RESIZE_NEAREST_NEIGHBOR'],
  ['linear', 'asymmetric', undefined, [4, 5], [8, 10], 'RESIZE_BILINEAR'],
  ['linear', 'align_corners', undefined, [4, 5], [7, 11], 'RESIZE_BILINEAR'],
  ['linear', 'half_pixel', undefined, [4, 5], [6, 11], 'RESIZE_BILINEAR'],
  ['linear', 'pytorch_half_pixel', undefined, [5, 5], [10, 10], 'RESIZE_BILINEAR'],
  ['linear', 'half_pixel', undefined, [8, 8], [4, 4], 'RESIZE_BILINEAR'],
];

function model(
  mode: string,
  ct: string,
  nearest: string | undefined,
  inHW: number[],
  outHW: number[],
  seed = 3,
): GraphBuilder {
  const b = new GraphBuilder(13, seed);
  const x = b.input('x', [1, 3, ...inHW]);
  const c = b.node('Conv', [x, b.weight('w', [4, 3, 3, 3]), b.weight('b', [4], 0.1)], { pads: [1, 1, 1, 1] });
  const sizes = b.ints('sizes', [1, 4, ...outHW]);
  const roi = b.init('roi', makeTensor('float32', [0], new Float32Array(0)));
  const attrs: Record<string, string> = {
    mode,
    coordinate_transformation_mode: ct,
    ...(nearest ? { nearest_mode: nearest } : {}),
  };
  const r = b.node('Resize', [c, roi, '', sizes], attrs, 'resize');
  b.output(b.node('Conv', [r, b.weight('w2', [2, 4, 1, 1])], {}, 'y'));
  return b;
}

test.each(CASES)('%s %s %s %j → %j: %s matches onnxruntime', async (mode, ct, nearest, inHW, outHW, op) => {
  const r = await compileAndCompare(model(mode, ct, nearest, inHW, outHW));
  expect(r.count(op)).toBe(1);
  expect(r.count('TRANSPOSE')).toBe(1); // the NCHW graph output only
  expect(r.comparison.worstRelative).toBeLessThanOrEqual(1e-5);
});

test.each([
  ['nearest', 'asymmetric', 'floor', [5, 4], [10, 8]],
  ['linear', 'half_pixel', undefined, [4, 5], [8, 10]],
] as const)('int8 %s %s: within a few quantisation steps of onnxruntime', async (mode, ct, nearest, inHW, outHW) => {
  const b = model(mode, ct, nearest, [...inHW], [...outHW]);
  const bytes = b.bytes();
  const n = 32;
  const size = 3 * inHW[0] * inHW[1];
  const data = new Float32Array(n * size).map((_, i) => Math.sin(i * 0.37) * Math.cos(i * 0.011));
  const q = await compileModel(bytes, {
    precision: 'int8',
    io: 'float',
    calibration: { data, count: n, sampleShape: [3, ...inHW] },
  });
  const cmp = await compareWithOnnx(bytes, q.bytes, q.graph, { samples: 4 });
  expect(cmp.worstRelative).toBeLessThan(0.05);
});

test.each([
  ['nearest', 'half_pixel', 'round_prefer_floor', [4, 4], [6, 6], /integer upscales/],
  ['nearest', 'asymmetric', 'round_prefer_floor', [4, 4], [8, 8], /no TFLite equivalent/],
] as const)('nearest %s %s at %j → %j is refused naming the node', (mode, ct, nearest, inHW, outHW, message) => {
  let err: unknown;
  try {
    compileFloat(model(mode, ct, nearest, [...inHW], [...outHW]).bytes());
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(EdgelockError);
  expect((err as EdgelockError).code).toBe('E_TFLITE_UNSUPPORTED');
  expect((err as EdgelockError).location).toMatchObject({ node: 'resize', op: 'Resize' });
  expect((err as EdgelockError).message).toMatch(message);
});
