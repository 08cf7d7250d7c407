/**
 * Generic graph helpers shared by shape inference, the passes and the back ends:
 * topological order, producer/consumer maps, value lookup and fresh-name generation.
 */
import { EdgelockError } from '../errors';
import { Graph, Model, Node, ValueInfo } from './types';
import { defaultOpset } from './opsets';

/** Default-domain opset version of a model; E_ONNX_OPSET when it imports none. */
export function opsetVersion(model: Model): number {
  const v = defaultOpset(model.opsetImports);
  if (v === undefined) throw new EdgelockError('E_ONNX_OPSET', 'the model imports no default (ai.onnx) opset');
  return v;
}

/** True for nodes of the default ONNX domain ('' or 'ai.onnx'). */
export function isDefaultDomain(node: Node): boolean {
  return node.domain === '' || node.domain === 'ai.onnx';
}

/**
 * Outer-scope values a node's subgraphs (an If's branches) read: names their nodes consume that the
 * subgraph itself does not define. They are the node's implicit inputs.
 */
export function subgraphRefs(node: Node): string[] {
  const refs = new Set<string>();
  for (const a of Object.values(node.attrs)) if (a.kind === 'graph') collectOuterRefs(a.value, refs);
  return [...refs];
}

function collectOuterRefs(g: Graph, refs: Set<string>): void {
  const local = new Set<string>([...g.inputs.map((v) => v.name), ...g.initializers.keys()]);
  for (const n of g.nodes) for (const o of n.outputs) local.add(o);
  const reads = new Set<string>(g.outputs.map((v) => v.name));
  for (const n of g.nodes) {
    for (const i of n.inputs) reads.add(i);
    for (const r of subgraphRefs(n)) reads.add(r);
  }
  for (const r of reads) if (r !== '' && !local.has(r)) refs.add(r);
}

/**
 * The node with its subgraphs' outer-scope references renamed by `map` (names a subgraph defines
 * itself shadow the outer ones and are left alone). Returns the node itself when nothing changes.
 */
export function renameSubgraphRefs(node: Node, map: ReadonlyMap<string, string>): Node {
  if (!subgraphRefs(node).some((r) => map.has(r))) return node;
  const attrs: Node['attrs'] = {};
  for (const [k, a] of Object.entries(node.attrs)) {
    attrs[k] = a.kind === 'graph' ? { kind: 'graph', value: renameOuterRefs(a.value, map) } : a;
  }
  return { ...node, attrs };
}

function renameOuterRefs(g: Graph, map: ReadonlyMap<string, string>): Graph {
  const local = new Set<string>([...g.inputs.map((v) => v.name), ...g.initializers.keys()]);
  for (const n of g.nodes) for (const o of n.outputs) local.add(o);
  const inner = new Map([...map].filter(([k]) => !local.has(k)));
  if (inner.size === 0) return g;
  const r = (x: string) => inner.get(x) ?? x;
  return {
    ...g,
    nodes: g.nodes.map((n) => renameSubgraphRefs({ ...n, inputs: n.inputs.map(r) }, inner)),
    outputs: g.outputs.map((v) => ({ ...v, name: r(v.name) })),
  };
}

/** Everything a node reads: its inputs, then its subgraphs' outer-scope references. */
export function nodeReads(node: Node): string[] {
  const hasGraph = Object.values(node.attrs).some((a) => a.kind === 'graph');
  return hasGraph ? [...node.inputs, ...subgraphRefs(node)] : node.inputs;
}

/** Value name → the node producing it. Two producers of one value is E_ONNX_GRAPH. */
export function producerMap(graph: Graph): Map<string, Node> {
  const m = new Map<string, Node>();
  for (const n of graph.nodes) {
    for (const o of n.outputs) {
      if (o === '') continue;
      const prev = m.get(o);
      if (prev)
        throw new EdgelockError('E_ONNX_GRAPH', `value '${o}' is produced by both '${prev.name}' and '${n.name}'`, {
          node: n.name,
          op: n.opType,
        });
      m.set(o, n);
    }
  }
  return m;
}

/** Value name → the nodes reading it, in graph order (a node reading a value twice is listed once). */
export function consumerMap(graph: Graph): Map<string, Node[]> {
  const m = new Map<string, Node[]>();
  for (const n of graph.nodes) {
    for (const i of new Set(nodeReads(n))) {
      if (i === '') continue;
      const list = m.get(i);
      if (list) list.push(n);
      else m.set(i, [n]);
    }
  }
  return m;
}

/**
 * Nodes in a topological order, keeping the given order wherever it is already valid (Kahn's
 * algorithm, always taking the earliest ready node). Inputs no node produces are treated as given.
 * A cycle is E_ONNX_GRAPH naming a node on it.
 */
export function topologicalSort(graph: Graph): Node[] {
  const producers = producerMap(graph);
  const index = new Map<Node, number>(graph.nodes.map((n, i) => [n, i]));
  const pending = new Map<Node, number>();
  const dependents = new Map<Node, Node[]>();
  for (const n of graph.nodes) {
    const deps = new Set<Node>();
    for (const i of nodeReads(n)) {
      const p = i === '' ? undefined : producers.get(i);
      if (p && p !== n) deps.add(p);
      if (p === n)
        throw new EdgelockError('E_ONNX_GRAPH', `node '${n.name}' consumes its own output '${i}' (cycle)`, {
          node: n.name,
          op: n.opType,
        });
    }
    pending.set(n, deps.size);
    for (const d of deps) {
      const list = dependents.get(d);
      if (list) list.push(n);
      else dependents.set(d, [n]);
    }
  }
  // A binary heap on original index keeps the order stable.
  const heap: Node[] = [];
  const less = (a: Node, b: Node): boolean => index.get(a)! < index.get(b)!;
  const push = (n: Node): void => {
    heap.push(n);
    let i = heap.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(heap[i], heap[p])) break;
      [heap[i], heap[p]] = [heap[p], heap[i]];
      i = p;
    }
  };
  const pop = (): Node => {
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && less(heap[l], heap[m])) m = l;
        if (r < heap.length && less(heap[r], heap[m])) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m], heap[i]];
        i = m;
      }
    }
    return top;
  };
  for (const n of graph.nodes) if (pending.get(n) === 0) push(n);
  const out: Node[] = [];
  while (heap.length > 0) {
    const n = pop();
    out.push(n);
    for (const d of dependents.get(n) ?? []) {
      const left = pending.get(d)! - 1;
      pending.set(d, left);
      if (left === 0) push(d);
    }
  }
  if (out.length !== graph.nodes.length) {
    const stuck = graph.nodes.find((n) => pending.get(n)! > 0)!;
    throw new EdgelockError('E_ONNX_GRAPH', `the graph has a cycle through node '${stuck.name}'`, {
      node: stuck.name,
      op: stuck.opType,
    });
  }
  return out;
}

/** Every value name in the graph: inputs, outputs, initializers, node inputs/outputs, value infos. */
export function allValueNames(graph: Graph): Set<string> {
  const s = new Set<string>();
  for (const v of graph.inputs) s.add(v.name);
  for (const v of graph.outputs) s.add(v.name);
  for (const k of graph.initializers.keys()) s.add(k);
  for (const k of graph.valueInfo.keys()) s.add(k);
  for (const n of graph.nodes) {
    for (const i of n.inputs) if (i !== '') s.add(i);
    for (const o of n.outputs) if (o !== '') s.add(o);
  }
  return s;
}

/**
 * A generator of names unused by any value or node of the graph (nor by earlier results of the same
 * generator): `base` itself if free, else `base_1`, `base_2`, …
 */
export function nameGenerator(graph: Graph): (base: string) => string {
  const taken = allValueNames(graph);
  for (const n of graph.nodes) taken.add(n.name);
  return (base: string) => {
    let name = base;
    for (let i = 1; taken.has(name); i++) name = `${base}_${i}`;
    taken.add(name);
    return name;
  };
}

/** One fresh name (see nameGenerator; use a generator when creating several). */
export function uniqueName(graph: Graph, base: string): string {
  return nameGenerator(graph)(base);
}

/** Type and shape of a value as far as the graph records it (initializer, graph input/output, value info). */
export function lookupValue(graph: Graph, name: string): ValueInfo | undefined {
  const t = graph.initializers.get(name);
  if (t) return { name, dtype: t.dtype, shape: [...t.shape] };
  return (
    graph.valueInfo.get(name) ?? graph.inputs.find((v) => v.name === name) ?? graph.outputs.find((v) => v.name === name)
  );
}

export function isInitializer(graph: Graph, name: string): boolean {
  return graph.initializers.has(name);
}

export function graphOutputNames(graph: Graph): Set<string> {
  return new Set(graph.outputs.map((v) => v.name));
}
