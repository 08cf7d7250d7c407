/** Gemm (A[M,K] · op(B) · alpha + beta · C, B constant) → FULLY_CONNECTED with weights [N, K]. */
import { shapeSize } from '../../../ir/tensor';
import { Node } from '../../../ir/types';
import { transposeData } from '../../layout';
import { floatData, LowerContext, unsupported } from '../context';
import { floatAttr, intAttr } from '../helpers/attrs';
import { lowerFullyConnected } from '../helpers/fully-connected';

export function lowerGemm(node: Node, ctx: LowerContext): void {
  const a = ctx.act(node, node.inputs[0]);
  const b = ctx.constOf(node.inputs[1]);
  if (!b) throw unsupported(node, 'B must be constant (FULLY_CONNECTED weights)');
  if (intAttr(node, 'transA', 0) !== 0) throw unsupported(node, 'transA = 1 has no FULLY_CONNECTED lowering');
  const transB = intAttr(node, 'transB', 0) === 1;
  const alpha = floatAttr(node, 'alpha', 1);
  const beta = floatAttr(node, 'beta', 1);
  const k = a.logical[a.logical.length - 1];
  const n = transB ? b.shape[0] : b.shape[1];
  let w = floatData(b);
  if (!transB) w = transposeData(w, b.shape, [1, 0]);
  if (alpha !== 1) w = w.map((v) => v * alpha);
  const bias = new Float32Array(n);
  const cName = node.inputs[2];
  if (cName) {
    const c = ctx.constOf(cName);
    if (!c) throw unsupported(node, 'C must be constant (FULLY_CONNECTED bias)');
    const cd = floatData(c);
    const size = shapeSize(c.shape);
    // a per-output bias: [N], [1, N] (or [M, N] with M = 1); a scalar broadcasts
    const perColumn = size === n && c.shape[c.shape.length - 1] === n;
    if (size === 1) bias.fill(cd[0] * beta);
    else if (perColumn) for (let i = 0; i < n; i++) bias[i] = cd[i] * beta;
    else throw unsupported(node, `C of shape [${c.shape}] is not a per-output bias`);
  }
  lowerFullyConnected(ctx, node, a, w, n, k, bias, node.inputs[1], cName || `${node.name}/bias`);
}
