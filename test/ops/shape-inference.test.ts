import { EdgelockError } from '../../src/errors';
import { Model, Tensor } from '../../src/ir/types';
import { makeTensor, toNumbers } from '../../src/ir/tensor';
import { analyzeGraph, inferShapes } from '../../src/ops/shape-inference';
import { readOnnx } from '../../src/onnx/reader';
import { writeOnnx } from '../../src/onnx/writer';
import { A, AttrLike, graphModel, singleOpModel } from '../helpers/build';
import { randomFeeds, runOrt } from '../helpers/ort';
import { evaluateModel } from './graph-eval';

const f32 = (shape: number[], values: number[]): Tensor => makeTensor('float32', shape, values);
const i64 = (...values: number[]): Tensor => makeTensor('int64', [values.length], values);

function errorOf(fn: () => unknown): EdgelockError {
  try {
    fn();
  } catch (e) {
    if (e instanceof EdgelockError) return e;
    throw e;
  }
  throw new Error('expected an EdgelockError');
}

async function ortRejects(model: Model): Promise<boolean> {
  try {
    await runOrt(model, randomFeeds(model, 1));
    return false;
  } catch {
    return true;
  }
}

/** Relative max difference of edgelock's whole-graph evaluation against onnxruntime. */
async function compareWithOrt(model: Model, seed = 7): Promise<void> {
  const bytes = writeOnnx(model);
  const reread = readOnnx(bytes);
  const feeds = randomFeeds(reread, seed);
  const ref = await runOrt(bytes, feeds);
  const inferred = inferShapes(reread);
  const mine = evaluateModel(reread, feeds);
  for (const v of inferred.graph.outputs) {
    expect({ name: v.name, shape: v.shape }).toEqual({ name: v.name, shape: ref[v.name].dims });
    const want = Array.from(ref[v.name].data as Float32Array);
    const got = toNumbers(mine[v.name]);
    const range = Math.max(Math.max(...want) - Math.min(...want), 1);
    const worst = Math.max(...want.map((x, i) => Math.abs(x - got[i])));
    expect(worst / range).toBeLessThanOrEqual(1e-5);
  }
}

describe('errors name the node, the op and the reason', () => {
  test('wrong input count → E_ONNX_INVALID_NODE (onnxruntime rejects it too)', async () => {
    const m = singleOpModel({
      opType: 'Relu',
      inputs: [
        { name: 'a', dtype: 'float32', shape: [2] },
        { name: 'b', dtype: 'float32', shape: [2] },
      ],
      nodeName: 'bad_relu',
    });
    const e = errorOf(() => inferShapes(m));
    expect(e.code).toBe('E_ONNX_INVALID_NODE');
    expect(e.location).toEqual({ node: 'bad_relu', op: 'Relu' });
    expect(e.toLine()).toMatch(
      /^error E_ONNX_INVALID_NODE: Relu takes 1 inputs, node has 2 \(node 'bad_relu', op Relu\)/,
    );
    expect(await ortRejects(m)).toBe(true);
  });

  test('unknown op → E_ONNX_UNSUPPORTED_OP with the reason', () => {
    const m = singleOpModel({
      opType: 'NonMaxSuppression',
      inputs: [{ name: 'a', dtype: 'float32', shape: [1, 4, 4] }],
      nodeName: 'nms',
    });
    const e = errorOf(() => inferShapes(m));
    expect(e.code).toBe('E_ONNX_UNSUPPORTED_OP');
    expect(e.message).toBe("node 'nms' uses op 'NonMaxSuppression': no definition in edgelock's op table");
    expect(e.location).toEqual({ node: 'nms', op: 'NonMaxSuppression' });
  });

  test('op of another domain → E_ONNX_UNSUPPORTED_OP', () => {
    const m = singleOpModel({
      opType: 'FusedConv',
      domain: 'com.microsoft',
      inputs: [{ name: 'a', dtype: 'float32', shape: [1] }],
    });
    const e = errorOf(() => inferShapes(m));
    expect(e.code).toBe('E_ONNX_UNSUPPORTED_OP');
    expect(e.message).toMatch(/domain 'com.microsoft'/);
  });

  test('undefined input → E_ONNX_INVALID_NODE naming the value', () => {
    const m = graphModel({
      inputs: [{ name: 'x', shape: [2] }],
      nodes: [{ op: 'Add', inputs: ['x', 'ghost'], outputs: ['y'], name: 'adder' }],
      outputs: ['y'],
    });
    const e = errorOf(() => inferShapes(m));
    expect(e.code).toBe('E_ONNX_INVALID_NODE');
    expect(e.message).toMatch(/input 'ghost' of node 'adder' is not defined/);
  });

  test('cycle → E_ONNX_GRAPH', () => {
    const m = graphModel({
      inputs: [{ name: 'x', shape: [2] }],
      nodes: [
        { op: 'Add', inputs: ['x', 'b'], outputs: ['a'] },
        { op: 'Relu', inputs: ['a'], outputs: ['b'] },
      ],
      outputs: ['b'],
    });
    expect(errorOf(() => inferShapes(m)).code).toBe('E_ONNX_GRAPH');
  });

  test('two producers of one value, or an output nobody produces → E_ONNX_GRAPH', () => {
    const dup = graphModel({
      inputs: [{ name: 'x', shape: [2] }],
      nodes: [
        { op: 'Relu', inputs: ['x'], outputs: ['y'] },
        { op: 'Neg', inputs: ['x'], outputs: ['y'] },
      ],
      outputs: ['y'],
    });
    expect(errorOf(() => inferShapes(dup)).code).toBe('E_ONNX_GRAPH');
    const missing = graphModel({
      inputs: [{ name: 'x', shape: [2] }],
      nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }],
      outputs: ['z'],
    });
    expect(errorOf(() => inferShapes(missing)).message).toMatch(/graph output 'z'/);
  });

  const unsupportedForms: [string, () => Model][] = [
    [
      'MaxPool with Indices',
      () =>
        singleOpModel({
          opType: 'MaxPool',
          inputs: [{ name: 'x', dtype: 'float32', shape: [1, 1, 4, 4] }],
          attrs: { kernel_shape: [2, 2] },
          outputs: ['y', { name: 'idx', dtype: 'int64' }],
        }),
    ],
    [
      'BatchNormalization training outputs',
      () =>
        singleOpModel({
          opType: 'BatchNormalization',
          opset: 11,
          inputs: [
            { name: 'x', dtype: 'float32', shape: [1, 2, 2, 2] },
            ...['s', 'b', 'm', 'v'].map((name) => ({ name, tensor: f32([2], [1, 1]) })),
          ],
          outputs: ['y', 'rm', 'rv'],
        }),
    ],
    [
      'Dropout in training mode',
      () =>
        singleOpModel({
          opType: 'Dropout',
          inputs: [
            { name: 'x', dtype: 'float32', shape: [2] },
            { name: 'r', tensor: makeTensor('float32', [], [0.5]) },
            { name: 't', tensor: makeTensor('bool', [], [1]) },
          ],
        }),
    ],
    [
      'Conv SAME with dilations',
      () =>
        singleOpModel({
          opType: 'Conv',
          inputs: [
            { name: 'x', dtype: 'float32', shape: [1, 1, 5, 5] },
            { name: 'w', tensor: f32([1, 1, 3, 3], new Array(9).fill(1)) },
          ],
          attrs: { auto_pad: 'SAME_UPPER', dilations: [2, 2] },
        }),
    ],
  ];
  test.each(unsupportedForms)('%s → E_ONNX_UNSUPPORTED_OP', (_name, build) => {
    expect(errorOf(() => inferShapes(build())).code).toBe('E_ONNX_UNSUPPORTED_OP');
  });

  test('onnxruntime also refuses Conv SAME with dilations', async () => {
    expect(await ortRejects(unsupportedForms[3][1]())).toBe(true);
  });

  const shapeErrors: [string, () => Model][] = [
    [
      'Add of [2,3] and [4]',
      () =>
        singleOpModel({
          opType: 'Add',
          inputs: [
            { name: 'a', dtype: 'float32', shape: [2, 3] },
            { name: 'b', dtype: 'float32', shape: [4] },
          ],
        }),
    ],
    [
      'Reshape [2,3] to [4,2]',
      () =>
        singleOpModel({
          opType: 'Reshape',
          inputs: [
            { name: 'a', dtype: 'float32', shape: [2, 3] },
            { name: 's', tensor: i64(4, 2) },
          ],
        }),
    ],
    [
      'Concat of [1,2] and [2,2] on axis 1',
      () =>
        singleOpModel({
          opType: 'Concat',
          inputs: [
            { name: 'a', dtype: 'float32', shape: [1, 2] },
            { name: 'b', dtype: 'float32', shape: [2, 2] },
          ],
          attrs: { axis: 1 },
        }),
    ],
    [
      'MatMul [2,3]×[4,5]',
      () =>
        singleOpModel({
          opType: 'MatMul',
          inputs: [
            { name: 'a', dtype: 'float32', shape: [2, 3] },
            { name: 'b', dtype: 'float32', shape: [4, 5] },
          ],
        }),
    ],
  ];
  test.each(shapeErrors)('%s → E_ONNX_SHAPE, and onnxruntime fails too', async (_name, build) => {
    expect(errorOf(() => inferShapes(build())).code).toBe('E_ONNX_SHAPE');
    expect(await ortRejects(build())).toBe(true);
  });

  test('attribute/input form mismatches and bad attributes → E_ONNX_INVALID_NODE', () => {
    const squeeze = singleOpModel({
      opType: 'Squeeze',
      opset: 13,
      inputs: [{ name: 'x', dtype: 'float32', shape: [1, 2] }],
      attrs: { axes: [0] },
    });
    expect(errorOf(() => inferShapes(squeeze)).code).toBe('E_ONNX_INVALID_NODE');
    const perm = singleOpModel({
      opType: 'Transpose',
      inputs: [{ name: 'x', dtype: 'float32', shape: [1, 2] }],
      attrs: { perm: [0, 0] },
    });
    expect(errorOf(() => inferShapes(perm)).code).toBe('E_ONNX_INVALID_NODE');
    const pad = singleOpModel({
      opType: 'Conv',
      inputs: [
        { name: 'x', dtype: 'float32', shape: [1, 1, 4, 4] },
        { name: 'w', tensor: f32([1, 1, 1, 1], [1]) },
      ],
      attrs: { auto_pad: 'SAME' },
    });
    expect(errorOf(() => inferShapes(pad)).code).toBe('E_ONNX_INVALID_NODE');
  });

  test('Cast to an unsupported dtype → E_ONNX_DTYPE', () => {
    const m = singleOpModel({
      opType: 'Cast',
      inputs: [{ name: 'x', dtype: 'float32', shape: [2] }],
      attrs: { to: 8 },
    });
    expect(errorOf(() => inferShapes(m)).code).toBe('E_ONNX_DTYPE');
  });
});

describe('graph-level inference', () => {
  test('sorts nodes topologically and records every value', () => {
    const m = graphModel({
      inputs: [{ name: 'x', shape: [1, 4] }],
      initializers: { w: f32([4, 3], new Array(12).fill(0.5)) },
      nodes: [
        { op: 'Relu', inputs: ['h'], outputs: ['y'], name: 'second' },
        { op: 'MatMul', inputs: ['x', 'w'], outputs: ['h'], name: 'first' },
      ],
      outputs: ['y'],
    });
    const out = inferShapes(m);
    expect(out.graph.nodes.map((n) => n.name)).toEqual(['first', 'second']);
    expect(m.graph.nodes.map((n) => n.name)).toEqual(['second', 'first']);
    expect([...out.graph.valueInfo.keys()].sort()).toEqual(['h', 'w', 'x', 'y']);
    expect(out.graph.valueInfo.get('h')).toEqual({ name: 'h', dtype: 'float32', shape: [1, 3] });
    expect(out.graph.outputs[0]).toEqual({ name: 'y', dtype: 'float32', shape: [1, 3] });
  });

  test('exporter shape chain Shape→Gather→Unsqueeze→Concat→Reshape becomes static (opset 11 and 13)', async () => {
    for (const opset of [11, 13]) {
      const unsq =
        opset < 13
          ? { op: 'Unsqueeze', inputs: ['n'], outputs: ['n1'], attrs: { axes: [0] } }
          : { op: 'Unsqueeze', inputs: ['n', 'zero'], outputs: ['n1'] };
      const m = graphModel({
        opset,
        inputs: [{ name: 'x', shape: [2, 3, 4, 4] }],
        initializers: { idx: makeTensor('int64', [], [0]), minus1: i64(-1), zero: i64(0) },
        nodes: [
          { op: 'Shape', inputs: ['x'], outputs: ['s'] },
          { op: 'Gather', inputs: ['s', 'idx'], outputs: ['n'], attrs: { axis: 0 } },
          unsq,
          { op: 'Concat', inputs: ['n1', 'minus1'], outputs: ['target'], attrs: { axis: 0 } },
          { op: 'Reshape', inputs: ['x', 'target'], outputs: ['y'] },
        ],
        outputs: ['y'],
      });
      const out = inferShapes(m);
      expect(out.graph.valueInfo.get('target')).toEqual({ name: 'target', dtype: 'int64', shape: [2] });
      expect(out.graph.outputs[0].shape).toEqual([2, 48]);
      await compareWithOrt(m);
    }
  });

  test('PyTorch expand chain (ConstantOfShape/Mul/Equal/Where/Expand) folds to a static shape', async () => {
    const m = graphModel({
      inputs: [{ name: 'x', shape: [3, 1] }],
      initializers: { shp: i64(2, 3, 4), len: i64(3), m1: makeTensor('int64', [], [-1]) },
      nodes: [
        {
          op: 'ConstantOfShape',
          inputs: ['len'],
          outputs: ['ones'],
          attrs: { value: A.t(makeTensor('int64', [1], [1])) },
        },
        { op: 'Mul', inputs: ['ones', 'm1'], outputs: ['neg'] },
        { op: 'Equal', inputs: ['shp', 'neg'], outputs: ['eq'] },
        { op: 'Where', inputs: ['eq', 'ones', 'shp'], outputs: ['target'] },
        { op: 'Expand', inputs: ['x', 'target'], outputs: ['y'] },
      ],
      outputs: ['y'],
    });
    expect(inferShapes(m).graph.outputs[0].shape).toEqual([2, 3, 4]);
    await compareWithOrt(m);
  });

  test('shape chains on a symbolic batch keep the symbol (x.view(x.size(0), -1) and friends)', async () => {
    const m = graphModel({
      inputs: [{ name: 'x', shape: ['N', 3, 4, 4] }],
      initializers: { idx: makeTensor('int64', [], [0]), minus1: i64(-1), zero: i64(0), one: i64(1), big: i64(100) },
      nodes: [
        { op: 'Shape', inputs: ['x'], outputs: ['s'] },
        { op: 'Gather', inputs: ['s', 'idx'], outputs: ['n'], attrs: { axis: 0 } },
        { op: 'Unsqueeze', inputs: ['n', 'zero'], outputs: ['n1'] },
        { op: 'Concat', inputs: ['n1', 'minus1'], outputs: ['target'], attrs: { axis: 0 } },
        { op: 'Reshape', inputs: ['x', 'target'], outputs: ['flat'] },
        { op: 'Slice', inputs: ['s', 'one', 'big'], outputs: ['chw'] },
        { op: 'Concat', inputs: ['minus1', 'chw'], outputs: ['t2'], attrs: { axis: 0 } },
        { op: 'Reshape', inputs: ['flat', 't2'], outputs: ['back'] },
        {
          op: 'ConstantOfShape',
          inputs: ['n1'],
          outputs: ['ones'],
          attrs: { value: A.t(makeTensor('float32', [1], [1])) },
        },
      ],
      outputs: ['flat', 'back', 'ones'],
    });
    const out = inferShapes(m);
    expect(out.graph.valueInfo.get('flat')!.shape).toEqual(['N', 48]);
    expect(out.graph.valueInfo.get('back')!.shape).toEqual(['N', 3, 4, 4]);
    expect(out.graph.valueInfo.get('ones')!.shape).toEqual(['N']);
    // The batch-independent part of the chain folds to a constant.
    expect(out.graph.valueInfo.get('chw')!.shape).toEqual([3]);
    expect(toNumbers(analyzeGraph(m).consts.get('chw')!)).toEqual([3, 4, 4]);
    const feeds = randomFeeds(m, 3, {}, 2);
    const ref = await runOrt(m, feeds);
    expect(ref.flat.dims).toEqual([2, 48]);
    expect(ref.back.dims).toEqual([2, 3, 4, 4]);
    expect(ref.ones.dims).toEqual([2]);
  });

  test('symbolic batch dims propagate through a CNN head', () => {
    const m = graphModel({
      inputs: [{ name: 'x', shape: ['batch', 3, 8, 8] }],
      initializers: {
        w: f32([4, 3, 3, 3], new Array(108).fill(0.1)),
        fcw: f32([10, 4], new Array(40).fill(0.1)),
        fcb: f32([10], new Array(10).fill(0)),
        tgt: i64(0, -1),
      },
      nodes: [
        { op: 'Conv', inputs: ['x', 'w'], outputs: ['c'], attrs: { pads: [1, 1, 1, 1] } },
        { op: 'Relu', inputs: ['c'], outputs: ['r'] },
        { op: 'MaxPool', inputs: ['r'], outputs: ['p'], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
        { op: 'Reshape', inputs: ['p', 'tgt'], outputs: ['flat'] },
        { op: 'GlobalAveragePool', inputs: ['r'], outputs: ['g'] },
        { op: 'Flatten', inputs: ['g'], outputs: ['f'] },
        { op: 'Gemm', inputs: ['f', 'fcw', 'fcb'], outputs: ['y'], attrs: { transB: 1 } },
      ],
      outputs: ['y', 'flat'],
    });
    const vi = inferShapes(m).graph.valueInfo;
    expect(vi.get('c')!.shape).toEqual(['batch', 4, 8, 8]);
    expect(vi.get('flat')!.shape).toEqual(['batch', 64]);
    expect(vi.get('f')!.shape).toEqual(['batch', 4]);
    expect(vi.get('y')!.shape).toEqual(['batch', 10]);
  });

  test('declared value_info fills dims inference cannot know', () => {
    const m = graphModel({
      inputs: [
        { name: 'x', shape: [2, 3] },
        { name: 's', dtype: 'int64', shape: [2] },
      ],
      nodes: [{ op: 'Reshape', inputs: ['x', 's'], outputs: ['y'] }],
      outputs: [{ name: 'y', shape: [3, 'k'] }],
    });
    expect(inferShapes(m).graph.outputs[0].shape).toEqual([3, 'k']);
  });

  test.each([13, 18])('decomposed LayerNorm imports, infers and matches onnxruntime (opset %i)', async (opset) => {
    const axes: { inputs: string[]; attrs: Record<string, AttrLike> } =
      opset >= 18 ? { inputs: ['axes'], attrs: {} } : { inputs: [], attrs: { axes: [-1] } };
    const m = graphModel({
      opset,
      inputs: [{ name: 'x', shape: [2, 5, 8] }],
      initializers: {
        axes: i64(-1),
        two: f32([], [2]),
        eps: f32([], [1e-5]),
        gamma: f32([8], [1, 0.5, 2, 1, 1, 0.25, 1, 3]),
        beta: f32([8], [0, 0.1, 0, -0.2, 0, 0, 1, 0]),
      },
      nodes: [
        { op: 'ReduceMean', inputs: ['x', ...axes.inputs], outputs: ['mean'], attrs: axes.attrs },
        { op: 'Sub', inputs: ['x', 'mean'], outputs: ['d'] },
        { op: 'Pow', inputs: ['d', 'two'], outputs: ['d2'] },
        { op: 'ReduceMean', inputs: ['d2', ...axes.inputs], outputs: ['var'], attrs: axes.attrs },
        { op: 'Add', inputs: ['var', 'eps'], outputs: ['ve'] },
        { op: 'Sqrt', inputs: ['ve'], outputs: ['sd'] },
        { op: 'Div', inputs: ['d', 'sd'], outputs: ['n'] },
        { op: 'Mul', inputs: ['n', 'gamma'], outputs: ['g'] },
        { op: 'Add', inputs: ['g', 'beta'], outputs: ['y'] },
      ],
      outputs: ['y'],
    });
    const vi = inferShapes(readOnnx(writeOnnx(m))).graph.valueInfo;
    expect(vi.get('mean')!.shape).toEqual([2, 5, 1]);
    expect(vi.get('y')!.shape).toEqual([2, 5, 8]);
    await compareWithOrt(m);
  });

  test('decomposed GELU (Div/Erf/Add/Mul) matches onnxruntime', async () => {
    const m = graphModel({
      inputs: [{ name: 'x', shape: [4, 16] }],
      initializers: { s2: f32([], [Math.SQRT2]), one: f32([], [1]), half: f32([], [0.5]) },
      nodes: [
        { op: 'Div', inputs: ['x', 's2'], outputs: ['a'] },
        { op: 'Erf', inputs: ['a'], outputs: ['b'] },
        { op: 'Add', inputs: ['b', 'one'], outputs: ['c'] },
        { op: 'Mul', inputs: ['x', 'c'], outputs: ['d'] },
        { op: 'Mul', inputs: ['d', 'half'], outputs: ['y'] },
      ],
      outputs: ['y'],
    });
    await compareWithOrt(m);
  });
});
