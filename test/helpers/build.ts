/** Builders for small IR models in tests (single-op models above all). */
import { Attr, Dim, DType, Model, Node, Tensor, ValueInfo } from '../../src/ir/types';
import { inferShapes } from '../../src/ops/shape-inference';

export type AttrLike = Attr | number | number[] | string | string[] | Tensor;

/** Explicit attribute constructors, for when a plain JS value is ambiguous (a float that is a whole number). */
export const A = {
  i: (value: number): Attr => ({ kind: 'int', value }),
  f: (value: number): Attr => ({ kind: 'float', value }),
  s: (value: string): Attr => ({ kind: 'string', value }),
  ints: (value: number[]): Attr => ({ kind: 'ints', value }),
  floats: (value: number[]): Attr => ({ kind: 'floats', value }),
  t: (value: Tensor): Attr => ({ kind: 'tensor', value }),
};

function isAttr(a: AttrLike): a is Attr {
  return typeof a === 'object' && a !== null && 'kind' in a && !('data' in a);
}

/** Plain values map to ONNX attributes: integers → int(s), other numbers → float(s), strings, tensors. */
export function toAttr(a: AttrLike): Attr {
  if (isAttr(a)) return a;
  if (typeof a === 'number') return Number.isInteger(a) ? A.i(a) : A.f(a);
  if (typeof a === 'string') return A.s(a);
  if (Array.isArray(a)) {
    if (a.every((x) => typeof x === 'string')) return { kind: 'strings', value: a as string[] };
    const nums = a as number[];
    return nums.every((x) => Number.isInteger(x)) ? A.ints(nums) : A.floats(nums);
  }
  return A.t(a as Tensor);
}

export type InputSpec = { name: string; dtype: DType; shape: Dim[] } | { name: string; tensor: Tensor } | null;
export type OutputSpec = string | { name: string; dtype?: DType; shape?: Dim[] | null };

export interface SingleOpSpec {
  opType: string;
  /** Graph inputs ({name, dtype, shape}), initializers ({name, tensor}) or null for an omitted optional input. */
  inputs: InputSpec[];
  attrs?: Record<string, AttrLike>;
  /** Output names, optionally with dtype/shape. Without a dtype, shape inference (or the first input's dtype) decides. */
  outputs?: OutputSpec[];
  opset?: number;
  domain?: string;
  nodeName?: string;
}

export function emptyModel(opset = 13): Model {
  return {
    irVersion: 8,
    producerName: 'edgelock-test',
    producerVersion: '0',
    domain: '',
    modelVersion: 1,
    docString: '',
    opsetImports: [{ domain: '', version: opset }],
    metadata: {},
    graph: { name: 'g', nodes: [], inputs: [], outputs: [], initializers: new Map(), valueInfo: new Map() },
  };
}

/** One node whose inputs are graph inputs or initializers and whose outputs are the graph outputs. */
export function singleOpModel(spec: SingleOpSpec): Model {
  const model = emptyModel(spec.opset ?? 13);
  const g = model.graph;
  const inputNames: string[] = [];
  let firstDtype: DType = 'float32';
  spec.inputs.forEach((inp, i) => {
    if (inp === null) {
      inputNames.push('');
      return;
    }
    inputNames.push(inp.name);
    if ('tensor' in inp) g.initializers.set(inp.name, inp.tensor);
    else g.inputs.push({ name: inp.name, dtype: inp.dtype, shape: inp.shape });
    if (i === 0) firstDtype = 'tensor' in inp ? inp.tensor.dtype : inp.dtype;
  });
  const outs = (spec.outputs ?? ['y']).map((o) => (typeof o === 'string' ? { name: o } : o));
  const attrs: Record<string, Attr> = {};
  for (const [k, v] of Object.entries(spec.attrs ?? {})) attrs[k] = toAttr(v);
  const node: Node = {
    name: spec.nodeName ?? `${spec.opType.toLowerCase()}_0`,
    opType: spec.opType,
    domain: spec.domain ?? '',
    inputs: inputNames,
    outputs: outs.map((o) => o.name),
    attrs,
  };
  g.nodes.push(node);
  g.outputs = outs.map((o) => ({ name: o.name, dtype: o.dtype ?? firstDtype, shape: o.shape ?? null }));
  if (outs.some((o) => !o.dtype)) {
    try {
      const inferred = inferShapes(model).graph.valueInfo;
      g.outputs = outs.map((o): ValueInfo => ({
        name: o.name,
        dtype: o.dtype ?? inferred.get(o.name)?.dtype ?? firstDtype,
        shape: o.shape ?? null,
      }));
    } catch {
      // Invalid nodes are built on purpose by error tests: keep the fallback dtype.
    }
  }
  return model;
}

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Record<string, AttrLike>;
  name?: string;
  domain?: string;
}

export interface GraphSpec {
  inputs: { name: string; dtype?: DType; shape: Dim[] }[];
  initializers?: Record<string, Tensor>;
  nodes: NodeSpec[];
  outputs: (string | { name: string; dtype?: DType; shape?: Dim[] | null })[];
  opset?: number;
}

/** A multi-node model; output dtypes default to float32 and output shapes to unknown. */
export function graphModel(spec: GraphSpec): Model {
  const model = emptyModel(spec.opset ?? 13);
  const g = model.graph;
  g.inputs = spec.inputs.map((v) => ({ name: v.name, dtype: v.dtype ?? 'float32', shape: v.shape }));
  for (const [name, t] of Object.entries(spec.initializers ?? {})) g.initializers.set(name, t);
  g.nodes = spec.nodes.map((n, i) => {
    const attrs: Record<string, Attr> = {};
    for (const [k, v] of Object.entries(n.attrs ?? {})) attrs[k] = toAttr(v);
    return {
      name: n.name ?? `${n.op.toLowerCase()}_${i}`,
      opType: n.op,
      domain: n.domain ?? '',
      inputs: n.inputs,
      outputs: n.outputs,
      attrs,
    };
  });
  g.outputs = spec.outputs.map((o) =>
    typeof o === 'string'
      ? { name: o, dtype: 'float32' as DType, shape: null }
      : { name: o.name, dtype: o.dtype ?? 'float32', shape: o.shape ?? null },
  );
  return model;
}
