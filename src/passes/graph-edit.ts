import { Graph, Model, Node, Tensor } from '../ir/types';
import { defaultOpset } from '../onnx/opsets';

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

export function opsetOf(model: Model): number {
  return defaultOpset(model.opsetImports) ?? 13;
}

export function isDefaultDomain(n: Node): boolean {
  return n.domain === '' || n.domain === 'ai.onnx';
}

/** value name → the nodes reading it (a node appears once per input slot that reads the value). */
export function consumerMap(g: Graph): Map<string, Node[]> {
  const m = new Map<string, Node[]>();
  for (const n of g.nodes) {
    for (const i of n.inputs) {
      if (i === '') continue;
      const list = m.get(i);
      if (list) list.push(n);
      else m.set(i, [n]);
    }
  }
  return m;
}

/** value name → the node producing it. */
export function producerMap(g: Graph): Map<string, Node> {
  const m = new Map<string, Node>();
  for (const n of g.nodes) for (const o of n.outputs) if (o !== '') m.set(o, n);
  return m;
}

export function graphOutputSet(g: Graph): Set<string> {
  return new Set(g.outputs.map((v) => v.name));
}

/** A value no one but `reader` reads, and that is not a graph output. */
export function onlyFeeds(g: Graph, consumers: Map<string, Node[]>, value: string, reader: Node): boolean {
  if (graphOutputSet(g).has(value)) return false;
  const c = consumers.get(value) ?? [];
  return c.length > 0 && c.every((n) => n === reader);
}

export function constOf(g: Graph, name: string): Tensor | undefined {
  return name === '' ? undefined : g.initializers.get(name);
}

/** Every value and node name in the graph, for minting fresh ones. */
export class NameAllocator {
  private readonly used = new Set<string>();

  constructor(g: Graph) {
    for (const v of g.inputs) this.used.add(v.name);
    for (const v of g.outputs) this.used.add(v.name);
    for (const k of g.initializers.keys()) this.used.add(k);
    for (const k of g.valueInfo.keys()) this.used.add(k);
    for (const n of g.nodes) {
      this.used.add(n.name);
      for (const o of n.outputs) this.used.add(o);
      for (const i of n.inputs) this.used.add(i);
    }
  }

  fresh(base: string): string {
    let name = base;
    for (let k = 1; this.used.has(name); k++) name = `${base}_${k}`;
    this.used.add(name);
    return name;
  }
}

/** Makes every node input reading `from` read `to` instead (new node objects where something changes). */
export function replaceUses(g: Graph, from: string, to: string): void {
  g.nodes = g.nodes.map((n) => (n.inputs.includes(from) ? { ...n, inputs: n.inputs.map((i) => (i === from ? to : i)) } : n));
}

/** Renames a value everywhere it appears: producer output, consumers, graph outputs, value info. */
export function renameValue(g: Graph, from: string, to: string): void {
  g.nodes = g.nodes.map((n) =>
    n.inputs.includes(from) || n.outputs.includes(from)
      ? { ...n, inputs: n.inputs.map((i) => (i === from ? to : i)), outputs: n.outputs.map((o) => (o === from ? to : o)) }
      : n,
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
