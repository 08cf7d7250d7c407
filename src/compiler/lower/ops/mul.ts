import { Node } from '../../../ir/types';
import { LowerContext } from '../context';
import { lowerBinary } from '../helpers/binary';
import { lowerSquaredDifference } from '../helpers/squared-difference';

/**
 * Mul → MUL (broadcasting; constant operands rewritten into the activation's layout); Mul(d, d) of a Sub →
 * SQUARED_DIFFERENCE.
 */
export function lowerMul(node: Node, ctx: LowerContext): void {
  if (node.inputs[0] === node.inputs[1] && lowerSquaredDifference(node, ctx, node.inputs[0])) return;
  lowerBinary(ctx, node, 'MUL', { kind: 'Mul', fusedActivation: 'NONE' });
}
