import { Graph, Model, Node, Tensor } from '../ir/types';
import { renameSubgraphRefs } from '../ir/graph-utils';
import { analyzeGraph } from '../ops/shape-inference';
import { isEdgelockError } from '../errors';
import { editable, isDefaultDomain, nameGenerator, NameGenerator } from './graph-edit';
import { Pass } from './types';

function branchOf(node: Node, key: string): Graph | undefined {
  const a = node.attrs[key];
  return a && a.kind === 'graph' ? a.value : undefined;
}

/**
 * The taken branch's nodes with every name it defines (node outputs, initializers) made unique in
 * the outer graph; names it does not define are outer-scope references and stay as they are. Each If
 * output becomes an Identity of the branch output (identity-elimination removes them).
 */
function inline(node: Node, branch: Graph, fresh: NameGenerator, inits: Map<string, Tensor>): Node[] {
  const rename = new Map<string, string>();
  for (const k of branch.initializers.keys()) rename.set(k, fresh(`${node.name}/${k}`));
  for (const n of branch.nodes) for (const o of n.outputs) if (o !== '') rename.set(o, fresh(`${node.name}/${o}`));
  const r = (x: string) => (x === '' ? '' : (rename.get(x) ?? x));
  for (const [k, t] of branch.initializers) inits.set(r(k), t);
  const nodes: Node[] = branch.nodes.map((n) =>
    renameSubgraphRefs(
      { ...n, name: fresh(`${node.name}/${n.name}`), inputs: n.inputs.map(r), outputs: n.outputs.map(r) },
      rename,
    ),
  );
  node.outputs.forEach((o, k) => {
    if (o === '') return;
    nodes.push({
      name: fresh(`${node.name}/out${k}`),
      opType: 'Identity',
      domain: '',
      inputs: [r(branch.outputs[k].name)],
      outputs: [o],
      attrs: {},
    });
  });
  return nodes;
}

/**
 * Folds an ONNX If whose condition is a constant (an initializer, or a value shape inference can
 * evaluate, e.g. Greater(Gather(Shape(x)), 32) once x's shape is pinned) into its taken branch.
 * An If whose condition depends on runtime data is left alone; prepare refuses it.
 */
function run(model: Model): Model {
  const g = model.graph;
  const ifs = g.nodes.filter((n) => isDefaultDomain(n) && n.opType === 'If' && n.inputs[0]);
  if (ifs.length === 0) return model;
  let consts: Map<string, Tensor> = g.initializers;
  if (ifs.some((n) => !g.initializers.has(n.inputs[0]))) {
    try {
      consts = analyzeGraph(model).consts;
    } catch (e) {
      // The graph does not type-check yet; the next passes or prepare report why.
      if (isEdgelockError(e)) return model;
      throw e;
    }
  }
  const taken = new Map<Node, Graph>();
  for (const n of ifs) {
    const c = consts.get(n.inputs[0]);
    if (!c || c.data.length !== 1) continue;
    const b = branchOf(n, Number(c.data[0]) !== 0 ? 'then_branch' : 'else_branch');
    if (b && b.outputs.length >= n.outputs.length) taken.set(n, b);
  }
  if (taken.size === 0) return model;
  const out = editable(model);
  const fresh = nameGenerator(g);
  out.graph.nodes = g.nodes.flatMap((n) => {
    const b = taken.get(n);
    return b ? inline(n, b, fresh, out.graph.initializers) : [n];
  });
  return out;
}

export const ifFolding: Pass = {
  name: 'if-folding',
  description: 'replaces an If whose condition is constant by the nodes of its taken branch',
  run,
};
