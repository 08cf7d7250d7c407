import { Node } from '../../../ir/types';
import { floatData, LowerContext, unsupported } from '../context';
import { lowerSquaredDifference } from '../helpers/squared-difference';

/**
 * Pow with a constant exponent of 2 → MUL(x, x), or SQUARED_DIFFERENCE(a, b) when x = Sub(a, b) (other exponents
 * have no TFLite Micro kernel).
 */
export function lowerPow(node: Node, ctx: LowerContext): void {
  const e = ctx.constOf(node.inputs[1]);
  const values = e ? floatData(e) : undefined;
  if (!values || !values.every((v) => v === 2))
    throw unsupported(node, 'only a constant exponent of 2 (→ MUL) has a lowering');
  if (lowerSquaredDifference(node, ctx, node.inputs[0])) return;
  const x = ctx.act(node, node.inputs[0]);
  const outName = node.outputs[0];
  const out = ctx.addAct(outName, ctx.tensor(x.tensor).shape, outName);
  ctx.emit('MUL', { kind: 'Mul', fusedActivation: 'NONE' }, [x.tensor, x.tensor], [out], node);
  ctx.defineAct(outName, out, x.logical, x.layout);
}
