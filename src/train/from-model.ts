/**
 * Makes a trainable network from an IR model and writes trained weights back into it. Handles
 * the zoo's classifier shape: a single chain from the graph input to the graph output through
 * Conv, Gemm, Relu, MaxPool, AveragePool, GlobalAveragePool and Flatten (Identity and Dropout
 * pass through). Everything else in the model (names, metadata, other attributes) is kept.
 */
import { EdgelockError } from '../errors';
import { Attr, Model, Node, Tensor } from '../ir/types';
import { Param } from './layer';
import { LayerSpec, buildNetwork } from './layers';
import { Sequential } from './network';

export interface WeightBinding {
  param: Param;
  initializer: string;
  /** Gemm with transB = 0 stores B as [in, out]; the trainer keeps [out, in]. */
  transposed: boolean;
}

export interface TrainableModel {
  net: Sequential;
  specs: LayerSpec[];
  bindings: WeightBinding[];
}

type Converter = (
  node: Node,
  model: Model,
  inShape: number[],
) => { spec: LayerSpec; weights: Array<{ role: string; input: number; transposed?: boolean }> } | null;

function fail(node: Node, reason: string): never {
  throw new EdgelockError('E_TRAIN_UNSUPPORTED', reason, { node: node.name, op: node.opType });
}

function ints(node: Node, name: string, fallback: number[]): number[] {
  const a: Attr | undefined = node.attrs[name];
  if (!a) return fallback;
  if (a.kind !== 'ints') fail(node, `attribute ${name} is not a list of integers`);
  return a.value;
}

function int(node: Node, name: string, fallback: number): number {
  const a = node.attrs[name];
  if (!a) return fallback;
  if (a.kind !== 'int') fail(node, `attribute ${name} is not an integer`);
  return a.value;
}

function checkWindow(node: Node): void {
  const autoPad = node.attrs.auto_pad;
  if (autoPad && autoPad.kind === 'string' && autoPad.value !== 'NOTSET')
    fail(node, `auto_pad ${autoPad.value} is not trainable; use explicit pads`);
  if (ints(node, 'kernel_shape', [0, 0]).length !== 2) fail(node, 'only 2-D windows are trainable');
}

function window(node: Node, kernel: number[]) {
  const p = ints(node, 'pads', [0, 0, 0, 0]);
  return {
    kernel: [kernel[0], kernel[1]] as [number, number],
    strides: ints(node, 'strides', [1, 1]) as [number, number],
    pads: [p[0], p[1], p[2], p[3]] as [number, number, number, number],
  };
}

/** One converter per op type (a table). null = the node passes its input through. */
export const NODE_CONVERTERS: Record<string, Converter> = {
  Conv: (node, model) => {
    checkWindow(node);
    const w = model.graph.initializers.get(node.inputs[1]);
    if (!w) fail(node, 'the weight is not an initializer');
    const kernel = ints(node, 'kernel_shape', w.shape.slice(2));
    const hasBias = node.inputs.length > 2 && node.inputs[2] !== '';
    return {
      spec: {
        kind: 'conv2d',
        name: node.name,
        filters: w.shape[0],
        group: int(node, 'group', 1),
        dilations: ints(node, 'dilations', [1, 1]) as [number, number],
        bias: hasBias,
        ...window(node, kernel),
      },
      weights: hasBias
        ? [
            { role: 'weight', input: 1 },
            { role: 'bias', input: 2 },
          ]
        : [{ role: 'weight', input: 1 }],
    };
  },
  Gemm: (node, model, inShape) => {
    if (inShape.length !== 1) fail(node, 'Gemm input must be a flat vector per sample');
    if (int(node, 'transA', 0) !== 0) fail(node, 'transA = 1 is not trainable');
    for (const k of ['alpha', 'beta']) {
      const a = node.attrs[k];
      if (a && a.kind === 'float' && a.value !== 1) fail(node, `${k} ≠ 1 is not trainable`);
    }
    if (node.inputs.length < 3 || node.inputs[2] === '') fail(node, 'a Gemm without bias is not trainable');
    const transposed = int(node, 'transB', 0) === 0;
    const w = model.graph.initializers.get(node.inputs[1]);
    const b = model.graph.initializers.get(node.inputs[2]);
    if (!w || !b) fail(node, 'weight and bias must be initializers');
    if (b.data.length !== (transposed ? w.shape[1] : w.shape[0]))
      fail(node, 'bias must have one value per output (no broadcasting)');
    return {
      spec: { kind: 'dense', name: node.name, units: transposed ? w.shape[1] : w.shape[0] },
      weights: [
        { role: 'weight', input: 1, transposed },
        { role: 'bias', input: 2 },
      ],
    };
  },
  Relu: (node) => ({ spec: { kind: 'relu', name: node.name }, weights: [] }),
  Flatten: (node) => {
    if (int(node, 'axis', 1) !== 1) fail(node, 'only Flatten with axis 1 is trainable');
    return { spec: { kind: 'flatten', name: node.name }, weights: [] };
  },
  MaxPool: (node) => {
    checkWindow(node);
    if (int(node, 'ceil_mode', 0) !== 0) fail(node, 'ceil_mode is not trainable');
    if (ints(node, 'dilations', [1, 1]).some((d) => d !== 1)) fail(node, 'dilated pooling is not trainable');
    if (node.outputs.length > 1 && node.outputs[1] !== '') fail(node, 'the Indices output is not trainable');
    return { spec: { kind: 'maxpool', name: node.name, ...window(node, ints(node, 'kernel_shape', [])) }, weights: [] };
  },
  AveragePool: (node) => {
    checkWindow(node);
    if (int(node, 'ceil_mode', 0) !== 0 || int(node, 'count_include_pad', 0) !== 0)
      fail(node, 'ceil_mode / count_include_pad are not trainable');
    return { spec: { kind: 'avgpool', name: node.name, ...window(node, ints(node, 'kernel_shape', [])) }, weights: [] };
  },
  GlobalAveragePool: (node) => ({ spec: { kind: 'globalavgpool', name: node.name }, weights: [] }),
  Identity: () => null,
  Dropout: () => null,
};

function float32(t: Tensor, node: Node): Float32Array {
  if (t.dtype !== 'float32') fail(node, `weights are ${t.dtype}; float32 is needed`);
  return t.data as Float32Array;
}

export function trainableFromModel(model: Model): TrainableModel {
  const g = model.graph;
  if (g.inputs.length !== 1 || g.outputs.length !== 1) {
    throw new EdgelockError(
      'E_TRAIN_UNSUPPORTED',
      `the trainer needs one input and one output (the model has ${g.inputs.length} and ${g.outputs.length})`,
    );
  }
  const shape = g.inputs[0].shape;
  if (!shape || shape.length < 2 || shape.some((d) => typeof d !== 'number')) {
    throw new EdgelockError('E_TRAIN_UNSUPPORTED', `input '${g.inputs[0].name}' needs a fixed shape`);
  }
  const inputShape = (shape as number[]).slice(1);
  const consumers = new Map<string, Node[]>();
  for (const n of g.nodes)
    for (const i of n.inputs) if (!g.initializers.has(i)) consumers.set(i, [...(consumers.get(i) ?? []), n]);

  const specs: LayerSpec[] = [];
  const pending: Array<{
    node: Node;
    weights: Array<{ role: string; input: number; transposed?: boolean }>;
    layer: number;
  }> = [];
  let value = g.inputs[0].name;
  let net = buildNetwork(inputShape, [], 0);
  const visited = new Set<Node>();
  while (value !== g.outputs[0].name) {
    const next = consumers.get(value) ?? [];
    if (next.length !== 1) {
      throw new EdgelockError(
        'E_TRAIN_UNSUPPORTED',
        next.length
          ? `value '${value}' feeds ${next.length} nodes; only chains are trainable`
          : `value '${value}' does not reach the output`,
        { node: next[0]?.name },
      );
    }
    const node = next[0];
    if (visited.has(node)) fail(node, 'the graph has a cycle');
    visited.add(node);
    const convert = NODE_CONVERTERS[node.opType];
    if (!convert || node.domain !== '') fail(node, `${node.opType} is not trainable`);
    const curShape = specs.length ? net.outputShape : inputShape;
    const r = convert(node, model, curShape);
    if (r) {
      specs.push(r.spec);
      pending.push({ node, weights: r.weights, layer: specs.length - 1 });
      net = buildNetwork(inputShape, specs, 0); // fixes shapes for the next converter
    }
    value = node.outputs[0];
  }

  const bindings: WeightBinding[] = [];
  for (const { node, weights, layer } of pending) {
    for (const w of weights) {
      const name = node.inputs[w.input];
      const t = g.initializers.get(name)!;
      const param = net.layers[layer].params.find((p) => p.role === w.role)!;
      const src = float32(t, node);
      if (src.length !== param.value.length)
        fail(node, `${w.role} has ${src.length} values, the layer needs ${param.value.length}`);
      if (w.transposed) {
        const [rows, cols] = t.shape; // [in, out]
        for (let i = 0; i < rows; i++) for (let o = 0; o < cols; o++) param.value[o * rows + i] = src[i * cols + o];
      } else param.value.set(src);
      bindings.push({ param, initializer: name, transposed: !!w.transposed });
    }
  }
  return { net, specs, bindings };
}

/** A copy of `model` whose bound initializers hold the network's current weights. */
export function writeBackWeights(model: Model, t: TrainableModel): Model {
  const initializers = new Map(model.graph.initializers);
  for (const b of t.bindings) {
    const old = model.graph.initializers.get(b.initializer)!;
    const data = new Float32Array(b.param.value.length);
    if (b.transposed) {
      const [rows, cols] = old.shape;
      for (let i = 0; i < rows; i++) for (let o = 0; o < cols; o++) data[i * cols + o] = b.param.value[o * rows + i];
    } else data.set(b.param.value);
    initializers.set(b.initializer, { dtype: 'float32', shape: [...old.shape], data });
  }
  return { ...model, metadata: { ...model.metadata }, graph: { ...model.graph, initializers } };
}
