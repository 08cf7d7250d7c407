import { Graph, Model, Node, Tensor, ValueInfo } from '../ir/types';
import { makeTensor, shapeSize, toFloat32 } from '../ir/tensor';
import { columnBias, scaleAlong } from './weight-math';
import { BatchNormAffine, batchNormAffine } from './batchnorm-params';
import {
  consumerMap,
  constOf,
  editable,
  isDefaultDomain,
  NameGenerator,
  nameGenerator,
  onlyFeeds,
  producerMap,
  replaceNode,
} from './graph-edit';
import { Pass } from './types';
import { rankOf, valueTypes } from './value-types';

interface Fold {
  /** Nodes to delete (the BatchNormalization and rewritten producers). */
  remove: Node[];
  /** Nodes replacing the producer chain, in order. */
  insert: Node[];
  inits: [string, Tensor][];
}

type Folder = (
  g: Graph,
  p: Node,
  bn: Node,
  bnAffine: BatchNormAffine,
  names: NameGenerator,
  types: Map<string, ValueInfo>,
) => Fold | undefined;

const convFolder: Folder = (g, conv, bn, a, names) => {
  const w = constOf(g, conv.inputs[1]);
  if (!w || w.dtype !== 'float32' || w.shape[0] !== a.channels) return undefined;
  const b = conv.inputs[2] ? constOf(g, conv.inputs[2]) : undefined;
  if (conv.inputs[2] && (!b || b.dtype !== 'float32' || shapeSize(b.shape) !== a.channels)) return undefined;
  const oldBias = b ? toFloat32(b) : new Float32Array(a.channels);
  const bias = new Float32Array(a.channels);
  for (let c = 0; c < a.channels; c++) bias[c] = oldBias[c] * a.scale[c] + a.shift[c];
  const wName = names(`${conv.inputs[1]}_bn`);
  const bName = names(`${conv.inputs[2] || conv.name + '_bias'}_bn`);
  const folded: Node = { ...conv, inputs: [conv.inputs[0], wName, bName], outputs: [bn.outputs[0]] };
  return {
    remove: [conv, bn],
    insert: [folded],
    inits: [
      [wName, scaleAlong(w, 0, a.scale)],
      [bName, makeTensor('float32', [a.channels], bias)],
    ],
  };
};

function intAttr(n: Node, key: string, dflt: number): number {
  const a = n.attrs[key];
  return a && a.kind === 'int' ? a.value : dflt;
}

function floatAttr(n: Node, key: string, dflt: number): number {
  const a = n.attrs[key];
  return a && a.kind === 'float' ? a.value : dflt;
}

const gemmFolder: Folder = (g, gemm, bn, a, names) => {
  const w = constOf(g, gemm.inputs[1]);
  if (!w || w.dtype !== 'float32' || w.shape.length !== 2) return undefined;
  const transB = intAttr(gemm, 'transB', 0) !== 0;
  const nAxis = transB ? 0 : 1;
  if (w.shape[nAxis] !== a.channels) return undefined;
  const cName = gemm.inputs[2] ?? '';
  const c = cName ? constOf(g, cName) : undefined;
  const oldBias = cName ? (c ? columnBias(c, a.channels) : undefined) : new Float32Array(a.channels);
  if (!oldBias) return undefined;
  const beta = floatAttr(gemm, 'beta', 1);
  const bias = new Float32Array(a.channels);
  for (let j = 0; j < a.channels; j++) bias[j] = beta * oldBias[j] * a.scale[j] + a.shift[j];
  const wName = names(`${gemm.inputs[1]}_bn`);
  const bName = names(`${cName || gemm.name + '_bias'}_bn`);
  const folded: Node = {
    ...gemm,
    inputs: [gemm.inputs[0], wName, bName],
    outputs: [bn.outputs[0]],
    attrs: { ...gemm.attrs, beta: { kind: 'float', value: 1 } },
  };
  return {
    remove: [gemm, bn],
    insert: [folded],
    inits: [
      [wName, scaleAlong(w, nAxis, a.scale)],
      [bName, makeTensor('float32', [a.channels], bias)],
    ],
  };
};

/** MatMul(A[M,K], W[K,N]) → BN, or MatMul → Add(bias) → BN: W scaled per column, bias re-derived. */
function matmulFold(
  g: Graph,
  mm: Node,
  add: Node | undefined,
  bn: Node,
  a: BatchNormAffine,
  names: NameGenerator,
  types: Map<string, ValueInfo>,
): Fold | undefined {
  const w = constOf(g, mm.inputs[1]);
  if (!w || w.dtype !== 'float32' || w.shape.length !== 2 || w.shape[1] !== a.channels) return undefined;
  if (rankOf(types.get(mm.inputs[0])) !== 2) return undefined;
  let oldBias: Float32Array = new Float32Array(a.channels);
  if (add) {
    const other = add.inputs[0] === mm.outputs[0] ? add.inputs[1] : add.inputs[0];
    const c = constOf(g, other);
    const bias = c ? columnBias(c, a.channels) : undefined;
    if (!bias) return undefined;
    oldBias = bias;
  }
  const bias = new Float32Array(a.channels);
  for (let j = 0; j < a.channels; j++) bias[j] = oldBias[j] * a.scale[j] + a.shift[j];
  const wName = names(`${mm.inputs[1]}_bn`);
  const bName = names(`${mm.name}_bias_bn`);
  const mmOut = names(`${mm.outputs[0]}_bn`);
  const newMm: Node = { ...mm, inputs: [mm.inputs[0], wName], outputs: [mmOut] };
  const newAdd: Node = {
    name: add ? add.name : names(`${bn.name}_bias`),
    opType: 'Add',
    domain: '',
    inputs: [mmOut, bName],
    outputs: [bn.outputs[0]],
    attrs: {},
  };
  return {
    remove: add ? [mm, add, bn] : [mm, bn],
    insert: [newMm, newAdd],
    inits: [
      [wName, scaleAlong(w, 1, a.scale)],
      [bName, makeTensor('float32', [a.channels], bias)],
    ],
  };
}

const FOLDERS: Record<string, Folder> = {
  Conv: convFolder,
  Gemm: gemmFolder,
  MatMul: (g, mm, bn, a, names, types) => matmulFold(g, mm, undefined, bn, a, names, types),
  Add: (g, add, bn, a, names, types) => {
    const producers = producerMap(g);
    const readers = consumerMap(g);
    for (const x of add.inputs) {
      const mm = producers.get(x);
      if (mm && isDefaultDomain(mm) && mm.opType === 'MatMul' && onlyFeeds(g, readers, x, add))
        return matmulFold(g, mm, add, bn, a, names, types);
    }
    return undefined;
  },
};

/** The producer of a BatchNormalization's input, when BN folding may absorb it (it feeds only the BN). */
export function foldableProducer(g: Graph, bn: Node): Node | undefined {
  const p = producerMap(g).get(bn.inputs[0]);
  if (!p || !isDefaultDomain(p) || !(p.opType in FOLDERS)) return undefined;
  return onlyFeeds(g, consumerMap(g), bn.inputs[0], bn) ? p : undefined;
}

/**
 * Folds an inference BatchNormalization into the Conv, Gemm or MatMul(+Add) before it, when that
 * producer's output feeds nothing else and its weights are constants: weights scaled per output
 * channel, bias = (bias - mean) * gamma / sqrt(var + eps) + beta. Fresh initializer names; the
 * originals stay until dead-node removal (another node may share them).
 */
function run(model: Model): Model {
  let out: Model | undefined;
  let types: Map<string, ValueInfo> | undefined;
  const skipped = new Set<Node>();
  for (;;) {
    const g = (out ?? model).graph;
    let fold: Fold | undefined;
    for (const bn of g.nodes) {
      if (bn.opType !== 'BatchNormalization' || skipped.has(bn)) continue;
      const a = batchNormAffine(g, bn);
      const p = a ? foldableProducer(g, bn) : undefined;
      if (a && p) {
        types = types ?? valueTypes(model);
        fold = FOLDERS[p.opType](g, p, bn, a, nameGenerator(g), types);
      }
      if (fold) break;
      skipped.add(bn);
    }
    if (!fold) return out ?? model;
    out = out ?? editable(model);
    const eg = out.graph;
    for (const [k, t] of fold.inits) eg.initializers.set(k, t);
    // The rewritten chain goes where the BatchNormalization was: all its inputs are defined before it.
    const bn = fold.remove[fold.remove.length - 1];
    replaceNode(eg, bn, fold.insert);
    const gone = new Set(fold.remove.slice(0, -1));
    eg.nodes = eg.nodes.filter((n) => !gone.has(n));
  }
}

export const batchnormFolding: Pass = {
  name: 'batchnorm-folding',
  description: 'folds BatchNormalization into a preceding Conv, Gemm or MatMul(+Add) with constant weights',
  run,
};
