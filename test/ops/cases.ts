/** Every supported op, several attribute variants each; checked against onnxruntime by ops.test.ts. */
import { DType } from '../../src/ir/types';
import { A } from '../helpers/build';
import { CaseInput, OpCase } from './harness';

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/** A constant (initializer) input. */
const k = (dtype: DType, shape: number[], values: (number | bigint)[]): CaseInput => ({ shape, dtype, values });
const i64 = (...values: (number | bigint)[]): CaseInput => k('int64', [values.length], values);
const f32 = (...values: number[]): CaseInput => k('float32', [values.length], values);
const scalar = (dtype: DType, v: number): CaseInput => k(dtype, [], [v]);
/** A random constant input (an initializer with seeded random values). */
const w = (shape: number[], range?: { min?: number; max?: number }): CaseInput => ({ shape, init: true, range });
/** A random runtime input of another dtype or range. */
const r = (shape: number[], dtype: DType = 'float32', range?: { min?: number; max?: number }): CaseInput => ({
  shape,
  dtype,
  range,
});

const conv: OpCase[] = [
  { op: 'Conv', inputs: [[1, 3, 8, 8], w([4, 3, 3, 3]), w([4])], attrs: { pads: [1, 1, 1, 1] }, note: 'bias, pad 1' },
  { op: 'Conv', inputs: [[2, 3, 9, 9], w([5, 3, 3, 3])], attrs: { strides: [2, 2] }, note: 'no bias, stride 2' },
  {
    op: 'Conv',
    inputs: [[1, 2, 10, 10], w([3, 2, 3, 3]), w([3])],
    attrs: { dilations: [2, 2], pads: [2, 2, 2, 2] },
    note: 'dilated',
  },
  { op: 'Conv', inputs: [[1, 4, 6, 6], w([6, 2, 3, 3]), w([6])], attrs: { group: 2 }, note: 'grouped' },
  {
    op: 'Conv',
    inputs: [[1, 4, 7, 7], w([4, 1, 3, 3]), w([4])],
    attrs: { group: 4, pads: [1, 1, 1, 1], strides: [2, 2] },
    note: 'depthwise',
  },
  {
    op: 'Conv',
    inputs: [[1, 4, 5, 5], w([8, 1, 3, 3])],
    attrs: { group: 4, kernel_shape: [3, 3] },
    note: 'depthwise multiplier 2',
  },
  {
    op: 'Conv',
    inputs: [[1, 2, 7, 7], w([3, 2, 3, 3])],
    attrs: { auto_pad: 'SAME_UPPER', strides: [2, 2] },
    note: 'SAME_UPPER',
  },
  {
    op: 'Conv',
    inputs: [[1, 2, 7, 8], w([3, 2, 4, 4])],
    attrs: { auto_pad: 'SAME_LOWER', strides: [2, 2] },
    note: 'SAME_LOWER even kernel',
  },
  {
    op: 'Conv',
    inputs: [[1, 2, 7, 8], w([3, 2, 4, 4])],
    attrs: { auto_pad: 'SAME_UPPER' },
    note: 'SAME_UPPER even kernel',
  },
  { op: 'Conv', inputs: [[1, 2, 9, 9], w([3, 2, 3, 3])], attrs: { auto_pad: 'VALID', strides: [2, 2] }, note: 'VALID' },
  { op: 'Conv', inputs: [[1, 2, 6, 6], w([3, 2, 3, 3])], attrs: { pads: [0, 1, 2, 0] }, note: 'asymmetric pads' },
  { op: 'Conv', inputs: [[1, 3, 10], w([2, 3, 3]), w([2])], attrs: { pads: [1, 1], strides: [2] }, note: '1-D' },
  { op: 'Conv', inputs: [[1, 8, 4, 4], w([16, 8, 1, 1]), w([16])], note: 'pointwise' },
  {
    op: 'Conv',
    inputs: [
      [1, 2, 5, 5],
      [3, 2, 3, 3],
    ],
    note: 'runtime weight',
  },
  {
    op: 'Conv',
    inputs: [[1, 2, 9, 6], w([2, 2, 3, 1])],
    attrs: { strides: [2, 1], pads: [1, 0, 1, 0] },
    note: 'rectangular',
  },
  { op: 'Conv', inputs: [[1, 1, 4, 4, 4], w([2, 1, 2, 2, 2])], note: '3-D' },
];

const convTranspose: OpCase[] = [
  { op: 'ConvTranspose', inputs: [[1, 3, 4, 5], w([3, 2, 3, 3]), w([2])], note: 'stride 1' },
  {
    op: 'ConvTranspose',
    inputs: [[1, 3, 4, 4], w([3, 4, 4, 4]), w([4])],
    attrs: { strides: [2, 2], pads: [1, 1, 1, 1] },
    note: 'PyTorch k4 s2 p1',
  },
  {
    op: 'ConvTranspose',
    inputs: [[2, 2, 3, 4], w([2, 3, 3, 3])],
    attrs: { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] },
    note: 'output_padding, no bias',
  },
  {
    op: 'ConvTranspose',
    inputs: [[1, 2, 3, 3], w([2, 2, 2, 2])],
    attrs: { strides: [2, 2], dilations: [2, 2] },
    note: 'dilated',
  },
];

const pools: OpCase[] = [
  { op: 'MaxPool', inputs: [[1, 3, 8, 8]], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
  { op: 'MaxPool', inputs: [[1, 2, 9, 9]], attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] } },
  {
    op: 'MaxPool',
    inputs: [[1, 2, 8, 8]],
    attrs: { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 },
    note: 'ceil_mode',
  },
  {
    op: 'MaxPool',
    inputs: [[1, 2, 5, 5]],
    attrs: { kernel_shape: [2, 2], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1 },
    note: 'ceil_mode + pads',
  },
  { op: 'MaxPool', inputs: [[1, 2, 9, 9]], attrs: { kernel_shape: [3, 3], dilations: [2, 2] }, note: 'dilated' },
  { op: 'MaxPool', inputs: [[1, 2, 7, 7]], attrs: { kernel_shape: [3, 3], strides: [2, 2], auto_pad: 'SAME_UPPER' } },
  { op: 'MaxPool', inputs: [[1, 2, 6, 7]], attrs: { kernel_shape: [2, 2], strides: [2, 2], auto_pad: 'SAME_LOWER' } },
  { op: 'MaxPool', inputs: [[1, 2, 7, 7]], attrs: { kernel_shape: [3, 3], strides: [2, 2], auto_pad: 'VALID' } },
  { op: 'MaxPool', inputs: [[1, 3, 11]], attrs: { kernel_shape: [3], strides: [2] }, note: '1-D' },
  { op: 'MaxPool', opset: 11, inputs: [[1, 2, 6, 6]], attrs: { kernel_shape: [2, 2], strides: [1, 1] } },
  {
    op: 'MaxPool',
    inputs: [[1, 1, 6, 6]],
    attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 0, 0], ceil_mode: 1 },
    note: 'ceil keeps last window',
  },
  {
    op: 'MaxPool',
    inputs: [[1, 1, 7, 7]],
    attrs: { kernel_shape: [2, 2], strides: [3, 3], dilations: [2, 2], ceil_mode: 1 },
    note: 'ceil + dilation',
  },
  { op: 'AveragePool', inputs: [[1, 3, 8, 8]], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
  {
    op: 'AveragePool',
    inputs: [[1, 2, 6, 6]],
    attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] },
    note: 'exclude pad',
  },
  {
    op: 'AveragePool',
    inputs: [[1, 2, 6, 6]],
    attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1], count_include_pad: 1 },
    note: 'include pad',
  },
  {
    op: 'AveragePool',
    inputs: [[1, 2, 8, 8]],
    attrs: { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 },
    note: 'ceil_mode',
  },
  {
    op: 'AveragePool',
    inputs: [[1, 2, 7, 7]],
    attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1, count_include_pad: 1 },
    note: 'ceil + include pad',
  },
  {
    op: 'AveragePool',
    inputs: [[1, 2, 7, 7]],
    attrs: { kernel_shape: [3, 3], strides: [2, 2], auto_pad: 'SAME_UPPER' },
  },
  {
    op: 'AveragePool',
    inputs: [[1, 2, 5, 5]],
    attrs: { kernel_shape: [2, 2], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1, count_include_pad: 1 },
    note: 'ceil drops window in pad',
  },
  {
    op: 'AveragePool',
    inputs: [[1, 2, 6, 6]],
    attrs: { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1, auto_pad: 'SAME_UPPER' },
    note: 'ceil + SAME',
  },
  {
    op: 'AveragePool',
    inputs: [[1, 2, 6, 6]],
    attrs: { kernel_shape: [2, 2], strides: [2, 2], auto_pad: 'SAME_LOWER', count_include_pad: 1 },
  },
  { op: 'AveragePool', inputs: [[1, 2, 10]], attrs: { kernel_shape: [4], strides: [3], pads: [1, 2] }, note: '1-D' },
  { op: 'GlobalAveragePool', inputs: [[1, 3, 5, 5]] },
  { op: 'GlobalAveragePool', inputs: [[2, 4, 7]] },
  { op: 'GlobalAveragePool', inputs: [[1, 2, 2, 3, 3]] },
];

const matmul: OpCase[] = [
  { op: 'Gemm', inputs: [[3, 4], w([4, 5]), w([5])] },
  { op: 'Gemm', inputs: [[4, 3], w([4, 5]), w([5])], attrs: { transA: 1 } },
  { op: 'Gemm', inputs: [[3, 4], w([5, 4]), w([3, 5])], attrs: { transB: 1, alpha: 0.5, beta: A.f(2) } },
  {
    op: 'Gemm',
    inputs: [[4, 3], [5, 4], w([1])],
    attrs: { transA: 1, transB: 1, alpha: 1.5 },
    note: 'runtime B, scalar-like C',
  },
  { op: 'Gemm', inputs: [[2, 4], w([4, 3])], note: 'no C' },
  { op: 'Gemm', inputs: [[3, 4], w([4, 2]), w([3, 1])], attrs: { beta: 0.25 }, note: 'column C' },
  { op: 'Gemm', opset: 11, inputs: [[1, 6], w([3, 6]), w([3])], attrs: { transB: 1 } },
  { op: 'MatMul', inputs: [[3, 4], w([4, 5])] },
  { op: 'MatMul', inputs: [[2, 3, 4], w([4, 5])], note: 'batched × 2-D' },
  { op: 'MatMul', inputs: [[4], [4, 3]], note: '1-D × 2-D' },
  { op: 'MatMul', inputs: [[2, 3, 4], [4]], note: 'N-D × 1-D' },
  { op: 'MatMul', inputs: [[5], [5]], note: '1-D × 1-D' },
  {
    op: 'MatMul',
    inputs: [
      [2, 1, 3, 4],
      [3, 4, 2],
    ],
    note: 'broadcast batch',
  },
  {
    op: 'MatMul',
    inputs: [r([2, 3], 'int32', { min: -5, max: 5 }), r([3, 2], 'int32', { min: -5, max: 5 })],
    note: 'int32',
  },
];

const binary: OpCase[] = [];
for (const op of ['Add', 'Sub', 'Mul', 'Div']) {
  const divisor = op === 'Div' ? { min: 0.5, max: 2 } : undefined;
  binary.push(
    { op, inputs: [[2, 3, 4], r([4], 'float32', divisor)] },
    { op, inputs: [[2, 1, 4], r([3, 1], 'float32', divisor)] },
    { op, inputs: [[3, 2], w([], divisor)], note: 'scalar constant' },
    { op, inputs: [r([1, 3, 1, 1], 'float32', divisor), [2, 3, 4, 1]], note: 'broadcast left' },
    { op, inputs: [r([2, 3], 'int32', { min: -20, max: 20 }), r([3], 'int32', { min: 1, max: 7 })], note: 'int32' },
    { op, inputs: [r([4], 'int64', { min: -9, max: 30 }), r([1], 'int64', { min: 1, max: 4 })], note: 'int64' },
  );
}
binary.push(
  {
    op: 'Div',
    opset: 11,
    inputs: [r([6], 'int32', { min: -17, max: 17 }), k('int32', [6], [2, -3, 4, -5, 7, 1])],
    note: 'int truncation',
  },
  { op: 'Pow', inputs: [r([2, 3], 'float32', { min: 0.1, max: 3 }), scalar('float32', 2)] },
  {
    op: 'Pow',
    inputs: [r([2, 3], 'float32', { min: 0.1, max: 3 }), r([3], 'float32', { min: -2, max: 2 })],
    note: 'runtime exponent',
  },
  { op: 'Pow', inputs: [r([4], 'float32', { min: -3, max: 3 }), scalar('int64', 3)], note: 'int64 exponent' },
  { op: 'Pow', opset: 11, inputs: [r([2, 2], 'float32', { min: 0.5, max: 2 }), scalar('float32', 0.5)] },
  {
    op: 'Equal',
    inputs: [r([2, 3], 'int64', { min: 0, max: 2 }), r([3], 'int64', { min: 0, max: 2 })],
    outputs: [{ name: 'y', dtype: 'bool' }],
  },
  {
    op: 'Equal',
    opset: 11,
    inputs: [r([4], 'int32', { min: 0, max: 1 }), r([4], 'int32', { min: 0, max: 1 })],
    outputs: [{ name: 'y', dtype: 'bool' }],
  },
  { op: 'Equal', inputs: [k('float32', [3], [1, 2, 3]), [1]], outputs: [{ name: 'y', dtype: 'bool' }], note: 'float' },
  {
    op: 'Greater',
    inputs: [r([2, 3], 'int64', { min: 0, max: 3 }), r([3], 'int64', { min: 0, max: 3 })],
    outputs: [{ name: 'y', dtype: 'bool' }],
  },
  { op: 'Greater', inputs: [[2, 3], [1]], outputs: [{ name: 'y', dtype: 'bool' }], note: 'float' },
  {
    op: 'Less',
    inputs: [r([2, 3], 'int64', { min: 0, max: 3 }), r([3], 'int64', { min: 0, max: 3 })],
    outputs: [{ name: 'y', dtype: 'bool' }],
  },
  { op: 'Less', inputs: [[4], [4]], outputs: [{ name: 'y', dtype: 'bool' }], note: 'float' },
  { op: 'Where', inputs: [r([2, 3], 'bool'), [2, 3], [3]] },
  { op: 'Where', inputs: [r([3, 1], 'bool'), r([1, 4], 'int64'), r([], 'int64')] },
);

const variadic: OpCase[] = [];
for (const op of ['Max', 'Min', 'Sum']) {
  variadic.push(
    { op, inputs: [[2, 3], [3]] },
    { op, inputs: [[2, 1, 3], [4, 1], [3]], note: 'three inputs' },
    { op, inputs: [[3, 2]], note: 'one input' },
  );
}
variadic.push(
  {
    op: 'Max',
    inputs: [r([2, 2], 'int32', { min: -9, max: 9 }), r([2, 2], 'int32', { min: -9, max: 9 })],
    note: 'int32',
  },
  {
    op: 'Min',
    opset: 12,
    inputs: [r([2, 2], 'int64', { min: -9, max: 9 }), r([2], 'int64', { min: -9, max: 9 })],
    note: 'int64',
  },
  { op: 'Sum', opset: 11, inputs: [[2, 2], [2, 2], [1], [2, 1]], note: 'four inputs' },
);

const unary: OpCase[] = [
  { op: 'Relu', inputs: [[2, 3, 4]] },
  { op: 'Relu', opset: 14, inputs: [r([5], 'int32', { min: -5, max: 5 })], note: 'int32' },
  { op: 'Sigmoid', inputs: [r([2, 8], 'float32', { min: -8, max: 8 })] },
  { op: 'Tanh', inputs: [r([2, 8], 'float32', { min: -4, max: 4 })] },
  { op: 'Neg', inputs: [[3, 3]] },
  { op: 'Neg', inputs: [r([4], 'int64', { min: -9, max: 9 })], note: 'int64' },
  { op: 'Exp', inputs: [r([2, 5], 'float32', { min: -4, max: 4 })] },
  { op: 'Log', inputs: [r([2, 5], 'float32', { min: 0.01, max: 10 })] },
  { op: 'Erf', inputs: [r([4, 25], 'float32', { min: -5, max: 5 })] },
  { op: 'Sqrt', inputs: [r([3, 4], 'float32', { min: 0, max: 9 })] },
  { op: 'Reciprocal', inputs: [r([3, 4], 'float32', { min: 0.25, max: 4 })] },
  { op: 'LeakyRelu', inputs: [[2, 6]] },
  { op: 'LeakyRelu', inputs: [[2, 6]], attrs: { alpha: 0.2 } },
  { op: 'HardSigmoid', inputs: [r([3, 8], 'float32', { min: -5, max: 5 })] },
  { op: 'HardSigmoid', inputs: [r([3, 8], 'float32', { min: -5, max: 5 })], attrs: { alpha: 0.1666667, beta: 0.5 } },
  { op: 'HardSwish', opset: 14, inputs: [r([3, 8], 'float32', { min: -5, max: 5 })] },
  {
    op: 'Clip',
    opset: 11,
    inputs: [r([2, 8], 'float32', { min: -3, max: 9 }), scalar('float32', 0), scalar('float32', 6)],
    note: 'relu6',
  },
  { op: 'Clip', inputs: [[2, 8], scalar('float32', -0.5)], note: 'min only' },
  { op: 'Clip', inputs: [[2, 8], null, scalar('float32', 0.25)], note: 'max only' },
  { op: 'Clip', inputs: [[2, 8]], note: 'no bounds' },
  {
    op: 'Clip',
    opset: 12,
    inputs: [r([6], 'int32', { min: -9, max: 9 }), scalar('int32', -2), scalar('int32', 3)],
    note: 'int32',
  },
  { op: 'Clip', inputs: [[4], [], []], note: 'runtime bounds' },
];

const softmax: OpCase[] = [
  { op: 'Softmax', opset: 11, inputs: [[2, 3, 4]], note: 'legacy default axis 1 = flatten' },
  { op: 'Softmax', opset: 11, inputs: [[2, 3, 4]], attrs: { axis: 2 } },
  { op: 'Softmax', opset: 11, inputs: [[2, 3, 4]], attrs: { axis: 0 }, note: 'legacy axis 0 = all' },
  { op: 'Softmax', opset: 11, inputs: [[2, 10]], attrs: { axis: -1 } },
  { op: 'Softmax', opset: 13, inputs: [[2, 3, 4]], note: 'default -1' },
  { op: 'Softmax', opset: 13, inputs: [[2, 3, 4]], attrs: { axis: 1 }, note: 'single axis' },
  { op: 'Softmax', opset: 13, inputs: [r([2, 3, 4], 'float32', { min: -30, max: 30 })], attrs: { axis: 0 } },
];

const layout: OpCase[] = [
  { op: 'Flatten', inputs: [[2, 3, 4, 5]] },
  { op: 'Flatten', inputs: [[2, 3, 4, 5]], attrs: { axis: 0 } },
  { op: 'Flatten', inputs: [[2, 3, 4, 5]], attrs: { axis: 3 } },
  { op: 'Flatten', inputs: [[2, 3, 4, 5]], attrs: { axis: -1 } },
  { op: 'Flatten', opset: 11, inputs: [[2, 3, 4, 5]], attrs: { axis: 4 } },
  { op: 'Reshape', inputs: [[2, 3, 4], i64(4, 6)] },
  { op: 'Reshape', inputs: [[2, 3, 4], i64(0, -1)], note: '0 and -1' },
  { op: 'Reshape', inputs: [[2, 3, 4], i64(-1)] },
  { op: 'Reshape', inputs: [[2, 3, 4], i64(2, 0, 2, 2)] },
  { op: 'Reshape', opset: 14, inputs: [[2, 3, 4], i64(3, -1, 2)], attrs: { allowzero: 1 } },
  { op: 'Reshape', opset: 14, inputs: [[0, 3], i64(3, 0)], attrs: { allowzero: 1 }, note: 'allowzero keeps 0' },
  { op: 'Reshape', inputs: [r([6], 'int64'), i64(2, 3)], note: 'int64 data' },
  { op: 'Transpose', inputs: [[2, 3, 4]] },
  { op: 'Transpose', inputs: [[1, 3, 4, 5]], attrs: { perm: [0, 2, 3, 1] } },
  { op: 'Transpose', inputs: [r([3, 2], 'int64')], attrs: { perm: [1, 0] } },
  {
    op: 'Concat',
    inputs: [
      [1, 2, 3],
      [1, 4, 3],
      [1, 1, 3],
    ],
    attrs: { axis: 1 },
  },
  {
    op: 'Concat',
    inputs: [
      [2, 3],
      [2, 1],
    ],
    attrs: { axis: -1 },
  },
  { op: 'Concat', opset: 11, inputs: [i64(1), i64(-1, 7)], attrs: { axis: 0 }, note: 'shape chain' },
  { op: 'Concat', inputs: [[2, 2]], attrs: { axis: 0 }, note: 'single input' },
  { op: 'Squeeze', opset: 11, inputs: [[1, 3, 1, 2]], attrs: { axes: [0, 2] } },
  { op: 'Squeeze', opset: 13, inputs: [[1, 3, 1, 2], i64(-2)] },
  { op: 'Squeeze', opset: 13, inputs: [[1, 3, 1, 2]], note: 'all unit dims' },
  { op: 'Squeeze', opset: 11, inputs: [[1, 3, 1]], note: 'all unit dims, opset 11' },
  { op: 'Unsqueeze', opset: 11, inputs: [[3, 4]], attrs: { axes: [0] } },
  { op: 'Unsqueeze', opset: 13, inputs: [[3, 4], i64(0, 3)] },
  { op: 'Unsqueeze', opset: 13, inputs: [[3, 4], i64(-1)] },
  { op: 'Unsqueeze', opset: 13, inputs: [r([], 'int64'), i64(0)], note: 'scalar to 1-D' },
  { op: 'Identity', inputs: [[2, 3]] },
  { op: 'Identity', inputs: [r([3], 'int64')] },
  { op: 'Expand', inputs: [[3, 1], i64(2, 3, 4)] },
  { op: 'Expand', inputs: [[1], i64(3)] },
  { op: 'Expand', inputs: [[2, 1, 4], i64(3, 1)], note: 'shape of lower rank' },
  { op: 'Expand', inputs: [r([1, 2], 'int64'), i64(2, 1)] },
];

const pad: OpCase[] = [
  { op: 'Pad', opset: 11, inputs: [[1, 2, 3, 3], i64(0, 0, 1, 2, 0, 0, 2, 1)], note: 'constant 0' },
  {
    op: 'Pad',
    opset: 11,
    inputs: [[1, 2, 3, 3], i64(0, 0, 1, 1, 0, 0, 1, 1), scalar('float32', 1.5)],
    note: 'constant value',
  },
  { op: 'Pad', opset: 13, inputs: [[1, 2, 4, 4], i64(0, 0, 2, 1, 0, 0, 1, 3)], attrs: { mode: 'reflect' } },
  { op: 'Pad', opset: 13, inputs: [[1, 2, 3, 3], i64(0, 1, 2, 1, 0, 0, 3, 1)], attrs: { mode: 'edge' } },
  { op: 'Pad', opset: 13, inputs: [[2, 5], i64(1, -2, -1, 1)], note: 'negative pads crop' },
  { op: 'Pad', opset: 18, inputs: [[1, 2, 3, 3], i64(1, 1, 1, 1), null, i64(2, 3)], note: 'axes input' },
  {
    op: 'Pad',
    opset: 18,
    inputs: [[1, 2, 3, 3], i64(2, 0, 1, 1), scalar('float32', -1), i64(-1, 2)],
    attrs: { mode: 'constant' },
    note: 'negative axes',
  },
  { op: 'Pad', opset: 13, inputs: [r([2, 3], 'int32'), i64(1, 0, 0, 2), scalar('int32', 7)], note: 'int32' },
  { op: 'Pad', opset: 11, inputs: [r([4], 'int64'), i64(2, 3)], attrs: { mode: 'reflect' }, note: 'int64 reflect' },
];

const norm: OpCase[] = [
  { op: 'BatchNormalization', inputs: [[2, 3, 4, 4], w([3]), w([3]), w([3]), w([3], { min: 0.5, max: 2 })] },
  {
    op: 'BatchNormalization',
    opset: 15,
    inputs: [[1, 4, 3, 3], w([4]), w([4]), w([4]), w([4], { min: 0.1, max: 1 })],
    attrs: { epsilon: 0.001 },
  },
  {
    op: 'BatchNormalization',
    opset: 11,
    inputs: [[3, 5], w([5]), w([5]), w([5]), w([5], { min: 0.5, max: 2 })],
    note: '2-D input',
  },
  { op: 'LayerNormalization', opset: 17, inputs: [[2, 3, 8], w([8]), w([8])] },
  {
    op: 'LayerNormalization',
    opset: 17,
    inputs: [[2, 3, 4], w([3, 4])],
    attrs: { axis: 1, epsilon: 0.001 },
    outputs: 3,
    note: 'mean/inv-std outputs',
  },
  {
    op: 'LayerNormalization',
    opset: 18,
    inputs: [[4, 6], w([6]), w([1])],
    attrs: { axis: -1 },
    note: 'broadcast bias',
  },
  {
    op: 'BatchNormalization',
    opset: 14,
    inputs: [[1, 2, 6], [2], [2], [2], r([2], 'float32', { min: 0.5, max: 2 })],
    attrs: { training_mode: 0 },
    note: 'runtime stats',
  },
];

const reduce: OpCase[] = [];
for (const op of ['ReduceMean', 'ReduceMax', 'ReduceSum']) {
  const inputSince = op === 'ReduceSum' ? 13 : 18;
  const legacy = inputSince - 2;
  reduce.push(
    { op, opset: legacy, inputs: [[2, 3, 4, 4]], attrs: { axes: [2, 3] } },
    { op, opset: legacy, inputs: [[2, 3, 4]], attrs: { axes: [1], keepdims: 0 } },
    { op, opset: legacy, inputs: [[2, 3, 4]], note: 'all axes' },
    { op, opset: legacy, inputs: [[2, 3, 4]], attrs: { axes: [-1, 0] } },
    { op, opset: inputSince, inputs: [[2, 3, 4], i64(-1)] },
    { op, opset: inputSince, inputs: [[2, 3, 4], i64(0, 2)], attrs: { keepdims: 0 } },
    { op, opset: inputSince, inputs: [[2, 3, 4]], attrs: { keepdims: 0 }, note: 'no axes = all' },
    { op, opset: inputSince, inputs: [[2, 3, 4]], attrs: { noop_with_empty_axes: 1 }, note: 'noop' },
    { op, opset: inputSince, inputs: [[2, 3], k('int64', [0], [])], attrs: { keepdims: 1 }, note: 'empty axes' },
  );
}
reduce.push({
  op: 'ReduceMax',
  opset: 13,
  inputs: [r([3, 4], 'int32', { min: -50, max: 50 })],
  attrs: { axes: [1] },
  note: 'int32',
});
reduce.push({ op: 'ReduceSum', opset: 13, inputs: [r([3, 4], 'int64', { min: -50, max: 50 }), i64(0)], note: 'int64' });

const misc: OpCase[] = [
  { op: 'Dropout', opset: 11, inputs: [[2, 3]], attrs: { ratio: 0.3 } },
  { op: 'Dropout', opset: 12, inputs: [[2, 3]] },
  {
    op: 'Dropout',
    opset: 13,
    inputs: [[2, 3], scalar('float32', 0.5), k('bool', [], [0])],
    outputs: [{ name: 'y' }, { name: 'mask', dtype: 'bool' }],
    note: 'training_mode false',
  },
  {
    op: 'Constant',
    inputs: [],
    attrs: { value: A.t({ dtype: 'float32', shape: [2, 2], data: new Float32Array([1, -2, 3.5, 4]) }) },
    outputs: [{ name: 'y', dtype: 'float32' }],
  },
  {
    op: 'Constant',
    inputs: [],
    attrs: { value: A.t({ dtype: 'int64', shape: [3], data: new BigInt64Array([1n, -1n, INT64_MAX]) }) },
    outputs: [{ name: 'y', dtype: 'int64' }],
  },
  { op: 'Constant', inputs: [], attrs: { value_float: A.f(2) }, outputs: [{ name: 'y', dtype: 'float32' }] },
  {
    op: 'Constant',
    inputs: [],
    attrs: { value_floats: A.floats([1, 2.5]) },
    outputs: [{ name: 'y', dtype: 'float32' }],
  },
  { op: 'Constant', inputs: [], attrs: { value_int: A.i(7) }, outputs: [{ name: 'y', dtype: 'int64' }] },
  { op: 'Constant', inputs: [], attrs: { value_ints: A.ints([3, -1]) }, outputs: [{ name: 'y', dtype: 'int64' }] },
  {
    op: 'Cast',
    inputs: [r([8], 'float32', { min: -5, max: 5 })],
    attrs: { to: 6 },
    outputs: [{ name: 'y', dtype: 'int32' }],
    note: 'float→int32',
  },
  {
    op: 'Cast',
    inputs: [r([8], 'float32', { min: -5, max: 5 })],
    attrs: { to: 7 },
    outputs: [{ name: 'y', dtype: 'int64' }],
    note: 'float→int64',
  },
  {
    op: 'Cast',
    inputs: [r([8], 'int64', { min: -50, max: 50 })],
    attrs: { to: 1 },
    outputs: [{ name: 'y', dtype: 'float32' }],
    note: 'int64→float',
  },
  {
    op: 'Cast',
    inputs: [k('float32', [4], [0, -0.5, 2, 0])],
    attrs: { to: 9 },
    outputs: [{ name: 'y', dtype: 'bool' }],
    note: 'float→bool',
  },
  {
    op: 'Cast',
    inputs: [r([6], 'bool')],
    attrs: { to: 1 },
    outputs: [{ name: 'y', dtype: 'float32' }],
    note: 'bool→float',
  },
  {
    op: 'Cast',
    inputs: [r([6], 'int32', { min: -100, max: 100 })],
    attrs: { to: 3 },
    outputs: [{ name: 'y', dtype: 'int8' }],
    note: 'int32→int8',
  },
  {
    op: 'Cast',
    inputs: [r([6], 'int64', { min: -100, max: 100 })],
    attrs: { to: 6 },
    outputs: [{ name: 'y', dtype: 'int32' }],
    note: 'int64→int32',
  },
  {
    op: 'Cast',
    inputs: [r([8], 'float32', { min: -70000, max: 70000 })],
    attrs: { to: 10 },
    outputs: [{ name: 'y', dtype: 'float16' }],
    note: 'float→float16 bits',
  },
  { op: 'Shape', inputs: [[2, 3, 4]], outputs: [{ name: 'y', dtype: 'int64' }] },
  { op: 'Shape', opset: 15, inputs: [[2, 3, 4, 5]], attrs: { start: 1 }, outputs: [{ name: 'y', dtype: 'int64' }] },
  { op: 'Shape', opset: 15, inputs: [[2, 3, 4, 5]], attrs: { end: -1 }, outputs: [{ name: 'y', dtype: 'int64' }] },
  {
    op: 'Shape',
    opset: 15,
    inputs: [[2, 3, 4, 5]],
    attrs: { start: -2, end: 10 },
    outputs: [{ name: 'y', dtype: 'int64' }],
  },
  { op: 'Gather', inputs: [[4, 3], i64(2, 0)] },
  {
    op: 'Gather',
    inputs: [[2, 4, 3], k('int64', [2, 2], [0, 1, 3, -1])],
    attrs: { axis: 1 },
    note: '2-D indices, negative',
  },
  { op: 'Gather', inputs: [r([4], 'int64'), k('int64', [], [0])], note: 'scalar index (shape chain)' },
  { op: 'Gather', inputs: [[5, 2], r([3], 'int32', { min: 0, max: 4 })], note: 'runtime int32 indices' },
  { op: 'Gather', inputs: [[3, 5], k('int32', [1], [-2])], attrs: { axis: -1 } },
  {
    op: 'Resize',
    inputs: [[1, 2, 3, 4], f32(), f32(1, 1, 2, 2)],
    attrs: { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' },
    note: 'nearest asymmetric floor',
  },
  {
    op: 'Resize',
    inputs: [[1, 2, 3, 4], f32(), f32(1, 1, 2, 1.5)],
    attrs: { mode: 'nearest' },
    note: 'nearest half_pixel round_prefer_floor',
  },
  {
    op: 'Resize',
    inputs: [[1, 2, 4, 4], f32(), null, i64(1, 2, 7, 3)],
    attrs: { mode: 'nearest', coordinate_transformation_mode: 'align_corners', nearest_mode: 'round_prefer_ceil' },
    note: 'sizes, align_corners',
  },
  {
    op: 'Resize',
    inputs: [[1, 2, 3, 5], f32(), f32(1, 1, 2, 2)],
    attrs: { mode: 'nearest', coordinate_transformation_mode: 'tf_half_pixel_for_nn' },
  },
  {
    op: 'Resize',
    inputs: [[1, 2, 3, 4], f32(), f32(1, 1, 2, 2)],
    attrs: { mode: 'linear', coordinate_transformation_mode: 'asymmetric' },
    note: 'linear asymmetric',
  },
  {
    op: 'Resize',
    inputs: [[1, 2, 3, 4], f32(), f32(1, 1, 2, 3)],
    attrs: { mode: 'linear' },
    note: 'linear half_pixel',
  },
  {
    op: 'Resize',
    inputs: [[1, 2, 3, 4], f32(), null, i64(1, 2, 6, 1)],
    attrs: { mode: 'linear', coordinate_transformation_mode: 'pytorch_half_pixel' },
    note: 'linear pytorch_half_pixel to width 1',
  },
  {
    op: 'Resize',
    inputs: [[1, 2, 4, 4], f32(), null, i64(1, 2, 7, 5)],
    attrs: { mode: 'linear', coordinate_transformation_mode: 'align_corners' },
    note: 'linear align_corners',
  },
  { op: 'Resize', inputs: [[1, 2, 6, 6], f32(), f32(1, 1, 0.5, 0.5)], attrs: { mode: 'linear' }, note: 'downscale' },
  {
    op: 'Resize',
    opset: 13,
    inputs: [[1, 2, 3, 4], null, f32(1, 1, 2, 2)],
    attrs: { mode: 'nearest' },
    note: 'opset 13, no roi',
  },
  { op: 'Slice', inputs: [[4, 5], i64(1, 0), i64(3, 4)] },
  { op: 'Slice', inputs: [[4, 5, 6], i64(1), i64(INT64_MAX), i64(2)], note: 'axes, INT64_MAX end' },
  { op: 'Slice', inputs: [[10, 3], i64(1), i64(9), i64(0), i64(3)], note: 'step 3' },
  { op: 'Slice', inputs: [[6, 4], i64(-1), i64(INT64_MIN), i64(0), i64(-1)], note: 'reverse' },
  { op: 'Slice', inputs: [[6, 4], i64(4, -1), i64(0, 0), i64(0, 1), i64(-2, -1)], note: 'negative steps' },
  { op: 'Slice', inputs: [[5, 4], i64(-3), i64(100), i64(-2)], note: 'negative start, end past dim' },
  { op: 'Slice', inputs: [[5, 4], k('int32', [1], [1]), k('int32', [1], [3])], note: 'int32 bounds' },
  { op: 'Slice', inputs: [[5, 4], i64(0, 1), i64(5, 4), null, i64(2, 2)], note: 'steps without axes' },
  { op: 'Slice', inputs: [r([4], 'int64'), i64(1), i64(3)], note: 'int64 data' },
  { op: 'Slice', inputs: [[5], i64(3), i64(1)], note: 'empty result' },
  { op: 'ConstantOfShape', inputs: [i64(2, 3)], outputs: [{ name: 'y', dtype: 'float32' }] },
  {
    op: 'ConstantOfShape',
    inputs: [i64(3)],
    attrs: { value: A.t({ dtype: 'int64', shape: [1], data: new BigInt64Array([5n]) }) },
    outputs: [{ name: 'y', dtype: 'int64' }],
  },
  {
    op: 'ConstantOfShape',
    inputs: [i64(2, 1, 2)],
    attrs: { value: A.t({ dtype: 'float32', shape: [1], data: new Float32Array([3.5]) }) },
    outputs: [{ name: 'y', dtype: 'float32' }],
  },
  {
    op: 'ConstantOfShape',
    inputs: [r([2], 'int64', { min: 1, max: 3 })],
    outputs: [{ name: 'y', dtype: 'float32' }],
    note: 'runtime shape',
    dataDependent: true,
  },
  {
    op: 'Range',
    inputs: [scalar('int64', 0), scalar('int64', 10), scalar('int64', 3)],
    outputs: [{ name: 'y', dtype: 'int64' }],
  },
  {
    op: 'Range',
    inputs: [scalar('float32', 1), scalar('float32', 2), scalar('float32', 0.3)],
    outputs: [{ name: 'y', dtype: 'float32' }],
  },
  {
    op: 'Range',
    inputs: [scalar('int32', 10), scalar('int32', 0), scalar('int32', -3)],
    outputs: [{ name: 'y', dtype: 'int32' }],
  },
  {
    op: 'Range',
    inputs: [scalar('int64', 5), scalar('int64', 2), scalar('int64', 1)],
    outputs: [{ name: 'y', dtype: 'int64' }],
    note: 'empty',
  },
  { op: 'Split', opset: 11, inputs: [[6, 2]], attrs: { split: [2, 4] }, outputs: 2 },
  { op: 'Split', opset: 13, inputs: [[2, 6], i64(1, 2, 3)], attrs: { axis: 1 }, outputs: 3 },
  { op: 'Split', opset: 13, inputs: [[2, 6]], attrs: { axis: -1 }, outputs: 3, note: 'equal' },
  { op: 'Split', opset: 18, inputs: [[7, 2]], attrs: { num_outputs: 3 }, outputs: 3, note: 'num_outputs uneven' },
];

export const OP_CASES: OpCase[] = [
  ...conv,
  ...convTranspose,
  ...pools,
  ...matmul,
  ...binary,
  ...variadic,
  ...unary,
  ...softmax,
  ...layout,
  ...pad,
  ...norm,
  ...reduce,
  ...misc,
];
