import { Node } from '../../../ir/types';
import { LowerContext } from '../context';
import { lowerUnary } from '../helpers/unary';

/** Tanh → TANH. */
export function lowerTanh(node: Node, ctx: LowerContext): void {
  lowerUnary(ctx, node, 'TANH');
}
