import { Node } from '../../../ir/types';
import { LowerContext } from '../context';
import { lowerBinary } from './binary';

/**
 * The square of a difference — Mul(d, d) or Pow(d, 2) with d = Sub(a, b), LayerNorm's variance term — as one
 * SQUARED_DIFFERENCE(a, b), the form TensorFlow's converter writes for it. In int8 the square is then computed from
 * a and b directly instead of from d rounded to 8 bits. Only with LowerOptions.squaredDifference (it measured no
 * better, docs/compatibility.md, and the firmware has no kernel for it). Returns false (nothing emitted) otherwise.
 */
export function lowerSquaredDifference(node: Node, ctx: LowerContext, d: string): boolean {
  if (!ctx.squaredDifference) return false;
  const sub = ctx.onnx.nodes.find((n) => n.outputs[0] === d);
  if (!sub || sub.opType !== 'Sub') return false;
  lowerBinary(ctx, node, 'SQUARED_DIFFERENCE', { kind: 'None' }, sub.inputs.slice(0, 2));
  return true;
}
