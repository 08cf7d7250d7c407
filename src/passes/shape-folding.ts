import { Dim, Model, Node, Tensor } from '../ir/types';
import { makeTensor, toNumbers } from '../ir/tensor';
import { constOf, editable, graphOutputNames, isDefaultDomain, producerMap } from './graph-edit';
import { Pass } from './types';
import { valueTypes } from './value-types';

function intAttr(n: Node, key: string): number | undefined {
  const a = n.attrs[key];
  return a && a.kind === 'int' ? a.value : undefined;
}

/** The dims a Shape node reports (its start/end attributes from opset 15 applied), if the input rank is known. */
function shapeDims(n: Node, inputShape: Dim[] | null): Dim[] | undefined {
  if (!inputShape) return undefined;
  const r = inputShape.length;
  const clamp = (v: number) => Math.min(r, Math.max(0, v < 0 ? v + r : v));
  return inputShape.slice(clamp(intAttr(n, 'start') ?? 0), clamp(intAttr(n, 'end') ?? r));
}

function allNumbers(dims: Dim[]): dims is number[] {
  return dims.every((d) => typeof d === 'number');
}

/**
 * Replaces shape queries whose answer is static by int64 constants: Shape and Size of a value whose
 * dimensions are all known, and Gather(Shape(x), constant indices) when just the gathered
 * dimensions are known (e.g. the channel count of a tensor with a symbolic batch). Constant
 * folding then collapses the Unsqueeze/Concat/Slice chains that compute Reshape shapes.
 */
function run(model: Model): Model {
  const g = model.graph;
  const candidates = g.nodes.filter(
    (n) => isDefaultDomain(n) && (n.opType === 'Shape' || n.opType === 'Size' || n.opType === 'Gather'),
  );
  if (candidates.length === 0) return model;
  const types = valueTypes(model);
  const graphOutputs = graphOutputNames(g);
  const producers = producerMap(g);
  const answers = new Map<Node, Tensor>();
  for (const n of candidates) {
    if (graphOutputs.has(n.outputs[0])) continue;
    const x = types.get(n.inputs[0]);
    if (n.opType === 'Shape') {
      const dims = shapeDims(n, x?.shape ?? null);
      if (dims && allNumbers(dims)) answers.set(n, makeTensor('int64', [dims.length], dims));
    } else if (n.opType === 'Size') {
      const dims = x?.shape;
      if (dims && allNumbers(dims)) answers.set(n, makeTensor('int64', [], [dims.reduce((a, b) => a * b, 1)]));
    } else {
      const shapeNode = producers.get(n.inputs[0]);
      const idx = constOf(g, n.inputs[1]);
      if (!shapeNode || shapeNode.opType !== 'Shape' || !isDefaultDomain(shapeNode) || !idx) continue;
      if ((intAttr(n, 'axis') ?? 0) !== 0) continue;
      const dims = shapeDims(shapeNode, types.get(shapeNode.inputs[0])?.shape ?? null);
      if (!dims) continue;
      const picked = toNumbers(idx).map((i) => dims[i < 0 ? i + dims.length : i]);
      if (picked.some((d) => d === undefined) || !allNumbers(picked)) continue;
      answers.set(n, makeTensor('int64', [...idx.shape], picked));
    }
  }
  if (answers.size === 0) return model;
  const out = editable(model);
  out.graph.nodes = g.nodes.filter((n) => !answers.has(n));
  for (const [n, t] of answers) {
    out.graph.initializers.set(n.outputs[0], t);
    out.graph.valueInfo.delete(n.outputs[0]);
  }
  return out;
}

export const shapeFolding: Pass = {
  name: 'shape-folding',
  description: 'replaces Shape/Size (and Gather of static dimensions of a Shape) by int64 constants',
  run,
};
