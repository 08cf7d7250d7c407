import { Node } from '../../../ir/types';
import { LowerContext } from '../context';
import { lowerBinary } from '../helpers/binary';

/** Mul → MUL (broadcasting; constant operands rewritten into the activation's layout). */
export function lowerMul(node: Node, ctx: LowerContext): void {
  lowerBinary(ctx, node, 'MUL', { kind: 'Mul', fusedActivation: 'NONE' });
}
