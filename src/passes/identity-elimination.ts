import { Graph, Model, Node, ValueInfo } from '../ir/types';
import { toNumbers } from '../ir/tensor';
import { dtypeFromOnnx } from '../onnx/dtypes';
import {
  consumerMap,
  constOf,
  editable,
  graphOutputNames,
  isDefaultDomain,
  producerMap,
  renameValue,
  replaceUses,
} from './graph-edit';
import { Pass } from './types';
import { valueTypes } from './value-types';

/** Whether a node passes its first input through unchanged at inference time. */
function isPassThrough(
  g: Graph,
  n: Node,
  dtypeOf: (v: string) => string | undefined,
  graphOutputs: Set<string>,
  readers: Map<string, Node[]>,
): boolean {
  if (!isDefaultDomain(n) || n.inputs.length === 0 || n.inputs[0] === '') return false;
  switch (n.opType) {
    case 'Identity':
      return true;
    case 'Dropout': {
      const mask = n.outputs[1];
      if (mask !== undefined && mask !== '' && ((readers.get(mask) ?? []).length > 0 || graphOutputs.has(mask)))
        return false;
      const training = n.inputs[2];
      if (training === undefined || training === '') return true;
      const t = constOf(g, training);
      return t !== undefined && toNumbers(t).every((v) => v === 0);
    }
    case 'Cast': {
      const to = n.attrs.to;
      if (!to || to.kind !== 'int') return false;
      const from = dtypeOf(n.inputs[0]);
      return from !== undefined && from === dtypeFromOnnx(to.value);
    }
    default:
      return false;
  }
}

/**
 * Removes Identity, inference-mode Dropout (when its mask output is unused) and Cast to the
 * input's own dtype. Readers of the output read the input instead; when the output is a graph
 * output, the input's producer is renamed so graph outputs keep their names.
 */
function run(model: Model): Model {
  // Types come from shape inference, run only if a Cast needs its input dtype.
  let types: Map<string, ValueInfo> | undefined;
  const dtypeOf = (v: string) => (types = types ?? valueTypes(model)).get(v)?.dtype;
  let out: Model | undefined;
  for (;;) {
    const g = (out ?? model).graph;
    const readers = consumerMap(g);
    const graphOutputs = graphOutputNames(g);
    const producers = producerMap(g);
    const graphInputs = new Set(g.inputs.map((v) => v.name));
    const victim = g.nodes.find((n) => {
      if (!isPassThrough(g, n, dtypeOf, graphOutputs, readers)) return false;
      const [x, y] = [n.inputs[0], n.outputs[0]];
      if (!graphOutputs.has(y)) return true;
      // y must stay a graph output: x's producer can take the name y, unless x is itself an interface value.
      return producers.has(x) && !graphOutputs.has(x) && !graphInputs.has(x) && !g.initializers.has(x);
    });
    if (!victim) return out ?? model;
    out = out ?? editable(model);
    const eg = out.graph;
    eg.nodes = eg.nodes.filter((n) => n !== victim);
    const [x, y] = [victim.inputs[0], victim.outputs[0]];
    for (const o of victim.outputs) eg.valueInfo.delete(o);
    if (graphOutputs.has(y)) {
      eg.valueInfo.delete(x);
      renameValue(eg, x, y);
    } else {
      replaceUses(eg, y, x);
    }
  }
}

export const identityElimination: Pass = {
  name: 'identity-elimination',
  description: 'removes Identity, inference Dropout and same-dtype Cast, keeping graph output names',
  run,
};
