/** MatMul with a constant 2-D B → FULLY_CONNECTED (weights Bᵀ, zero bias); A may carry batch dims. */
import { Node } from '../../../ir/types';
import { transposeData } from '../../layout';
import { floatData, LowerContext, unsupported } from '../context';
import { lowerFullyConnected } from '../helpers/fully-connected';

export function lowerMatMul(node: Node, ctx: LowerContext): void {
  const a = ctx.act(node, node.inputs[0]);
  const b = ctx.constOf(node.inputs[1]);
  if (!b || b.shape.length !== 2) throw unsupported(node, 'B must be a constant matrix (FULLY_CONNECTED weights)');
  if (a.logical.length < 2) throw unsupported(node, 'A must have rank ≥ 2');
  const [k, n] = b.shape;
  const w = transposeData(floatData(b), b.shape, [1, 0]);
  lowerFullyConnected(ctx, node, a, w, n, k, new Float32Array(n), node.inputs[1], `${node.name}/bias`);
}
