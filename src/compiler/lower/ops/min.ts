import { Node } from '../../../ir/types';
import { LowerContext, unsupported } from '../context';
import { lowerBinary } from '../helpers/binary';
import { lowerAlias } from '../helpers/unary';

/** Min of one or two inputs → MINIMUM (broadcasting). */
export function lowerMin(node: Node, ctx: LowerContext): void {
  const inputs = node.inputs.filter(Boolean);
  if (inputs.length === 1) return lowerAlias(ctx, node, ctx.shapeOf(node.outputs[0]));
  if (inputs.length !== 2) throw unsupported(node, `${inputs.length} inputs; MINIMUM takes two`);
  lowerBinary(ctx, node, 'MINIMUM', { kind: 'MaximumMinimum' }, inputs);
}
