/**
 * Shape and type inference over the whole graph, driven by the op table (src/ops/registry.ts).
 * Along the way it evaluates small constant sub-graphs (Shape→Gather→Unsqueeze→Concat chains and
 * the like) so that shapes computed by exporters at run time become static when the inputs are.
 */
import { EdgelockError, isEdgelockError } from '../errors';
import { Dim, Graph, Model, Node, Tensor, ValueInfo } from '../ir/types';
import { shapeSize } from '../ir/tensor';
import { isDefaultDomain, opsetVersion, topologicalSort } from '../ir/graph-utils';
import { getOpDef } from './registry';
import { OpContext, OpDef, ValueType } from './types';
import { propagateShapeValue, ShapeValue, shapeValueOfConst } from './shape-values';
import { fromNumbers } from './support/tensor-ops';
import { MemoryBudget, tensorBytes } from '../ir/memory-budget';

/** Constant sub-graphs are evaluated during inference while their inputs hold at most this many elements. */
export const INFER_FOLD_LIMIT = 1 << 16;

export interface GraphAnalysis {
  /** Nodes in topological order. */
  nodes: Node[];
  /** dtype/shape of every value (graph inputs, initializers, node outputs). */
  types: Map<string, ValueType>;
  /** Values known at compile time: initializers plus everything inference could evaluate. */
  consts: Map<string, Tensor>;
  /** Shape values with symbolic entries (e.g. Shape of ['batch', 3] → ['batch', 3]). */
  shapeValues: Map<string, ShapeValue>;
  opset: number;
}

function where(node: Node): { node: string; op: string } {
  return { node: node.name, op: node.opType };
}

function opDefFor(node: Node): OpDef {
  if (!isDefaultDomain(node)) {
    throw new EdgelockError(
      'E_ONNX_UNSUPPORTED_OP',
      `node '${node.name}' uses op '${node.opType}' of domain '${node.domain}': no definition in edgelock's op ` +
        `table (only the default ONNX domain is supported)`,
      where(node),
    );
  }
  const def = getOpDef(node.opType);
  if (!def) {
    throw new EdgelockError(
      'E_ONNX_UNSUPPORTED_OP',
      `node '${node.name}' uses op '${node.opType}': no definition in edgelock's op table`,
      where(node),
    );
  }
  return def;
}

/** Runs an op hook, turning anything but an EdgelockError into E_ONNX_SHAPE naming the node. */
function guarded<T>(node: Node, what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (isEdgelockError(e)) throw e;
    throw new EdgelockError('E_ONNX_SHAPE', `${what} of ${node.opType} failed: ${(e as Error).message}`, where(node));
  }
}

/** Refines an inferred shape with a declared one (value_info or graph output) where inference is unsure. */
function mergeDeclared(inferred: ValueType, declared: ValueInfo | undefined): ValueType {
  if (!declared || !declared.shape || declared.dtype !== inferred.dtype) return inferred;
  if (!inferred.shape) return { dtype: inferred.dtype, shape: [...declared.shape] };
  if (inferred.shape.length !== declared.shape.length) return inferred;
  const shape: Dim[] = inferred.shape.map((d, i) => (d === null ? declared.shape![i] : d));
  return { dtype: inferred.dtype, shape };
}

function smallEnough(inputs: (Tensor | undefined)[]): boolean {
  let n = 0;
  for (const t of inputs) if (t) n += shapeSize(t.shape);
  return n <= INFER_FOLD_LIMIT;
}

/**
 * Walks the graph in topological order, checking each node against its op definition and
 * inferring every value's type and shape. Throws EdgelockError naming the offending node.
 */
export function analyzeGraph(model: Model, budget: MemoryBudget = new MemoryBudget()): GraphAnalysis {
  const graph = model.graph;
  const opset = opsetVersion(model);
  const nodes = topologicalSort(graph);
  const types = new Map<string, ValueType>();
  const consts = new Map<string, Tensor>();
  for (const v of graph.inputs) types.set(v.name, { dtype: v.dtype, shape: v.shape ? [...v.shape] : null });
  for (const [name, t] of graph.initializers) {
    types.set(name, { dtype: t.dtype, shape: [...t.shape] });
    consts.set(name, t);
  }
  const shapeValues = new Map<string, ShapeValue>();
  const shapeValueOf = (name: string): ShapeValue | undefined =>
    name === '' ? undefined : consts.has(name) ? shapeValueOfConst(consts.get(name)) : shapeValues.get(name);
  const declared = new Map<string, ValueInfo>(graph.valueInfo);
  for (const v of graph.outputs) declared.set(v.name, v);

  for (const node of nodes) {
    const def = opDefFor(node);
    for (const i of node.inputs) {
      if (i !== '' && !types.has(i)) {
        throw new EdgelockError(
          'E_ONNX_INVALID_NODE',
          `input '${i}' of node '${node.name}' is not defined (not a graph input, an initializer or an earlier node's output)`,
          where(node),
        );
      }
    }
    const ctx: OpContext = {
      node,
      opset,
      inputs: node.inputs.map((i) => (i === '' ? undefined : types.get(i))),
      consts: node.inputs.map((i) => (i === '' ? undefined : consts.get(i))),
      symbolic: node.inputs.map(shapeValueOf),
    };
    const outs = guarded(node, 'shape inference', () => def.infer(ctx));
    const produced = node.outputs.filter((o) => o !== '').length;
    if (outs.length < node.outputs.length && produced > 0) {
      throw new EdgelockError(
        'E_ONNX_INVALID_NODE',
        `${node.opType} produces ${outs.length} outputs, node lists ${node.outputs.length}`,
        where(node),
      );
    }

    let values: Tensor[] | undefined;
    const present = node.inputs.filter((i) => i !== '');
    if (def.evaluate && present.every((i) => consts.has(i)) && smallEnough(ctx.consts)) {
      const predicted = outs.map((t) => tensorBytes(t.dtype, t.shape));
      budget.charge(
        predicted.reduce((a: number, b) => a + (b ?? 0), 0),
        node,
      );
      values = guarded(node, 'evaluation', () => def.evaluate!(ctx, ctx.consts));
      values.forEach((v, k) => predicted[k] === undefined && budget.charge(v.data.byteLength, node));
    } else if (def.foldFromTypes) {
      values = guarded(node, 'evaluation', () => def.foldFromTypes!(ctx));
    }
    if (!values && node.outputs[0]) {
      const sv = propagateShapeValue(node, ctx, ctx.symbolic!);
      const t = outs[0];
      if (sv && (t.dtype === 'int64' || t.dtype === 'int32') && t.shape && t.shape.length <= 1) {
        if (
          sv.every((d): d is number => typeof d === 'number') &&
          (t.shape.length === 0 ? sv.length === 1 : t.shape[0] === sv.length)
        ) {
          values = [fromNumbers(t.dtype, t.shape as number[], sv)];
        } else {
          shapeValues.set(node.outputs[0], sv);
        }
      }
    }

    node.outputs.forEach((o, k) => {
      if (o === '') return;
      if (types.has(o))
        throw new EdgelockError(
          'E_ONNX_GRAPH',
          `value '${o}' is defined twice (again by node '${node.name}')`,
          where(node),
        );
      const v = values?.[k];
      if (v) {
        consts.set(o, v);
        types.set(o, { dtype: v.dtype, shape: [...v.shape] });
      } else {
        types.set(o, mergeDeclared(outs[k], declared.get(o)));
      }
    });
  }
  for (const v of graph.outputs) {
    if (!types.has(v.name))
      throw new EdgelockError('E_ONNX_GRAPH', `graph output '${v.name}' is not produced by any node`);
  }
  return { nodes, types, consts, shapeValues, opset };
}

function info(name: string, t: ValueType): ValueInfo {
  return { name, dtype: t.dtype, shape: t.shape ? [...t.shape] : null };
}

/**
 * Returns the model with its nodes topologically sorted and graph.valueInfo holding the type and
 * shape of every value (graph inputs, initializers and node outputs); graph outputs carry the
 * inferred shapes (declared symbolic names are kept where inference has no better answer).
 * The input model is not modified; initializer tensors are shared.
 */
export function inferShapes(model: Model): Model {
  const a = analyzeGraph(model);
  const valueInfo = new Map<string, ValueInfo>();
  for (const [name, t] of a.types) valueInfo.set(name, info(name, t));
  const outputs = model.graph.outputs.map((v) => info(v.name, mergeDeclared(a.types.get(v.name)!, v)));
  const graph: Graph = { ...model.graph, nodes: a.nodes, outputs, valueInfo };
  return { ...model, graph };
}
