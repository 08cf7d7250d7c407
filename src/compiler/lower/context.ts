/**
 * The state of one lowering run: the TflGraph being built, what every ONNX value became, and the
 * layout machinery that hands each consumer its operand in the element order it needs, emitting
 * RESHAPE (free re-labelling) or, as a last resort, TRANSPOSE.
 */
import { EdgelockError } from '../../errors';
import { shapeSize, toFloat32 } from '../../ir/tensor';
import { Graph, Node, Tensor } from '../../ir/types';
import {
  canonical,
  identityLayout,
  invertPerm,
  isTrivial,
  Layout,
  permOver,
  permute,
  relativePerm,
  sameOrder,
  transposeData,
} from '../layout';
import { addTensor, TflGraph, TflOp, TflOptions, TflTensor, TflTensorData } from '../tfl-graph';

/** A runtime value: a TFLite tensor plus how its elements relate to the ONNX logical shape. */
export interface ActValue {
  kind: 'act';
  tensor: number;
  logical: number[];
  layout: Layout;
  /** True when `tensor` is the direct output of the op that defined this value (not an alias). */
  owner: boolean;
}

export interface ConstValue {
  kind: 'const';
  value: Tensor;
}

export type LoweredValue = ActValue | ConstValue;

export type TflOpName = string;

export class LowerContext {
  readonly values = new Map<string, LoweredValue>();
  /** ONNX consumers (nodes, plus 1 per graph-output mention) of each value. */
  readonly uses = new Map<string, number>();
  /** Index in g.ops of the op producing each tensor. */
  readonly producer = new Map<number, number>();
  /** ONNX nodes already lowered as part of a pattern (lowerModel skips them). */
  readonly consumed = new Set<string>();
  /** Sqrt outputs lowered as RSQRT (they feed only Div divisors and Reciprocals): the value name holding 1/√x. */
  readonly reciprocalOf = new Map<string, string>();
  private readonly names = new Set<string>();
  private readonly materialized = new Map<string, number>();
  private readonly opConsumers = new Map<number, number>();

  constructor(
    readonly g: TflGraph,
    readonly onnx: Graph,
    readonly opset: number,
    /** Lower the square of a Sub as SQUARED_DIFFERENCE (LowerOptions.squaredDifference). */
    readonly squaredDifference = false,
  ) {
    for (const n of onnx.nodes) for (const i of n.inputs) if (i) this.uses.set(i, (this.uses.get(i) ?? 0) + 1);
    for (const o of onnx.outputs) this.uses.set(o.name, (this.uses.get(o.name) ?? 0) + 1);
    for (const [name, t] of onnx.initializers) this.values.set(name, { kind: 'const', value: t });
  }

  // ---- ONNX side

  /** Static logical shape of an ONNX value (shape inference has run; dynamic shapes were rejected). */
  shapeOf(name: string): number[] {
    const v = this.values.get(name);
    if (v?.kind === 'act') return v.logical;
    if (v?.kind === 'const') return v.value.shape;
    const info = this.onnx.valueInfo.get(name) ?? this.onnx.outputs.find((o) => o.name === name);
    if (!info || !info.shape || !info.shape.every((d) => typeof d === 'number')) {
      throw new EdgelockError('E_ONNX_DYNAMIC_SHAPE', `value '${name}' has no static shape`);
    }
    return info.shape as number[];
  }

  constOf(name: string): Tensor | undefined {
    const v = this.values.get(name);
    return v?.kind === 'const' ? v.value : undefined;
  }

  value(node: Node, name: string): LoweredValue {
    const v = this.values.get(name);
    if (!v)
      throw new EdgelockError('E_ONNX_GRAPH', `input '${name}' of node '${node.name}' is not defined`, {
        node: node.name,
        op: node.opType,
      });
    return v;
  }

  define(name: string, v: LoweredValue): void {
    this.values.set(name, v);
  }

  /** Records an op output as the value `name` with `layout` (physical shape is the tensor's). */
  defineAct(name: string, tensor: number, logical: number[], layout: Layout, owner = true): ActValue {
    const v: ActValue = { kind: 'act', tensor, logical: [...logical], layout, owner };
    this.values.set(name, v);
    return v;
  }

  /** An activation for `name`; a constant is materialised as a constant tensor (identity layout). */
  act(node: Node, name: string): ActValue {
    const v = this.value(node, name);
    if (v.kind === 'act') return v;
    const id = this.addConst(`${name}`, v.value.shape, floatData(v.value), 'const-operand');
    return {
      kind: 'act',
      tensor: id,
      logical: [...v.value.shape],
      layout: identityLayout(v.value.shape),
      owner: false,
    };
  }

  useCount(name: string): number {
    return this.uses.get(name) ?? 0;
  }

  isGraphOutput(name: string): boolean {
    return this.onnx.outputs.some((o) => o.name === name);
  }

  // ---- TFLite side

  uniqueName(base: string): string {
    let name = base || 'tensor';
    for (let i = 1; this.names.has(name); i++) name = `${base}_${i}`;
    this.names.add(name);
    return name;
  }

  addAct(baseName: string, shape: number[], source: string | undefined): number {
    return addTensor(this.g, { name: this.uniqueName(baseName), shape: [...shape], dtype: 'float32', source });
  }

  addConst(baseName: string, shape: number[], data: TflTensorData, role: TflTensor['role']): number {
    const dtype = data instanceof Int32Array ? 'int32' : data instanceof Float32Array ? 'float32' : undefined;
    if (!dtype) throw new EdgelockError('E_INTERNAL', `constant '${baseName}' has an unexpected element type`);
    if (data.length !== shapeSize(shape))
      throw new EdgelockError('E_INTERNAL', `constant '${baseName}': ${data.length} values for [${shape}]`);
    return addTensor(this.g, { name: this.uniqueName(baseName), shape: [...shape], dtype, data, role });
  }

  addInt32(baseName: string, values: number[], shape: number[] = [values.length]): number {
    return this.addConst(baseName, shape, Int32Array.from(values), 'shape');
  }

  emit(op: TflOpName, options: TflOptions, inputs: number[], outputs: number[], node: Node | string): TflOp {
    const o: TflOp = { op, inputs, outputs, options, onnxNode: typeof node === 'string' ? node : node.name };
    this.g.ops.push(o);
    for (const t of outputs) this.producer.set(t, this.g.ops.length - 1);
    for (const t of inputs) if (t >= 0) this.opConsumers.set(t, (this.opConsumers.get(t) ?? 0) + 1);
    return o;
  }

  tensor(id: number): TflTensor {
    return this.g.tensors[id];
  }

  /** Number of emitted ops reading a tensor so far. */
  tensorReaders(id: number): number {
    return this.opConsumers.get(id) ?? 0;
  }

  // ---- layout requests

  /** The value's layout as a permutation over its logical shape, or null. */
  permOf(v: ActValue): number[] | null {
    return permOver(v.layout, v.logical);
  }

  /**
   * A tensor holding the value's elements as transpose(logical, P) with shape logical[P]
   * (`physShape` overrides the shape: same element order, e.g. a 4-D view of a 3-D value).
   * Re-labelling is free (RESHAPE when the shape differs); a different element order costs a
   * TRANSPOSE. Results are cached per value, so several consumers share one conversion.
   */
  request(v: ActValue, P: readonly number[], node: Node, physShape?: number[]): number {
    const target: Layout = { dims: [...v.logical], perm: [...P] };
    const shape = physShape ?? permute(v.logical, P);
    const key = `${v.tensor}|${canonicalKey(v.layout)}|${canonicalKey(target)}|${shape.join(',')}`;
    const cached = this.materialized.get(key);
    if (cached !== undefined) return cached;
    let id: number;
    const source = this.tensor(v.tensor).source;
    if (sameOrder(v.layout, target)) {
      id = this.reshape(v.tensor, shape, node, source);
    } else {
      id = this.transposeTo(v, target, shape, node, source);
    }
    this.materialized.set(key, id);
    return id;
  }

  /** The value in plain ONNX element order with its logical shape. */
  requestLogical(v: ActValue, node: Node, physShape?: number[]): number {
    return this.request(
      v,
      v.logical.map((_, i) => i),
      node,
      physShape,
    );
  }

  /** RESHAPE `tensor` to `shape` (no op when the shape already matches). */
  reshape(tensor: number, shape: number[], node: Node | string, source: string | undefined): number {
    const t = this.tensor(tensor);
    if (sameShape(t.shape, shape)) return tensor;
    if (t.data) {
      return this.addConst(`${t.name}/reshaped`, shape, t.data, t.role);
    }
    const out = this.addAct(`${t.name}/reshape`, shape, source);
    const shapeTensor = this.addInt32(`${t.name}/reshape/shape`, shape);
    this.emit('RESHAPE', { kind: 'Reshape', newShape: [...shape] }, [tensor, shapeTensor], [out], node);
    return out;
  }

  private transpose(tensor: number, perm: number[], node: Node, source: string | undefined): number {
    const t = this.tensor(tensor);
    const out = this.addAct(`${t.name}/transpose`, permute(t.shape, perm), source);
    const permTensor = this.addInt32(`${t.name}/transpose/perm`, perm);
    this.emit('TRANSPOSE', { kind: 'Transpose' }, [tensor, permTensor], [out], node);
    return out;
  }

  private transposeTo(v: ActValue, target: Layout, shape: number[], node: Node, source: string | undefined): number {
    const from = canonical(v.layout);
    const to = canonical(target);
    const direct = permOver(v.layout, v.logical);
    let id: number;
    if (direct) {
      // one TRANSPOSE between two permutations of the logical shape
      id = this.reshape(v.tensor, permute(v.logical, direct), node, source);
      id = this.transpose(id, relativePerm(direct, target.perm), node, source);
    } else if (sameShape(from.dims, to.dims)) {
      id = this.reshape(v.tensor, permute(from.dims, from.perm), node, source);
      id = this.transpose(id, relativePerm(from.perm, to.perm), node, source);
    } else {
      // through plain logical order: undo the source layout, then apply the target one
      id = v.tensor;
      if (!isTrivial(from)) {
        id = this.reshape(id, permute(from.dims, from.perm), node, source);
        id = this.transpose(id, invertPerm(from.perm), node, source);
      }
      if (!isTrivial(to)) {
        id = this.reshape(id, to.dims, node, source);
        id = this.transpose(id, to.perm, node, source);
      }
    }
    return this.reshape(id, shape, node, source);
  }
}

function canonicalKey(l: Layout): string {
  const c = canonical(l);
  return `${c.dims.join('x')}/${c.perm.join('.')}`;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Float32 data of a constant (int constants are converted: they are operands of float ops). */
export function floatData(t: Tensor): Float32Array {
  const f = toFloat32(t);
  return f === t.data ? f.slice() : f;
}

/** A constant broadcast to `rank` (leading 1s) and transposed by P: data and physical shape. */
export function constantInLayout(
  t: Tensor,
  rank: number,
  P: readonly number[],
): { data: Float32Array; shape: number[] } {
  const padded = [...new Array<number>(rank - t.shape.length).fill(1), ...t.shape];
  return { data: transposeData(floatData(t), padded, P), shape: permute(padded, P) };
}

export function unsupported(node: Node, reason: string): EdgelockError {
  return new EdgelockError('E_TFLITE_UNSUPPORTED', `node '${node.name}' (${node.opType}): ${reason}`, {
    node: node.name,
    op: node.opType,
  });
}
