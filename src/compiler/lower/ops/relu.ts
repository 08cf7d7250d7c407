import { Node } from '../../../ir/types';
import { LowerContext } from '../context';
import { tryFuseActivation } from '../helpers/fusion';
import { lowerUnary } from '../helpers/unary';

/** Relu → fused into its producer when possible, else RELU. */
export function lowerRelu(node: Node, ctx: LowerContext): void {
  if (!tryFuseActivation(ctx, node, 'RELU')) lowerUnary(ctx, node, 'RELU');
}
