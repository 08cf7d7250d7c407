import { Node } from '../../../ir/types';
import { iota } from '../../layout';
import { LowerContext } from '../context';
import { lowerMean } from '../helpers/mean';

/** GlobalAveragePool → MEAN over the spatial axes with keep_dims (NHWC: axes 1, 2). */
export function lowerGlobalAveragePool(node: Node, ctx: LowerContext): void {
  const rank = ctx.shapeOf(node.inputs[0]).length;
  lowerMean(ctx, node, iota(rank).slice(2), true);
}
