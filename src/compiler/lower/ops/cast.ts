import { Node } from '../../../ir/types';
import { LowerContext, unsupported } from '../context';
import { intAttr } from '../helpers/attrs';
import { lowerAlias } from '../helpers/unary';

const ONNX_FLOAT = 1;

/** Cast of a float32 value to float32 (exporters emit these) → no op; any other cast is unsupported. */
export function lowerCast(node: Node, ctx: LowerContext): void {
  const x = ctx.act(node, node.inputs[0]);
  const from = ctx.onnx.valueInfo.get(node.inputs[0])?.dtype ?? ctx.tensor(x.tensor).dtype;
  if (intAttr(node, 'to', 0) !== ONNX_FLOAT || from !== 'float32')
    throw unsupported(node, 'only float32 → float32 casts have a lowering');
  lowerAlias(ctx, node, x.logical);
}
