import { Graph, Model, Node, Tensor, ValueInfo } from '../ir/types';
import { makeTensor, toFloat32 } from '../ir/tensor';
import { columnBias } from './weight-math';
import {
  consumerMap,
  constOf,
  editable,
  isDefaultDomain,
  NameGenerator,
  nameGenerator,
  onlyFeeds,
  replaceNode,
} from './graph-edit';
import { Pass } from './types';
import { rankOf, valueTypes } from './value-types';

/**
 * The canonical fully-connected form the back end relies on:
 *
 *   Gemm(A[M,K], B[N,K], C[N])  with transA=0, transB=1, alpha=1, beta=1,
 *   B and C float32 initializers, Y[M,N] = A · Bᵀ + C.
 *
 * MatMul(A[M,K], W[K,N] constant) [→ Add(constant bias)] becomes that Gemm (a missing bias becomes
 * zeros), and a Gemm with constant B is rewritten into it (B transposed/scaled by alpha, C scaled by
 * beta and broadcast to [N], a transposed A gets an explicit Transpose). Gemms with a non-constant B
 * or a bias that differs per row stay as they are.
 */
export const CANONICAL_GEMM_ATTRS = {
  alpha: { kind: 'float', value: 1 },
  beta: { kind: 'float', value: 1 },
  transA: { kind: 'int', value: 0 },
  transB: { kind: 'int', value: 1 },
} as const;

function num(n: Node, key: string, dflt: number): number {
  const a = n.attrs[key];
  return a && (a.kind === 'int' || a.kind === 'float') ? a.value : dflt;
}

/** B as [N,K] with alpha multiplied in. */
function canonicalWeight(b: Tensor, transB: boolean, alpha: number): Tensor {
  const src = toFloat32(b);
  const [r, c] = b.shape;
  if (transB) return makeTensor('float32', [r, c], alpha === 1 ? src.slice() : src.map((v) => v * alpha));
  const out = new Float32Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = src[i * c + j] * alpha;
  return makeTensor('float32', [c, r], out);
}

function isCanonical(g: Graph, n: Node): boolean {
  const b = constOf(g, n.inputs[1]);
  const c = n.inputs[2] ? constOf(g, n.inputs[2]) : undefined;
  return (
    num(n, 'transA', 0) === 0 &&
    num(n, 'transB', 0) === 1 &&
    num(n, 'alpha', 1) === 1 &&
    num(n, 'beta', 1) === 1 &&
    b !== undefined &&
    c !== undefined &&
    c.shape.length === 1 &&
    c.shape[0] === b.shape[0]
  );
}

type Rewrite = { remove: Node[]; insert: Node[]; inits: [string, Tensor][] };

function gemmRewrite(g: Graph, n: Node, names: NameGenerator): Rewrite | undefined {
  const b = constOf(g, n.inputs[1]);
  if (!b || b.dtype !== 'float32' || b.shape.length !== 2 || isCanonical(g, n)) return undefined;
  const transB = num(n, 'transB', 0) !== 0;
  const w = canonicalWeight(b, transB, num(n, 'alpha', 1));
  const N = w.shape[0];
  const cName = n.inputs[2] ?? '';
  const c = cName ? constOf(g, cName) : undefined;
  const bias = cName ? (c ? columnBias(c, N) : undefined) : new Float32Array(N);
  if (!bias) return undefined;
  const beta = num(n, 'beta', 1);
  const insert: Node[] = [];
  const inits: [string, Tensor][] = [];
  let a = n.inputs[0];
  if (num(n, 'transA', 0) !== 0) {
    const aConst = constOf(g, a);
    const aT = names(`${a}_T`);
    if (aConst && aConst.dtype === 'float32') inits.push([aT, canonicalWeight(aConst, false, 1)]);
    else
      insert.push({
        name: names(`${n.name}_transpose_a`),
        opType: 'Transpose',
        domain: '',
        inputs: [a],
        outputs: [aT],
        attrs: { perm: { kind: 'ints', value: [1, 0] } },
      });
    a = aT;
  }
  const wName = names(`${n.inputs[1]}_nk`);
  const bName = names(`${cName || n.name + '_bias'}_n`);
  inits.push([wName, w], [bName, makeTensor('float32', [N], beta === 1 ? bias : bias.map((v) => v * beta))]);
  insert.push({ ...n, inputs: [a, wName, bName], attrs: { ...n.attrs, ...CANONICAL_GEMM_ATTRS } });
  return { remove: [n], insert, inits };
}

function matmulRewrite(g: Graph, mm: Node, names: NameGenerator, types: Map<string, ValueInfo>): Rewrite | undefined {
  const w = constOf(g, mm.inputs[1]);
  if (!w || w.dtype !== 'float32' || w.shape.length !== 2 || rankOf(types.get(mm.inputs[0])) !== 2) return undefined;
  const N = w.shape[1];
  const readers = consumerMap(g);
  const next = readers.get(mm.outputs[0]) ?? [];
  let bias: Float32Array | undefined;
  let add: Node | undefined;
  if (
    next.length === 1 &&
    isDefaultDomain(next[0]) &&
    next[0].opType === 'Add' &&
    onlyFeeds(g, readers, mm.outputs[0], next[0])
  ) {
    const other = next[0].inputs[0] === mm.outputs[0] ? next[0].inputs[1] : next[0].inputs[0];
    const c = constOf(g, other);
    bias = c ? columnBias(c, N) : undefined;
    if (bias) add = next[0];
  }
  const wName = names(`${mm.inputs[1]}_nk`);
  const bName = names(`${mm.name}_bias`);
  const gemm: Node = {
    name: mm.name,
    opType: 'Gemm',
    domain: '',
    inputs: [mm.inputs[0], wName, bName],
    outputs: [add ? add.outputs[0] : mm.outputs[0]],
    attrs: { ...CANONICAL_GEMM_ATTRS },
  };
  return {
    remove: add ? [mm, add] : [mm],
    insert: [gemm],
    inits: [
      [wName, canonicalWeight(w, false, 1)],
      [bName, makeTensor('float32', [N], bias ?? new Float32Array(N))],
    ],
  };
}

function run(model: Model): Model {
  let out: Model | undefined;
  let types: Map<string, ValueInfo> | undefined;
  const skipped = new Set<Node>();
  for (;;) {
    const g = (out ?? model).graph;
    let rw: Rewrite | undefined;
    for (const n of g.nodes) {
      if (skipped.has(n) || !isDefaultDomain(n)) continue;
      if (n.opType === 'Gemm') rw = gemmRewrite(g, n, nameGenerator(g));
      else if (n.opType === 'MatMul') rw = matmulRewrite(g, n, nameGenerator(g), (types = types ?? valueTypes(model)));
      if (rw) break;
      skipped.add(n);
    }
    if (!rw) return out ?? model;
    out = out ?? editable(model);
    const eg = out.graph;
    for (const [k, t] of rw.inits) eg.initializers.set(k, t);
    // The last removed node is the latest in the chain; the replacement takes its place.
    replaceNode(eg, rw.remove[rw.remove.length - 1], rw.insert);
    const gone = new Set(rw.remove.slice(0, -1));
    eg.nodes = eg.nodes.filter((n) => !gone.has(n));
  }
}

export const gemmNormalization: Pass = {
  name: 'gemm-normalization',
  description:
    'rewrites MatMul(+Add) with constant weights and every constant-weight Gemm into Gemm(A, B[N,K], C[N], transB=1)',
  run,
};
