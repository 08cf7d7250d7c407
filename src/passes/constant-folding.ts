import { EdgelockError } from '../errors';
import { Model, Node, Tensor } from '../ir/types';
import { shapeSize } from '../ir/tensor';
import { MemoryBudget, tensorBytes } from '../ir/memory-budget';
import { getOpDef } from '../ops/registry';
import { OpContext } from '../ops/types';
import { editable, graphOutputNames, isDefaultDomain, opsetVersion } from './graph-edit';
import { Pass } from './types';

/** Results larger than this are only materialised when they are no bigger than the constants they consume. */
export const MAX_FOLDED_ELEMENTS = 1 << 20;

/**
 * Evaluates every node whose inputs are all constants (initializers, or results folded earlier in
 * the same sweep) with its op's reference `evaluate`, and replaces it by initializers. Nodes that
 * write a graph output, ops without `evaluate` and results that would blow up the model are kept.
 */
function run(model: Model): Model {
  const g = model.graph;
  const opset = opsetVersion(model);
  const graphOutputs = graphOutputNames(g);
  const consts = new Map<string, Tensor>(g.initializers);
  const folded = new Set<Node>();
  const budget = new MemoryBudget();
  for (const node of g.nodes) {
    const def = isDefaultDomain(node) ? getOpDef(node.opType) : undefined;
    if (!def || !def.evaluate) continue;
    if (node.outputs.some((o) => graphOutputs.has(o))) continue;
    const present = node.inputs.filter((i) => i !== '');
    if (!present.every((i) => consts.has(i))) continue;
    const inputs = node.inputs.map((i) => (i === '' ? undefined : consts.get(i)));
    const ctx: OpContext = {
      node,
      opset,
      inputs: inputs.map((t) => (t ? { dtype: t.dtype, shape: [...t.shape] } : undefined)),
      consts: inputs,
    };
    const inElements = inputs.reduce((sum: number, t) => sum + (t ? shapeSize(t.shape) : 0), 0);
    // A Constant's value is already stored in the model, so moving it to an initializer never grows it.
    const tooBig = (elements: number) =>
      node.opType !== 'Constant' && elements > MAX_FOLDED_ELEMENTS && elements > inElements;
    // Shapes first (cheap), so a huge broadcast is never computed just to be thrown away.
    const types = def.infer(ctx);
    const predicted = types.reduce(
      (sum: number, t) =>
        sum + (t.shape && t.shape.every((d) => typeof d === 'number') ? shapeSize(t.shape as number[]) : 0),
      0,
    );
    if (tooBig(predicted)) continue;
    budget.charge(
      types.reduce((sum: number, t) => sum + (tensorBytes(t.dtype, t.shape) ?? 0), 0),
      node,
      'folding',
    );
    const outputs = def.evaluate(ctx, inputs);
    if (outputs.length < node.outputs.filter((o) => o !== '').length) {
      throw new EdgelockError('E_PASS_FAILED', `evaluating ${node.opType} gave ${outputs.length} results`, {
        node: node.name,
        op: node.opType,
      });
    }
    if (tooBig(outputs.reduce((sum: number, t) => sum + shapeSize(t.shape), 0))) continue;
    node.outputs.forEach((o, k) => o !== '' && consts.set(o, outputs[k]));
    folded.add(node);
  }
  if (folded.size === 0) return model;
  const out = editable(model);
  out.graph.nodes = g.nodes.filter((n) => !folded.has(n));
  for (const n of folded) {
    n.outputs.forEach((o) => {
      if (o === '') return;
      out.graph.initializers.set(o, consts.get(o) as Tensor);
      out.graph.valueInfo.delete(o);
    });
  }
  return out;
}

export const constantFolding: Pass = {
  name: 'constant-folding',
  description: 'replaces nodes whose inputs are all constants by their evaluated results',
  run,
};
