import { Node } from '../../../ir/types';
import { LowerContext } from '../context';
import { lowerBinary } from '../helpers/binary';

/** Sub → SUB (broadcasting; constant operands rewritten into the activation's layout). */
export function lowerSub(node: Node, ctx: LowerContext): void {
  lowerBinary(ctx, node, 'SUB', { kind: 'Sub', fusedActivation: 'NONE' });
}
