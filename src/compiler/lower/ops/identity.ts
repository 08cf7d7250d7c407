import { Node } from '../../../ir/types';
import { LowerContext, unsupported } from '../context';
import { lowerAlias } from '../helpers/unary';

/** Identity, Dropout (inference: identity; its mask output must be unused) → no op. */
export function lowerIdentity(node: Node, ctx: LowerContext): void {
  if (node.outputs.slice(1).some((o) => o && ctx.useCount(o) > 0))
    throw unsupported(node, 'the mask output has no lowering');
  lowerAlias(ctx, node, ctx.shapeOf(node.outputs[0]));
}
