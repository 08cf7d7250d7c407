import { Node } from '../../../ir/types';
import { LowerContext, unsupported } from '../context';
import { lowerBinary } from '../helpers/binary';
import { lowerAlias } from '../helpers/unary';

/** Max of one or two inputs → MAXIMUM (broadcasting). */
export function lowerMax(node: Node, ctx: LowerContext): void {
  const inputs = node.inputs.filter(Boolean);
  if (inputs.length === 1) return lowerAlias(ctx, node, ctx.shapeOf(node.outputs[0]));
  if (inputs.length !== 2) throw unsupported(node, `${inputs.length} inputs; MAXIMUM takes two`);
  lowerBinary(ctx, node, 'MAXIMUM', { kind: 'MaximumMinimum' }, inputs);
}
