/**
 * The zoo LeNet as exporters write it, the same trained weights and the same function:
 *   - kerasLenet: laid out the way tf2onnx writes a Keras Sequential model — an NHWC input with a symbolic batch,
 *     a Transpose [0,3,1,2] into the convolutions, a Transpose [0,2,3,1] back before Keras' channels-last Flatten
 *     (a Reshape to [-1, 400]), each Dense as MatMul + Add (its kernel [in, out], the first one's rows in (H, W, C)
 *     order), and the last Dense's softmax;
 *   - torchViewLenet: the way torch.onnx writes a module with BatchNorm kept as a node (TrainingMode.PRESERVE) and
 *     `x.view(x.size(0), -1)` — Shape → Gather → Unsqueeze → Concat → Reshape — with a symbolic batch ("batch").
 * The BatchNorm's statistics are seeded; the convolution before it is scaled so the pair computes the zoo's conv1.
 */
import { Model, Node, Tensor } from '../../src/ir/types';
import { rng } from './rng';

const f32 = (shape: number[], data: ArrayLike<number>): Tensor => ({
  dtype: 'float32',
  shape,
  data: Float32Array.from(data),
});
const i64 = (shape: number[], data: number[]): Tensor => ({
  dtype: 'int64',
  shape,
  data: BigInt64Array.from(data.map((v) => BigInt(v))),
});

function node(name: string, opType: string, inputs: string[], outputs: string[], attrs: Node['attrs'] = {}): Node {
  return { name, opType, domain: '', inputs, outputs, attrs };
}

const ints = (value: number[]) => ({ kind: 'ints' as const, value });

function convAttrs(zoo: Model, name: string): Node['attrs'] {
  return zoo.graph.nodes.find((n) => n.name === name)!.attrs;
}

/** W [out, in] (the zoo's Gemm weight) as a MatMul kernel [in, out]; `hwc` re-orders the rows read from a
 * (C, H, W) flatten to an (H, W, C) one. */
function kernel(w: Tensor, hwc?: [number, number, number]): Tensor {
  const [out, inn] = w.shape;
  const from = w.data as Float32Array;
  const data = new Float32Array(out * inn);
  for (let o = 0; o < out; o++)
    for (let i = 0; i < inn; i++) {
      let row = i;
      if (hwc) {
        const [C, H, W] = hwc;
        const [c, h, x] = [Math.floor(i / (H * W)), Math.floor((i % (H * W)) / W), i % W];
        row = (h * W + x) * C + c;
      }
      data[row * out + o] = from[o * inn + i];
    }
  return f32([inn, out], data);
}

function base(zoo: Model, producer: string, opset: number): Model {
  return {
    ...zoo,
    producerName: producer,
    producerVersion: '1.13.0',
    opsetImports: [{ domain: '', version: opset }],
    metadata: {},
    graph: { ...zoo.graph, nodes: [], initializers: new Map(), valueInfo: new Map() },
  };
}

export function kerasLenet(zoo: Model): Model {
  const z = zoo.graph.initializers;
  const m = base(zoo, 'tf2onnx', 13);
  const g = m.graph;
  const p = 'sequential/';
  g.inputs = [{ name: 'input_1', dtype: 'float32', shape: ['unk__6', 28, 28, 1] }];
  g.outputs = [{ name: 'dense_2', dtype: 'float32', shape: ['unk__7', 10] }];
  const init = (name: string, t: Tensor) => (g.initializers.set(name, t), name);
  g.nodes = [
    node('input_1_transpose', 'Transpose', ['input_1'], ['t0'], { perm: ints([0, 3, 1, 2]) }),
    node(
      `${p}conv2d/BiasAdd`,
      'Conv',
      ['t0', init('conv2d/k', z.get('conv1.weight')!), init('conv2d/b', z.get('conv1.bias')!)],
      ['c1'],
      convAttrs(zoo, 'conv1'),
    ),
    node(`${p}conv2d/Relu`, 'Relu', ['c1'], ['r1']),
    node(`${p}max_pooling2d/MaxPool`, 'MaxPool', ['r1'], ['p1'], convAttrs(zoo, 'pool1')),
    node(
      `${p}conv2d_1/BiasAdd`,
      'Conv',
      ['p1', init('conv2d_1/k', z.get('conv2.weight')!), init('conv2d_1/b', z.get('conv2.bias')!)],
      ['c2'],
      convAttrs(zoo, 'conv2'),
    ),
    node(`${p}conv2d_1/Relu`, 'Relu', ['c2'], ['r2']),
    node(`${p}max_pooling2d_1/MaxPool`, 'MaxPool', ['r2'], ['p2'], convAttrs(zoo, 'pool2')),
    node(`${p}max_pooling2d_1/MaxPool__20`, 'Transpose', ['p2'], ['p2t'], { perm: ints([0, 2, 3, 1]) }),
    node(`${p}flatten/Reshape`, 'Reshape', ['p2t', init('const_fold_opt__30', i64([2], [-1, 400]))], ['f']),
    node(`${p}dense/MatMul`, 'MatMul', ['f', init('dense/kernel', kernel(z.get('fc1.weight')!, [16, 5, 5]))], ['d1m']),
    node(`${p}dense/BiasAdd`, 'Add', ['d1m', init('dense/bias', z.get('fc1.bias')!)], ['d1']),
    node(`${p}dense/Relu`, 'Relu', ['d1'], ['a1']),
    node(`${p}dense_1/MatMul`, 'MatMul', ['a1', init('dense_1/kernel', kernel(z.get('fc2.weight')!))], ['d2m']),
    node(`${p}dense_1/BiasAdd`, 'Add', ['d2m', init('dense_1/bias', z.get('fc2.bias')!)], ['d2']),
    node(`${p}dense_1/Relu`, 'Relu', ['d2'], ['a2']),
    node(`${p}dense_2/MatMul`, 'MatMul', ['a2', init('dense_2/kernel', kernel(z.get('fc3.weight')!))], ['d3m']),
    node(`${p}dense_2/BiasAdd`, 'Add', ['d3m', init('dense_2/bias', z.get('fc3.bias')!)], ['d3']),
    node(`${p}dense_2/Softmax`, 'Softmax', ['d3'], ['dense_2'], { axis: { kind: 'int', value: -1 } }),
  ];
  return m;
}

export function torchViewLenet(zoo: Model): Model {
  const z = zoo.graph.initializers;
  const m = base(zoo, 'pytorch', 13);
  const g = m.graph;
  g.inputs = [{ name: 'input', dtype: 'float32', shape: ['batch', 1, 28, 28] }];
  g.outputs = [{ name: 'logits', dtype: 'float32', shape: ['batch', 10] }];
  const init = (name: string, t: Tensor) => (g.initializers.set(name, t), name);
  // BatchNorm statistics, and conv1 scaled so that BN(conv1'(x)) = conv1(x)
  const r = rng(5678);
  const C = 6;
  const eps = 1e-5;
  const gamma = Array.from({ length: C }, () => 0.5 + r());
  const beta = Array.from({ length: C }, () => r() - 0.5);
  const mean = Array.from({ length: C }, () => r() - 0.5);
  const variance = Array.from({ length: C }, () => 0.5 + r());
  const k = gamma.map((gm, c) => Math.sqrt(variance[c] + eps) / gm);
  const w1 = z.get('conv1.weight')!;
  const b1 = z.get('conv1.bias')!.data as Float32Array;
  const per = w1.data.length / C;
  const w = f32(
    w1.shape,
    Array.from(w1.data as Float32Array, (v, i) => v * k[Math.floor(i / per)]),
  );
  const b = f32(
    [C],
    Array.from(b1, (v, c) => (v - beta[c]) * k[c] + mean[c]),
  );
  g.nodes = [
    node(
      '/conv1/Conv',
      'Conv',
      ['input', init('conv1.weight', w), init('conv1.bias', b)],
      ['c1'],
      convAttrs(zoo, 'conv1'),
    ),
    node(
      '/bn1/BatchNormalization',
      'BatchNormalization',
      [
        'c1',
        init('bn1.weight', f32([C], gamma)),
        init('bn1.bias', f32([C], beta)),
        init('bn1.running_mean', f32([C], mean)),
        init('bn1.running_var', f32([C], variance)),
      ],
      ['n1'],
      { epsilon: { kind: 'float', value: eps }, momentum: { kind: 'float', value: 0.9 } },
    ),
    node('/Relu', 'Relu', ['n1'], ['r1']),
    node('/pool1/MaxPool', 'MaxPool', ['r1'], ['p1'], convAttrs(zoo, 'pool1')),
    node(
      '/conv2/Conv',
      'Conv',
      ['p1', init('conv2.weight', z.get('conv2.weight')!), init('conv2.bias', z.get('conv2.bias')!)],
      ['c2'],
      convAttrs(zoo, 'conv2'),
    ),
    node('/Relu_1', 'Relu', ['c2'], ['r2']),
    node('/pool2/MaxPool', 'MaxPool', ['r2'], ['p2'], convAttrs(zoo, 'pool2')),
    node('/Shape', 'Shape', ['p2'], ['s']),
    node('/Gather', 'Gather', ['s', init('/Constant_output_0', i64([], [0]))], ['n'], {
      axis: { kind: 'int', value: 0 },
    }),
    node('/Unsqueeze', 'Unsqueeze', ['n', init('onnx::Unsqueeze_40', i64([1], [0]))], ['n1d']),
    node('/Concat', 'Concat', ['n1d', init('onnx::Concat_41', i64([1], [-1]))], ['shape'], {
      axis: { kind: 'int', value: 0 },
    }),
    node('/Reshape', 'Reshape', ['p2', 'shape'], ['f']),
    node(
      '/fc1/Gemm',
      'Gemm',
      ['f', init('fc1.weight', z.get('fc1.weight')!), init('fc1.bias', z.get('fc1.bias')!)],
      ['d1'],
      { alpha: { kind: 'float', value: 1 }, beta: { kind: 'float', value: 1 }, transB: { kind: 'int', value: 1 } },
    ),
    node('/Relu_2', 'Relu', ['d1'], ['a1']),
    node(
      '/fc2/Gemm',
      'Gemm',
      ['a1', init('fc2.weight', z.get('fc2.weight')!), init('fc2.bias', z.get('fc2.bias')!)],
      ['d2'],
      { alpha: { kind: 'float', value: 1 }, beta: { kind: 'float', value: 1 }, transB: { kind: 'int', value: 1 } },
    ),
    node('/Relu_3', 'Relu', ['d2'], ['a2']),
    node(
      '/fc3/Gemm',
      'Gemm',
      ['a2', init('fc3.weight', z.get('fc3.weight')!), init('fc3.bias', z.get('fc3.bias')!)],
      ['logits'],
      { alpha: { kind: 'float', value: 1 }, beta: { kind: 'float', value: 1 }, transB: { kind: 'int', value: 1 } },
    ),
  ];
  return m;
}

/**
 * The zoo LeNet the way paddle2onnx writes a Paddle model at opset 9: an input with a symbolic batch, height and width
 * (["N", 1, "H", "W"]: the exporter leaves them open; compile and trace-units pin them with --input-shape), the
 * flatten as a Reshape to [0, -1], each Linear as MatMul + Add (Paddle keeps its weight [in, out]), and a softmax.
 */
export function paddleLenet(zoo: Model): Model {
  const z = zoo.graph.initializers;
  const m = base(zoo, 'paddle2onnx', 9);
  const g = m.graph;
  g.inputs = [{ name: 'x', dtype: 'float32', shape: ['N', 1, 'H', 'W'] }];
  g.outputs = [{ name: 'softmax_0.tmp_0', dtype: 'float32', shape: ['N', 10] }];
  const init = (name: string, t: Tensor) => (g.initializers.set(name, t), name);
  const linear = (i: number, from: string, to: string): Node[] => [
    node(
      `p2o.MatMul.${i}`,
      'MatMul',
      [from, init(`linear_${i}.w_0`, kernel(z.get(`fc${i + 1}.weight`)!))],
      [`${to}.mm`],
    ),
    node(`p2o.Add.${i}`, 'Add', [`${to}.mm`, init(`linear_${i}.b_0`, z.get(`fc${i + 1}.bias`)!)], [to]),
  ];
  g.nodes = [
    node(
      'p2o.Conv.0',
      'Conv',
      ['x', init('conv2d_0.w_0', z.get('conv1.weight')!), init('conv2d_0.b_0', z.get('conv1.bias')!)],
      ['c1'],
      convAttrs(zoo, 'conv1'),
    ),
    node('p2o.Relu.0', 'Relu', ['c1'], ['r1']),
    node('p2o.MaxPool.0', 'MaxPool', ['r1'], ['p1'], convAttrs(zoo, 'pool1')),
    node(
      'p2o.Conv.1',
      'Conv',
      ['p1', init('conv2d_1.w_0', z.get('conv2.weight')!), init('conv2d_1.b_0', z.get('conv2.bias')!)],
      ['c2'],
      convAttrs(zoo, 'conv2'),
    ),
    node('p2o.Relu.1', 'Relu', ['c2'], ['r2']),
    node('p2o.MaxPool.1', 'MaxPool', ['r2'], ['p2'], convAttrs(zoo, 'pool2')),
    node('p2o.Reshape.0', 'Reshape', ['p2', init('p2o.helper.constant.0', i64([2], [0, -1]))], ['f']),
    ...linear(0, 'f', 'l0'),
    node('p2o.Relu.2', 'Relu', ['l0'], ['a0']),
    ...linear(1, 'a0', 'l1'),
    node('p2o.Relu.3', 'Relu', ['l1'], ['a1']),
    ...linear(2, 'a1', 'l2'),
    node('p2o.Softmax.0', 'Softmax', ['l2'], ['softmax_0.tmp_0'], { axis: { kind: 'int', value: 1 } }),
  ];
  return m;
}
