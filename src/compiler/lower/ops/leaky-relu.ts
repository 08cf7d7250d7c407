import { Node } from '../../../ir/types';
import { LowerContext } from '../context';
import { floatAttr } from '../helpers/attrs';
import { lowerUnary } from '../helpers/unary';

/** LeakyRelu → LEAKY_RELU (alpha defaults to 0.01 as in ONNX). */
export function lowerLeakyRelu(node: Node, ctx: LowerContext): void {
  lowerUnary(ctx, node, 'LEAKY_RELU', { kind: 'LeakyRelu', alpha: floatAttr(node, 'alpha', 0.01) });
}
