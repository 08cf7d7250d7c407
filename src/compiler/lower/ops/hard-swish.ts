import { Node } from '../../../ir/types';
import { LowerContext } from '../context';
import { lowerUnary } from '../helpers/unary';

/** HardSwish → HARD_SWISH (same definition: x · relu6(x + 3) / 6). */
export function lowerHardSwish(node: Node, ctx: LowerContext): void {
  lowerUnary(ctx, node, 'HARD_SWISH', { kind: 'HardSwish' });
}
