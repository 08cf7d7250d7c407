import { Graph, Model, Node, Tensor } from '../ir/types';
import { graphOutputNames, renameSubgraphRefs } from '../ir/graph-utils';

export {
  consumerMap,
  graphOutputNames,
  isDefaultDomain,
  nameGenerator,
  opsetVersion,
  producerMap,
} from '../ir/graph-utils';

/**
 * Copy-on-write helpers the passes share. A pass works on `editable(model)`: a new Model with new
 * graph arrays and maps whose elements (nodes, tensors, value infos) are still the input's objects,
 * treated as immutable. To change a node, put a new node object in its slot.
 */
export function editable(model: Model): Model {
  const g = model.graph;
  return {
    ...model,
    opsetImports: [...model.opsetImports],
    metadata: { ...model.metadata },
    graph: {
      ...g,
      nodes: [...g.nodes],
      inputs: [...g.inputs],
      outputs: [...g.outputs],
      initializers: new Map(g.initializers),
      valueInfo: new Map(g.valueInfo),
    },
  };
}

/** A value no one but `reader` reads, and that is not a graph output. */
export function onlyFeeds(g: Graph, consumers: Map<string, Node[]>, value: string, reader: Node): boolean {
  if (graphOutputNames(g).has(value)) return false;
  const c = consumers.get(value) ?? [];
  return c.length > 0 && c.every((n) => n === reader);
}

export function constOf(g: Graph, name: string): Tensor | undefined {
  return name === '' ? undefined : g.initializers.get(name);
}

export type NameGenerator = (base: string) => string;

/** Makes every node input reading `from` read `to` instead (new node objects where something changes). */
export function replaceUses(g: Graph, from: string, to: string): void {
  const m = new Map([[from, to]]);
  g.nodes = g.nodes.map((n) =>
    renameSubgraphRefs(n.inputs.includes(from) ? { ...n, inputs: n.inputs.map((i) => (i === from ? to : i)) } : n, m),
  );
}

/** Renames a value everywhere it appears: producer output, consumers, graph outputs, value info. */
export function renameValue(g: Graph, from: string, to: string): void {
  const m = new Map([[from, to]]);
  g.nodes = g.nodes.map((n) =>
    renameSubgraphRefs(
      n.inputs.includes(from) || n.outputs.includes(from)
        ? {
            ...n,
            inputs: n.inputs.map((i) => (i === from ? to : i)),
            outputs: n.outputs.map((o) => (o === from ? to : o)),
          }
        : n,
      m,
    ),
  );
  g.outputs = g.outputs.map((v) => (v.name === from ? { ...v, name: to } : v));
  const vi = g.valueInfo.get(from);
  if (vi) {
    g.valueInfo.delete(from);
    if (!g.valueInfo.has(to)) g.valueInfo.set(to, { ...vi, name: to });
  }
}

export function removeNodes(g: Graph, dead: Set<Node>): void {
  if (dead.size > 0) g.nodes = g.nodes.filter((n) => !dead.has(n));
}

export function replaceNode(g: Graph, old: Node, replacement: Node[]): void {
  const i = g.nodes.indexOf(old);
  if (i < 0) throw new Error(`replaceNode: node '${old.name}' is not in the graph`);
  g.nodes.splice(i, 1, ...replacement);
}
