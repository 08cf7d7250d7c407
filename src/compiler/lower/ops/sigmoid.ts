import { Node } from '../../../ir/types';
import { LowerContext } from '../context';
import { lowerUnary } from '../helpers/unary';

/** Sigmoid → LOGISTIC. */
export function lowerSigmoid(node: Node, ctx: LowerContext): void {
  lowerUnary(ctx, node, 'LOGISTIC');
}
