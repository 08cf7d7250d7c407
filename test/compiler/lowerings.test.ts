import { compileAndCompare } from './helpers/check';
import { GraphBuilder, conv } from './helpers/graph';
import { A } from '../helpers/build';

/** Each lowering against onnxruntime (float32, 8 seeded random inputs per case). */
const TOL = 1e-5;

/** Closes a rank-4 NCHW value into a [1, C] output without layout cost. */
function head(b: GraphBuilder, x: string): void {
  b.output(b.node('Flatten', [b.node('GlobalAveragePool', [x])]));
}

type Case = { name: string; build: (b: GraphBuilder) => void; expectOps?: Record<string, number>; opset?: number };

const CASES: Case[] = [
  {
    name: 'Conv with asymmetric pads gets an explicit PAD, stride 2 with pads 1 too',
    build: (b) =>
      head(
        b,
        conv(b, conv(b, b.input('x', [1, 3, 8, 8]), 3, 4, { pads: [0, 1, 2, 1] }), 4, 4, {
          pads: [1, 1, 1, 1],
          strides: [2, 2],
        }),
      ),
    expectOps: { PAD: 2, CONV_2D: 2, TRANSPOSE: 0 },
  },
  {
    name: 'Conv SAME_UPPER / dilation 2 / VALID',
    build: (b) => {
      const x = b.input('x', [1, 2, 10, 10]);
      const a = conv(b, x, 2, 3, { auto_pad: 'SAME_UPPER' as unknown as number, strides: [2, 2] });
      const d = conv(b, a, 3, 3, { dilations: [2, 2], pads: [2, 2, 2, 2] });
      head(b, conv(b, d, 3, 2, {}));
    },
    expectOps: { CONV_2D: 3, PAD: 0 },
  },
  {
    name: 'depthwise Conv (multiplier 2) with a fused Clip(0,6)',
    build: (b) => {
      const x = b.input('x', [1, 3, 8, 8]);
      const dw = b.node('Conv', [x, b.weight('dw', [6, 1, 3, 3]), b.weight('dwb', [6])], {
        group: 3,
        pads: [1, 1, 1, 1],
      });
      head(
        b,
        b.node('Clip', [
          dw,
          b.init('lo', { dtype: 'float32', shape: [], data: Float32Array.of(0) }),
          b.init('hi', { dtype: 'float32', shape: [], data: Float32Array.of(6) }),
        ]),
      );
    },
    expectOps: { DEPTHWISE_CONV_2D: 1, RELU6: 0 },
  },
  {
    // rank-3 inputs are fed in ONNX order ([N, C, L]), so one TRANSPOSE brings them channels-last
    name: 'Conv1d (rank 3) runs as CONV_2D with H = 1',
    build: (b) => {
      const x = b.input('x', [1, 4, 16]);
      const c = b.node('Conv', [x, b.weight('w1d', [5, 4, 3]), b.weight('b1d', [5])], { pads: [1, 1], strides: [2] });
      const p = b.node('MaxPool', [b.node('Relu', [c])], { kernel_shape: [2], strides: [2] });
      b.output(b.node('Gemm', [b.node('Flatten', [p]), b.weight('fc', [20, 3]), b.weight('fcb', [3])]));
    },
    expectOps: { CONV_2D: 1, MAX_POOL_2D: 1, TRANSPOSE: 1 },
  },
  {
    name: 'MaxPool with pads TFLite SAME cannot express → edge replication (SLICE+CONCATENATION), or PAD(0) after a ReLU (ResNet stem)',
    build: (b) => {
      const a = b.node('MaxPool', [conv(b, b.input('x', [1, 3, 16, 16]), 3, 4)], {
        kernel_shape: [3, 3],
        strides: [2, 2],
        pads: [1, 1, 1, 1],
      });
      head(
        b,
        b.node('MaxPool', [b.node('Relu', [conv(b, a, 4, 4)])], {
          kernel_shape: [3, 3],
          strides: [2, 2],
          pads: [1, 1, 1, 1],
        }),
      );
    },
    expectOps: { PADV2: 0, SLICE: 2, CONCATENATION: 2, PAD: 1, MAX_POOL_2D: 2 },
  },
  {
    name: 'MaxPool ceil_mode and SAME-compatible pads',
    build: (b) =>
      head(
        b,
        b.node(
          'MaxPool',
          [
            b.node('MaxPool', [conv(b, b.input('x', [1, 2, 11, 11]), 2, 3)], {
              kernel_shape: [2, 2],
              strides: [2, 2],
              ceil_mode: 1,
            }),
          ],
          { kernel_shape: [3, 3], pads: [1, 1, 1, 1] },
        ),
      ),
    expectOps: { MAX_POOL_2D: 2 },
  },
  {
    name: 'AveragePool: count_include_pad 0 → SAME, 1 → PAD + VALID',
    build: (b) => {
      const x = conv(b, b.input('x', [1, 2, 8, 8]), 2, 3);
      const a = b.node('AveragePool', [x], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] });
      head(
        b,
        b.node('AveragePool', [a], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [2, 2], count_include_pad: 1 }),
      );
    },
    expectOps: { AVERAGE_POOL_2D: 2, PAD: 1 },
  },
  {
    name: 'ReduceMean keepdims=0 then Gemm',
    build: (b) => {
      const r = b.node('ReduceMean', [conv(b, b.input('x', [1, 3, 6, 6]), 3, 5)], { axes: [2, 3], keepdims: 0 });
      b.output(b.node('Gemm', [r, b.weight('fc', [5, 4]), b.weight('fcb', [4])]));
    },
    expectOps: { MEAN: 1, TRANSPOSE: 0 },
  },
  {
    name: 'activations: LeakyRelu, HardSwish, Sigmoid, Tanh, Clip(-1,1) and a generic Clip',
    build: (b) => {
      let h = conv(b, b.input('x', [1, 3, 6, 6]), 3, 4);
      h = b.node('LeakyRelu', [h], { alpha: 0.2 });
      h = b.node('HardSwish', [h], {}, undefined);
      h = b.node('Sigmoid', [conv(b, h, 4, 4)]);
      h = b.node('Tanh', [h]);
      const lo = b.init('m1', { dtype: 'float32', shape: [], data: Float32Array.of(-1) });
      const hi = b.init('p1', { dtype: 'float32', shape: [], data: Float32Array.of(1) });
      const c = b.node('Clip', [conv(b, h, 4, 4), lo, hi]);
      const hi2 = b.init('p03', { dtype: 'float32', shape: [], data: Float32Array.of(0.3) });
      head(b, b.node('Clip', [b.node('Add', [c, h]), lo, hi2]));
    },
    expectOps: { LEAKY_RELU: 1, HARD_SWISH: 1, LOGISTIC: 1, TANH: 1, MAXIMUM: 1, MINIMUM: 1 },
    opset: 14,
  },
  {
    name: 'a Relu whose input has two consumers stays a RELU op',
    build: (b) => {
      const a = conv(b, b.input('x', [1, 3, 6, 6]), 3, 4);
      const r = b.node('Relu', [a]);
      head(b, b.node('Add', [r, a]));
    },
    expectOps: { RELU: 1, ADD: 1 },
  },
  {
    name: 'Max / Min of two activations, Sub, Mul of activations',
    build: (b) => {
      const x = b.input('x', [1, 3, 6, 6]);
      const a = conv(b, x, 3, 4);
      const c = conv(b, x, 3, 4);
      const m = b.node('Max', [a, c]);
      const n = b.node('Min', [a, c]);
      head(b, b.node('Mul', [b.node('Sub', [m, n]), a]));
    },
    expectOps: { MAXIMUM: 1, MINIMUM: 1, SUB: 1, MUL: 1, TRANSPOSE: 0 },
  },
  {
    name: 'Pad op (constant, non-zero value) on NHWC',
    build: (b) => {
      const p = b.node('Pad', [
        conv(b, b.input('x', [1, 3, 5, 5]), 3, 2),
        b.ints('pads', [0, 0, 1, 2, 0, 0, 2, 1]),
        b.init('pv', { dtype: 'float32', shape: [], data: Float32Array.of(0.5) }),
      ]);
      head(b, conv(b, p, 2, 2));
    },
    expectOps: { PADV2: 1, TRANSPOSE: 0 },
  },
  {
    name: 'MLP: MatMul + Add normalised to Gemm, Relu fused, Softmax',
    build: (b) => {
      const x = b.input('x', [1, 12]);
      const h = b.node('Relu', [b.node('Add', [b.node('MatMul', [x, b.weight('m1', [12, 8])]), b.weight('a1', [8])])]);
      b.output(
        b.node(
          'Softmax',
          [b.node('Gemm', [h, b.weight('g2', [8, 5]), b.weight('c2', [1, 5])], { alpha: 0.5, beta: A.f(2) })],
          { axis: 1 },
        ),
      );
    },
    expectOps: { FULLY_CONNECTED: 2, SOFTMAX: 1, RELU: 0 },
  },
  {
    name: 'ResNet block: stem MaxPool, residual Add with a strided 1x1 shortcut, fused Relu after the Add',
    build: (b) => {
      const x = b.input('x', [1, 3, 16, 16]);
      const stem = b.node('MaxPool', [b.node('Relu', [conv(b, x, 3, 8)])], {
        kernel_shape: [3, 3],
        strides: [2, 2],
        pads: [1, 1, 1, 1],
      });
      const main = conv(b, b.node('Relu', [conv(b, stem, 8, 16, { pads: [1, 1, 1, 1], strides: [2, 2] })]), 16, 16);
      const shortcut = conv(b, stem, 8, 16, { strides: [2, 2] }, 1);
      head(b, b.node('Relu', [b.node('Add', [main, shortcut])]));
    },
    expectOps: { TRANSPOSE: 0, ADD: 1, RELU: 0, PAD: 2, PADV2: 0 },
  },
  {
    name: 'a flattened NHWC tensor meets a full-size constant (Add) and a non-FC consumer (last-resort TRANSPOSE)',
    build: (b) => {
      const h = conv(b, b.input('x', [1, 3, 4, 4]), 3, 2);
      const flat = b.node('Reshape', [h, b.ints('s2', [1, 32])]);
      const added = b.node('Add', [flat, b.weight('full', [1, 32])]);
      b.output(b.node('Softmax', [b.node('Reshape', [added, b.ints('s3', [1, 2, 16])])], { axis: 2 }));
    },
    expectOps: { ADD: 1, SOFTMAX: 1 },
  },
  {
    name: 'HardSigmoid · x (PyTorch hardswish before opset 14) → HARD_SWISH; a lone HardSigmoid → MUL, ADD+RELU6, MUL',
    build: (b) => {
      const a = conv(b, b.input('x', [1, 3, 6, 6]), 3, 4);
      const hs = b.node('Mul', [a, b.node('HardSigmoid', [a], { alpha: 1 / 6, beta: 0.5 })]);
      head(b, b.node('HardSigmoid', [conv(b, hs, 4, 4)], { alpha: 0.3, beta: 0.4 }));
    },
    expectOps: { HARD_SWISH: 1, MUL: 2, ADD: 1 },
  },
  {
    name: 'standalone Sqrt → SQRT, Div by a tensor → DIV, Reciprocal → DIV(1, x) (float)',
    build: (b) => {
      const a = conv(b, b.input('x', [1, 3, 6, 6]), 3, 4);
      const pos = b.node('Add', [
        b.node('Mul', [a, a]),
        b.init('one', { dtype: 'float32', shape: [], data: Float32Array.of(1) }),
      ]);
      const s = b.node('Sqrt', [pos]);
      const q = b.node('Div', [a, pos]);
      head(b, b.node('Add', [b.node('Add', [s, q]), b.node('Reciprocal', [pos])]));
    },
    expectOps: { SQRT: 1, DIV: 2, RSQRT: 0 },
  },
  {
    name: 'Relu then Clip(0,6) (PyTorch relu6 export) fuse into one RELU6',
    build: (b) => {
      const lo = b.init('zero', { dtype: 'float32', shape: [], data: Float32Array.of(0) });
      const hi = b.init('six', { dtype: 'float32', shape: [], data: Float32Array.of(6) });
      head(b, b.node('Clip', [b.node('Relu', [conv(b, b.input('x', [1, 3, 6, 6]), 3, 4)]), lo, hi]));
    },
    expectOps: { CONV_2D: 1, RELU: 0, RELU6: 0 },
  },
  {
    name: 'Slice of channels → SLICE on the NHWC tensor',
    build: (b) => {
      const x = b.input('x', [1, 3, 6, 6]);
      const s = b.node('Slice', [conv(b, x, 3, 8), b.ints('st', [2]), b.ints('en', [7]), b.ints('ax', [1])]);
      head(b, s);
    },
    expectOps: { SLICE: 1, TRANSPOSE: 0 },
  },
];

test.each(CASES.map((c) => [c.name, c]))('%s', async (_n, c) => {
  const b = new GraphBuilder(c.opset ?? 13, 3);
  c.build(b);
  const r = await compileAndCompare(b);
  for (const [op, n] of Object.entries(c.expectOps ?? {})) expect([op, r.count(op)]).toEqual([op, n]);
  expect(r.comparison.worstRelative).toBeLessThanOrEqual(TOL);
});
