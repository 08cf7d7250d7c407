/**
 * FULLY_CONNECTED from a constant [N, K] weight matrix. TFLite flattens its input to rows of K,
 * so the input may be any tensor whose physical rows are the logical rows; when the layout
 * shuffles elements within each row (a Flatten of an NHWC tensor), the weight columns are
 * permuted instead of the data: W'[n, j] = W[n, column(j)].
 */
import { shapeSize } from '../../../ir/tensor';
import { Node } from '../../../ir/types';
import { isTrivial, physicalIndexMap } from '../../layout';
import { ActValue, LowerContext } from '../context';

export function lowerFullyConnected(
  ctx: LowerContext,
  node: Node,
  a: ActValue,
  weights: Float32Array,
  n: number,
  k: number,
  bias: Float32Array,
  weightName: string,
  biasName: string,
): void {
  let input = a.tensor;
  let w = weights;
  if (!isTrivial(a.layout)) {
    const columns = rowPermutation(a, k);
    if (columns) {
      w = new Float32Array(n * k);
      for (let r = 0; r < n; r++) for (let j = 0; j < k; j++) w[r * k + j] = weights[r * k + columns[j]];
    } else {
      input = ctx.requestLogical(a, node);
    }
  }
  const outName = node.outputs[0];
  const out = ctx.shapeOf(outName);
  const rows = shapeSize(a.logical) / k;
  const wId = ctx.addConst(weightName, [n, k], w, 'fc-weight');
  const bId = ctx.addConst(biasName, [n], bias, 'bias');
  const o = ctx.addAct(outName, [rows, n], outName);
  ctx.emit(
    'FULLY_CONNECTED',
    { kind: 'FullyConnected', fusedActivation: 'NONE', keepNumDims: false },
    [input, wId, bId],
    [o],
    node,
  );
  ctx.defineAct(outName, o, out, { dims: [...out], perm: out.map((_, i) => i) });
}

/** Column order of physical row 0 if every physical row holds exactly its logical row, else null. */
function rowPermutation(a: ActValue, k: number): number[] | null {
  const map = physicalIndexMap(a.layout);
  const columns = new Array<number>(k);
  for (let j = 0; j < k; j++) columns[j] = map[j];
  for (let p = 0; p < map.length; p++) {
    const row = Math.floor(p / k);
    if (map[p] !== row * k + columns[p % k]) return null;
  }
  return columns;
}
