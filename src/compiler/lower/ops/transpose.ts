/**
 * Transpose → no op: only the value's layout changes (its elements stay where they are). A
 * TRANSPOSE is emitted later only if some consumer needs the elements in another order.
 */
import { Node } from '../../../ir/types';
import { invertPerm, iota, permute } from '../../layout';
import { LowerContext } from '../context';
import { intsAttr } from '../helpers/attrs';

export function lowerTranspose(node: Node, ctx: LowerContext): void {
  const x = ctx.act(node, node.inputs[0]);
  const rank = x.logical.length;
  const t = intsAttr(node, 'perm') ?? iota(rank).reverse();
  const outLogical = permute(x.logical, t);
  const inv = invertPerm(t);
  let P = ctx.permOf(x);
  let tensor = x.tensor;
  if (P === null) {
    tensor = ctx.requestLogical(x, node);
    P = iota(rank);
  }
  ctx.defineAct(node.outputs[0], tensor, outLogical, { dims: outLogical, perm: P.map((p) => inv[p]) }, false);
}
