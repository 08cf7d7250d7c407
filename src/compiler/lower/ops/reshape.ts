import { Node } from '../../../ir/types';
import { LowerContext } from '../context';
import { lowerAlias } from '../helpers/unary';

/**
 * Reshape, Flatten, Squeeze, Unsqueeze: the element order is unchanged, so no op is emitted; the
 * consumer receives the same tensor (with a RESHAPE or, for a shuffled layout, a permuted FC
 * weight matrix, or as a last resort a TRANSPOSE) when it needs a particular shape.
 */
export function lowerReshape(node: Node, ctx: LowerContext): void {
  lowerAlias(ctx, node, ctx.shapeOf(node.outputs[0]));
}
