import { Node } from '../../../ir/types';
import { LowerContext } from '../context';
import { lowerBinary } from '../helpers/binary';

/** Add → ADD (broadcasting; constant operands rewritten into the activation's layout). */
export function lowerAdd(node: Node, ctx: LowerContext): void {
  lowerBinary(ctx, node, 'ADD', { kind: 'Add', fusedActivation: 'NONE' });
}
