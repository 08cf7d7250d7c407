/** ConvTranspose → TRANSPOSE_CONV (SAME, VALID, or VALID + SLICE crop), float and int8 (per-channel weights), against onnxruntime. */
import { compileModel } from '../../src/compiler/compile';
import { compileFloat } from '../../src/compiler/compile-float';
import { EdgelockError } from '../../src/errors';
import { compileAndCompare } from './helpers/check';
import { compareWithOnnx } from './helpers/compare';
import { GraphBuilder } from './helpers/graph';
import { seededRandom } from '../helpers/ort';

type Case = [name: string, k: number, attrs: Record<string, number[]>, padding: string, slices: number];

const CASES: Case[] = [
  ['PyTorch k4 s2 p1 (2× upsampling)', 4, { strides: [2, 2], pads: [1, 1, 1, 1] }, 'SAME', 0],
  ['k3 s1 p0', 3, {}, 'VALID', 0],
  ['k2 s2 p0', 2, { strides: [2, 2] }, 'SAME', 0],
  ['k3 s2 p1 output_padding 1', 3, { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] }, 'VALID', 1],
  ['k3 s1 p1 (same size)', 3, { pads: [1, 1, 1, 1] }, 'SAME', 0],
];

function model(k: number, attrs: Record<string, number[]>, seed = 5): GraphBuilder {
  const b = new GraphBuilder(13, seed);
  const x = b.input('x', [1, 3, 5, 6]);
  const c = b.node('Relu', [
    b.node('Conv', [x, b.weight('w', [4, 3, 3, 3]), b.weight('b', [4], 0.1)], { pads: [1, 1, 1, 1] }),
  ]);
  const t = b.node('ConvTranspose', [c, b.weight('tw', [4, 2, k, k]), b.weight('tb', [2], 0.1)], attrs, 'up');
  b.output(b.node('Flatten', [b.node('Relu', [t])], {}, 'y'));
  return b;
}

test.each(CASES)('%s → TRANSPOSE_CONV %s matches onnxruntime', async (_n, k, attrs, padding, slices) => {
  const r = await compileAndCompare(model(k, attrs));
  const op = r.compiled.graph.ops.find((o) => o.op === 'TRANSPOSE_CONV')!;
  expect(op.options).toMatchObject({ kind: 'TransposeConv', padding });
  expect(r.count('SLICE')).toBe(slices);
  expect(r.comparison.worstRelative).toBeLessThanOrEqual(1e-5);
});

test.each(CASES)(
  'int8 (float I/O) %s: TRANSPOSE_CONV with per-channel weights, within a few quantisation steps of onnxruntime',
  async (_n, k, attrs) => {
    const bytes = model(k, attrs).bytes();
    const n = 32;
    const r = seededRandom(9); // calibration from the distribution compareWithOnnx draws from: uniform [-1, 1)
    const data = Float32Array.from({ length: n * 90 }, () => r() * 2 - 1);
    const q = await compileModel(bytes, {
      precision: 'int8',
      io: 'float',
      calibration: { data, count: n, sampleShape: [3, 5, 6] },
    });
    const op = q.graph.ops.find((o) => o.op === 'TRANSPOSE_CONV')!;
    const [, w, x, b] = op.inputs.map((id) => q.graph.tensors[id]);
    expect([w.dtype, x.dtype, b.dtype]).toEqual(['int8', 'int8', 'int32']);
    expect(w.quant!.scale).toHaveLength(2); // one scale per output channel
    expect(w.quant!.zeroPoint).toEqual([0, 0]);
    b.quant!.scale.forEach((s, c) => {
      const want = x.quant!.scale[0] * w.quant!.scale[c];
      expect(Math.abs(s - want) / want).toBeLessThan(1e-6); // float32 of the product
    });
    const cmp = await compareWithOnnx(bytes, q.bytes, q.graph, { samples: 4 });
    expect(cmp.worstRelative).toBeLessThan(0.05);
  },
);

test('dilated ConvTranspose is refused naming the node', () => {
  let err: unknown;
  try {
    compileFloat(model(3, { dilations: [2, 2] }).bytes());
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(EdgelockError);
  expect((err as EdgelockError).code).toBe('E_TFLITE_UNSUPPORTED');
  expect((err as EdgelockError).location).toMatchObject({ node: 'up', op: 'ConvTranspose' });
});
