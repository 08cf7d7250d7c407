/**
 * ONNX If, built the way PyTorch exports `if x.shape[2] > 32:` (Shape → Gather → Greater → If, the
 * branches reading outer-scope values and holding their own initializers), written with onnx-proto
 * directly. Once --input-shape pins H the condition is constant: the If is folded into the taken
 * branch and the compiled float .tflite must match onnxruntime on the same input, for either branch.
 * A condition computed from the input's data stays a clear E_ONNX_UNSUPPORTED_OP naming the node;
 * Loop bodies are still refused at import.
 *
 * int8: a trained MNIST classifier exported from TorchScript with a real shape branch (fixtures/build_torch_if.py:
 * `if x.shape[2] > 32: max_pool(x, 4) else: max_pool(x, 2)`), pinned to 28×28 digits (else branch) and to 56×56
 * digits upscaled ×2 (then branch), compiled to int8 with float I/O: the TFLite runtime must agree with the folded
 * float model's top-1 on ≥ 99% of 500 test digits, and the float model with onnxruntime on the same inputs.
 */
import * as fs from 'fs';
import * as path from 'path';
import { onnx } from 'onnx-proto';
import { compileModel } from '../../src/compiler/compile';
import { loadDataset } from '../../src/data/dataset';
import { prepareModel } from '../../src/compiler/prepare';
import { readOnnx } from '../../src/onnx';
import { TfliteOracle } from '../../src/tflite/oracle';
import { runOrt } from '../helpers/ort';
import { rng } from '../helpers/rng';

const T = onnx.TensorProto.DataType;
const ATTR = onnx.AttributeProto.AttributeType;

const f32 = (name: string, dims: number[], values: number[]): onnx.ITensorProto => ({
  name,
  dims,
  dataType: T.FLOAT,
  floatData: values,
});
const i64 = (name: string, dims: number[], values: number[]): onnx.ITensorProto => ({
  name,
  dims,
  dataType: T.INT64,
  int64Data: values,
});
const vi = (name: string, elemType: number, dims: (number | string)[]): onnx.IValueInfoProto => ({
  name,
  type: {
    tensorType: {
      elemType,
      shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
    },
  },
});
const node = (
  opType: string,
  inputs: string[],
  outputs: string[],
  name: string,
  attribute: onnx.IAttributeProto[] = [],
) => ({
  opType,
  input: inputs,
  output: outputs,
  name,
  attribute,
});

/**
 * cond: 'shape' → H > 32 from the input's shape; 'data' → ReduceSum(x) > 0 (depends on the values).
 * nested: the then-branch holds another If (W > 4, computed in the main graph) whose branches read a
 * value of the enclosing branch (t1) and hold their own initializer.
 */
function ifModel(cond: 'shape' | 'data', bodyOp: 'If' | 'Loop' = 'If', nested = false): Uint8Array {
  const dims = [1, 1, 'h', 8];
  const inner: onnx.IAttributeProto[] = [
    {
      name: 'then_branch',
      type: ATTR.GRAPH,
      g: {
        name: 'inner_then',
        node: [node('Mul', ['t1', 'w2'], ['n0'], 'inner_mul')],
        initializer: [f32('w2', [1, 1, 1, 8], [1, 2, 3, 4, -1, -2, -3, -4])],
        output: [vi('n0', T.FLOAT, dims)],
      },
    },
    {
      name: 'else_branch',
      type: ATTR.GRAPH,
      g: { name: 'inner_else', node: [node('Neg', ['t1'], ['m0'], 'inner_neg')], output: [vi('m0', T.FLOAT, dims)] },
    },
  ];
  // then: Relu(x * w) with w an initializer of the branch; else: x + bias, bias an outer-scope initializer.
  const thenBranch: onnx.IGraphProto = {
    name: 'then',
    node: [
      node('Mul', ['x', 'w'], ['t0'], 'then_mul'),
      node('Relu', ['t0'], ['t1'], 'then_relu'),
      ...(nested ? [node('If', ['cond2'], ['n1'], 'inner_if', inner)] : []),
    ],
    initializer: [f32('w', [1, 1, 1, 8], [0.5, -1, 2, 0.25, -0.75, 1.5, 3, -2])],
    output: [vi(nested ? 'n1' : 't1', T.FLOAT, dims)],
  };
  const elseBranch: onnx.IGraphProto = {
    name: 'else',
    node: [node('Add', ['x', 'bias'], ['e0'], 'else_add'), node('Sigmoid', ['e0'], ['e1'], 'else_sigmoid')],
    output: [vi('e1', T.FLOAT, dims)],
  };
  const condNodes =
    cond === 'shape'
      ? [
          node('Shape', ['x'], ['shp'], 'shape'),
          node('Gather', ['shp', 'two'], ['h'], 'gather', [{ name: 'axis', type: ATTR.INT, i: 0 }]),
          node('Greater', ['h', 'thirty_two'], ['cond'], 'greater'),
          node('Gather', ['shp', 'three'], ['wd'], 'gather_w', [{ name: 'axis', type: ATTR.INT, i: 0 }]),
          node('Greater', ['wd', 'four'], ['cond2'], 'greater_w'),
        ]
      : [
          node('ReduceSum', ['x'], ['s'], 'sum', [{ name: 'keepdims', type: ATTR.INT, i: 0 }]),
          node('Greater', ['s', 'zero'], ['cond'], 'greater'),
        ];
  const branchAttrs: onnx.IAttributeProto[] = [
    { name: 'then_branch', type: ATTR.GRAPH, g: thenBranch },
    { name: 'else_branch', type: ATTR.GRAPH, g: elseBranch },
  ];
  const graph: onnx.IGraphProto = {
    name: 'if-model',
    node: [
      ...condNodes,
      bodyOp === 'If'
        ? node('If', ['cond'], ['y0'], 'If_7', branchAttrs)
        : node('Loop', ['', 'cond'], ['y0'], 'Loop_7', [{ name: 'body', type: ATTR.GRAPH, g: thenBranch }]),
      node('Mul', ['y0', 'scale'], ['y'], 'out_mul'),
    ],
    initializer: [
      i64('two', [], [2]),
      i64('thirty_two', [], [32]),
      i64('three', [], [3]),
      i64('four', [], [4]),
      f32('zero', [], [0]),
      f32('bias', [1, 1, 1, 8], [0.1, -0.2, 0.3, -0.4, 0.5, -0.6, 0.7, -0.8]),
      f32('scale', [], [1.5]),
    ],
    input: [vi('x', T.FLOAT, dims)],
    output: [vi('y', T.FLOAT, dims)],
  };
  const model: onnx.IModelProto = { irVersion: 7, producerName: 'pytorch', opsetImport: [{ version: 13 }], graph };
  return onnx.ModelProto.encode(onnx.ModelProto.fromObject(model)).finish();
}

describe('If with a condition constant after input-shape pinning', () => {
  test.each([
    [40, 'then', 'Relu', false],
    [16, 'else', 'Sigmoid', false],
    [40, 'then (with a nested If)', 'Relu', true],
  ])('H=%d: folded into the %s branch; float .tflite matches onnxruntime', async (h, _branch, op, nested) => {
    const bytes = ifModel('shape', 'If', nested);
    const inputShapes = new Map([['x', [1, 1, h, 8]]]);
    const prepared = prepareModel(readOnnx(bytes), { inputShapes }).model;
    const ops = prepared.graph.nodes.map((n) => n.opType);
    expect(ops).not.toContain('If');
    expect(ops).toContain(op);
    expect(ops).not.toContain(op === 'Relu' ? 'Sigmoid' : 'Relu');

    const f = await compileModel(bytes, { precision: 'float32', inputShapes });
    const oracle = await TfliteOracle.load(f.bytes);
    const r = rng(h);
    const x = Float32Array.from({ length: h * 8 }, () => r() * 4 - 2);
    try {
      const ref = (await runOrt(bytes, { x: { dtype: 'float32', shape: [1, 1, h, 8], data: x } })).y
        .data as Float32Array;
      // one channel: NCHW and NHWC hold the elements in the same order
      const got = oracle.run([{ data: x, shape: f.summary.inputs[0].shape }])[0].data;
      expect(got.length).toBe(ref.length);
      let worst = 0;
      ref.forEach((v, k) => (worst = Math.max(worst, Math.abs(v - got[k]))));
      expect(worst).toBeLessThanOrEqual(1e-6);
    } finally {
      oracle.dispose();
    }
  });

  test('a condition computed from the input data is refused, naming the node and op', async () => {
    const bytes = ifModel('data');
    const inputShapes = new Map([['x', [1, 1, 16, 8]]]);
    await expect(compileModel(bytes, { precision: 'float32', inputShapes })).rejects.toMatchObject({
      code: 'E_ONNX_UNSUPPORTED_OP',
      location: { node: 'If_7', op: 'If' },
    });
  });

  test('a Loop body is still refused at import', () => {
    expect(() => readOnnx(ifModel('shape', 'Loop'))).toThrow(
      expect.objectContaining({ code: 'E_ONNX_UNSUPPORTED_OP', location: expect.objectContaining({ op: 'Loop' }) }),
    );
  });
});

describe('int8 (--io float) of a TorchScript export with a shape-dependent If (fixtures/torch-if-opset13.onnx)', () => {
  const bytes = new Uint8Array(fs.readFileSync(path.join(__dirname, 'fixtures', 'torch-if-opset13.onnx')));
  const train = loadDataset('mnist-train');
  const test10k = loadDataset('mnist-test');
  /** Digit i at 28×28, or upscaled ×2 (nearest) to 56×56: both branches see the same features after pooling. */
  const digit = (set: typeof train, i: number, side: number): Float32Array => {
    const src = set.data.subarray(i * 784, (i + 1) * 784);
    const k = side / 28;
    return Float32Array.from(
      { length: side * side },
      (_, j) => src[Math.floor(j / side / k) * 28 + Math.floor((j % side) / k)],
    );
  };
  const argmax = (v: ArrayLike<number>) => {
    let k = 0;
    for (let i = 1; i < v.length; i++) if (v[i] > v[k]) k = i;
    return k;
  };

  test('the export holds an If fed by Shape → Gather → Greater → Cast', () => {
    const ops = readOnnx(bytes).graph.nodes.map((n) => n.opType);
    expect(ops).toEqual(expect.arrayContaining(['Shape', 'Gather', 'Greater', 'Cast', 'If']));
  });

  test.each([
    [28, 'else: max_pool 2'],
    [56, 'then: max_pool 4'],
  ])(
    'H = W = %d (%s): int8 top-1 agrees with float on ≥ 99%% of 500 digits; float matches onnxruntime',
    async (side) => {
      const shape = [1, 1, side, side];
      const inputShapes = new Map([['x', shape]]);
      const n = 500;
      const calibration = { data: new Float32Array(200 * side * side), count: 200, sampleShape: shape.slice(1) };
      for (let i = 0; i < 200; i++) calibration.data.set(digit(train, i, side), i * side * side);
      const q = await compileModel(bytes, { precision: 'int8', io: 'float', calibration, inputShapes });
      const f = await compileModel(bytes, { precision: 'float32', inputShapes });
      expect(q.summary.inputs[0].shape).toEqual([1, side, side, 1]);
      expect(q.summary.ops.map((o) => o.op)).toContain('MAX_POOL_2D');
      const qo = await TfliteOracle.load(q.bytes);
      const fo = await TfliteOracle.load(f.bytes);
      let agree = 0;
      let worst = 0;
      try {
        for (let i = 0; i < n; i++) {
          const x = digit(test10k, i, side); // one channel: NCHW and NHWC hold the elements in the same order
          const fl = fo.run([{ data: x, shape: [1, side, side, 1] }])[0].data;
          if (argmax(qo.run([{ data: x, shape: [1, side, side, 1] }])[0].data) === argmax(fl)) agree++;
          if (i < 8) {
            const ref = (await runOrt(bytes, { x: { dtype: 'float32', shape, data: x } })).logits.data as Float32Array;
            const span = Math.max(...ref) - Math.min(...ref);
            ref.forEach((v, k) => (worst = Math.max(worst, Math.abs(v - fl[k]) / span)));
          }
        }
      } finally {
        qo.dispose();
        fo.dispose();
      }
      console.log(
        `torch-if-opset13 at ${side}×${side}: int8 top-1 = float on ${agree}/${n}; float vs onnxruntime ${worst.toExponential(2)} of the output range`,
      );
      expect(worst).toBeLessThanOrEqual(1e-5);
      expect(agree / n).toBeGreaterThanOrEqual(0.99);
    },
  );
});
