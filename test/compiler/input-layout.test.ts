/**
 * `--input-layout auto` (the default): inputs the ONNX graph already takes channels-last keep their
 * order (tf2onnx/Keras exports), NCHW inputs move channels-last as before. Checked against
 * onnxruntime with data fed in the order the .tflite declares.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { register } from '../../src/cli/commands/compile';
import { readProvenance } from '../../src/tflite/provenance';
import { decideInputLayouts } from '../../src/compiler/input-layout';
import { inferShapes } from '../../src/ops/shape-inference';
import { readOnnx } from '../../src/onnx';
import { readTflite } from '../../src/tflite/reader';
import { runCommandsInProcess } from '../helpers/cli';
import { compileAndCompare } from './helpers/check';
import { GraphBuilder } from './helpers/graph';

const TOL = 1e-5;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgelock-input-layout-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function head(b: GraphBuilder, x: string, cin: number): void {
  const c = b.node('Conv', [x, b.weight('cw', [4, cin, 3, 3]), b.weight('cb', [4], 0.1)], { pads: [1, 1, 1, 1] });
  const f = b.node('Flatten', [b.node('GlobalAveragePool', [b.node('Relu', [c])])]);
  b.output(b.node('Gemm', [f, b.weight('fw', [3, 4]), b.weight('fb', [3], 0.1)], { transB: 1 }, 'y'));
}

/** tf2onnx: NHWC input, per-channel normalisation on the last axis, then Transpose [0,3,1,2] into the NCHW convs. */
function tf2onnxStyle(): GraphBuilder {
  const b = new GraphBuilder(13, 21);
  const x = b.input('image', [1, 12, 10, 3]);
  const norm = b.node('Mul', [b.node('Sub', [x, b.weight('mean', [3])]), b.weight('inv_std', [3])]);
  head(b, b.node('Transpose', [norm], { perm: [0, 3, 1, 2] }), 3);
  return b;
}

/** Keras audio model with one channel: [N,76,32,1] reshaped to [N,1,76,32]. */
function kerasOneChannel(): GraphBuilder {
  const b = new GraphBuilder(13, 22);
  const x = b.input('features', [1, 76, 32, 1]);
  head(b, b.node('Reshape', [x, b.ints('to_nchw', [1, 1, 76, 32])]), 1);
  return b;
}

test('tf2onnx-style NHWC input (elementwise ops, then Transpose [0,3,1,2]) keeps its shape and needs no TRANSPOSE', async () => {
  const r = await compileAndCompare(tf2onnxStyle());
  const g = r.compiled.graph;
  expect(g.inputLayouts).toEqual(['onnx-nhwc']);
  expect(g.tensors[g.inputs[0]].shape).toEqual([1, 12, 10, 3]);
  expect(g.inputLayoutReasons![0]).toMatch(/feeds Transpose \[0,3,1,2\]/);
  expect(r.count('TRANSPOSE')).toBe(0);
  expect(r.comparison.worstRelative).toBeLessThanOrEqual(TOL);
});

test('Keras one-channel input reshaped [N,76,32,1] → [N,1,76,32] keeps [1,76,32,1]', async () => {
  const r = await compileAndCompare(kerasOneChannel());
  const g = r.compiled.graph;
  expect(g.inputLayouts).toEqual(['onnx-nhwc']);
  expect(g.tensors[g.inputs[0]].shape).toEqual([1, 76, 32, 1]);
  expect(g.inputLayoutReasons![0]).toMatch(/Reshape that only moves size-1 axes/);
  expect(r.count('TRANSPOSE')).toBe(0);
  expect(r.comparison.worstRelative).toBeLessThanOrEqual(TOL);
});

test('an NHWC graph reduced over axes [1,2] is kept channels-last', async () => {
  const b = new GraphBuilder(13, 23);
  const x = b.input('x', [1, 6, 5, 4]);
  const m = b.node('ReduceMean', [b.node('Relu', [x])], { axes: [1, 2], keepdims: 0 });
  b.output(b.node('Gemm', [m, b.weight('fw', [2, 4]), b.weight('fb', [2])], { transB: 1 }, 'y'));
  const r = await compileAndCompare(b);
  expect(r.compiled.graph.inputLayouts).toEqual(['onnx-nhwc']);
  expect(r.compiled.graph.tensors[r.compiled.graph.inputs[0]].shape).toEqual([1, 6, 5, 4]);
  expect(r.comparison.worstRelative).toBeLessThanOrEqual(TOL);
});

test('an NCHW input feeding a Conv still moves channels-last, and says why', async () => {
  const b = new GraphBuilder(13, 24);
  head(b, b.input('x', [1, 3, 8, 8]), 3);
  const r = await compileAndCompare(b);
  expect(r.compiled.graph.inputLayouts).toEqual(['nhwc']);
  expect(r.compiled.graph.tensors[r.compiled.graph.inputs[0]].shape).toEqual([1, 8, 8, 3]);
  expect(r.compiled.graph.inputLayoutReasons![0]).toMatch(/feeds Conv .* reads NCHW/);
  expect(r.comparison.worstRelative).toBeLessThanOrEqual(TOL);
});

test('--input-layout nhwc forces the move even for a channels-last source', async () => {
  const r = await compileAndCompare(tf2onnxStyle(), { inputLayout: 'nhwc' });
  expect(r.compiled.graph.inputLayouts).toEqual(['nhwc']);
  expect(r.compiled.graph.tensors[r.compiled.graph.inputs[0]].shape).toEqual([1, 10, 3, 12]);
  expect(r.comparison.worstRelative).toBeLessThanOrEqual(TOL);
});

test('an input with both NHWC and NCHW readers is treated as NCHW', () => {
  const b = new GraphBuilder(13, 25);
  const x = b.input('x', [1, 4, 4, 4]);
  const t = b.node('Transpose', [x], { perm: [0, 3, 1, 2] });
  const c = b.node('Conv', [x, b.weight('w', [4, 4, 1, 1])]);
  b.output(b.node('Add', [t, c], {}, 'y'));
  const [d] = decideInputLayouts(inferShapes(readOnnx(b.bytes())), 'auto');
  expect(d.layout).toBe('nhwc');
  expect(d.reason).toMatch(/feeds Conv/);
});

test('compile prints the input shape the .tflite expects and why; the metadata records it', async () => {
  const file = path.join(dir, 'tf2onnx.onnx');
  fs.writeFileSync(file, tf2onnxStyle().bytes());
  const out = path.join(dir, 'tf2onnx.tflite');
  const text = await runCommandsInProcess([register], ['compile', file, '-o', out]);
  expect(text).toMatch(
    /input 'image' \[1,12,10,3\]: already channels-last in the ONNX graph: feeds Transpose \[0,3,1,2\]/,
  );
  const meta = readProvenance(readTflite(new Uint8Array(fs.readFileSync(out))).metadata)!;
  expect(meta.inputLayouts).toEqual(['onnx-nhwc']);
  expect(meta.inputs).toEqual([
    {
      name: 'image',
      shape: [1, 12, 10, 3],
      layout: 'onnx-nhwc',
      reason: expect.stringMatching(/Transpose \[0,3,1,2\]/),
    },
  ]);
});

test('inspect prints the input shape a default compile expects and why', async () => {
  const { register: registerInspect } = await import('../../src/cli/commands/inspect');
  const file = path.join(dir, 'keras.onnx');
  fs.writeFileSync(file, kerasOneChannel().bytes());
  const json = JSON.parse(await runCommandsInProcess([registerInspect], ['inspect', file, '--json']));
  expect(json.tfliteInputs).toEqual([
    {
      name: 'features',
      shape: [1, 76, 32, 1],
      layout: 'onnx-nhwc',
      reason: expect.stringMatching(/only moves size-1 axes/),
    },
  ]);
  const nchw = path.join(dir, 'nchw.onnx');
  const b = new GraphBuilder(13, 26);
  head(b, b.input('x', ['N', 3, 8, 8]), 3);
  fs.writeFileSync(nchw, b.bytes());
  expect(await runCommandsInProcess([registerInspect], ['inspect', nchw])).toMatch(
    /compiled input 'x' \[1,8,8,3\]: NCHW \(feeds Conv/,
  );
});
