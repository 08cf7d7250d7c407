import { Model, Node } from '../ir/types';
import { editable, producerMap } from './graph-edit';
import { nodeReads } from '../ir/graph-utils';
import { Pass } from './types';

/** Removes nodes whose outputs reach no graph output, then initializers and value infos nothing uses. */
function run(model: Model): Model {
  const g = model.graph;
  const producers = producerMap(g);
  const live = new Set<Node>();
  const seen = new Set<string>();
  const work = g.outputs.map((v) => v.name);
  while (work.length > 0) {
    const v = work.pop() as string;
    if (seen.has(v)) continue;
    seen.add(v);
    const p = producers.get(v);
    if (p && !live.has(p)) {
      live.add(p);
      for (const i of nodeReads(p)) if (i !== '') work.push(i);
    }
  }
  const nodes = g.nodes.filter((n) => live.has(n));
  const used = new Set<string>(g.outputs.map((v) => v.name));
  for (const n of nodes) for (const x of [...nodeReads(n), ...n.outputs]) used.add(x);
  const deadInits = [...g.initializers.keys()].filter((k) => !used.has(k));
  const staleInfo = [...g.valueInfo.keys()].filter((k) => !used.has(k));
  if (nodes.length === g.nodes.length && deadInits.length === 0 && staleInfo.length === 0) return model;
  const out = editable(model);
  out.graph.nodes = nodes;
  for (const k of deadInits) out.graph.initializers.delete(k);
  for (const k of staleInfo) out.graph.valueInfo.delete(k);
  return out;
}

export const deadNodeRemoval: Pass = {
  name: 'dead-node-removal',
  description: 'removes nodes that reach no graph output, unused initializers and stale value infos',
  run,
};
