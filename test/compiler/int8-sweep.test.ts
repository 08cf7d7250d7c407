/**
 * The lowered graphs through the int8 quantizer (src/compiler/quantize) and the TFLite runtime:
 * every lowering pattern the quantizer must handle (shared-parameter ops, fixed-output ops,
 * explicit padding, HARD_SWISH) gives outputs within a few quantisation steps of onnxruntime.
 */
import { compileModel } from '../../src/compiler/compile';
import { TfliteOracle } from '../../src/tflite/oracle';
import { seededRandom } from '../helpers/ort';
import { GraphBuilder, conv } from './helpers/graph';
import { readOnnx } from '../../src/onnx/reader';
import { runOrt } from '../helpers/ort';
import { transposeData } from '../../src/compiler/layout';

const head = (b: GraphBuilder, x: string) => b.output(b.node('Flatten', [b.node('GlobalAveragePool', [x])]));
const CASES: [string, (b: GraphBuilder) => void][] = [
  [
    'maxpool with non-SAME pads (edge replication)',
    (b) =>
      head(
        b,
        b.node('MaxPool', [conv(b, b.input('x', [1, 3, 16, 16]), 3, 4)], {
          kernel_shape: [3, 3],
          strides: [2, 2],
          pads: [1, 1, 1, 1],
        }),
      ),
  ],
  [
    'concat',
    (b) => {
      const x = b.input('x', [1, 3, 8, 8]);
      head(b, b.node('Concat', [b.node('Relu', [conv(b, x, 3, 4)]), conv(b, x, 3, 2)], { axis: 1 }));
    },
  ],
  [
    'softmax',
    (b) => {
      const x = b.input('x', [1, 8]);
      b.output(b.node('Softmax', [b.node('Gemm', [x, b.weight('w', [8, 5]), b.weight('c', [5])])], { axis: 1 }));
    },
  ],
  [
    'hardswish+sigmoid+leaky',
    (b) => {
      let h = conv(b, b.input('x', [1, 3, 6, 6]), 3, 4);
      h = b.node('HardSwish', [h]);
      h = b.node('LeakyRelu', [h], { alpha: 0.2 });
      head(b, b.node('Mul', [h, b.node('Sigmoid', [conv(b, h, 4, 4)])]));
    },
  ],
  [
    'clip generic + max/min',
    (b) => {
      const x = b.input('x', [1, 3, 6, 6]);
      const a = conv(b, x, 3, 4);
      const c = conv(b, x, 3, 4);
      const lo = b.init('lo', { dtype: 'float32', shape: [], data: Float32Array.of(-0.5) });
      const hi = b.init('hi', { dtype: 'float32', shape: [], data: Float32Array.of(0.7) });
      head(b, b.node('Max', [b.node('Clip', [a, lo, hi]), b.node('Min', [a, c])]));
    },
  ],
  [
    'avgpool + pad op + hardswish pattern',
    (b) => {
      const x = conv(b, b.input('x', [1, 2, 8, 8]), 2, 3);
      const a = b.node('AveragePool', [x], {
        kernel_shape: [3, 3],
        pads: [1, 1, 1, 1],
        strides: [2, 2],
        count_include_pad: 1,
      });
      const p = b.node('Pad', [a, b.ints('pads', [0, 0, 1, 1, 0, 0, 1, 1])]);
      head(b, b.node('Mul', [p, b.node('HardSigmoid', [p], { alpha: 1 / 6, beta: 0.5 })]));
    },
  ],
];

test.each(CASES)('%s int8', async (_n, build) => {
  const b = new GraphBuilder(14, 4);
  build(b);
  expect(await int8Worst(b)).toBeLessThan(0.05);
});

test.each([
  [0.3, 0.4],
  [0.2, 0.5], // ONNX defaults (what paddle2onnx writes)
])('a standalone HardSigmoid α=%f β=%f is int8 with analytic intermediate ranges', async (alpha, beta) => {
  const b = new GraphBuilder(14, 4);
  b.output(b.node('HardSigmoid', [conv(b, b.input('x', [1, 2, 6, 6]), 2, 3)], { alpha, beta }, 'hsig'));
  expect(await int8Worst(b, 'float32')).toBeLessThan(1e-6);
  expect(await int8Worst(b)).toBeLessThan(0.02);
});

/** x[1,6,8] → MatMul → LayerNorm over the last axis in one of its export forms → MatMul. */
function layerNormModel(form: 'pow-div' | 'mul-reciprocal' | 'opset17'): GraphBuilder {
  const b = new GraphBuilder(form === 'opset17' ? 17 : 13, 9);
  const h = b.node('MatMul', [b.input('x', [1, 6, 8]), b.weight('w1', [8, 8])]);
  const gamma = b.weight('gamma', [8]);
  const beta = b.weight('beta', [8], 0.2);
  let y: string;
  if (form === 'opset17') {
    y = b.node('LayerNormalization', [h, gamma, beta], { axis: -1, epsilon: 1e-5 });
  } else {
    const mu = b.node('ReduceMean', [h], { axes: [-1], keepdims: 1 });
    const d = b.node('Sub', [h, mu]);
    const sq =
      form === 'pow-div'
        ? b.node('Pow', [d, b.init('two', { dtype: 'float32', shape: [], data: Float32Array.of(2) })])
        : b.node('Mul', [d, d]);
    const v = b.node('ReduceMean', [sq], { axes: [-1], keepdims: 1 });
    const s = b.node('Sqrt', [
      b.node('Add', [v, b.init('eps', { dtype: 'float32', shape: [], data: Float32Array.of(1e-5) })]),
    ]);
    const n = form === 'pow-div' ? b.node('Div', [d, s]) : b.node('Mul', [d, b.node('Reciprocal', [s])]);
    y = b.node('Add', [b.node('Mul', [n, gamma]), beta]);
  }
  b.output(b.node('MatMul', [y, b.weight('w2', [8, 4])], {}, 'y'));
  return b;
}

test.each(['pow-div', 'mul-reciprocal', 'opset17'] as const)(
  'LayerNorm (%s) lowers to MEAN/SUB/MUL/ADD/RSQRT: float exact, int8 within a few steps',
  async (form) => {
    const b = layerNormModel(form);
    const f = await compileModel(b.bytes(), { precision: 'float32' });
    const ops = f.graph.ops.map((o) => o.op);
    expect(ops).toEqual(expect.arrayContaining(['MEAN', 'SUB', 'MUL', 'ADD', 'RSQRT']));
    expect(ops).not.toContain('SQRT');
    expect(ops).not.toContain('DIV');
    expect(await int8Worst(b, 'float32')).toBeLessThan(1e-5);
    expect(await int8Worst(b)).toBeLessThan(0.05);
  },
);

/** Worst |TFLite − onnxruntime| relative to the output span over 8 samples (int8 with float I/O unless float32). */
async function int8Worst(b: GraphBuilder, precision: 'int8' | 'float32' = 'int8'): Promise<number> {
  const bytes = b.bytes();
  const model = readOnnx(bytes);
  const shape = model.graph.inputs[0].shape as number[];
  const size = shape.reduce((a, c) => a * c, 1);
  const rand = seededRandom(1);
  const n = 64;
  const data = new Float32Array(n * size).map(() => rand() * 2 - 1);
  const r = await compileModel(bytes, {
    precision,
    io: precision === 'int8' ? 'float' : undefined,
    calibration: precision === 'int8' ? { data, count: n, sampleShape: shape } : undefined,
  });
  const oracle = await TfliteOracle.load(r.bytes);
  let worst = 0;
  for (let s = 0; s < 8; s++) {
    const x = data.slice(s * size, (s + 1) * size);
    const ref = await runOrt(model, { x: { dtype: 'float32', shape, data: x } });
    const rank4 = shape.length === 4;
    const got = oracle.run([
      {
        data: rank4 ? transposeData(x, shape, [0, 2, 3, 1]) : x,
        shape: rank4 ? [shape[0], shape[2], shape[3], shape[1]] : shape,
      },
    ]);
    const rv = Object.values(ref)[0].data as Float32Array;
    const span = Math.max(...rv) - Math.min(...rv) || 1;
    rv.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - got[0].data[i]) / span)));
  }
  oracle.dispose();
  return worst;
}

test('a standalone Sqrt compiles to float (SQRT) and stops the int8 path naming its node', async () => {
  const b = new GraphBuilder(13, 4);
  const x = b.input('x', [1, 8]);
  const pos = b.node('Add', [
    b.node('Mul', [x, x]),
    b.init('one', { dtype: 'float32', shape: [], data: Float32Array.of(1) }),
  ]);
  b.output(b.node('Sqrt', [pos], {}, 'root'));
  await expect(compileModel(b.bytes(), { precision: 'float32' })).resolves.toBeDefined();
  const data = new Float32Array(4 * 8).map((_, i) => Math.sin(i));
  await expect(
    compileModel(b.bytes(), { precision: 'int8', calibration: { data, count: 4, sampleShape: [1, 8] } }),
  ).rejects.toMatchObject({
    code: 'E_TFLITE_UNSUPPORTED',
    location: { node: 'root' },
  });
});
