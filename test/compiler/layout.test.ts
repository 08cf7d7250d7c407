import { compileFloat } from '../../src/compiler/compile-float';
import { EdgelockError } from '../../src/errors';
import { compileAndCompare } from './helpers/check';
import { GraphBuilder, conv } from './helpers/graph';

/** Layout conversion NCHW → NHWC: each case is checked op-by-op and numerically against onnxruntime. */
const TOL = 1e-5;

test('Concat on channels becomes CONCATENATION on the last (C) axis, no TRANSPOSE', async () => {
  const b = new GraphBuilder();
  const x = b.input('x', [1, 3, 8, 8]);
  const a = b.node('Relu', [conv(b, x, 3, 4)]);
  const c = conv(b, x, 3, 2);
  const cat = b.node('Concat', [a, c], { axis: 1 });
  b.output(b.node('Flatten', [b.node('GlobalAveragePool', [conv(b, cat, 6, 5)])]));
  const r = await compileAndCompare(b);
  expect(r.count('TRANSPOSE')).toBe(0);
  const concat = r.compiled.graph.ops.find((o) => o.op === 'CONCATENATION')!;
  expect(concat.options).toMatchObject({ kind: 'Concatenation', axis: 3 });
  expect(r.comparison.worstRelative).toBeLessThanOrEqual(TOL);
});

test('Softmax over channels runs on the NHWC tensor directly', async () => {
  const b = new GraphBuilder(13);
  const x = b.input('x', [1, 3, 6, 6]);
  b.output(b.node('Softmax', [conv(b, x, 3, 4)], { axis: 1 }));
  const r = await compileAndCompare(b);
  expect(r.ops).toEqual(['CONV_2D', 'SOFTMAX', 'TRANSPOSE']);
  // the only TRANSPOSE delivers the rank-4 graph output in ONNX (NCHW) order
  expect(r.compiled.graph.outputs.map((i) => r.compiled.graph.tensors[i].shape)).toEqual([[1, 4, 6, 6]]);
  expect(r.comparison.worstRelative).toBeLessThanOrEqual(TOL);
});

test('Softmax over a spatial axis moves that axis last (the one case needing a TRANSPOSE)', async () => {
  const b = new GraphBuilder(13);
  const x = b.input('x', [1, 3, 5, 6]);
  const s = b.node('Softmax', [conv(b, x, 3, 4)], { axis: 2 });
  b.output(b.node('Gemm', [b.node('Flatten', [s]), b.weight('fc', [120, 7]), b.weight('fcb', [7])]));
  const r = await compileAndCompare(b);
  expect(r.count('SOFTMAX')).toBe(1);
  expect(r.comparison.worstRelative).toBeLessThanOrEqual(TOL);
});

test('opset 11 Softmax normalises the flattened tail', async () => {
  const b = new GraphBuilder(11);
  const x = b.input('x', [1, 2, 3, 4]);
  b.output(b.node('Softmax', [conv(b, x, 2, 3)], { axis: 1 }));
  const r = await compileAndCompare(b);
  expect(r.count('SOFTMAX')).toBe(1);
  expect(r.comparison.worstRelative).toBeLessThanOrEqual(TOL);
});

test('Reshape of a conv output feeding Gemm permutes the weight columns: no TRANSPOSE, no RESHAPE', async () => {
  const b = new GraphBuilder();
  const x = b.input('x', [1, 3, 6, 6]);
  const h = b.node('Relu', [conv(b, x, 3, 4)]);
  const shape = b.ints('shape', [1, -1]);
  const flat = b.node('Reshape', [h, shape]);
  b.output(b.node('Gemm', [flat, b.weight('fc', [10, 144]), b.weight('fcb', [10])], { transB: 1 }));
  const r = await compileAndCompare(b);
  expect(r.ops).toEqual(['CONV_2D', 'FULLY_CONNECTED']);
  expect(r.comparison.worstRelative).toBeLessThanOrEqual(TOL);
});

test('Flatten after GlobalAveragePool is a plain relabelling (only size-1 dims move)', async () => {
  const b = new GraphBuilder();
  const x = b.input('x', [1, 3, 6, 6]);
  const g = b.node('GlobalAveragePool', [conv(b, x, 3, 8)]);
  const f = b.node('Flatten', [g]);
  b.output(b.node('Gemm', [f, b.weight('fc', [8, 5]), b.weight('fcb', [5])]));
  const r = await compileAndCompare(b);
  expect(r.ops).toEqual(['CONV_2D', 'MEAN', 'FULLY_CONNECTED']);
  const mean = r.compiled.graph.ops[1];
  expect(Array.from(r.compiled.graph.tensors[mean.inputs[1]].data as Int32Array)).toEqual([1, 2]);
  expect(r.comparison.worstRelative).toBeLessThanOrEqual(TOL);
});

test('a Transpose pair around a channel-wise Add only changes the layout (no op emitted)', async () => {
  const b = new GraphBuilder();
  const x = b.input('x', [1, 3, 5, 5]);
  const t = b.node('Transpose', [conv(b, x, 3, 4)], { perm: [0, 2, 3, 1] });
  const a = b.node('Add', [t, b.weight('bias4', [4])]);
  const back = b.node('Transpose', [a], { perm: [0, 3, 1, 2] });
  b.output(b.node('Flatten', [b.node('GlobalAveragePool', [conv(b, back, 4, 2)])]));
  const r = await compileAndCompare(b);
  expect(r.count('TRANSPOSE')).toBe(0);
  // the final RESHAPE gives the graph output its ONNX shape [1, 2]
  expect(r.ops).toEqual(['CONV_2D', 'ADD', 'CONV_2D', 'MEAN', 'RESHAPE']);
  const add = r.compiled.graph.ops[1];
  expect(r.compiled.graph.tensors[add.inputs[1]].shape).toEqual([1, 1, 1, 4]);
  expect(r.comparison.worstRelative).toBeLessThanOrEqual(TOL);
});

test('channel-broadcast constants ([C,1,1]) are rewritten for NHWC broadcasting', async () => {
  const b = new GraphBuilder();
  const x = b.input('x', [1, 3, 4, 4]);
  const h = conv(b, x, 3, 4);
  const m = b.node('Mul', [h, b.weight('scale', [4, 1, 1])]);
  const s = b.node('Sub', [b.weight('offset', [1, 4, 1, 1]), m]);
  const d = b.node('Div', [s, b.weight('div', [4, 1, 1], 2)]);
  b.output(b.node('Flatten', [b.node('GlobalAveragePool', [d])]));
  const r = await compileAndCompare(b);
  expect(r.count('TRANSPOSE')).toBe(0);
  const mul = r.compiled.graph.ops.find((o) => o.op === 'MUL')!;
  expect(r.compiled.graph.tensors[mul.inputs[1]].shape).toEqual([1, 1, 1, 4]);
  expect(r.comparison.worstRelative).toBeLessThanOrEqual(TOL);
});

test('--input-layout nchw: one input TRANSPOSE for C > 1, a free RESHAPE for C = 1', async () => {
  for (const [c, transposes] of [
    [3, 1],
    [1, 0],
  ]) {
    const b = new GraphBuilder();
    const x = b.input('x', [1, c, 6, 6]);
    const pooled = b.node('MaxPool', [conv(b, x, c, 4)], { kernel_shape: [2, 2], strides: [2, 2] });
    b.output(b.node('Flatten', [b.node('GlobalAveragePool', [pooled])]));
    const r = await compileAndCompare(b, { inputLayout: 'nchw' });
    expect(r.compiled.graph.inputLayouts).toEqual(['nchw']);
    expect(r.compiled.graph.tensors[r.compiled.graph.inputs[0]].shape).toEqual([1, c, 6, 6]);
    expect(r.count('TRANSPOSE')).toBe(transposes);
    expect(r.comparison.worstRelative).toBeLessThanOrEqual(TOL);
  }
});

test('a residual Add of the NCHW-presented input and a conv output transposes the input once, not the conv output', async () => {
  const b = new GraphBuilder();
  const x = b.input('x', [1, 3, 6, 6]);
  const a = b.node('Add', [x, conv(b, x, 3, 3)]);
  b.output(b.node('Flatten', [b.node('GlobalAveragePool', [a])]));
  const r = await compileAndCompare(b, { inputLayout: 'nchw' });
  expect(r.count('TRANSPOSE')).toBe(1);
  expect(r.comparison.worstRelative).toBeLessThanOrEqual(TOL);
});

test('default input layout is NHWC', () => {
  const b = new GraphBuilder();
  const x = b.input('x', [1, 3, 6, 6]);
  b.output(b.node('Flatten', [conv(b, x, 3, 4)]));
  const c = compileFloat(b.bytes());
  expect(c.graph.inputLayouts).toEqual(['nhwc']);
  expect(c.graph.tensors[c.graph.inputs[0]].shape).toEqual([1, 6, 6, 3]);
});

function compileError(b: GraphBuilder): EdgelockError {
  try {
    compileFloat(b.bytes());
  } catch (e) {
    if (e instanceof EdgelockError) return e;
    throw e;
  }
  throw new Error('compile succeeded');
}

test('an op without a lowering stops with E_TFLITE_UNSUPPORTED naming the node', () => {
  const b = new GraphBuilder();
  const x = b.input('x', [1, 8]);
  b.output(b.node('Exp', [b.node('Relu', [x])], {}, 'the_exp'));
  const e = compileError(b);
  expect(e.code).toBe('E_TFLITE_UNSUPPORTED');
  expect(e.location).toMatchObject({ node: 'the_exp', op: 'Exp' });
  expect(e.toLine()).toMatch(/^error E_TFLITE_UNSUPPORTED: .*the_exp/);
});

test('a grouped (non-depthwise) conv is unsupported, naming the node', () => {
  const b = new GraphBuilder();
  const x = b.input('x', [1, 4, 6, 6]);
  b.output(b.node('Conv', [x, b.weight('w', [4, 2, 3, 3]), b.weight('bb', [4])], { group: 2 }, 'grouped'));
  const e = compileError(b);
  expect(e.code).toBe('E_TFLITE_UNSUPPORTED');
  expect(e.location.node).toBe('grouped');
});

test('a dynamic non-batch dimension fails with E_ONNX_DYNAMIC_SHAPE; a symbolic batch is pinned to 1', () => {
  const b = new GraphBuilder();
  const x = b.input('x', [1, 'len']);
  b.output(b.node('Relu', [x]));
  expect(compileError(b).code).toBe('E_ONNX_DYNAMIC_SHAPE');
  const b2 = new GraphBuilder();
  const x2 = b2.input('x', ['N', 4]);
  b2.output(b2.node('Gemm', [x2, b2.weight('w', [4, 3]), b2.weight('c', [3])]));
  const c = compileFloat(b2.bytes());
  expect(c.graph.tensors[c.graph.inputs[0]].shape).toEqual([1, 4]);
  expect(c.notes.join(' ')).toMatch(/batch.*pinned to 1/);
});
